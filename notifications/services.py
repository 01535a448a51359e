"""Writes to downtime notices and their deliveries (docs/architecture.md, "Downtime notices").

The database is the source of truth: a notice
waits in a row until its `publish_at`; publishing writes the Delivery rows (the outbox) in the same transaction
and enqueues their tasks on commit; a delivery is claimed with a conditional update before it is sent."""

import logging
import random
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from datetime import datetime, timedelta

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.postgres.expressions import ArraySubquery
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import CharField, Exists, F, OuterRef, Prefetch, Q, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from kombu.exceptions import ChannelError

from systems.models import ContactPerson, System, SystemContact
from systems.services import systems_follow_notice
from waves.choices import WaveState
from waves.models import Wave

from .choices import AttemptOutcome, ChangeKind, DeliveryChannel, DeliveryState, NoticeKind, NoticeState
from .messages import change_record, default_text, system_snapshot
from .models import Delivery, DeliveryAttempt, Notice, WebhookEndpoint
from .transports import DeliveryError, HeldError, NotNeededError, TemporaryError, transport_for

logger = logging.getLogger(__name__)

CYCLE_KINDS = [NoticeKind.ANNOUNCEMENT, NoticeKind.REMINDER, NoticeKind.CHANGE]
LIVE_STATES = [NoticeState.SCHEDULED, NoticeState.PUBLISHED]
# Waves whose notices stand; in other states scheduled notices are cancelled (and published ones revoked).
ACTIVE_WAVE_STATES = {WaveState.CONFIRMED, WaveState.IN_PROGRESS}
# A late countdown or clock skew between workers must not make a due retry look early.
CLAIM_SLACK = timedelta(seconds=2)


def _lead(kind: str) -> timedelta:
    days = settings.NOTICE_LEAD_DAYS if kind == NoticeKind.ANNOUNCEMENT else settings.REMINDER_LEAD_DAYS
    return timedelta(days=days)


def _wave_systems(wave: Wave) -> list[System]:
    return list(wave.systems.select_related("agency").order_by("code"))


# --- Scheduling (the receivers of the inventory's and the waves' events call this, inside their transaction) ----


def notices_sync_wave(*, wave: Wave, by: AbstractBaseUser | None = None) -> None:
    """Bring a wave's notices in line with its state, window and systems.

    Before the announcement is out, the scheduled notices follow the wave; after it, what changed since the last
    published notice is collected into one change notice (see `_collect_change`); leaving the confirmed and
    in-progress states cancels what is scheduled, and a cancellation goes to those who heard of the wave.

    Call inside the transaction that changed the wave, with the wave row locked; what is published here
    is delivered only if that transaction commits.
    """
    now = timezone.now()
    cycle = list(
        wave.notices.select_for_update()
        .filter(kind__in=CYCLE_KINDS, state__in=LIVE_STATES)
        .order_by("publish_at", "pk")
    )
    published = [notice for notice in cycle if notice.state == NoticeState.PUBLISHED]
    scheduled = [notice for notice in cycle if notice.state == NoticeState.SCHEDULED]

    if wave.state not in ACTIVE_WAVE_STATES:
        for notice in scheduled:
            notice.state = NoticeState.CANCELLED
            notice.save(update_fields=["state"])
        if published and wave.state != WaveState.COMPLETED:
            _issue_cancellation(wave=wave, latest=_latest(published), now=now, by=by)
            _supersede(published)
        return

    if not cycle:
        if wave.state == WaveState.CONFIRMED:
            _schedule_cycle(wave=wave, now=now, by=by)
        return

    systems = _wave_systems(wave)
    if not published:
        _reschedule(wave=wave, notices=scheduled, systems=systems, now=now, by=by)
        return

    pending = next((notice for notice in scheduled if notice.kind == NoticeKind.CHANGE), None)
    reminders = [notice for notice in scheduled if notice.kind == NoticeKind.REMINDER]
    changed = _collect_change(wave=wave, baseline=_latest(published), pending=pending, systems=systems, now=now)
    if reminders:
        _reschedule(wave=wave, notices=reminders, systems=systems, now=now, by=by)
    elif changed and pending is None:
        _schedule_reminder(wave=wave, systems=systems, now=now)
    if changed and changed.publish_at <= now:
        notice_publish(notice=changed, now=now, by=by)


def _latest(published: list[Notice]) -> Notice:
    return max(published, key=lambda notice: (notice.published_at, notice.pk))


def _supersede(published: list[Notice]) -> None:
    Notice.objects.filter(pk__in=[notice.pk for notice in published]).update(state=NoticeState.SUPERSEDED)


