"""Reads for the customer portal. Every scoping rule (who sees which notice and system) lives here, once."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Exists, F, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from migportal.access import is_project_staff
from notifications.choices import ChangeKind, NoticeKind, NoticeState
from notifications.messages import notice_parts, notice_systems_for_contact, notice_text
from notifications.models import Acknowledgement, Notice
from systems.choices import ContactRole, MigrationStatus
from systems.models import ContactPerson, System, SystemContact
from waves.choices import WaveState

from .choices import TestResult
from .models import TestReport

# Notices a reader may see: those that went out (a superseded one stays in its chain, marked as such).
VISIBLE_STATES = (NoticeState.PUBLISHED, NoticeState.SUPERSEDED)
# Notices that change what a calendar shows: their arrival bumps the event's SEQUENCE.
CHANGING_KINDS = (NoticeKind.CHANGE, NoticeKind.CANCELLATION)
# Notices that ask their readers to confirm (again): a reminder repeats what was asked and asks nothing new.
ASKING_KINDS = (NoticeKind.ANNOUNCEMENT, NoticeKind.CHANGE, NoticeKind.CANCELLATION)
# Systems past these states need no warning any more.
SETTLED_STATES = (MigrationStatus.MIGRATED, MigrationStatus.VERIFIED, MigrationStatus.EXCLUDED)


class SubqueryCount(Subquery):
    """COUNT(DISTINCT first column) of a subquery, for per-row counts without joins that multiply rows."""

    template = "(SELECT COUNT(DISTINCT _sub.%(column)s) FROM (%(subquery)s) _sub)"
    output_field = IntegerField()

    def __init__(self, queryset, column: str = "contact_id", **extra):
        super().__init__(queryset.values(column), column=column, **extra)


def contact_for(user: AbstractBaseUser | AnonymousUser | None) -> ContactPerson | None:
    """The contact person a logged-in user is, or None."""
    if user is None or not user.is_authenticated:
        return None
    try:
        return user.contact_person
    except ContactPerson.DoesNotExist:
        return None


def visible_systems(contact: ContactPerson) -> QuerySet[System]:
    """The systems a contact person may see: those they are a contact for, and their agency's."""
    own = Q(pk__in=SystemContact.objects.filter(contact=contact).values("system_id"))
    if contact.agency_id:
        own |= Q(agency_id=contact.agency_id)
    return System.objects.filter(own)


def systems_for(user) -> QuerySet[System]:
    """Systems for the portal's "My systems": everything for staff, the scope above for a contact, else none."""
    if is_project_staff(user):
        return System.objects.all()
    contact = contact_for(user)
    return visible_systems(contact) if contact else System.objects.none()


def published_notices() -> QuerySet[Notice]:
    return Notice.objects.filter(state__in=VISIBLE_STATES, published_at__isnull=False)


def contact_systems(contact: ContactPerson) -> QuerySet[System]:
    """The systems a person is a named contact for (any role): what their personal calendar follows."""
    return System.objects.filter(pk__in=SystemContact.objects.filter(contact=contact).values("system_id"))


def notices_naming(systems: QuerySet[System]) -> QuerySet[Notice]:
    """Published (and superseded) notices that name at least one of these systems."""
    through = Notice.systems.through.objects.filter(notice_id=OuterRef("pk"), system_id__in=systems.values("pk"))
    return published_notices().filter(Exists(through))


def notices_for_contact(contact: ContactPerson) -> QuerySet[Notice]:
    """Published (and superseded) notices that name at least one system the contact may see."""
    return notices_naming(visible_systems(contact))


def notices_for(user) -> QuerySet[Notice]:
    """Notices a user may open in the portal; anything else is a 404."""
    if is_project_staff(user):
        return published_notices()
    contact = contact_for(user)
    return notices_for_contact(contact) if contact else Notice.objects.none()


def notice_list(user) -> QuerySet[Notice]:
    """The "My notices" list: newest first, with whether this contact has acknowledged each and whether a later
    notice asked them again (their systems changed)."""
    notices = notices_for(user).select_related("wave").order_by("-published_at", "-pk")
    contact = contact_for(user)
    if contact:
        notices = notices.annotate(
            acknowledged=Exists(Acknowledgement.objects.filter(notice_id=OuterRef("pk"), contact=contact)),
            asked_again=Exists(
                later_asking_notices(
                    wave_id=OuterRef("wave_id"),
                    published_at=OuterRef("published_at"),
                    notice_id=OuterRef("pk"),
                    contact_id=contact.pk,
                )
            ),
        )
    return notices


