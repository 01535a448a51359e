"""The notice rules, with the clock fixed: schedule, reschedule, change, cancel, short notice.

Change notices (grouped, targeted, per contact) have their own module, test_change_notices.py.
"""

from datetime import datetime, timedelta

import pytest
from django.db import transaction

from notifications.choices import DeliveryChannel, NoticeKind, NoticeState
from notifications.models import Delivery, Notice
from notifications.services import notices_publish_due
from systems.models import System
from tests.factories import ContactPersonFactory, SystemContactFactory, SystemFactory, WaveFactory
from waves.choices import WaveState
from waves.services import wave_create, wave_set_state, wave_systems_changed, wave_update

from .conftest import OSLO, WINDOW_END, WINDOW_START


def _notices(wave, **filters):
    return list(Notice.objects.filter(wave=wave, **filters).order_by("publish_at", "pk"))


def _recipients(notice):
    return set(notice.deliveries.filter(channel=DeliveryChannel.EMAIL).values_list("recipient", flat=True))


def _confirm(wave):
    return wave_set_state(wave=wave, state=WaveState.CONFIRMED, by=None)


def _publish_at(scene, clock, when):
    clock.move_to(when)
    return notices_publish_due()


def _publish_collected_changes(clock):
    """Let CHANGE_NOTICE_DELAY_MINUTES pass and the dispatcher run."""
    clock.shift(timedelta(minutes=15))
    return notices_publish_due()


def test_confirming_wave_schedules_announcement_and_reminder_at_their_lead_times(scene):
    _confirm(scene.wave)

    announcement, reminder = _notices(scene.wave)
    assert (announcement.kind, announcement.state) == (NoticeKind.ANNOUNCEMENT, NoticeState.SCHEDULED)
    assert announcement.publish_at == WINDOW_START - timedelta(days=14)
    assert (reminder.kind, reminder.state) == (NoticeKind.REMINDER, NoticeState.SCHEDULED)
    assert reminder.publish_at == WINDOW_START - timedelta(days=2)
    assert not announcement.short_notice
    assert not Delivery.objects.exists()


def test_creating_wave_as_confirmed_schedules_notices_too(db, clock, notice_settings, enqueued):
    wave = wave_create(by=None, name="Bølge 99", window_start=WINDOW_START, window_end=WINDOW_END, state="confirmed")

    assert [notice.kind for notice in _notices(wave)] == [NoticeKind.ANNOUNCEMENT, NoticeKind.REMINDER]


def test_draft_wave_has_no_notices(scene):
    wave_update(wave=scene.wave, by=None, notes="Planlegges")

    assert not Notice.objects.exists()


def test_dispatcher_publishes_announcement_at_its_time_and_not_before(scene, clock):
    _confirm(scene.wave)

    assert _publish_at(scene, clock, WINDOW_START - timedelta(days=14, seconds=1)) == []
    published = _publish_at(scene, clock, WINDOW_START - timedelta(days=14))

    announcement = Notice.objects.get(pk=published[0])
    assert announcement.kind == NoticeKind.ANNOUNCEMENT
    assert announcement.state == NoticeState.PUBLISHED
    assert announcement.title == "Varsel om nedetid: Bølge 12, lørdag 6. mars 2021 kl. 18:00–23:00"
    assert _recipients(announcement) == {"kari@kommune.example", "ola@kommune.example", "per@kommune.example"}
    assert _notices(scene.wave, state=NoticeState.SCHEDULED)[0].kind == NoticeKind.REMINDER


def test_dispatcher_publishes_reminder_two_days_before(scene, clock):
    _confirm(scene.wave)
    _publish_at(scene, clock, WINDOW_START - timedelta(days=14))

    published = _publish_at(scene, clock, WINDOW_START - timedelta(days=2))

    reminder = Notice.objects.get(pk=published[0])
    assert reminder.kind == NoticeKind.REMINDER
    assert len(_recipients(reminder)) == 3
    assert _publish_at(scene, clock, WINDOW_START) == []


