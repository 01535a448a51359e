"""The lifecycle of DESIGN §3: every allowed transition works, refused ones say why, history says who."""

import pytest
from django.utils import timezone

from systems.choices import MigrationStatus as S
from systems.lifecycle import ALLOWED_TRANSITIONS, TransitionNotAllowed, allowed_targets
from systems.services import system_transition, vm_transition
from tests.factories import SystemFactory, VMFactory

pytestmark = pytest.mark.django_db

ALLOWED = [
    (current, target) for current, targets in ALLOWED_TRANSITIONS.items() if current != S.ON_HOLD for target in targets
]


@pytest.mark.parametrize(("current", "target"), ALLOWED)
def test_system_transition_allowed(current, target, editor_user):
    system = SystemFactory(status=current)
    system = system_transition(system=system, to=target, by=editor_user)
    system.refresh_from_db()
    assert system.status == target


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (S.NOT_PLANNED, S.MIGRATED),
        (S.NOT_PLANNED, S.VERIFIED),
        (S.PLANNED, S.VERIFIED),
        (S.VERIFIED, S.PLANNED),
        (S.MIGRATED, S.NOT_PLANNED),
        (S.EXCLUDED, S.MIGRATED),
        (S.ROLLED_BACK, S.MIGRATED),
        (S.NOTIFIED, S.ROLLED_BACK),
    ],
)
def test_system_transition_refused_with_reason(current, target, editor_user):
    system = SystemFactory(status=current)
    with pytest.raises(TransitionNotAllowed) as refused:
        system_transition(system=system, to=target, by=editor_user)
    system.refresh_from_db()
    assert system.status == current
    assert "Kan ikke endre status" in refused.value.message


def test_on_hold_returns_only_to_where_it_was(editor_user):
    system = system_transition(system=SystemFactory(status=S.NOTIFIED), to=S.ON_HOLD, by=editor_user)
    assert allowed_targets(system.status, held_from=system.status_before_hold) == [S.NOTIFIED]
    with pytest.raises(TransitionNotAllowed):
        system_transition(system=system, to=S.PLANNED, by=editor_user)
    system = system_transition(system=system, to=S.NOTIFIED, by=editor_user)
    assert (system.status, system.status_before_hold) == (S.NOTIFIED, "")


def test_migration_time_is_set_on_migrated_and_cleared_on_rollback(editor_user):
    vm = VMFactory(status=S.IN_PROGRESS)
    vm = vm_transition(vm=vm, to=S.MIGRATED, by=editor_user)
    assert vm.migrated_at is not None and vm.migrated_at <= timezone.now()
    vm = vm_transition(vm=vm, to=S.ROLLED_BACK, by=editor_user)
    assert vm.migrated_at is None


def test_history_records_who_changed_the_status_and_why(editor_user):
    system = SystemFactory(status=S.PLANNED)
    system_transition(system=system, to=S.NOTIFIED, by=editor_user, reason="varsel publisert")
    latest = system.history.latest()
    assert (latest.status, latest.history_user, latest.history_change_reason) == (
        S.NOTIFIED,
        editor_user,
        "varsel publisert",
    )
    assert latest.prev_record.status == S.PLANNED


def test_cascade_moves_the_vms_with_the_system_but_not_excluded_ones(editor_user):
    system = SystemFactory(status=S.IN_PROGRESS)
    moving = VMFactory.create_batch(3, system=system, status=S.IN_PROGRESS)
    excluded = VMFactory(system=system, status=S.EXCLUDED)
    system_transition(system=system, to=S.MIGRATED, by=editor_user, cascade_vms=True)
    assert {vm.status for vm in system.vms.filter(pk__in=[vm.pk for vm in moving])} == {S.MIGRATED}
    excluded.refresh_from_db()
    assert excluded.status == S.EXCLUDED
    assert moving[0].history.latest().history_user == editor_user


def test_cascade_is_all_or_nothing_and_names_the_refused_vm(editor_user):
    system = SystemFactory(status=S.IN_PROGRESS)
    VMFactory(system=system, status=S.IN_PROGRESS)
    VMFactory(system=system, status=S.NOT_PLANNED, hostname="stuck-vm01")
    with pytest.raises(TransitionNotAllowed) as refused:
        system_transition(system=system, to=S.MIGRATED, by=editor_user, cascade_vms=True)
    assert "stuck-vm01" in refused.value.message
    system.refresh_from_db()
    assert system.status == S.IN_PROGRESS
    assert set(system.vms.values_list("status", flat=True)) == {S.IN_PROGRESS, S.NOT_PLANNED}
