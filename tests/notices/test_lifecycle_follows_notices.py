"""Systems follow their downtime notices: published → planned systems become notified; cancelled → back to planned."""

from datetime import timedelta

import pytest
from django.utils import timezone

from notifications.models import Notice
from systems.choices import MigrationStatus as S
from tests.factories import SystemContactFactory, SystemFactory, VMFactory, WaveFactory
from waves.services import wave_set_state

pytestmark = pytest.mark.django_db


@pytest.fixture
def wave_soon():
    """A wave whose window starts tomorrow: confirming it publishes the announcement at once."""
    start = (timezone.now() + timedelta(days=1)).replace(microsecond=0)
    return WaveFactory(window_start=start, window_end=start + timedelta(hours=5))


def test_published_announcement_marks_planned_systems_and_vms_notified(wave_soon, editor_user):
    planned = SystemFactory(wave=wave_soon, status=S.PLANNED)
    planned_vm = VMFactory(system=planned, status=S.PLANNED)
    excluded_vm = VMFactory(system=planned, status=S.EXCLUDED)
    held = SystemFactory(wave=wave_soon, status=S.ON_HOLD, status_before_hold=S.PLANNED)
    SystemContactFactory(system=planned)

    wave_set_state(wave=wave_soon, state="confirmed", by=editor_user)

    assert Notice.objects.get(wave=wave_soon, kind="announcement").state == "published"
    for obj, expected in [
        (planned, S.NOTIFIED),
        (planned_vm, S.NOTIFIED),
        (excluded_vm, S.EXCLUDED),
        (held, S.ON_HOLD),
    ]:
        obj.refresh_from_db()
        assert obj.status == expected, obj
    latest = planned.history.latest()
    assert (latest.status, latest.history_change_reason) == (S.NOTIFIED, "varsel om nedetid publisert (varsel)")
    assert latest.history_user == editor_user, "the editor whose confirmation published the notice"
    assert latest.prev_record.status == S.PLANNED


def test_cancellation_takes_notified_systems_back_to_planned(wave_soon, editor_user):
    system = SystemFactory(wave=wave_soon, status=S.PLANNED)
    vm = VMFactory(system=system, status=S.PLANNED)
    SystemContactFactory(system=system)
    wave_set_state(wave=wave_soon, state="confirmed", by=editor_user)
    system.refresh_from_db()
    assert system.status == S.NOTIFIED

    wave_set_state(wave=wave_soon, state="cancelled", by=editor_user)

    assert Notice.objects.get(wave=wave_soon, kind="cancellation").state == "published"
    system.refresh_from_db()
    vm.refresh_from_db()
    assert (system.status, vm.status) == (S.PLANNED, S.PLANNED)
    assert system.history.latest().history_user == editor_user


def test_scheduled_notice_changes_no_status_until_published(editor_user):
    wave = WaveFactory()  # window in 30 days: the announcement waits in the database
    system = SystemFactory(wave=wave, status=S.PLANNED)
    wave_set_state(wave=wave, state="confirmed", by=editor_user)
    assert Notice.objects.get(wave=wave, kind="announcement").state == "scheduled"
    system.refresh_from_db()
    assert system.status == S.PLANNED
