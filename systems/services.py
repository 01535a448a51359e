"""Writes to the inventory. Status changes happen only here, so the lifecycle rules hold everywhere.

Changes others care about (a system joined or left a wave, its own downtime slot moved) are announced through
`systems.events`, inside the transaction and after the waves concerned were locked (lock order: waves →
systems → notices, see that module).
"""

from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from migportal.bulk import BulkActionRefused, RefusedRow, apply_to_all

from . import rules
from .choices import Criticality, MigrationStatus
from .events import WaveMove, system_slot_moved, systems_moved
from .lifecycle import bring_along, check_vm_status, transition
from .models import VM, Agency, ContactPerson, System, SystemContact

LIFECYCLE_FIELDS = ["status", "status_before_hold", "migrated_at"]
SLOT_FIELDS = ("downtime_start", "downtime_end")
SELF_LINK_ERRORS = {
    "depends_on": lambda: _("A system cannot depend on itself."),
    "move_with": lambda: _("A system cannot move together with itself."),
}


def record_change(obj, *, by: AbstractBaseUser | None, reason: str = "") -> None:
    """Tell django-simple-history who made the next save of `obj`, and why."""
    obj._history_user = by
    obj._change_reason = reason or None


def _vm_step(vm: VM, to: str) -> None:
    """One VM-level step: allowed by the lifecycle, and not behind the VM's system (the VM's system is loaded)."""
    check_vm_status(to, vm.system.status, vm=vm.hostname, system=vm.system.code)
    transition(vm, to, migrated_at=timezone.now())


def vm_transition(*, vm: VM, to: str, by: AbstractBaseUser | None, reason: str = "") -> VM:
    """Move one VM to status `to`, refusing what the lifecycle does not allow (also a VM left behind its system)."""
    with transaction.atomic():
        vm = VM.objects.select_for_update(of=("self",)).select_related("system").get(pk=vm.pk)
        _vm_step(vm, to)
        record_change(vm, by=by, reason=reason)
        vm.save(update_fields=LIFECYCLE_FIELDS)
    return vm


def system_transition(*, system: System, to: str, by: AbstractBaseUser | None, reason: str = "") -> System:
    """Move a system to status `to`; its VMs follow by the lifecycle's rule (`vm_status_following`)."""
    with transaction.atomic():
        system = System.objects.select_for_update().get(pk=system.pk)
        was = system.status
        transition(system, to, migrated_at=timezone.now())
        record_change(system, by=by, reason=reason)
        system.save(update_fields=LIFECYCLE_FIELDS)
        _vms_follow([(system, was)], by=by, reason=reason)
    return system


def _vms_follow(
    moved: Iterable[tuple[System, str | None]], *, by: AbstractBaseUser | None, reason: str, only=None
) -> int:
    """Bring the VMs of these systems along (each system with the status it had, or None when it did not change:
    then only VMs behind it catch up), in bulk with history; `only` limits it to some VMs. Returns how many."""
    systems = {system.pk: (system, was) for system, was in moved}
    if not systems:
        return 0
    vms = VM.objects.select_for_update().filter(system_id__in=systems).order_by("hostname")
    if only is not None:
        vms = vms.filter(pk__in=only)
    changed = []
    for vm in vms:
        system, was = systems[vm.system_id]
        if bring_along(vm, system.status, system.migrated_at, system_was=was):
            changed.append(vm)
    if changed:
        bulk_update_with_history(changed, VM, LIFECYCLE_FIELDS, default_user=by, default_change_reason=reason or None)
    return len(changed)


def _follow_own_system(vm: VM) -> None:
    """A VM new to its system (created, or moved to another system) catches up with it."""
    bring_along(vm, vm.system.status, vm.system.migrated_at)


def vms_bring_in_step(*, vms: Iterable[VM], by: AbstractBaseUser | None, reason: str) -> int:
    """Let VMs that are behind their system catch up with it (the repair of `check_inventory`); returns how many."""
    ids = [vm.pk for vm in vms]
    with transaction.atomic():
        systems = System.objects.select_for_update().filter(pk__in=VM.objects.filter(pk__in=ids).values("system"))
        systems = systems.order_by("pk")
        return _vms_follow([(system, None) for system in systems], by=by, reason=reason, only=ids)


# --- Inventory writes (staff pages, bulk actions) ----------------------------------------------------------------
# Every create/update/delete goes through these functions so django-simple-history records who changed what.


def model_create(model: type[models.Model], *, by: AbstractBaseUser | None, before_save=None, **fields) -> models.Model:
    """Create a validated row with its history record (who); the plain writes of other apps' services use it too."""
    obj = model(**fields)
    obj.full_clean()
    if before_save:
        before_save(obj)
    record_change(obj, by=by)
    obj.save()
    return obj


