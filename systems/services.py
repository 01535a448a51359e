"""Writes to the inventory. Status changes happen only here, so the lifecycle rules hold everywhere."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from simple_history.utils import bulk_update_with_history

from .choices import Criticality, MigrationStatus
from .lifecycle import TransitionNotAllowed, check_transition
from .models import VM, Agency, ContactPerson, MigrationStatusFields, System, SystemContact

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


# --- Inventory writes (staff pages, bulk actions) ----------------------------------------------------------------
# Every create/update/delete goes through these functions so django-simple-history records who changed what.


def _create(model: type[models.Model], *, by: AbstractBaseUser | None, **fields) -> models.Model:
    obj = model(**fields)
    obj.full_clean()
    record_change(obj, by=by)
    obj.save()
    return obj


def _update(obj: models.Model, *, by: AbstractBaseUser | None, reason: str = "", **fields) -> models.Model:
    obj = type(obj).objects.select_for_update().get(pk=obj.pk)
    for name, value in fields.items():
        setattr(obj, name, value)
    obj.full_clean()
    record_change(obj, by=by, reason=reason)
    obj.save()
    return obj


def _delete(obj: models.Model, *, by: AbstractBaseUser | None) -> None:
    """Delete `obj`; a ProtectedError (other rows still point at it) propagates for the caller to explain."""
    record_change(obj, by=by)
    obj.delete()


def agency_create(*, by: AbstractBaseUser | None, **fields) -> Agency:
    with transaction.atomic():
        return _create(Agency, by=by, **fields)


def agency_update(*, agency: Agency, by: AbstractBaseUser | None, **fields) -> Agency:
    with transaction.atomic():
        return _update(agency, by=by, **fields)


def agency_delete(*, agency: Agency, by: AbstractBaseUser | None) -> None:
    """Delete an agency; refused (ProtectedError) while it owns systems."""
    with transaction.atomic():
        _delete(agency, by=by)


def _check_wave_accepts(system: System, wave) -> None:
    """Raise ValidationError (naming the system) unless `system` may move into `wave`."""
    from waves.choices import WaveState

    if system.status in (MigrationStatus.MIGRATED, MigrationStatus.VERIFIED):
        raise ValidationError(_("%(system)s has already moved and cannot change wave.") % {"system": system.code})
    if system.status == MigrationStatus.EXCLUDED:
        raise ValidationError(_("%(system)s is excluded from the migration.") % {"system": system.code})
    if wave is not None and wave.state in (WaveState.COMPLETED, WaveState.CANCELLED):
        raise ValidationError(
            _("Wave “%(wave)s” is %(state)s and takes no more systems.")
            % {"wave": wave.name, "state": WaveState(wave.state).label}
        )


def _status_for_wave(system: System, wave) -> str | None:
    """The status a system takes when it joins or leaves a wave (planned / not planned), or None to keep it."""
    if wave is not None and system.status in (MigrationStatus.NOT_PLANNED, MigrationStatus.ROLLED_BACK):
        return MigrationStatus.PLANNED
    if wave is None and system.status == MigrationStatus.PLANNED:
        return MigrationStatus.NOT_PLANNED
    return None


def _move_to_wave(system: System, wave, by: AbstractBaseUser | None, reason: str) -> None:
    """Set the wave of a locked system row (and planned/not planned to match), validated and recorded."""
    _check_wave_accepts(system, wave)
    system.wave = wave
    status = _status_for_wave(system, wave)
    if status:
        _apply_status(system, status)
    system.full_clean()
    record_change(system, by=by, reason=reason)
    system.save()


def _check_wave_capacity(wave) -> None:
    if wave is None or not wave.max_vms:
        return
    vm_count = VM.objects.filter(system__wave=wave).count()
    if vm_count > wave.max_vms:
        raise ValidationError(
            ngettext(
                "Wave “%(wave)s” would hold %(count)s VM; its limit is %(max)s.",
                "Wave “%(wave)s” would hold %(count)s VMs; its limit is %(max)s.",
                vm_count,
            )
            % {"wave": wave.name, "count": vm_count, "max": wave.max_vms}
        )


def system_assign_wave(*, system: System, wave, by: AbstractBaseUser | None, reason: str = "") -> System:
    """Move a system (and so its VMs) into `wave`, or out of any wave with wave=None.

    A not-planned or rolled-back system becomes planned; a planned system taken out of its wave becomes
    not planned. Refused for systems that have moved or are excluded, for closed waves and over max_vms.
    """
    with transaction.atomic():
        system = System.objects.select_for_update(of=("self",)).select_related("wave").get(pk=system.pk)
        old_wave = system.wave
        if old_wave == wave:
            return system
        _move_to_wave(system, wave, by, reason)
        _check_wave_capacity(wave)
        _notify_waves_changed([old_wave, wave], by=by)
    return system


def _notify_waves_changed(waves, *, by: AbstractBaseUser | None) -> None:
    from waves.services import wave_systems_changed

    changed = list({wave.pk: wave for wave in waves if wave is not None}.values())
    if changed:
        wave_systems_changed(waves=changed, by=by)


def system_create(*, by: AbstractBaseUser | None, depends_on: Iterable[System] = (), **fields) -> System:
    """Create a system (status not planned, or planned when it is given a wave)."""
    with transaction.atomic():
        wave = fields.get("wave")
        if wave is not None and fields.get("status", MigrationStatus.NOT_PLANNED) == MigrationStatus.NOT_PLANNED:
            fields["status"] = MigrationStatus.PLANNED
        system = _create(System, by=by, **fields)
        if depends_on:
            system.depends_on.set(depends_on)
        _check_wave_capacity(wave)
        _notify_waves_changed([wave], by=by)
    return system


def system_update(
    *,
    system: System,
    by: AbstractBaseUser | None,
    reason: str = "",
    depends_on: Iterable[System] | None = None,
    **fields,
) -> System:
    """Change a system's fields; a change of wave goes through the same rules as system_assign_wave.

    Status is not a field here: it moves only through system_transition.
    """
    if "status" in fields:
        raise ValueError("Use system_transition to change a system's status.")
    with transaction.atomic():
        locked = System.objects.select_for_update(of=("self",)).select_related("wave").get(pk=system.pk)
        old_wave = locked.wave
        new_wave = fields.pop("wave", old_wave)
        for name, value in fields.items():
            setattr(locked, name, value)
        if depends_on is not None:
            depends_on = list(depends_on)
            if any(other.pk == locked.pk for other in depends_on):
                raise ValidationError({"depends_on": _("A system cannot depend on itself.")})
        if new_wave != old_wave:
            try:
                _move_to_wave(locked, new_wave, by, reason)
            except ValidationError as error:
                raise ValidationError({"wave": error.messages}) from error
            _check_wave_capacity(new_wave)
        else:
            locked.full_clean()
            record_change(locked, by=by, reason=reason)
            locked.save()
        if depends_on is not None:
            record_change(locked, by=by, reason=reason)
            locked.depends_on.set(depends_on)
        if new_wave != old_wave:
            _notify_waves_changed([old_wave, new_wave], by=by)
    return locked


def system_delete(*, system: System, by: AbstractBaseUser | None) -> None:
    """Delete a system with its VMs and contact roles (they cannot exist without it)."""
    with transaction.atomic():
        wave = system.wave
        for vm in system.vms.all():
            _delete(vm, by=by)
        for role in system.system_contacts.all():
            _delete(role, by=by)
        _delete(system, by=by)
        _notify_waves_changed([wave], by=by)


def vm_create(*, by: AbstractBaseUser | None, **fields) -> VM:
    with transaction.atomic():
        vm = _create(VM, by=by, **fields)
        _check_wave_capacity(vm.system.wave)
        _notify_waves_changed([vm.system.wave], by=by)
    return vm


def vm_update(*, vm: VM, by: AbstractBaseUser | None, reason: str = "", **fields) -> VM:
    """Change a VM's fields (not its status: that is vm_transition). Moving it to another system moves its wave."""
    if "status" in fields:
        raise ValueError("Use vm_transition to change a VM's status.")
    with transaction.atomic():
        old_wave = VM.objects.select_related("system__wave").get(pk=vm.pk).system.wave
        vm = _update(vm, by=by, reason=reason, **fields)
        new_wave = vm.system.wave
        if new_wave != old_wave:
            _check_wave_capacity(new_wave)
            _notify_waves_changed([old_wave, new_wave], by=by)
    return vm