def _new_notice(*, wave: Wave, kind: str, publish_at: datetime, systems: list[System], **fields) -> Notice:
    notice = Notice(
        wave=wave,
        kind=kind,
        publish_at=publish_at,
        window_start=fields.pop("window_start", wave.window_start),
        window_end=fields.pop("window_end", wave.window_end),
        **fields,
    )
    notice.full_clean(exclude=["systems"])
    notice.save()
    notice.systems.set(systems)
    return notice


def _schedule_cycle(*, wave: Wave, now: datetime, by: AbstractBaseUser | None) -> None:
    systems = _wave_systems(wave)
    announce_at = wave.window_start - _lead(NoticeKind.ANNOUNCEMENT)
    short = announce_at <= now
    announcement = _new_notice(
        wave=wave,
        kind=NoticeKind.ANNOUNCEMENT,
        publish_at=now if short else announce_at,
        short_notice=short,
        systems=systems,
    )
    _schedule_reminder(wave=wave, systems=systems, now=now)
    if short:
        notice_publish(notice=announcement, now=now, by=by)


def _schedule_reminder(*, wave: Wave, systems: list[System], now: datetime) -> None:
    """A reminder only if its time is still ahead: when it has passed, the notice going out now says it all."""
    remind_at = wave.window_start - _lead(NoticeKind.REMINDER)
    if remind_at > now:
        _new_notice(wave=wave, kind=NoticeKind.REMINDER, publish_at=remind_at, systems=systems)


def _reschedule(
    *, wave: Wave, notices: list[Notice], systems: list[System], now: datetime, by: AbstractBaseUser | None
) -> None:
    """Scheduled notices follow the wave's window and systems; one that is due by now goes out at once."""
    publish_now = []
    for notice in notices:
        ideal = wave.window_start - _lead(notice.kind)
        notice.window_start, notice.window_end = wave.window_start, wave.window_end
        if ideal > now:
            notice.publish_at, notice.short_notice = ideal, False
        elif notice.kind == NoticeKind.ANNOUNCEMENT:
            notice.publish_at, notice.short_notice = now, True
            publish_now.append(notice)
        else:
            # A reminder whose time has passed: the announcement or change going out takes its place.
            notice.state = NoticeState.CANCELLED
        notice.save(update_fields=["window_start", "window_end", "publish_at", "short_notice", "state"])
        notice.systems.set(systems)
    for notice in publish_now:
        notice_publish(notice=notice, now=now, by=by)


def _downtime(item: dict, window: tuple[datetime, datetime]) -> tuple[datetime, datetime]:
    """A snapshot item's downtime: its own slot, else the window."""
    start = parse_datetime(item["downtime_start"]) if item.get("downtime_start") else window[0]
    end = parse_datetime(item["downtime_end"]) if item.get("downtime_end") else window[1]
    return start, end


def _wave_changes(*, baseline: Notice, window: tuple[datetime, datetime], current: list[dict]) -> list[dict]:
    """What changed for each system since the last published notice (`baseline`, which holds the full state).

    A moved window concerns every system of the wave; otherwise a system is named when it joined (added), left
    (removed) or its own downtime moved (moved). Each record is the system's snapshot with `change`, its
    downtime now (`downtime_start`/`downtime_end`, for a removed system the one it no longer has) and, where the
    time moved, `previous_start`/`previous_end`.
    """
    old_window = (baseline.window_start, baseline.window_end)
    window_moved = old_window != window
    before = {item["id"]: item for item in baseline.systems_snapshot if not item.get("removed")}
    records = []
    for item in current:
        start, end = _downtime(item, window)
        old = before.pop(item["id"], None)
        if old is None:
            records.append(change_record(item, ChangeKind.ADDED, (start, end)))
        elif window_moved or _downtime(old, old_window) != (start, end):
            previous = _downtime(old, old_window)
            records.append(change_record(item, ChangeKind.MOVED, (start, end), previous=previous))
    records += [change_record(item, ChangeKind.REMOVED, _downtime(item, old_window)) for item in before.values()]
    return sorted(records, key=lambda record: record["code"])


def _collect_change(
    *, wave: Wave, baseline: Notice, pending: Notice | None, systems: list[System], now: datetime
) -> Notice | None:
    """Collect what changed since `baseline` into the wave's one pending change notice (created, updated, or
    cancelled when nothing is left to tell). It is due CHANGE_NOTICE_DELAY_MINUTES after the first change, or
    at once when the delay is 0 or less than it remains before the window. Returns the pending notice."""
    window = (wave.window_start, wave.window_end)
    current = [system_snapshot(system) for system in systems]
    changes = _wave_changes(baseline=baseline, window=window, current=current)
    if not changes:
        if pending is not None:
            pending.state = NoticeState.CANCELLED
            pending.save(update_fields=["state"])
        return None
    delay = timedelta(minutes=settings.CHANGE_NOTICE_DELAY_MINUTES)
    at_once = delay <= timedelta(0) or wave.window_start - now < delay
    previous = (baseline.window_start, baseline.window_end)
    if previous == window:
        previous = (None, None)
    fields = {
        "window_start": wave.window_start,
        "window_end": wave.window_end,
        "previous_window_start": previous[0],
        "previous_window_end": previous[1],
        "systems_snapshot": current,
        "changes": changes,
    }
    named = list(System.objects.filter(pk__in=[record["id"] for record in changes]))
    if pending is None:
        return _new_notice(
            wave=wave, kind=NoticeKind.CHANGE, publish_at=now if at_once else now + delay, systems=named, **fields
        )
    for name, value in fields.items():
        setattr(pending, name, value)
    if at_once:
        pending.publish_at = now
    pending.full_clean(exclude=["systems"])
    pending.save()
    pending.systems.set(named)
    return pending