def model_update(
    obj: models.Model, *, by: AbstractBaseUser | None, reason: str = "", before_save=None, **fields
) -> models.Model:
    """Change a locked, validated row with its history record (who, why)."""
    obj = type(obj).objects.select_for_update().get(pk=obj.pk)
    for name, value in fields.items():
        setattr(obj, name, value)
    obj.full_clean()
    if before_save:
        before_save(obj)
    record_change(obj, by=by, reason=reason)
    obj.save()
    return obj


def model_delete(obj: models.Model, *, by: AbstractBaseUser | None) -> None:
    """Delete `obj`; a ProtectedError (other rows still point at it) propagates for the caller to explain."""
    record_change(obj, by=by)
    obj.delete()


def agency_create(*, by: AbstractBaseUser | None, **fields) -> Agency:
    with transaction.atomic():
        return model_create(Agency, by=by, **fields)


def agency_update(*, agency: Agency, by: AbstractBaseUser | None, **fields) -> Agency:
    with transaction.atomic():
        return model_update(agency, by=by, **fields)


def agency_delete(*, agency: Agency, by: AbstractBaseUser | None) -> None:
    """Delete an agency; refused (ProtectedError) while it owns systems."""
    with transaction.atomic():
        model_delete(agency, by=by)


def _move_to_wave(system: System, wave, by: AbstractBaseUser | None, reason: str) -> str:
    """Set the wave of a locked system row (and planned/not planned to match), validated and recorded.

    Returns the status the system had, for its VMs to follow.
    """
    rules.check_system_may_move(code=system.code, status=system.status)
    if wave is not None:
        rules.check_wave_open(name=wave.name, state=wave.state)
    was = system.status
    system.wave = wave
    status = rules.status_for_wave(system.status, in_wave=wave is not None)
    if status:
        transition(system, status, migrated_at=None)
    system.full_clean()
    record_change(system, by=by, reason=reason)
    system.save()
    return was


def _check_wave_capacity(wave) -> None:
    if wave is not None and wave.max_vms:
        rules.check_capacity(
            name=wave.name, max_vms=wave.max_vms, vm_count=VM.objects.filter(system__wave=wave).count()
        )


def system_assign_wave(*, system: System, wave, by: AbstractBaseUser | None, reason: str = "") -> System:
    """Move a system (and so its VMs) into `wave`, or out of any wave with wave=None.

    A not-planned or rolled-back system becomes planned; a planned system taken out of its wave becomes
    not planned. Refused for systems that have moved or are excluded, for closed waves and over max_vms.
    """
    with transaction.atomic():
        system = _locked_with_waves(system.pk, wave.pk if wave else None)
        old_wave = system.wave
        if old_wave == wave:
            return system
        was = _move_to_wave(system, wave, by, reason)
        _vms_follow([(system, was)], by=by, reason=reason)
        _check_wave_capacity(wave)
        _announce_moves([_move(system, old_wave, wave)], by=by)
    return system


