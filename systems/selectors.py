"""Reads for the staff pages: each list's queryset with what its table shows, in a constant number of queries."""

from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.db import connection
from django.db.models import Case, Count, F, IntegerField, Max, OuterRef, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from .choices import ContactRole, MigrationStatus
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


def systems_without_primary_contact() -> QuerySet[System]:
    """Systems nobody is the primary contact of (the system list's `has_primary_contact=false`)."""
    return System.objects.exclude(pk__in=SystemContact.objects.filter(role=ContactRole.PRIMARY).values("system"))


#: The longest /staff/ shows figures older than the inventory (a write that leaves no history record).
FIGURES_SECONDS = 60


def _inventory_version() -> tuple:
    """What changes whenever the inventory is written through any route that records history: the newest history
    record of each model the figures count (one query, an index read per table)."""
    tables = [model.history.model._meta.db_table for model in (System, VM, SystemContact, ContactPerson)]
    newest = ", ".join(f"(SELECT max(history_id) FROM {connection.ops.quote_name(table)})" for table in tables)  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + newest)
        return cursor.fetchone()


def inventory_figures(
    *, without_contact_limit: int = 10, also: dict[str, Callable[[], Any]] | None = None
) -> dict[str, Any]:
    """What /staff/ counts over whole tables, with the moment it was counted (`as_of`): systems and VMs by status,
    the systems without a primary contact (how many, and the first `without_contact_limit` by code), and the
    figures of `also`, by name.

    Counting takes tens of milliseconds at the full inventory, so the figures are kept in the cache: computed again
    after any recorded change to systems, VMs or contacts, and at the latest after FIGURES_SECONDS.
    """
    version = ":".join(str(newest) for newest in _inventory_version())
    key = f"systems:inventory-figures:{connection.settings_dict['NAME']}:{without_contact_limit}:{version}"
    figures = cache.get(key)
    if figures is None:
        system_counts = dict(System.objects.order_by().values_list("status").annotate(n=Count("*")))
        vm_counts = dict(VM.objects.order_by().values_list("status").annotate(n=Count("*")))
        without_contact = systems_without_primary_contact()
        count = without_contact.count()
        figures = {
            "systems_by_status": {value: system_counts.get(value, 0) for value in MigrationStatus.values},
            "vms_by_status": {value: vm_counts.get(value, 0) for value in MigrationStatus.values},
            "without_contact_count": count,
            # None without: finding the first ones walks every system when (nearly) all have a primary contact.
            "without_contact": (
                list(without_contact.select_related("agency").order_by("code")[:without_contact_limit]) if count else []
            ),
            **{name: compute() for name, compute in (also or {}).items()},
            "as_of": timezone.now(),
        }
        cache.set(key, figures, FIGURES_SECONDS)
    return figures