def _issue_cancellation(*, wave: Wave, latest: Notice, now: datetime, by: AbstractBaseUser | None) -> Notice:
    """A cancellation, at once, to those who heard of the wave (its systems as last published)."""
    snapshot = [item for item in latest.systems_snapshot if not item.get("removed")]
    notice = _new_notice(
        wave=wave,
        kind=NoticeKind.CANCELLATION,
        publish_at=now,
        systems=list(System.objects.filter(pk__in=[item["id"] for item in snapshot])),
        window_start=latest.window_start,
        window_end=latest.window_end,
        systems_snapshot=snapshot,
    )
    return notice_publish(notice=notice, now=now, by=by)


# --- Publishing ---------------------------------------------------------------------------------------------


def notice_publish(*, notice: Notice, now: datetime | None = None, by: AbstractBaseUser | None = None) -> Notice:
    """Publish a scheduled notice now: freeze its window, systems and text, write its deliveries.

    Idempotent: a notice that is no longer scheduled is returned unchanged. The delivery tasks are enqueued
    only when the surrounding transaction commits.
    """
    now = now or timezone.now()
    with transaction.atomic():
        # Lock order (systems.events): the wave first, then the notice, then (following the notice) its systems.
        wave_id = Notice.objects.filter(pk=notice.pk).values_list("wave_id", flat=True).get()
        wave = Wave.objects.select_for_update().get(pk=wave_id)
        notice = Notice.objects.select_for_update(of=("self",)).get(pk=notice.pk)
        notice.wave = wave
        if notice.state != NoticeState.SCHEDULED:
            return notice
        if notice.kind in (NoticeKind.ANNOUNCEMENT, NoticeKind.REMINDER):
            if wave.state not in ACTIVE_WAVE_STATES:
                notice.state = NoticeState.CANCELLED
                notice.save(update_fields=["state"])
                return notice
            if notice.kind == NoticeKind.REMINDER:  # the reminder comes after any change still being collected
                for pending in wave.notices.filter(kind=NoticeKind.CHANGE, state=NoticeState.SCHEDULED):
                    notice_publish(notice=pending, now=now, by=by)
            systems = _wave_systems(wave)
            notice.window_start, notice.window_end = wave.window_start, wave.window_end
            notice.systems_snapshot = [system_snapshot(system) for system in systems]
            notice.systems.set(systems)
        notice.state = NoticeState.PUBLISHED
        notice.published_at = now
        if not notice.text_edited:
            notice.title, notice.body = default_text(notice)
        notice.save()
        removed = {record["id"] for record in notice.changes if record["change"] == ChangeKind.REMOVED}
        systems_follow_notice(
            system_ids=notice.systems.exclude(pk__in=removed).values_list("pk", flat=True),
            cancelled=notice.kind == NoticeKind.CANCELLATION,
            by=by,
            reason=_("downtime notice published (%(kind)s)") % {"kind": notice.get_kind_display()},
        )
        if notice.kind == NoticeKind.CHANGE:
            _supersede_covered(wave)
        delivery_ids = _create_deliveries(notice, now=now)
        transaction.on_commit(lambda: deliveries_enqueue(delivery_ids), robust=True)
    logger.info("Published notice %s (%s, wave %s): %d deliveries", notice.pk, notice.kind, wave, len(delivery_ids))
    return notice


def _supersede_covered(wave: Wave) -> None:
    """An earlier notice is superseded once later change notices named every one of its systems; until then it
    stays the current notice (and its confirmations stay valid) for the contacts of the systems not named."""
    notices = list(
        wave.notices.filter(kind__in=CYCLE_KINDS, state__in=[NoticeState.PUBLISHED, NoticeState.SUPERSEDED])
        .order_by("-published_at", "-pk")
        .prefetch_related(Prefetch("systems", queryset=System.objects.only("pk")))
    )
    covered: set[int] | None = None  # systems named by a later change notice; None before the first one
    done = []
    for notice in notices:
        ids = {system.pk for system in notice.systems.all()}
        if covered is not None and notice.state == NoticeState.PUBLISHED and ids <= covered:
            done.append(notice)
        if notice.kind == NoticeKind.CHANGE:
            covered = (covered or set()) | ids
    _supersede(done)