def test_published_deliveries_are_enqueued_only_on_commit(scene, clock, django_capture_on_commit_callbacks, enqueued):
    _confirm(scene.wave)
    clock.move_to(WINDOW_START - timedelta(days=14))

    with django_capture_on_commit_callbacks(execute=True):
        notices_publish_due()

    assert sorted(call[0] for call in enqueued) == sorted(Delivery.objects.values_list("pk", flat=True))


def test_confirming_late_publishes_at_once_with_short_notice(scene, clock):
    clock.move_to(WINDOW_START - timedelta(days=5))

    _confirm(scene.wave)

    announcement, reminder = _notices(scene.wave)
    assert announcement.state == NoticeState.PUBLISHED
    assert announcement.short_notice
    assert announcement.published_at == WINDOW_START - timedelta(days=5)
    assert "senere enn avtalt varslingstid" in announcement.body
    assert len(_recipients(announcement)) == 3
    assert (reminder.state, reminder.publish_at) == (NoticeState.SCHEDULED, WINDOW_START - timedelta(days=2))


def test_confirming_after_reminder_time_sends_only_the_short_notice_announcement(scene, clock):
    clock.move_to(WINDOW_START - timedelta(hours=12))

    _confirm(scene.wave)

    (announcement,) = _notices(scene.wave)
    assert (announcement.kind, announcement.state, announcement.short_notice) == (
        NoticeKind.ANNOUNCEMENT,
        NoticeState.PUBLISHED,
        True,
    )


def test_window_moved_before_publication_moves_scheduled_notices(scene, clock):
    _confirm(scene.wave)
    later = WINDOW_START + timedelta(days=7)

    wave_update(wave=scene.wave, by=None, window_start=later, window_end=later + timedelta(hours=5))

    announcement, reminder = _notices(scene.wave)
    assert announcement.publish_at == later - timedelta(days=14)
    assert reminder.publish_at == later - timedelta(days=2)
    assert announcement.window_start == later
    assert not _notices(scene.wave, kind=NoticeKind.CHANGE)


def test_window_moved_closer_before_publication_publishes_at_once_as_short_notice(scene, clock):
    _confirm(scene.wave)
    clock.move_to(datetime(2021, 2, 1, 9, 0, tzinfo=OSLO))
    sooner = datetime(2021, 2, 10, 18, 0, tzinfo=OSLO)

    wave_update(wave=scene.wave, by=None, window_start=sooner, window_end=sooner + timedelta(hours=5))

    announcement, reminder = _notices(scene.wave)
    assert (announcement.state, announcement.short_notice) == (NoticeState.PUBLISHED, True)
    assert announcement.window_start == sooner
    assert (reminder.state, reminder.publish_at) == (NoticeState.SCHEDULED, sooner - timedelta(days=2))


def test_systems_added_and_removed_before_publication_change_who_gets_the_announcement(scene, clock):
    _confirm(scene.wave)
    newcomer = SystemFactory(code="NY", wave=scene.wave)
    SystemContactFactory(system=newcomer, contact=ContactPersonFactory(email="ny@kommune.example"))
    System.objects.filter(pk=scene.test1.pk).update(wave=None)
    wave_systems_changed(waves=[scene.wave], by=None)

    assert set(_notices(scene.wave)[0].systems.values_list("code", flat=True)) == {"ERP", "ARK", "NY"}
    (announcement_id,) = _publish_at(scene, clock, WINDOW_START - timedelta(days=14))
    announcement = Notice.objects.get(pk=announcement_id)
    assert _recipients(announcement) == {"kari@kommune.example", "ola@kommune.example", "ny@kommune.example"}
    assert not _notices(scene.wave, kind=NoticeKind.CHANGE)


def test_window_moved_after_publication_issues_change_and_reschedules_reminder(scene, clock):
    _confirm(scene.wave)
    _publish_at(scene, clock, WINDOW_START - timedelta(days=14))
    clock.move_to(WINDOW_START - timedelta(days=10))
    later = WINDOW_START + timedelta(days=7)

    wave_update(wave=scene.wave, by=None, window_start=later, window_end=later + timedelta(hours=5))
    _publish_collected_changes(clock)

    announcement, change, reminder = _notices(scene.wave)
    assert announcement.state == NoticeState.SUPERSEDED
    assert (change.kind, change.state) == (NoticeKind.CHANGE, NoticeState.PUBLISHED)
    assert (change.previous_window_start, change.window_start) == (WINDOW_START, later)
    assert "Det var lørdag 6. mars 2021 kl. 18:00–23:00" in change.body
    assert "nå lørdag 13. mars 2021 kl. 18:00–23:00" in change.body
    assert len(_recipients(change)) == 3
    assert (reminder.state, reminder.publish_at) == (NoticeState.SCHEDULED, later - timedelta(days=2))


