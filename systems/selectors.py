"""Reads for the staff pages: each list's queryset with what its table shows, in a constant number of queries."""

from django.db.models import Case, Count, F, IntegerField, Max, OuterRef, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce

from .choices import ContactRole
from .lifecycle import PROGRESSION
from .models import VM, Agency, ContactPerson, System, SystemContact


def count_of(queryset: QuerySet, outer_field: str, *, distinct: str | None = None) -> Coalesce:
    """A correlated COUNT subquery: rows of `queryset` whose `outer_field` is the outer row (0 when none)."""
    counted = Count(distinct, distinct=True) if distinct else Count("*")
    subquery = (
        queryset.filter(**{outer_field: OuterRef("pk")}).order_by().values(outer_field).annotate(n=counted).values("n")
    )
    return Coalesce(Subquery(subquery, output_field=IntegerField()), 0)


def agency_list() -> QuerySet[Agency]:
    return Agency.objects.annotate(
        system_count=count_of(System.objects.all(), "agency"),
        contact_count=count_of(ContactPerson.objects.all(), "agency"),
    ).order_by("code")


def system_list() -> QuerySet[System]:
    # The number of VMs is stored on the system (`vm_tally`): sorting by it reads an index, not every count.
    return System.objects.select_related("agency", "wave").annotate(
        primary_contact_count=count_of(SystemContact.objects.filter(role=ContactRole.PRIMARY), "system"),
    )


def vm_list() -> QuerySet[VM]:
    return VM.objects.select_related("system__agency", "system__wave")


def contactperson_list() -> QuerySet[ContactPerson]:
    return ContactPerson.objects.select_related("agency").annotate(
        system_count=count_of(SystemContact.objects.all(), "contact", distinct="system")
    )


def systemcontact_list() -> QuerySet[SystemContact]:
    return SystemContact.objects.select_related("system", "contact")


def _progress(field: str) -> Case:
    """Where the status in `field` stands on the lifecycle's road (NULL when off it), to compare in SQL."""
    return Case(
        *(When(**{field: status}, then=Value(rank)) for rank, status in enumerate(PROGRESSION)),
        output_field=IntegerField(),
    )


def vms_behind_their_system() -> QuerySet[VM]:
    """VMs behind their system on the road not planned → verified: drift that the lifecycle's follow rule
    (systems.lifecycle.vm_status_following) no longer lets any route make. `check_inventory` lists and repairs it."""
    return (
        VM.objects.select_related("system")
        .alias(vm_rank=_progress("status"), system_rank=_progress("system__status"))
        .filter(vm_rank__lt=F("system_rank"))
        .order_by("system__code", "hostname")
    )


def systems_changed_by(user, *, limit: int = 5) -> list[dict]:
    """The systems `user` changed most recently, each once: id, code and the time of their latest change."""
    return list(
        System.history.filter(history_user=user, id__in=System.objects.values("pk"))
        .values("id")
        .annotate(
            last_changed=Max("history_date"),
            code=Subquery(System.objects.filter(pk=OuterRef("id")).values("code")[:1]),
        )
        .order_by("-last_changed")[:limit]
    )