def _create_deliveries(notice: Notice, *, now: datetime) -> list[int]:
    """The outbox rows of a notice: one e-mail per contact person of the systems it names (for a change notice,
    those whose downtime changed), one webhook call."""
    contacts = (
        ContactPerson.objects.filter(system_contacts__system__in=notice.systems.all())
        .distinct()
        .only("pk", "email")
        .order_by("pk")
    )
    rows = [
        Delivery(
            notice=notice,
            channel=DeliveryChannel.EMAIL,
            recipient=contact.email.strip().lower(),
            contact=contact,
            next_attempt_at=now,
        )
        for contact in contacts
    ]
    url = settings.PORTAL_WEBHOOK_URL
    if url:  # while the endpoint is disabled the row is written and held, and sent when staff enable it again
        held = webhook_endpoint_is_disabled(url)
        rows.append(
            Delivery(
                notice=notice,
                channel=DeliveryChannel.PORTAL_WEBHOOK,
                recipient=url,
                next_attempt_at=now,
                state=DeliveryState.HELD if held else DeliveryState.PENDING,
            )
        )
    for row in rows:  # pending rows are enqueued when the transaction commits; held ones wait unqueued
        row.queued_at = now if row.state == DeliveryState.PENDING else None
    Delivery.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
    return list(notice.deliveries.filter(state=DeliveryState.PENDING).values_list("pk", flat=True))


def notices_publish_due(*, now: datetime | None = None, limit: int = 100) -> list[int]:
    """Publish every scheduled notice whose time has come, one transaction each (the beat task).

    Rows are claimed with SELECT … FOR UPDATE SKIP LOCKED, so dispatchers running at once share the work
    and never publish a notice twice.
    """
    published = []
    for _i in range(limit):
        with transaction.atomic():
            # The notice and its wave in one statement that never waits (the lock order puts the wave first).
            notice = (
                Notice.objects.select_for_update(skip_locked=True, of=("self", "wave"))
                .select_related("wave")
                .filter(state=NoticeState.SCHEDULED, publish_at__lte=now or timezone.now())
                .order_by("publish_at", "pk")
                .first()
            )
            if notice is None:
                break
            notice_publish(notice=notice)
            published.append(notice.pk)
    return published


def notice_publish_now(*, notice: Notice, by: AbstractBaseUser | None) -> Notice:
    """Staff's "publish now" for a scheduled notice."""
    if notice.state != NoticeState.SCHEDULED:
        raise ValidationError(_("Only a scheduled notice can be published."), code="notice_not_scheduled")
    return notice_publish(notice=notice, by=by)


def notice_update_text(*, notice: Notice, title: str, body: str, by: AbstractBaseUser | None) -> Notice:
    """Staff's own title and text for a scheduled notice; blank title and text go back to the template."""
    with transaction.atomic():
        notice = Notice.objects.select_for_update(of=("self",)).select_related("wave").get(pk=notice.pk)
        if notice.state != NoticeState.SCHEDULED:
            raise ValidationError(
                _("The text can only be changed until the notice is published."), code="notice_not_scheduled"
            )
        title, body = title.strip(), body.strip()
        default_title, default_body = default_text(notice)
        if (title, body) in (("", ""), (default_title, default_body)):
            notice.title, notice.body, notice.text_edited = "", "", False
        else:
            if not title or not body:
                raise ValidationError(_("Give both a title and a text, or neither to use the template."))
            notice.title, notice.body, notice.text_edited = title, body, True
        notice.full_clean(exclude=["systems"])
        notice.save(update_fields=["title", "body", "text_edited"])
    return notice


# --- Delivering ---------------------------------------------------------------------------------------------
# Every outgoing message is a Delivery row: downtime notices (e-mail, webhook) and the portal's own e-mails
# alike. A worker claims a row with a conditional update that also sets a short lease, renews the lease while
# it sends, and writes the outcome; the sweeper gives rows whose worker died or whose message was lost to
# another worker. Nothing is sent twice by us: a row is sent only by the worker holding its claim.