def notice_systems(notice: Notice, user) -> QuerySet[System]:
    """The notice's affected systems that this user may see."""
    systems = notice.systems.select_related("agency").order_by("code")
    if is_project_staff(user):
        return systems
    contact = contact_for(user)
    return systems.filter(pk__in=visible_systems(contact).values("pk")) if contact else systems.none()


def notice_as_read_by(
    notice: Notice, user, contact: ContactPerson | None, language: str
) -> tuple[str, str, list[System]]:
    """Title, text and visible systems of a notice as one reader sees it, in the reader's language. A change
    notice is worded for the contact's own systems (as their e-mail was), and each system carries `change`: what
    changed for it."""
    systems = list(notice_systems(notice, user))
    if notice.kind == NoticeKind.CHANGE:
        changes = {part.code: part for part in notice_parts(notice)}
        for system in systems:
            system.change = changes.get(system.code)
        own = notice_systems_for_contact(notice, contact) if contact else None
        if own:
            title, body = notice_text(notice, language, own)
            return title, body, systems
    title, body = notice_text(notice, language)
    return title, body, systems


def notice_chain(notice: Notice, user) -> QuerySet[Notice]:
    """The notices of the same wave this user may see, oldest first: announcement → change → cancellation."""
    return notices_for(user).filter(wave_id=notice.wave_id).order_by("published_at", "pk")


def later_asking_notices(*, wave_id, published_at, notice_id, contact_id) -> QuerySet:
    """Later notices of the same wave that name one of the contact's systems and ask for a confirmation (as
    notice–system rows; the arguments may be OuterRef). While there is none, the contact's confirmation of the
    notice stays valid: a change that touches only other systems does not ask them again."""
    later = Q(notice__published_at__gt=published_at) | Q(notice__published_at=published_at, notice_id__gt=notice_id)
    return Notice.systems.through.objects.filter(
        later,
        notice__wave_id=wave_id,
        notice__state__in=VISIBLE_STATES,
        notice__kind__in=ASKING_KINDS,
        system__system_contacts__contact_id=contact_id,
    )


def _replaced_for(contact_id, notice=None) -> Exists:
    """Whether a later notice asks `contact_id` again (of `notice`, else of the outer query's notice)."""
    if notice is not None:
        return Exists(
            later_asking_notices(
                wave_id=notice.wave_id, published_at=notice.published_at, notice_id=notice.pk, contact_id=contact_id
            )
        )
    return Exists(
        later_asking_notices(
            wave_id=OuterRef(OuterRef("wave_id")),
            published_at=OuterRef(OuterRef("published_at")),
            notice_id=OuterRef(OuterRef("pk")),
            contact_id=contact_id,
        )
    )


def notice_is_current_for(notice: Notice, contact: ContactPerson) -> bool:
    """A published notice the contact may (still) confirm: no later notice asked them again."""
    if notice.state != NoticeState.PUBLISHED:
        return False
    return not later_asking_notices(
        wave_id=notice.wave_id, published_at=notice.published_at, notice_id=notice.pk, contact_id=contact.pk
    ).exists()


def agency_acknowledgements(notice: Notice, contact: ContactPerson) -> QuerySet[Acknowledgement]:
    """Acknowledgements of this notice by the contact and by colleagues of the same agency."""
    same_agency = Q(contact=contact)
    if contact.agency_id:
        same_agency |= Q(contact__agency_id=contact.agency_id)
    return notice.acknowledgements.filter(same_agency).select_related("contact").order_by("acknowledged_at")


def expected_contacts(notice: Notice) -> QuerySet[ContactPerson]:
    """Who should acknowledge a notice: every contact person of its systems, plus anyone who did.

    Each row carries `acknowledged_at` (None when not yet acknowledged), `asked_again` (a later notice of the
    wave changed one of their systems and asks them instead) and `earlier_acknowledged_at` (when they last
    confirmed an earlier notice of the wave).
    """
    linked = SystemContact.objects.filter(system__notices=notice).values("contact_id")
    acks = Acknowledgement.objects.filter(notice=notice)
    earlier = Acknowledgement.objects.filter(
        Q(notice__published_at__lt=notice.published_at)
        | Q(notice__published_at=notice.published_at, notice_id__lt=notice.pk),
        notice__wave_id=notice.wave_id,
        contact_id=OuterRef("pk"),
    ).order_by("-acknowledged_at")
    return (
        ContactPerson.objects.filter(Q(pk__in=linked) | Q(pk__in=acks.values("contact_id")))
        .annotate(
            acknowledged_at=Subquery(acks.filter(contact_id=OuterRef("pk")).values("acknowledged_at")[:1]),
            asked_again=_replaced_for(OuterRef("pk"), notice),
            earlier_acknowledged_at=Subquery(earlier.values("acknowledged_at")[:1]),
        )
        .select_related("agency")
        .order_by("agency__name", "name")
    )