def test_window_moved_after_reminder_published_schedules_a_new_reminder(scene, clock):
    _confirm(scene.wave)
    _publish_at(scene, clock, WINDOW_START - timedelta(days=14))
    _publish_at(scene, clock, WINDOW_START - timedelta(days=2))
    later = WINDOW_START + timedelta(days=14)

    wave_update(wave=scene.wave, by=None, window_start=later, window_end=later + timedelta(hours=5))
    _publish_collected_changes(clock)

    reminders = _notices(scene.wave, kind=NoticeKind.REMINDER)
    assert [reminder.state for reminder in reminders] == [NoticeState.SUPERSEDED, NoticeState.SCHEDULED]
    assert reminders[1].publish_at == later - timedelta(days=2)
    assert len(_notices(scene.wave, kind=NoticeKind.CHANGE)) == 1


def test_window_moved_closer_after_publication_drops_reminder_whose_time_passed(scene, clock):
    _confirm(scene.wave)
    _publish_at(scene, clock, WINDOW_START - timedelta(days=14))
    clock.move_to(WINDOW_START - timedelta(days=13))
    sooner = WINDOW_START - timedelta(days=12)

    wave_update(wave=scene.wave, by=None, window_start=sooner, window_end=sooner + timedelta(hours=5))

    assert _notices(scene.wave, kind=NoticeKind.REMINDER)[0].state == NoticeState.CANCELLED
    assert _notices(scene.wave, kind=NoticeKind.CHANGE)[0].state == NoticeState.SCHEDULED


def test_systems_changed_by_a_bulk_write_after_publication_tell_only_those_who_joined_or_left(scene, clock):
    _confirm(scene.wave)
    _publish_at(scene, clock, WINDOW_START - timedelta(days=14))
    newcomer = SystemFactory(code="NY", name="Nytt system", wave=scene.wave, agency=scene.agency)
    SystemContactFactory(system=newcomer, contact=ContactPersonFactory(email="ny@kommune.example"))
    System.objects.filter(pk=scene.test1.pk).update(wave=None)

    wave_systems_changed(waves=[scene.wave], by=None)
    _publish_collected_changes(clock)

    (change,) = _notices(scene.wave, kind=NoticeKind.CHANGE)
    assert change.previous_window_start is None
    # TEST-1 left the wave: Per hears it is no longer affected; ERP and ARK did not change.
    assert _recipients(change) == {"per@kommune.example", "ny@kommune.example"}
    assert {item["code"]: item["change"] for item in change.changes} == {"NY": "added", "TEST-1": "removed"}
    assert {item["code"] for item in change.systems_snapshot} == {"ERP", "ARK", "NY"}


def test_system_moved_between_waves_after_publication_changes_both_waves(scene, clock):
    other = WaveFactory(name="Bølge 13", window_start=WINDOW_START + timedelta(days=1))
    _confirm(scene.wave)
    _confirm(other)
    _publish_at(scene, clock, WINDOW_START - timedelta(days=13))
    System.objects.filter(pk=scene.erp.pk).update(wave=other)

    wave_systems_changed(waves=[scene.wave, other], by=None)
    _publish_collected_changes(clock)

    (change,) = _notices(scene.wave, kind=NoticeKind.CHANGE)
    assert _recipients(change) == {"kari@kommune.example"}
    (other_change,) = _notices(other, kind=NoticeKind.CHANGE)
    assert _recipients(other_change) == {"kari@kommune.example"}


def test_unrelated_wave_edit_after_publication_sends_nothing(scene, clock):
    _confirm(scene.wave)
    _publish_at(scene, clock, WINDOW_START - timedelta(days=14))

    wave_update(wave=scene.wave, by=None, notes="Husk nøkler")
    wave_systems_changed(waves=[scene.wave], by=None)

    assert not _notices(scene.wave, kind=NoticeKind.CHANGE)