def deliveries_enqueue(
    delivery_ids: Iterable[int], *, countdown: float | None = None, again: bool = False, in_order: bool = False
) -> None:
    """Put one delivery task per id on the broker (a lost message is found again by the sweeper).

    `again`: on the retries queue (deliveries found by the sweeper, retried by staff), which workers take from in
    turn with the default queue, so these do not wait behind a backlog. `in_order`: one chain, so each is sent
    after the one before it (the held webhook calls of a wave).
    """
    from celery import chain

    from .tasks import delivery_send

    ids = list(delivery_ids)
    if not ids:
        return
    queue = settings.NOTICE_RETRY_QUEUE if again else None
    if in_order:
        chain(delivery_send.si(delivery_id).set(queue=queue) for delivery_id in ids).apply_async()
        return
    with delivery_send.app.producer_or_acquire() as producer:
        for delivery_id in ids:
            delivery_send.apply_async((delivery_id,), countdown=countdown, queue=queue, producer=producer)


def retry_delay(attempts: int) -> float:
    """Exponential backoff with jitter: base · 2^(n−1), capped, then between half and all of it."""
    delay = min(settings.NOTICE_RETRY_MAX_SECONDS, settings.NOTICE_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0))
    return delay / 2 + random.uniform(0, delay / 2)


# The claim and its ledger row in ONE statement (so one round trip and one commit, and nothing in between
# to lose): the conditional update takes the row only if it is pending, not held by a live worker and due;
# the attempt row is inserted from what the update returned. No row back: someone else has it, or it's done.
_CLAIM_SQL = """
WITH claimed AS (
    UPDATE notifications_delivery SET locked_until = %(lease)s, attempts = attempts + 1
    WHERE id = %(id)s AND state = %(pending)s
      AND (locked_until IS NULL OR locked_until <= %(now)s)
      AND (next_attempt_at IS NULL OR next_attempt_at <= %(due)s)
    RETURNING id, attempts
)
INSERT INTO notifications_deliveryattempt (delivery_id, number, started_at, finished_at, outcome, error)
SELECT id, attempts, %(now)s, NULL, %(started)s, '' FROM claimed
RETURNING id, number
"""

# Sent: the delivery row and its ledger row in one statement (one commit).
_SENT_SQL = """
WITH finished AS (
    UPDATE notifications_deliveryattempt SET finished_at = %(finished)s, outcome = %(outcome)s WHERE id = %(attempt_id)s
)
UPDATE notifications_delivery
SET state = %(state)s, sent_at = %(finished)s, locked_until = NULL, queued_at = NULL, last_error = ''
WHERE id = %(id)s
"""


def _lease(now: datetime) -> datetime:
    return now + timedelta(seconds=settings.NOTICE_DELIVERY_LEASE_SECONDS)


def _claim(delivery_id: int, *, now: datetime) -> tuple[int, int] | None:
    """Claim a delivery and write its ledger row (committed before anything is sent).

    Returns the attempt's id and number (the claim's identity), or None when the row is not ours to send.
    """
    if connection.vendor == "postgresql":
        params = {
            "id": delivery_id,
            "lease": _lease(now),
            "now": now,
            "due": now + CLAIM_SLACK,
            "pending": DeliveryState.PENDING,
            "started": AttemptOutcome.STARTED,
        }
        with connection.cursor() as cursor:
            cursor.execute(_CLAIM_SQL, params)
            row = cursor.fetchone()
        return (row[0], row[1]) if row else None
    with transaction.atomic():  # the embedded SQLite has no UPDATE in WITH: the same, in three statements
        claimed = (
            Delivery.objects.filter(pk=delivery_id, state=DeliveryState.PENDING)
            .filter(Q(locked_until__isnull=True) | Q(locked_until__lte=now))
            .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now + CLAIM_SLACK))
            .update(locked_until=_lease(now), attempts=F("attempts") + 1)
        )
        if not claimed:
            return None
        number = Delivery.objects.filter(pk=delivery_id).values_list("attempts", flat=True).get()
        return DeliveryAttempt.objects.create(delivery_id=delivery_id, number=number, started_at=now).pk, number


@contextmanager
def _lease_renewed(delivery_id: int, number: int) -> Iterator[None]:
    """While the block runs (a slow SMTP server, a slow webhook), extend the claim every third of the lease.

    The claim is renewed only while it is still this attempt's (same attempt number, still pending), so a worker
    that was too slow never takes a row back from the one the sweeper gave it to. If this process dies, the
    renewals stop and the lease runs out within NOTICE_DELIVERY_LEASE_SECONDS.
    """
    done = threading.Event()

    def renew() -> None:
        try:
            while not done.wait(settings.NOTICE_DELIVERY_LEASE_SECONDS / 3):
                kept = Delivery.objects.filter(pk=delivery_id, state=DeliveryState.PENDING, attempts=number).update(
                    locked_until=_lease(timezone.now())
                )
                if not kept:
                    return
        finally:
            connection.close()  # this thread's own connection

    renewer = threading.Thread(target=renew, name=f"lease-{delivery_id}", daemon=True)
    renewer.start()
    try:
        yield
    finally:
        done.set()
        renewer.join()