def acknowledgement_overview() -> QuerySet[Notice]:
    """Published notices for staff, with how many contact persons should and did acknowledge each: those whom
    a later change asked again count there, not here."""
    still_asked = ~_replaced_for(OuterRef("contact_id"))
    expected = SystemContact.objects.filter(still_asked, system__notices=OuterRef("pk"))
    acked = Acknowledgement.objects.filter(still_asked, notice_id=OuterRef("pk"))
    return (
        Notice.objects.filter(state=NoticeState.PUBLISHED)
        .select_related("wave")
        .annotate(expected_count=SubqueryCount(expected), acknowledged_count=SubqueryCount(acked))
        .order_by("window_start", "pk")
    )


def escalation_systems(*, now: datetime) -> QuerySet[System]:
    """Systems whose window starts within PORTAL_ESCALATION_DAYS and whose notices nobody acknowledged."""
    horizon = now + timedelta(days=settings.PORTAL_ESCALATION_DAYS)
    acked = Acknowledgement.objects.filter(
        notice__systems=OuterRef("pk"), notice__wave_id=OuterRef("wave_id"), notice__state__in=VISIBLE_STATES
    )
    latest_notice = (
        published_notices()
        .filter(systems=OuterRef("pk"), wave_id=OuterRef("wave_id"))
        .order_by("-published_at")
        .values("published_at")[:1]
    )
    return (
        System.objects.filter(wave__isnull=False)
        .exclude(wave__state=WaveState.CANCELLED)
        .exclude(status__in=SETTLED_STATES)
        .annotate(window_starts=Coalesce(F("downtime_start"), F("wave__window_start")))
        .filter(window_starts__gt=now, window_starts__lte=horizon)
        .exclude(Exists(acked))
        .annotate(
            latest_notice_at=Subquery(latest_notice),
            contact_count=SubqueryCount(SystemContact.objects.filter(system_id=OuterRef("pk"))),
        )
        .select_related("agency", "wave")
        .order_by("window_starts", "code")
    )


def due_ack_reminders(*, now: datetime) -> set[tuple[int, int]]:
    """(notice id, contact id) pairs to remind: published over ACK_REMINDER_AFTER_DAYS ago, window not over,
    the contact has neither acknowledged nor been reminded of that notice."""
    cutoff = now - timedelta(days=settings.ACK_REMINDER_AFTER_DAYS)
    notices = Notice.objects.filter(state=NoticeState.PUBLISHED, published_at__lte=cutoff, window_end__gt=now).exclude(
        kind=NoticeKind.REMINDER
    )
    pairs = set(
        Notice.systems.through.objects.filter(notice__in=notices)
        .filter(system__system_contacts__isnull=False)
        .values_list("notice_id", "system__system_contacts__contact_id")
        .distinct()
    )
    if not pairs:
        return pairs
    done = set(Acknowledgement.objects.filter(notice__in=notices).values_list("notice_id", "contact_id")) | set(
        notices.filter(ack_reminders__isnull=False).values_list("pk", "ack_reminders__contact_id")
    )
    # A later notice that asked the contact again is the one to remind them of.
    asked_again = set(
        Notice.systems.through.objects.filter(notice__in=notices)
        .filter(
            Exists(
                later_asking_notices(
                    wave_id=OuterRef("notice__wave_id"),
                    published_at=OuterRef("notice__published_at"),
                    notice_id=OuterRef("notice_id"),
                    contact_id=OuterRef("system__system_contacts__contact_id"),
                )
            )
        )
        .values_list("notice_id", "system__system_contacts__contact_id")
    )
    return pairs - done - asked_again


def tester_systems(contact: ContactPerson) -> QuerySet[System]:
    """Systems this contact person tests (role tester)."""
    return System.objects.filter(
        pk__in=SystemContact.objects.filter(contact=contact, role=ContactRole.TESTER).values("system_id")
    )


