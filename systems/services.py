"""Writes to the inventory. Status changes happen only here, so the lifecycle rules hold everywhere."""

from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .choices import MigrationStatus
from .lifecycle import TransitionNotAllowed, check_transition
from .models import VM, MigrationStatusFields, System

LIFECYCLE_FIELDS = ["status", "status_before_hold", "migrated_at"]


def record_change(obj, *, by: AbstractBaseUser | None, reason: str = "") -> None:
    """Tell django-simple-history who made the next save of `obj`, and why."""
    obj._history_user = by
    obj._change_reason = reason or None


def _apply_status(obj: MigrationStatusFields, to: str) -> None:
    check_transition(obj.status, to, held_from=obj.status_before_hold or None)
    if to == MigrationStatus.ON_HOLD:
        obj.status_before_hold = obj.status
    elif obj.status == MigrationStatus.ON_HOLD:
        obj.status_before_hold = ""
    if to == MigrationStatus.MIGRATED and obj.migrated_at is None:
        obj.migrated_at = timezone.now()
    elif to == MigrationStatus.ROLLED_BACK:
        obj.migrated_at = None
    obj.status = to


def vm_transition(*, vm: VM, to: str, by: AbstractBaseUser | None, reason: str = "") -> VM:
    """Move one VM to status `to`, refusing what the lifecycle does not allow."""
    with transaction.atomic():
        vm = VM.objects.select_for_update().get(pk=vm.pk)
        _apply_status(vm, to)
        record_change(vm, by=by, reason=reason)
        vm.save(update_fields=LIFECYCLE_FIELDS)
    return vm


def system_transition(
    *, system: System, to: str, by: AbstractBaseUser | None, reason: str = "", cascade_vms: bool = False
) -> System:
    """Move a system to status `to`; with cascade_vms its VMs follow (excluded VMs and those already there stay).

    All or nothing: if one VM cannot follow, nothing changes and the error names it.
    """
    with transaction.atomic():
        system = System.objects.select_for_update().get(pk=system.pk)
        _apply_status(system, to)
        record_change(system, by=by, reason=reason)
        system.save(update_fields=LIFECYCLE_FIELDS)
        if cascade_vms:
            _cascade_to_vms(
                system.vms.select_for_update().exclude(status__in=[to, MigrationStatus.EXCLUDED]), to, by, reason
            )
    return system


def _cascade_to_vms(vms: Iterable[VM], to: str, by: AbstractBaseUser | None, reason: str) -> None:
    refused = []
    for vm in vms:
        try:
            _apply_status(vm, to)
        except TransitionNotAllowed as error:
            refused.append(f"{vm.hostname}: {error.message}")
            continue
        record_change(vm, by=by, reason=reason)
        vm.save(update_fields=LIFECYCLE_FIELDS)
    if refused:
        raise TransitionNotAllowed(
            _("These VMs cannot follow the system: %(vms)s") % {"vms": "; ".join(refused)}, code="cascade_refused"
        )