def vm_delete(*, vm: VM, by: AbstractBaseUser | None) -> None:
    with transaction.atomic():
        wave = vm.system.wave
        _delete(vm, by=by)
        _notify_waves_changed([wave], by=by)


def contactperson_create(*, by: AbstractBaseUser | None, **fields) -> ContactPerson:
    with transaction.atomic():
        return _create(ContactPerson, by=by, **fields)


def contactperson_update(*, contact: ContactPerson, by: AbstractBaseUser | None, **fields) -> ContactPerson:
    with transaction.atomic():
        return _update(contact, by=by, **fields)


def contactperson_delete(*, contact: ContactPerson, by: AbstractBaseUser | None) -> None:
    """Delete a contact person and their roles on systems."""
    with transaction.atomic():
        for role in contact.system_contacts.all():
            _delete(role, by=by)
        _delete(contact, by=by)


def systemcontact_create(
    *, system: System, contact: ContactPerson, role: str, by: AbstractBaseUser | None
) -> SystemContact:
    """Give a contact person a role (primary, secondary, tester, owner) for a system."""
    with transaction.atomic():
        return _create(SystemContact, by=by, system=system, contact=contact, role=role)


def systemcontact_delete(*, system_contact: SystemContact, by: AbstractBaseUser | None) -> None:
    with transaction.atomic():
        _delete(system_contact, by=by)


# --- Bulk actions: all selected rows change, or none does -------------------------------------------------------