def portal_system_list(user) -> QuerySet[System]:
    """ "My systems": with agency, wave, the latest test result and whether the user may record one."""
    latest_report = TestReport.objects.filter(system_id=OuterRef("pk")).order_by("-created_at", "-pk")
    systems = (
        systems_for(user)
        .select_related("agency", "wave")
        .annotate(
            last_test_result=Subquery(latest_report.values("result")[:1]),
            last_test_at=Subquery(latest_report.values("created_at")[:1]),
        )
        .order_by("code")
    )
    contact = contact_for(user)
    if contact:
        systems = systems.annotate(
            is_tester=Exists(
                SystemContact.objects.filter(system_id=OuterRef("pk"), contact=contact, role=ContactRole.TESTER)
            )
        )
    return systems


def open_test_problems(system: System) -> QuerySet[TestReport]:
    """Problems testers reported for this system that no later OK test resolved (for the staff system page)."""
    return (
        TestReport.objects.filter(system=system, result=TestResult.PROBLEMS, resolved_at__isnull=True)
        .select_related("contact", "reported_by")
        .order_by("-created_at")
    )


@dataclass
class CalendarEvent:
    """One downtime window of one wave as a contact person's calendar shows it."""

    wave_id: int
    wave_name: str
    start: datetime
    end: datetime
    title: str
    body: str
    notice_id: int
    last_modified: datetime
    sequence: int
    cancelled: bool
    systems: list[System] = field(default_factory=list)


def _only_removed(notice: Notice) -> bool:
    """A change notice whose (prefetched) systems of the reader all left the wave."""
    if notice.kind != NoticeKind.CHANGE:
        return False
    removed = {item["id"] for item in notice.changes if item["change"] == ChangeKind.REMOVED}
    own = {system.pk for system in notice.systems.all()}
    return bool(own) and own <= removed


def calendar_events(contact: ContactPerson, *, now: datetime) -> list[CalendarEvent]:
    """One event per wave window of the contact's own systems, built from that wave's published notices.

    Windows that ended more than PORTAL_CALENDAR_PAST_DAYS ago are left out (the feed stays small; the
    portal keeps the full history). The agency's other systems are in "My notices" and the Atom feed, not here.

    UID is the wave's (`downtime_uid`, as in the mailed .ics); SEQUENCE is the id of the notice that first told the
    contact or of the latest change or cancellation after it, as the mailed .ics of that notice has it; the event
    is cancelled when the latest notice the contact sees is a cancellation, or a later change no longer names any
    of the contact's systems. Three queries whatever the data size.
    """
    chains: dict[int, list[Notice]] = {}
    own = contact_systems(contact)
    since = now - timedelta(days=settings.PORTAL_CALENDAR_PAST_DAYS)
    recent_waves = notices_naming(own).filter(window_end__gte=since).values("wave_id")
    visible = (
        notices_naming(own)
        .filter(wave_id__in=recent_waves)
        .select_related("wave")
        .prefetch_related(Prefetch("systems", queryset=own.order_by("code")))
        .order_by("published_at", "pk")
    )
    for notice in visible:
        chains.setdefault(notice.wave_id, []).append(notice)
    every_notice: dict[int, list[dict]] = {}
    for row in (
        published_notices()
        .filter(wave_id__in=chains)
        .order_by("published_at", "pk")
        .values("pk", "wave_id", "kind", "published_at")
    ):
        every_notice.setdefault(row["wave_id"], []).append(row)

    events = []
    for wave_id, chain in chains.items():
        first, last = chain[0], chain[-1]
        wave_notices = every_notice[wave_id]
        after_first = [row for row in wave_notices if (row["published_at"], row["pk"]) > (first.published_at, first.pk)]
        after_last = [row for row in after_first if (row["published_at"], row["pk"]) > (last.published_at, last.pk)]
        # A change names the systems whose downtime changed: one that names the contact's systems only as
        # removed took them out of the window; a later cancellation that does not name them came after that.
        removed = _only_removed(last) or any(row["kind"] == NoticeKind.CANCELLATION for row in after_last)
        events.append(
            CalendarEvent(
                wave_id=wave_id,
                wave_name=last.wave.name,
                start=last.window_start,
                end=last.window_end,
                title=last.title,
                body=last.body,
                notice_id=last.pk,
                last_modified=wave_notices[-1]["published_at"],
                sequence=max([first.pk] + [row["pk"] for row in after_first if row["kind"] in CHANGING_KINDS]),
                cancelled=last.kind == NoticeKind.CANCELLATION or removed,
                systems=list(last.systems.all()),
            )
        )
    return sorted(events, key=lambda event: (event.start, event.wave_id))
