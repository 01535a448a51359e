"""The lifecycle: which steps a system or VM may take, what goes with them, and how VMs follow their system.

The cases are written out by hand from the lifecycle as the programme describes it, not derived from the code's
own table, so a wrong entry there shows up here.
"""

import pytest
from django.utils import timezone

from systems.choices import MigrationStatus as S
from systems.lifecycle import TransitionNotAllowed, allowed_targets, vm_status_following
from systems.services import system_transition, vm_transition
from tests.factories import SystemFactory, VMFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (S.NOT_PLANNED, S.PLANNED),
        (S.NOT_PLANNED, S.ON_HOLD),
        (S.NOT_PLANNED, S.EXCLUDED),
        (S.PLANNED, S.NOT_PLANNED),
        (S.PLANNED, S.NOTIFIED),
        (S.PLANNED, S.IN_PROGRESS),
        (S.PLANNED, S.ON_HOLD),
        (S.PLANNED, S.EXCLUDED),
        (S.NOTIFIED, S.PLANNED),
        (S.NOTIFIED, S.IN_PROGRESS),
        (S.NOTIFIED, S.ON_HOLD),
        (S.NOTIFIED, S.EXCLUDED),
        (S.IN_PROGRESS, S.MIGRATED),
        (S.IN_PROGRESS, S.ROLLED_BACK),
        (S.IN_PROGRESS, S.ON_HOLD),
        (S.MIGRATED, S.VERIFIED),
        (S.MIGRATED, S.ROLLED_BACK),
        (S.ROLLED_BACK, S.PLANNED),
        (S.ROLLED_BACK, S.NOT_PLANNED),
        (S.ROLLED_BACK, S.ON_HOLD),
        (S.ROLLED_BACK, S.EXCLUDED),
        (S.EXCLUDED, S.NOT_PLANNED),
    ],
)
def test_system_transition_allowed(current, target, editor_user):
    system = system_transition(system=SystemFactory(status=current), to=target, by=editor_user)
    system.refresh_from_db()
    assert system.status == target


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (S.NOT_PLANNED, S.NOTIFIED),
        (S.NOT_PLANNED, S.MIGRATED),
        (S.NOT_PLANNED, S.VERIFIED),
        (S.PLANNED, S.MIGRATED),
        (S.PLANNED, S.VERIFIED),
        (S.NOTIFIED, S.MIGRATED),
        (S.NOTIFIED, S.ROLLED_BACK),
        (S.IN_PROGRESS, S.PLANNED),
        (S.IN_PROGRESS, S.EXCLUDED),
        (S.MIGRATED, S.NOT_PLANNED),
        (S.MIGRATED, S.ON_HOLD),
        (S.VERIFIED, S.PLANNED),
        (S.VERIFIED, S.ROLLED_BACK),
        (S.EXCLUDED, S.PLANNED),
        (S.EXCLUDED, S.MIGRATED),
        (S.ROLLED_BACK, S.MIGRATED),
    ],
)
def test_system_transition_refused_with_reason(current, target, editor_user):
    system = SystemFactory(status=current)
    with pytest.raises(TransitionNotAllowed) as refused:
        system_transition(system=system, to=target, by=editor_user)
    system.refresh_from_db()
    assert system.status == current
    assert "Kan ikke endre status" in refused.value.message


def test_verified_is_the_end_of_the_road():
    assert allowed_targets(S.VERIFIED) == []


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


# --- VMs follow their system ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("vm", "system_was", "system", "expected"),
    [
        # in step with the system: it comes along, whatever the step
        (S.NOT_PLANNED, S.NOT_PLANNED, S.PLANNED, S.PLANNED),
        (S.PLANNED, S.PLANNED, S.NOT_PLANNED, S.NOT_PLANNED),
        (S.IN_PROGRESS, S.IN_PROGRESS, S.MIGRATED, S.MIGRATED),
        (S.MIGRATED, S.MIGRATED, S.ROLLED_BACK, S.ROLLED_BACK),
        (S.NOTIFIED, S.NOTIFIED, S.ON_HOLD, S.ON_HOLD),
        (S.ON_HOLD, S.ON_HOLD, S.NOTIFIED, S.NOTIFIED),
        (S.PLANNED, S.PLANNED, S.EXCLUDED, S.EXCLUDED),
        # behind the system: it catches up
        (S.NOT_PLANNED, S.IN_PROGRESS, S.MIGRATED, S.MIGRATED),
        (S.PLANNED, S.MIGRATED, S.VERIFIED, S.VERIFIED),
        (S.NOT_PLANNED, None, S.NOTIFIED, S.NOTIFIED),
        # explicit exceptions: excluded, on hold or rolled back on its own, ahead of its system
        (S.EXCLUDED, S.IN_PROGRESS, S.MIGRATED, None),
        (S.ON_HOLD, S.IN_PROGRESS, S.MIGRATED, None),
        (S.ROLLED_BACK, S.IN_PROGRESS, S.MIGRATED, None),
        (S.MIGRATED, S.NOTIFIED, S.IN_PROGRESS, None),
        (S.NOTIFIED, S.PLANNED, S.NOT_PLANNED, None),
        (S.NOT_PLANNED, S.PLANNED, S.ON_HOLD, None),
        # already there
        (S.PLANNED, S.NOT_PLANNED, S.PLANNED, None),
    ],
)
def test_vm_status_following(vm, system_was, system, expected):
    assert vm_status_following(vm, system, system_was=system_was) == expected


def test_a_system_step_brings_its_vms_along_and_takes_the_systems_migration_time(editor_user):
    system = SystemFactory(status=S.IN_PROGRESS)
    along = VMFactory(system=system, status=S.IN_PROGRESS, hostname="along01")
    behind = VMFactory(system=system, status=S.PLANNED, hostname="behind01")
    excluded = VMFactory(system=system, status=S.EXCLUDED, hostname="out01")
    system = system_transition(system=system, to=S.MIGRATED, by=editor_user, reason="flyttet")
    statuses = dict(system.vms.values_list("hostname", "status"))
    assert statuses == {"along01": S.MIGRATED, "behind01": S.MIGRATED, "out01": S.EXCLUDED}
    assert {vm.migrated_at for vm in system.vms.exclude(pk=excluded.pk)} == {system.migrated_at}
    for vm in (along, behind):
        record = vm.history.latest()
        assert (record.status, record.history_user, record.history_change_reason) == (
            S.MIGRATED,
            editor_user,
            "flyttet",
        )


def test_a_vm_cannot_be_set_behind_its_system(editor_user):
    system = SystemFactory(code="S1", status=S.MIGRATED)
    vm = VMFactory(system=system, status=S.ROLLED_BACK, hostname="vm01")
    with pytest.raises(TransitionNotAllowed) as refused:
        vm_transition(vm=vm, to=S.PLANNED, by=editor_user)
    assert refused.value.message == "vm01 kan ikke være «planlagt» når systemet S1 er «migrert»."
    vm_transition(vm=vm, to=S.EXCLUDED, by=editor_user)  # leaving the migration altogether is allowed


def test_a_new_vm_joins_its_system_where_it_is(editor_user):
    from systems.services import vm_create

    system = SystemFactory(status=S.NOTIFIED)
    vm = vm_create(by=editor_user, hostname="ny01", system=system, os="Linux", vcpus=2, memory_gb=4, disk_gb=50)
    assert vm.status == S.NOTIFIED
