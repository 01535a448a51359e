"""The daily reminder to contacts who have not acknowledged a notice within ACK_REMINDER_AFTER_DAYS."""

import socket
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core import mail

from notifications.choices import NoticeKind
from notifications.models import Acknowledgement
from portal.choices import ReminderState
from portal.models import AckReminder
from portal.tasks import send_ack_reminder, send_ack_reminders
from tests.factories import ContactPersonFactory, NoticeFactory, SystemContactFactory, WaveFactory

OSLO = ZoneInfo("Europe/Oslo")
PUBLISHED = datetime(2026, 11, 2, 8, 0, tzinfo=OSLO)


@pytest.fixture
def notice(system_a):
    start = PUBLISHED + timedelta(days=14)
    wave = WaveFactory(window_start=start, window_end=start + timedelta(hours=4))
    return NoticeFactory(wave=wave, systems=[system_a], published_at=PUBLISHED, publish_at=PUBLISHED)


def _run_daily(at, django_capture_on_commit_callbacks):
    """Run the beat task at a fixed time, then the send tasks it enqueued (as the worker would)."""
    with time_machine.travel(at, tick=False):
        with django_capture_on_commit_callbacks() as callbacks:
            send_ack_reminders()
        return [send_ack_reminder(reminder.pk) for reminder in AckReminder.objects.filter(state="pending")], callbacks


def test_ack_reminder_not_sent_before_the_deadline(notice, django_capture_on_commit_callbacks, settings):
    settings.ACK_REMINDER_AFTER_DAYS = 3
    _run_daily(PUBLISHED + timedelta(days=2, hours=23), django_capture_on_commit_callbacks)
    assert mail.outbox == []
    assert not AckReminder.objects.exists()


def test_ack_reminder_sent_once_after_the_deadline(notice, contact_a, django_capture_on_commit_callbacks, settings):
    settings.ACK_REMINDER_AFTER_DAYS = 3
    results, callbacks = _run_daily(PUBLISHED + timedelta(days=3, minutes=1), django_capture_on_commit_callbacks)
    assert results == [ReminderState.SENT]
    assert len(callbacks) == 1
    (message,) = mail.outbox
    assert message.to == [contact_a.email]
    assert message.subject == f"Påminnelse: bekreft at virksomheten er informert – {notice.title}"
    assert "16.11.2026 kl. 08:00–12:00" in message.body
    assert f"{django_settings.SITE_URL}/portal/notices/{notice.pk}/" in message.body

    _run_daily(PUBLISHED + timedelta(days=4), django_capture_on_commit_callbacks)
    reminder = AckReminder.objects.get()
    assert send_ack_reminder(reminder.pk) == "not-claimed"  # a redelivered task never sends twice
    assert len(mail.outbox) == 1
    assert reminder.sent_at == PUBLISHED + timedelta(days=3, minutes=1)


def test_ack_reminder_skips_contacts_who_acknowledged(
    notice, contact_a, system_a, django_capture_on_commit_callbacks, settings
):
    settings.ACK_REMINDER_AFTER_DAYS = 3
    late = ContactPersonFactory(email="sen@bym.example", language="en")
    SystemContactFactory(system=system_a, contact=late)
    Acknowledgement.objects.create(notice=notice, contact=contact_a)
    _run_daily(PUBLISHED + timedelta(days=3, minutes=1), django_capture_on_commit_callbacks)
    (message,) = mail.outbox
    assert message.to == ["sen@bym.example"]
    assert message.subject.startswith("Reminder: confirm that your agency is informed")


def test_ack_reminder_not_sent_when_acknowledged_after_it_was_queued(
    notice, contact_a, django_capture_on_commit_callbacks, settings
):
    settings.ACK_REMINDER_AFTER_DAYS = 3
    with time_machine.travel(PUBLISHED + timedelta(days=3, minutes=1), tick=False):
        send_ack_reminders()
        Acknowledgement.objects.create(notice=notice, contact=contact_a)
        assert send_ack_reminder(AckReminder.objects.get().pk) == ReminderState.SKIPPED
    assert mail.outbox == []


@pytest.mark.parametrize("case", ["window_over", "reminder_kind"])
def test_ack_reminder_not_sent_for_past_windows_or_reminder_notices(
    notice, django_capture_on_commit_callbacks, settings, case
):
    settings.ACK_REMINDER_AFTER_DAYS = 3
    when = PUBLISHED + timedelta(days=3, minutes=1)
    if case == "window_over":
        when = notice.window_end + timedelta(minutes=1)
    else:
        notice.kind = NoticeKind.REMINDER
        notice.save()
    _run_daily(when, django_capture_on_commit_callbacks)
    assert mail.outbox == []


def test_ack_reminder_smtp_failure_is_recorded_and_retried_next_day(
    notice, django_capture_on_commit_callbacks, settings
):
    settings.ACK_REMINDER_AFTER_DAYS = 3
    with socket.socket() as probe:  # a loopback port nobody listens on: the connection is refused
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 2
    results, _ = _run_daily(PUBLISHED + timedelta(days=3, minutes=1), django_capture_on_commit_callbacks)
    assert results == [ReminderState.PENDING]
    reminder = AckReminder.objects.get()
    assert reminder.attempts == 1
    assert "refused" in reminder.last_error.lower()

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    results, _ = _run_daily(PUBLISHED + timedelta(days=4), django_capture_on_commit_callbacks)
    assert results == [ReminderState.SENT]
    assert len(mail.outbox) == 1


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