def _mark_sent(delivery_id: int, attempt_id: int) -> None:
    finished = timezone.now()
    if connection.vendor == "postgresql":
        params = {
            "id": delivery_id,
            "attempt_id": attempt_id,
            "finished": finished,
            "state": DeliveryState.SENT,
            "outcome": AttemptOutcome.SENT,
        }
        with connection.cursor() as cursor:
            cursor.execute(_SENT_SQL, params)
        return
    with transaction.atomic():
        Delivery.objects.filter(pk=delivery_id).update(
            state=DeliveryState.SENT, sent_at=finished, locked_until=None, queued_at=None, last_error=""
        )
        DeliveryAttempt.objects.filter(pk=attempt_id).update(finished_at=finished, outcome=AttemptOutcome.SENT)


# A published notice's content is frozen (window, systems, text), and 10,000 deliveries share it: each worker
# process reads it (with its wave) once and keeps it a short while, instead of joining its large JSON into
# every delivery's query. Keyed by publication too; the wave's name may be this many seconds stale.
_NOTICE_CACHE: dict[tuple[int, datetime], tuple[float, Notice]] = {}
_NOTICE_CACHE_SECONDS = 60.0
_NOTICE_CACHE_MAX = 64


def _published_notice(notice_id: int, published_at: datetime | None) -> Notice:
    key = (notice_id, published_at)
    hit = _NOTICE_CACHE.get(key)
    if hit is not None and hit[0] > time.monotonic() and published_at is not None:
        return hit[1]
    notice = Notice.objects.select_related("wave").get(pk=notice_id)
    if len(_NOTICE_CACHE) >= _NOTICE_CACHE_MAX:
        _NOTICE_CACHE.clear()
    _NOTICE_CACHE[key] = (time.monotonic() + _NOTICE_CACHE_SECONDS, notice)
    return notice


def _delivery_for_sending(delivery_id: int) -> Delivery:
    """The delivery with its contact person and (PostgreSQL) the contact's roles in one query; its notice
    and wave from the per-process cache (one more query when the notice is not there yet)."""
    queryset = Delivery.objects.select_related("contact").annotate(notice_published_at=F("notice__published_at"))
    if connection.vendor == "postgresql":
        links = (
            SystemContact.objects.filter(contact_id=OuterRef("contact_id"))
            .order_by("role", "system_id")
            .values(link=Concat(Cast("system_id", CharField()), Value(":"), "role", output_field=CharField()))
        )
        queryset = queryset.annotate(contact_links=ArraySubquery(links))
    delivery = queryset.get(pk=delivery_id)
    if delivery.notice_id is not None:
        delivery.notice = _published_notice(delivery.notice_id, delivery.notice_published_at)
    if connection.vendor == "postgresql":  # elsewhere the e-mail looks the roles up itself
        roles: dict[int, list[str]] = {}
        for link in delivery.contact_links:
            system_id, _sep, role = link.partition(":")
            roles.setdefault(int(system_id), []).append(role)
        delivery.roles_by_system = roles
    return delivery


def delivery_attempt(*, delivery_id: int) -> str:
    """Try to send one delivery; returns the outcome. Safe to call any number of times for the same id.

    The claim is a conditional update (pending, not claimed by a live worker, due): if no row changed, some
    other worker has it or it is done, and nothing is sent. The ledger row is written before sending.
    Three statements per sent delivery: claim + ledger row, the delivery's data, sent + ledger row.
    """
    now = timezone.now()
    claim = _claim(delivery_id, now=now)
    if claim is None:
        return "skipped"
    attempt_id, number = claim
    delivery = _delivery_for_sending(delivery_id)
    try:
        with _lease_renewed(delivery_id, number):
            transport_for(delivery.channel).send(delivery)
    except DeliveryError as error:
        return _record_failure(delivery, attempt_id, error)
    except SoftTimeLimitExceeded:
        return _record_failure(delivery, attempt_id, TemporaryError("Time limit exceeded while sending"))
    except Exception as error:  # a bug or an unforeseen failure: keep the row alive, retry, end dead
        logger.exception("Delivery %s failed unexpectedly", delivery_id)
        return _record_failure(delivery, attempt_id, TemporaryError(f"{error.__class__.__name__}: {error}"))
    _mark_sent(delivery_id, attempt_id)
    return DeliveryState.SENT