def _lock_waves(wave_ids: Iterable[int | None]) -> None:
    """Lock these waves, ascending id, before any system row (the lock order of systems.events)."""
    ids = sorted({pk for pk in wave_ids if pk})
    if ids:
        wave_model = System._meta.get_field("wave").related_model
        list(wave_model.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk", flat=True))


def _locked_with_waves(system_pk: int, *wave_ids: int | None) -> System:
    """The system row locked, after its wave and `wave_ids` were locked."""
    current = System.objects.filter(pk=system_pk).values_list("wave_id", flat=True).get()
    _lock_waves([current, *wave_ids])
    return System.objects.select_for_update(of=("self",)).select_related("wave").get(pk=system_pk)


def system_lock(*, system: System, wave=None) -> System:
    """Lock a system's row (after its wave and `wave`, in the lock order) for a write that first checks what it
    reads, such as the API's If-Match; call it inside that write's transaction."""
    return _locked_with_waves(system.pk, wave.pk if wave else None)


def _move(system: System, old_wave, new_wave) -> WaveMove:
    return WaveMove(system.pk, old_wave.pk if old_wave else None, new_wave.pk if new_wave else None)


def _announce_moves(moves: list[WaveMove], *, by: AbstractBaseUser | None) -> None:
    """Tell listeners that systems joined or left waves (the waves are locked already)."""
    moves = [move for move in moves if move.from_wave_id != move.to_wave_id]
    if moves:
        systems_moved.send(sender=System, moves=moves, by=by)


def _set_links(system: System, links: dict[str, Iterable[System] | None]) -> None:
    """Set a system's links to other systems (`depends_on`, `move_with`); None leaves a link as it is."""
    for name, others in links.items():
        if others is None:
            continue
        others = list(others)
        if any(other.pk == system.pk for other in others):
            raise ValidationError({name: SELF_LINK_ERRORS[name]()})
        getattr(system, name).set(others)


def system_create(
    *,
    by: AbstractBaseUser | None,
    depends_on: Iterable[System] = (),
    move_with: Iterable[System] = (),
    **fields,
) -> System:
    """Create a system (status not planned, or planned when it is given a wave)."""
    with transaction.atomic():
        wave = fields.get("wave")
        if wave is not None:
            try:
                rules.check_wave_open(name=wave.name, state=wave.state)
            except ValidationError as error:
                raise ValidationError({"wave": error.messages}) from error
            if fields.get("status", MigrationStatus.NOT_PLANNED) == MigrationStatus.NOT_PLANNED:
                fields["status"] = MigrationStatus.PLANNED
        _lock_waves([wave.pk if wave else None])
        system = model_create(System, by=by, **fields)
        _set_links(system, {"depends_on": depends_on, "move_with": move_with})
        _check_wave_capacity(wave)
        _announce_moves([_move(system, None, wave)], by=by)
    return system


def system_update(
    *,
    system: System,
    by: AbstractBaseUser | None,
    reason: str = "",
    depends_on: Iterable[System] | None = None,
    move_with: Iterable[System] | None = None,
    **fields,
) -> System:
    """Change a system's fields; a change of wave goes through the same rules as system_assign_wave.

    Status is not a field here: it moves only through system_transition.
    """
    if "status" in fields:
        raise ValueError("Use system_transition to change a system's status.")
    with transaction.atomic():
        target = fields.get("wave")
        locked = _locked_with_waves(system.pk, target.pk if target else None)
        old_wave = locked.wave
        old_slot = tuple(getattr(locked, name) for name in SLOT_FIELDS)
        new_wave = fields.pop("wave", old_wave)
        for name, value in fields.items():
            setattr(locked, name, value)
        if new_wave != old_wave:
            try:
                was = _move_to_wave(locked, new_wave, by, reason)
            except ValidationError as error:
                raise ValidationError({"wave": error.messages}) from error
            _vms_follow([(locked, was)], by=by, reason=reason)
            _check_wave_capacity(new_wave)
        else:
            locked.full_clean()
            record_change(locked, by=by, reason=reason)
            locked.save()
        if depends_on is not None or move_with is not None:
            record_change(locked, by=by, reason=reason)
            _set_links(locked, {"depends_on": depends_on, "move_with": move_with})
        if new_wave != old_wave:
            _announce_moves([_move(locked, old_wave, new_wave)], by=by)
        elif new_wave is not None and (new_slot := tuple(getattr(locked, name) for name in SLOT_FIELDS)) != old_slot:
            system_slot_moved.send(
                sender=System, system_id=locked.pk, wave_id=new_wave.pk, previous=old_slot, current=new_slot, by=by
            )
    return locked


def system_delete(*, system: System, by: AbstractBaseUser | None) -> None:
    """Delete a system with its VMs and contact roles (they cannot exist without it)."""
    with transaction.atomic():
        system = _locked_with_waves(system.pk)
        wave, move = system.wave, _move(system, system.wave, None)
        for vm in system.vms.all():
            model_delete(vm, by=by)
        for role in system.system_contacts.all():
            model_delete(role, by=by)
        model_delete(system, by=by)
        if wave is not None:
            _announce_moves([move], by=by)


def vm_create(*, by: AbstractBaseUser | None, **fields) -> VM:
    with transaction.atomic():
        vm = model_create(VM, by=by, before_save=_follow_own_system, **fields)
        _check_wave_capacity(vm.system.wave)
    return vm


def vm_update(*, vm: VM, by: AbstractBaseUser | None, reason: str = "", **fields) -> VM:
    """Change a VM's fields (not its status: that is vm_transition). Moving it to another system moves its wave."""
    if "status" in fields:
        raise ValueError("Use vm_transition to change a VM's status.")
    with transaction.atomic():
        old_wave = VM.objects.select_related("system__wave").get(pk=vm.pk).system.wave
        vm = model_update(vm, by=by, reason=reason, before_save=_follow_own_system, **fields)
        new_wave = vm.system.wave
        if new_wave != old_wave:
            _check_wave_capacity(new_wave)
    return vm


def vm_delete(*, vm: VM, by: AbstractBaseUser | None) -> None:
    with transaction.atomic():
        model_delete(vm, by=by)


def contactperson_create(*, by: AbstractBaseUser | None, **fields) -> ContactPerson:
    with transaction.atomic():
        return model_create(ContactPerson, by=by, **fields)


def contactperson_update(*, contact: ContactPerson, by: AbstractBaseUser | None, **fields) -> ContactPerson:
    with transaction.atomic():
        return model_update(contact, by=by, **fields)


def contactperson_delete(*, contact: ContactPerson, by: AbstractBaseUser | None) -> None:
    """Delete a contact person and their roles on systems."""
    with transaction.atomic():
        for role in contact.system_contacts.all():
            model_delete(role, by=by)
        model_delete(contact, by=by)


def systemcontact_create(
    *, system: System, contact: ContactPerson, role: str, by: AbstractBaseUser | None
) -> SystemContact:
    """Give a contact person a role (primary, secondary, tester, owner) for a system."""
    with transaction.atomic():
        return model_create(SystemContact, by=by, system=system, contact=contact, role=role)


def systemcontact_delete(*, system_contact: SystemContact, by: AbstractBaseUser | None) -> None:
    with transaction.atomic():
        model_delete(system_contact, by=by)


# --- Bulk actions: all selected rows change, or none does (migportal.bulk) -----------------------------------


def _locked_systems(systems: Iterable[System]):
    ids = [system.pk for system in systems]
    return System.objects.select_for_update(of=("self",)).filter(pk__in=ids).select_related("wave").order_by("code")


def systems_bulk_assign_wave(*, systems: Iterable[System], wave, by: AbstractBaseUser | None) -> int:
    """Move every system into `wave` (None: out of its wave). All or nothing; returns how many changed."""
    moves: list[WaveMove] = []
    moved: list[tuple[System, str]] = []
    systems = list(systems)

    def change(system: System) -> None:
        if system.wave == wave:
            return
        moves.append(_move(system, system.wave, wave))
        moved.append((system, _move_to_wave(system, wave, by, "")))

    with transaction.atomic():
        current = System.objects.filter(pk__in=[system.pk for system in systems]).values_list("wave_id", flat=True)
        _lock_waves([*current, wave.pk if wave else None])
        count = apply_to_all(_locked_systems(systems), change, label=lambda system: system.code)
        _vms_follow(moved, by=by, reason="")
        try:
            _check_wave_capacity(wave)
        except ValidationError as error:
            raise BulkActionRefused([RefusedRow(wave.name, " ".join(error.messages))]) from error
        _announce_moves(moves, by=by)
    return count


def systems_bulk_transition(*, systems: Iterable[System], to: str, by: AbstractBaseUser | None) -> int:
    """Change the status of every system (their VMs follow). All or nothing."""

    def change(system: System) -> None:
        if system.status == to:
            return
        system_transition(system=system, to=to, by=by)

    return apply_to_all(_locked_systems(systems), change, label=lambda system: system.code)


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

    return apply_to_all(_locked_systems(systems), change, label=lambda system: system.code)


def systems_bulk_add_contact(
    *, systems: Iterable[System], contact: ContactPerson, role: str, by: AbstractBaseUser | None
) -> int:
    """Give `contact` the role `role` on every system. All or nothing (a role already held is refused)."""

    def change(system: System) -> None:
        model_create(SystemContact, by=by, system=system, contact=contact, role=role)

    return apply_to_all(_locked_systems(systems), change, label=lambda system: system.code)


def vms_bulk_transition(*, vms: Iterable[VM], to: str, by: AbstractBaseUser | None) -> int:
    """Change the status of every VM. All or nothing."""
    ids = [vm.pk for vm in vms]

    def change(vm: VM) -> None:
        if vm.status == to:
            return
        _vm_step(vm, to)
        record_change(vm, by=by)
        vm.save(update_fields=LIFECYCLE_FIELDS)

    locked = VM.objects.select_for_update(of=("self",)).select_related("system").filter(pk__in=ids).order_by("hostname")
    return apply_to_all(locked, change, label=lambda vm: vm.hostname)


def systems_follow_notice(
    *, system_ids: Iterable[int], cancelled: bool, by: AbstractBaseUser | None, reason: str
) -> int:
    """A downtime notice went out for these systems: planned ones become notified; a cancellation takes
    notified ones back to planned. Other statuses are left as they are; VMs follow their system. Returns how
    many systems changed."""
    source, target = (
        (MigrationStatus.NOTIFIED, MigrationStatus.PLANNED)
        if cancelled
        else (MigrationStatus.PLANNED, MigrationStatus.NOTIFIED)
    )
    with transaction.atomic():
        systems = list(System.objects.select_for_update().filter(pk__in=list(system_ids), status=source))
        for system in systems:
            transition(system, target, migrated_at=None)
        if systems:
            bulk_update_with_history(systems, System, LIFECYCLE_FIELDS, default_user=by, default_change_reason=reason)
        _vms_follow([(system, source) for system in systems], by=by, reason=reason)
    return len(systems)