def test_own_downtime_slot_moved_after_publication_issues_change(scene, clock):
    _confirm(scene.wave)
    _publish_at(scene, clock, WINDOW_START - timedelta(days=14))
    System.objects.filter(pk=scene.test1.pk).update(downtime_start=WINDOW_START, downtime_end=WINDOW_END)

    wave_systems_changed(waves=[scene.wave], by=None)
    _publish_collected_changes(clock)

    (change,) = _notices(scene.wave, kind=NoticeKind.CHANGE)
    assert _recipients(change) == {"per@kommune.example"}


def test_cancelling_before_publication_cancels_silently(scene, clock):
    _confirm(scene.wave)

    wave_set_state(wave=scene.wave, state=WaveState.CANCELLED, by=None)

    assert {notice.state for notice in _notices(scene.wave)} == {NoticeState.CANCELLED}
    assert not Delivery.objects.exists()
    assert _publish_at(scene, clock, WINDOW_START) == []


def test_cancelling_after_publication_issues_cancellation_to_those_who_heard(scene, clock):
    _confirm(scene.wave)
    _publish_at(scene, clock, WINDOW_START - timedelta(days=14))
    System.objects.filter(pk=scene.test1.pk).update(wave=None)  # left without telling anyone: still told

    wave_set_state(wave=scene.wave, state=WaveState.CANCELLED, by=None)

    announcement, cancellation, reminder = _notices(scene.wave)
    assert announcement.state == NoticeState.SUPERSEDED
    assert (cancellation.kind, cancellation.state) == (NoticeKind.CANCELLATION, NoticeState.PUBLISHED)
    assert cancellation.title == "Avlyst nedetid: Bølge 12, lørdag 6. mars 2021 kl. 18:00–23:00"
    assert len(_recipients(cancellation)) == 3
    assert reminder.state == NoticeState.CANCELLED
    assert _publish_at(scene, clock, WINDOW_START) == []


def test_back_to_draft_after_publication_is_a_cancellation_and_reconfirming_starts_over(scene, clock):
    _confirm(scene.wave)
    _publish_at(scene, clock, WINDOW_START - timedelta(days=14))

    wave_set_state(wave=scene.wave, state=WaveState.DRAFT, by=None)
    _confirm(scene.wave)

    kinds = [(notice.kind, notice.state) for notice in _notices(scene.wave)]
    assert (NoticeKind.CANCELLATION, NoticeState.PUBLISHED) in kinds
    assert kinds.count((NoticeKind.ANNOUNCEMENT, NoticeState.PUBLISHED)) == 1  # the new one, short notice
    assert _notices(scene.wave, state=NoticeState.PUBLISHED, kind=NoticeKind.ANNOUNCEMENT)[0].short_notice


def test_completing_wave_cancels_pending_reminder_without_a_cancellation(scene, clock):
    _confirm(scene.wave)
    _publish_at(scene, clock, WINDOW_START - timedelta(days=14))
    clock.move_to(WINDOW_START - timedelta(days=3))
    wave_set_state(wave=scene.wave, state=WaveState.IN_PROGRESS, by=None)

    wave_set_state(wave=scene.wave, state=WaveState.COMPLETED, by=None)

    assert not _notices(scene.wave, kind=NoticeKind.CANCELLATION)
    assert _notices(scene.wave, kind=NoticeKind.REMINDER)[0].state == NoticeState.CANCELLED


@pytest.mark.django_db(transaction=True)
def test_rolled_back_confirmation_leaves_no_notice_and_sends_nothing(clock, notice_settings, enqueued):
    from .conftest import Scene

    scene = Scene()
    clock.move_to(WINDOW_START - timedelta(days=5))  # short notice: would publish at once

    with pytest.raises(RuntimeError), transaction.atomic():
        _confirm(scene.wave)
        assert Delivery.objects.count() == 3
        raise RuntimeError("the form failed later")

    assert not Notice.objects.exists()
    assert not Delivery.objects.exists()
    assert enqueued == []
    _confirm(scene.wave)
    assert len(enqueued) == 3
