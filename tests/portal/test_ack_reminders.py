"""The daily reminder to contacts who have not acknowledged a notice within ACK_REMINDER_AFTER_DAYS."""

import socket
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core import mail

from notifications.choices import DeliveryKind, DeliveryState, NoticeKind
from notifications.models import Acknowledgement, Delivery
from notifications.services import deliveries_sweep
from notifications.tasks import delivery_send
from portal.models import AckReminder
from portal.tasks import send_ack_reminders
from tests.factories import ContactPersonFactory, NoticeFactory, SystemContactFactory, SystemFactory, WaveFactory

OSLO = ZoneInfo("Europe/Oslo")
PUBLISHED = datetime(2026, 11, 2, 8, 0, tzinfo=OSLO)


@pytest.fixture
def notice(system_a):
    start = PUBLISHED + timedelta(days=14)
    wave = WaveFactory(window_start=start, window_end=start + timedelta(hours=4))
    return NoticeFactory(wave=wave, systems=[system_a], published_at=PUBLISHED, publish_at=PUBLISHED)


def _run_daily(at, django_capture_on_commit_callbacks, enqueued):
    """Run the beat task at a fixed time, then the deliveries it enqueued (as the worker would)."""
    with time_machine.travel(at, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            send_ack_reminders()
        return enqueued.run()


def _reminder_delivery() -> Delivery:
    return Delivery.objects.get(kind=DeliveryKind.ACK_REMINDER)


def test_ack_reminder_not_sent_before_the_deadline(notice, django_capture_on_commit_callbacks, settings, enqueued):
    settings.ACK_REMINDER_AFTER_DAYS = 3
    assert _run_daily(PUBLISHED + timedelta(days=2, hours=23), django_capture_on_commit_callbacks, enqueued) == []
    assert mail.outbox == []
    assert not AckReminder.objects.exists()


def test_ack_reminder_sent_once_after_the_deadline(
    notice, contact_a, django_capture_on_commit_callbacks, settings, enqueued
):
    settings.ACK_REMINDER_AFTER_DAYS = 3
    sent_at = PUBLISHED + timedelta(days=3, minutes=1)
    assert _run_daily(sent_at, django_capture_on_commit_callbacks, enqueued) == [DeliveryState.SENT]
    (message,) = mail.outbox
    assert message.to == [contact_a.email]
    assert message.subject == f"Påminnelse: bekreft at virksomheten er informert – {notice.title}"
    assert "16.11.2026 kl. 08:00–12:00" in message.body
    assert f"{django_settings.SITE_URL}/portal/notices/{notice.pk}/" in message.body

    assert _run_daily(PUBLISHED + timedelta(days=4), django_capture_on_commit_callbacks, enqueued) == []
    delivery = _reminder_delivery()
    assert delivery_send(delivery.pk) == "skipped"  # a redelivered task never sends twice
    assert len(mail.outbox) == 1
    assert (delivery.state, delivery.sent_at, delivery.contact) == (DeliveryState.SENT, sent_at, contact_a)
    assert message.message()["Message-ID"] == f"<{delivery.uid}@kommune.example>"


def test_ack_reminder_skips_contacts_who_acknowledged(
    notice, contact_a, system_a, django_capture_on_commit_callbacks, settings, enqueued
):
    settings.ACK_REMINDER_AFTER_DAYS = 3
    late = ContactPersonFactory(email="sen@bym.example", language="en")
    SystemContactFactory(system=system_a, contact=late)
    Acknowledgement.objects.create(notice=notice, contact=contact_a)
    _run_daily(PUBLISHED + timedelta(days=3, minutes=1), django_capture_on_commit_callbacks, enqueued)
    (message,) = mail.outbox
    assert message.to == ["sen@bym.example"]
    assert message.subject.startswith("Reminder: confirm that your agency is informed")


def test_ack_reminder_not_sent_when_acknowledged_after_it_was_queued(notice, contact_a, settings, enqueued):
    settings.ACK_REMINDER_AFTER_DAYS = 3
    with time_machine.travel(PUBLISHED + timedelta(days=3, minutes=1), tick=False):
        send_ack_reminders()
        Acknowledgement.objects.create(notice=notice, contact=contact_a)
        assert delivery_send(_reminder_delivery().pk) == DeliveryState.SKIPPED
    assert mail.outbox == []


def test_ack_reminder_is_about_the_notice_that_asked_last(
    notice, contact_a, system_a, django_capture_on_commit_callbacks, settings, enqueued
):
    """A later change to the contact's system asked them again: the reminder names that change, not the
    announcement; a colleague whose system did not change is reminded of the announcement."""
    settings.ACK_REMINDER_AFTER_DAYS = 3
    unchanged = SystemFactory(agency=system_a.agency, wave=notice.wave)
    colleague = ContactPersonFactory(email="kollega@bym.example")
    SystemContactFactory(system=unchanged, contact=colleague)
    notice.systems.add(unchanged)
    changed_at = PUBLISHED + timedelta(hours=1)
    change = NoticeFactory(
        wave=notice.wave, kind=NoticeKind.CHANGE, systems=[system_a], published_at=changed_at, publish_at=changed_at
    )

    _run_daily(PUBLISHED + timedelta(days=3, hours=2), django_capture_on_commit_callbacks, enqueued)

    assert set(AckReminder.objects.values_list("notice_id", "contact__email")) == {
        (change.pk, contact_a.email),
        (notice.pk, "kollega@bym.example"),
    }
    assert len(mail.outbox) == 2


@pytest.mark.parametrize("case", ["window_over", "reminder_kind"])
def test_ack_reminder_not_sent_for_past_windows_or_reminder_notices(
    notice, django_capture_on_commit_callbacks, settings, case, enqueued
):
    settings.ACK_REMINDER_AFTER_DAYS = 3
    when = PUBLISHED + timedelta(days=3, minutes=1)
    if case == "window_over":
        when = notice.window_end + timedelta(minutes=1)
    else:
        notice.kind = NoticeKind.REMINDER
        notice.save()
    _run_daily(when, django_capture_on_commit_callbacks, enqueued)
    assert mail.outbox == []


def test_ack_reminder_smtp_failure_is_recorded_and_retried(
    notice, django_capture_on_commit_callbacks, settings, enqueued
):
    settings.ACK_REMINDER_AFTER_DAYS = 3
    with socket.socket() as probe:  # a loopback port nobody listens on: the connection is refused
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 2
    first = PUBLISHED + timedelta(days=3, minutes=1)
    assert _run_daily(first, django_capture_on_commit_callbacks, enqueued) == [DeliveryState.PENDING]
    delivery = _reminder_delivery()
    assert delivery.attempts == 1
    assert "refused" in delivery.last_error.lower()
    assert enqueued == [(delivery.pk, pytest.approx((delivery.next_attempt_at - first).total_seconds()))]

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with time_machine.travel(delivery.next_attempt_at, tick=False):
        assert enqueued.run() == [DeliveryState.SENT]
    assert len(mail.outbox) == 1


def test_ack_reminder_left_sending_by_a_dead_worker_is_sent_by_the_sweeper(
    notice, contact_a, settings, enqueued, django_capture_on_commit_callbacks
):
    """A worker claimed the reminder and died before it finished: the claim runs out, the sweeper hands it on."""
    settings.ACK_REMINDER_AFTER_DAYS = 3
    settings.NOTICE_DELIVERY_LEASE_SECONDS = 20
    claimed_at = PUBLISHED + timedelta(days=3, minutes=1)
    with time_machine.travel(claimed_at, tick=False):
        send_ack_reminders()
        delivery = _reminder_delivery()
        # What the dead worker left: the row claimed (attempt 1 started), no outcome.
        Delivery.objects.filter(pk=delivery.pk).update(locked_until=claimed_at + timedelta(seconds=20), attempts=1)
        enqueued.clear()
    with time_machine.travel(claimed_at + timedelta(seconds=19), tick=False):
        assert deliveries_sweep() == []  # the lease still runs
    with time_machine.travel(claimed_at + timedelta(seconds=21), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            assert deliveries_sweep() == [delivery.pk]
        assert enqueued.run() == [DeliveryState.SENT]
    (message,) = mail.outbox
    assert message.to == [contact_a.email]
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == (DeliveryState.SENT, 2)


def test_ack_reminder_task_is_on_the_daily_beat_schedule(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["portal-ack-reminders"]
    assert entry["task"] == send_ack_reminders.name
    assert entry["schedule"].hour == {settings.PORTAL_ACK_REMINDER_HOUR}
    assert entry["schedule"].minute == {0}


def test_portal_beat_entries_name_registered_tasks(settings):
    from migportal.celery import app

    app.loader.import_default_modules()  # what a worker does at start: autodiscover every app's tasks
    portal_entries = {
        name: entry for name, entry in settings.CELERY_BEAT_SCHEDULE.items() if name.startswith("portal-")
    }
    assert set(portal_entries) == {"portal-ack-reminders", "portal-escalation-alert", "portal-purge-login-links"}
    for entry in portal_entries.values():
        assert entry["task"] in app.tasks