@dataclass(frozen=True)
class RefusedRow:
    """One row a bulk action could not change, and why."""

    label: str
    reason: str


class BulkActionRefused(Exception):
    """Raised (after rolling back) when at least one selected row could not change."""

    def __init__(self, refused: list[RefusedRow]):
        self.refused = refused
        super().__init__("; ".join(f"{row.label}: {row.reason}" for row in refused))


def _bulk(objects: Iterable[models.Model], change, *, label) -> int:
    """Apply `change(obj)` to every object in one transaction; collect refusals and roll back if any."""
    refused: list[RefusedRow] = []
    count = 0
    with transaction.atomic():
        for obj in objects:
            try:
                with transaction.atomic():
                    change(obj)
            except ValidationError as error:  # TransitionNotAllowed is one too
                refused.append(RefusedRow(label(obj), " ".join(error.messages)))
            else:
                count += 1
        if refused:
            raise BulkActionRefused(refused)
    return count


def _locked_systems(systems: Iterable[System]):
    ids = [system.pk for system in systems]
    return System.objects.select_for_update(of=("self",)).filter(pk__in=ids).select_related("wave").order_by("code")


def systems_bulk_assign_wave(*, systems: Iterable[System], wave, by: AbstractBaseUser | None) -> int:
    """Move every system into `wave` (None: out of its wave). All or nothing; returns how many changed."""
    old_waves = []

    def change(system: System) -> None:
        if system.wave == wave:
            return
        old_waves.append(system.wave)
        _move_to_wave(system, wave, by, "")

    with transaction.atomic():
        count = _bulk(_locked_systems(systems), change, label=lambda system: system.code)
        try:
            _check_wave_capacity(wave)
        except ValidationError as error:
            raise BulkActionRefused([RefusedRow(wave.name, " ".join(error.messages))]) from error
        _notify_waves_changed([*old_waves, wave], by=by)
    return count


def systems_bulk_transition(
    *, systems: Iterable[System], to: str, by: AbstractBaseUser | None, cascade_vms: bool = False
) -> int:
    """Change the status of every system (and, with cascade_vms, their VMs). All or nothing."""

    def change(system: System) -> None:
        if system.status == to:
            return
        system_transition(system=system, to=to, by=by, cascade_vms=cascade_vms)

    return _bulk(_locked_systems(systems), change, label=lambda system: system.code)


def systems_bulk_set_criticality(*, systems: Iterable[System], criticality: str, by: AbstractBaseUser | None) -> int:
    """Set the criticality of every system. All or nothing."""
    if criticality not in Criticality.values:
        raise ValidationError(_("Unknown criticality “%(value)s”.") % {"value": criticality})

    def change(system: System) -> None:
        if system.criticality == criticality:
            return
        system.criticality = criticality
        record_change(system, by=by)
        system.save(update_fields=["criticality", "updated_at"])

    return _bulk(_locked_systems(systems), change, label=lambda system: system.code)


def systems_bulk_add_contact(
    *, systems: Iterable[System], contact: ContactPerson, role: str, by: AbstractBaseUser | None
) -> int:
    """Give `contact` the role `role` on every system. All or nothing (a role already held is refused)."""

    def change(system: System) -> None:
        _create(SystemContact, by=by, system=system, contact=contact, role=role)

    return _bulk(_locked_systems(systems), change, label=lambda system: system.code)


def vms_bulk_transition(*, vms: Iterable[VM], to: str, by: AbstractBaseUser | None) -> int:
    """Change the status of every VM. All or nothing."""
    ids = [vm.pk for vm in vms]

    def change(vm: VM) -> None:
        if vm.status == to:
            return
        _apply_status(vm, to)
        record_change(vm, by=by)
        vm.save(update_fields=LIFECYCLE_FIELDS)

    locked = VM.objects.select_for_update().filter(pk__in=ids).order_by("hostname")
    return _bulk(locked, change, label=lambda vm: vm.hostname)


def systems_follow_notice(
    *, system_ids: Iterable[int], cancelled: bool, by: AbstractBaseUser | None, reason: str
) -> int:
    """A downtime notice went out for these systems: planned ones (and their planned VMs) become notified;
    a cancellation takes notified ones back to planned. Other statuses are left as they are. Returns how many
    systems changed."""
    source, target = (
        (MigrationStatus.NOTIFIED, MigrationStatus.PLANNED)
        if cancelled
        else (MigrationStatus.PLANNED, MigrationStatus.NOTIFIED)
    )
    with transaction.atomic():
        systems = list(System.objects.select_for_update().filter(pk__in=list(system_ids), status=source))
        vms = list(VM.objects.select_for_update().filter(system__in=systems, status=source))
        for obj in [*systems, *vms]:
            _apply_status(obj, target)
        for model, objs in ((System, systems), (VM, vms)):
            if objs:
                bulk_update_with_history(objs, model, LIFECYCLE_FIELDS, default_user=by, default_change_reason=reason)
    return len(systems)