def _record_failure(delivery: Delivery, attempt_id: int, error: DeliveryError) -> str:
    """Write the outcome of a try that did not send: held, not needed, failed (permanent), retry later, or dead.

    A retry due within a task's time limit is put on the broker with a countdown; a later one waits in the
    database (next_attempt_at) and the sweeper enqueues it when it is due, so no message waits long in a worker.
    """
    finished = timezone.now()
    next_at = queued_at = countdown = None
    if isinstance(error, HeldError):
        state, outcome = DeliveryState.HELD, AttemptOutcome.PERMANENT
    elif isinstance(error, NotNeededError):
        state, outcome = DeliveryState.SKIPPED, AttemptOutcome.PERMANENT
    elif error.permanent:
        state, outcome = DeliveryState.FAILED, AttemptOutcome.PERMANENT
    elif delivery.attempts >= settings.NOTICE_DELIVERY_MAX_ATTEMPTS:
        state, outcome = DeliveryState.DEAD, AttemptOutcome.TEMPORARY
    else:
        state, outcome = DeliveryState.PENDING, AttemptOutcome.TEMPORARY
        delay = max(retry_delay(delivery.attempts), error.retry_after or 0)
        next_at = finished + timedelta(seconds=delay)
        if delay < settings.CELERY_TASK_TIME_LIMIT:
            countdown, queued_at = delay, next_at
    with transaction.atomic():
        DeliveryAttempt.objects.filter(pk=attempt_id).update(finished_at=finished, outcome=outcome, error=str(error))
        Delivery.objects.filter(pk=delivery.pk).update(
            state=state, next_attempt_at=next_at, queued_at=queued_at, locked_until=None, last_error=str(error)
        )
    logger.warning("Delivery %s attempt %s: %s (%s)", delivery.pk, delivery.attempts, state, error)
    if countdown is not None:
        try:
            deliveries_enqueue([delivery.pk], countdown=countdown, again=True)
        except Exception:
            logger.exception("Could not enqueue the retry of delivery %s; the sweeper will", delivery.pk)
    return state


def _delivery_queue_length() -> int | None:
    """Messages waiting on the delivery queues (default and retries); None when the broker does not answer."""
    from .tasks import delivery_send

    app = delivery_send.app
    waiting = 0
    try:
        with app.connection_for_read() as broker:
            for queue in (app.conf.task_default_queue, settings.NOTICE_RETRY_QUEUE):
                with suppress(ChannelError):  # no such queue: nothing waits there
                    waiting += broker.default_channel.queue_declare(queue=queue, passive=True).message_count
    except Exception:
        logger.warning("Sweeper: the broker does not answer; lost messages are looked for on the next run")
        return None
    return waiting


def deliveries_sweep(*, now: datetime | None = None, limit: int = 5000) -> list[int]:
    """Re-enqueue the pending deliveries that are due and that no live worker holds, when no message is on its
    way for them: their worker died while sending (its lease ran out), no message was ever queued (a retry due
    later than a countdown), or (checked only while the delivery queue is empty, so nothing can still be waiting
    in line) their message was queued over NOTICE_SWEEP_AFTER_SECONDS ago and is lost. A delivery whose worker
    died while making its last attempt ends dead."""
    now = now or timezone.now()
    free = Q(state=DeliveryState.PENDING, next_attempt_at__lte=now + CLAIM_SLACK) & (
        Q(locked_until__isnull=True) | Q(locked_until__lte=now)
    )
    lost = Q(locked_until__isnull=False) | Q(queued_at__isnull=True)
    if _delivery_queue_length() == 0:
        lost |= Q(queued_at__lte=now - timedelta(seconds=settings.NOTICE_SWEEP_AFTER_SECONDS))
    with transaction.atomic():
        rows = list(
            Delivery.objects.select_for_update(skip_locked=True)
            .filter(free & lost)
            .order_by("next_attempt_at", "pk")
            .values_list("pk", "attempts", "locked_until")[:limit]
        )
        dead = [pk for pk, attempts, lease in rows if lease and attempts >= settings.NOTICE_DELIVERY_MAX_ATTEMPTS]
        ids = [pk for pk, _attempts, _lease in rows if pk not in set(dead)]
        Delivery.objects.filter(pk__in=dead).update(
            state=DeliveryState.DEAD, locked_until=None, queued_at=None, last_error="Worker lost while sending"
        )
        Delivery.objects.filter(pk__in=ids).update(queued_at=now, locked_until=None)
        transaction.on_commit(lambda: deliveries_enqueue(ids, again=True), robust=True)
    if rows:
        logger.warning("Sweeper re-enqueued %d pending deliveries (%d dead)", len(ids), len(dead))
    return ids


def delivery_retry(*, delivery: Delivery, by: AbstractBaseUser | None) -> bool:
    """Staff's retry of a failed or dead delivery: pending again with a fresh set of attempts."""
    with transaction.atomic():
        now = timezone.now()
        changed = Delivery.objects.filter(pk=delivery.pk, state__in=[DeliveryState.FAILED, DeliveryState.DEAD]).update(
            state=DeliveryState.PENDING, attempts=0, next_attempt_at=now, queued_at=now, locked_until=None
        )
        if changed:
            transaction.on_commit(lambda: deliveries_enqueue([delivery.pk], again=True), robust=True)
    return bool(changed)


def emails_queue(
    *, kind: str, recipients: Iterable[tuple[int, str, ContactPerson | None]], enqueue: bool = True
) -> list[int]:
    """Write the ledger rows of the portal's own e-mails of one kind, one per (reference, address, contact person)
    and enqueue them on commit (`enqueue=False`: the caller sends them itself, after commit, with delivery_attempt).

    The reference names what an e-mail is about (see Delivery); writing the same (kind, reference, address) again
    adds nothing, so a task that runs twice sends once. Returns the ids of the rows written now.
    """
    now = timezone.now()
    rows = [
        Delivery(
            kind=kind,
            reference=reference,
            channel=DeliveryChannel.EMAIL,
            recipient=address.strip().lower(),
            contact=contact,
            next_attempt_at=now,
        )
        for reference, address, contact in recipients
    ]
    with transaction.atomic():
        Delivery.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
        new = Delivery.objects.filter(
            kind=kind,
            reference__in={row.reference for row in rows},
            state=DeliveryState.PENDING,
            queued_at__isnull=True,
            attempts=0,
        )
        ids = list(new.values_list("pk", flat=True))
        Delivery.objects.filter(pk__in=ids).update(queued_at=now)
        if enqueue:
            transaction.on_commit(lambda: deliveries_enqueue(ids), robust=True)
    return ids


# --- Webhook endpoint state ---------------------------------------------------------------------------------


def webhook_endpoint_is_disabled(url: str) -> bool:
    return WebhookEndpoint.objects.filter(url=url, disabled_at__isnull=False).exists()


def webhook_endpoint_disable(*, url: str, reason: str, by: AbstractBaseUser | None = None) -> None:
    """Stop calling the webhook (it answered 410 Gone, or staff said so): its deliveries are held until staff
    enable it again. Rows a worker is sending right now finish as they go."""
    now = timezone.now()
    with transaction.atomic():
        WebhookEndpoint.objects.update_or_create(url=url, defaults={"disabled_at": now, "disabled_reason": reason})
        Delivery.objects.filter(
            channel=DeliveryChannel.PORTAL_WEBHOOK, recipient=url, state=DeliveryState.PENDING
        ).filter(Q(locked_until__isnull=True) | Q(locked_until__lte=now)).update(
            state=DeliveryState.HELD, locked_until=None, queued_at=None
        )
    logger.error("Webhook endpoint %s disabled: %s", url, reason)


def webhook_endpoint_enable(*, url: str, by: AbstractBaseUser | None) -> int | None:
    """Call the webhook again, and send what it missed: for every wave with a held call, each of its notices
    that is still live, in the order they were published (a held call of a notice that was replaced since is not
    sent; the notice that replaced it is). Returns how many calls are queued, or None for an unknown endpoint."""
    now = timezone.now()
    with transaction.atomic():
        if not WebhookEndpoint.objects.filter(url=url).update(disabled_at=None, disabled_reason=""):
            return None
        # The endpoint's row is locked by the update above: enabling and disabling take turns.
        held = Delivery.objects.filter(channel=DeliveryChannel.PORTAL_WEBHOOK, recipient=url, state=DeliveryState.HELD)
        already_sent = Delivery.objects.filter(
            notice=OuterRef("pk"), channel=DeliveryChannel.PORTAL_WEBHOOK, recipient=url, state=DeliveryState.SENT
        )
        live = list(
            Notice.objects.filter(wave_id__in=held.values("notice__wave_id"), state=NoticeState.PUBLISHED)
            .exclude(Exists(already_sent))
            .order_by("published_at", "pk")
            .values_list("pk", flat=True)
        )
        Delivery.objects.bulk_create(
            [Delivery(notice_id=pk, channel=DeliveryChannel.PORTAL_WEBHOOK, recipient=url) for pk in live],
            ignore_conflicts=True,
        )
        calls = dict(
            Delivery.objects.filter(
                notice_id__in=live,
                channel=DeliveryChannel.PORTAL_WEBHOOK,
                recipient=url,
                state__in=[DeliveryState.HELD, DeliveryState.PENDING],
            ).values_list("notice_id", "pk")
        )
        ids = [calls[pk] for pk in live if pk in calls]
        Delivery.objects.filter(pk__in=ids).update(
            state=DeliveryState.PENDING, attempts=0, next_attempt_at=now, queued_at=now, locked_until=None
        )
        held.exclude(pk__in=ids).update(state=DeliveryState.SKIPPED, last_error="Replaced by a newer notice")
        transaction.on_commit(lambda: deliveries_enqueue(ids, again=True, in_order=True), robust=True)
    logger.warning("Webhook endpoint %s enabled again; %d held calls queued", url, len(ids))
    return len(ids)
