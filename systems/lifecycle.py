"""The migration lifecycle of systems and VMs: the one place that says which status changes are allowed.

not_planned → planned → notified → in_progress → migrated → verified, with on_hold (from any open
state, back to where it was), rolled_back (from in_progress/migrated, then back to planned) and
excluded (will not move; counted apart, never in "remaining").

VMs follow their system (`vm_status_following`): every route that changes a system's status, or a
VM's system, applies that one rule, and `check_vm_status` keeps a VM from being set behind its system.
"""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .choices import MigrationStatus as S

OPEN_STATES = frozenset({S.NOT_PLANNED, S.PLANNED, S.NOTIFIED, S.IN_PROGRESS, S.ROLLED_BACK})
MIGRATED_STATES = frozenset({S.MIGRATED, S.VERIFIED})
# The road every system and VM travels, in order; on_hold, rolled_back and excluded are off it.
PROGRESSION = (S.NOT_PLANNED, S.PLANNED, S.NOTIFIED, S.IN_PROGRESS, S.MIGRATED, S.VERIFIED)

ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    S.NOT_PLANNED: frozenset({S.PLANNED, S.ON_HOLD, S.EXCLUDED}),
    S.PLANNED: frozenset({S.NOT_PLANNED, S.NOTIFIED, S.IN_PROGRESS, S.ON_HOLD, S.EXCLUDED}),
    S.NOTIFIED: frozenset({S.PLANNED, S.IN_PROGRESS, S.ON_HOLD, S.EXCLUDED}),
    S.IN_PROGRESS: frozenset({S.MIGRATED, S.ROLLED_BACK, S.ON_HOLD}),
    S.MIGRATED: frozenset({S.VERIFIED, S.ROLLED_BACK}),
    S.VERIFIED: frozenset(),
    S.ROLLED_BACK: frozenset({S.PLANNED, S.NOT_PLANNED, S.ON_HOLD, S.EXCLUDED}),
    # Leaving on_hold is only allowed back to the state it was put on hold from (checked below).
    S.ON_HOLD: frozenset(OPEN_STATES),
    S.EXCLUDED: frozenset({S.NOT_PLANNED}),
}


class TransitionNotAllowed(ValidationError):
    """A status change the lifecycle does not allow."""


def allowed_targets(current: str, *, held_from: str | None = None) -> list[str]:
    """The statuses reachable from `current`, in lifecycle order (what a UI may offer)."""
    if current == S.ON_HOLD:
        return [held_from] if held_from else []
    return [value for value in S.values if value in ALLOWED_TRANSITIONS[current]]


def check_transition(current: str, target: str, *, held_from: str | None = None) -> None:
    """Raise TransitionNotAllowed with a message a user can act on, unless current → target is allowed."""
    if target not in S.values:
        raise TransitionNotAllowed(_("Unknown status “%(status)s”.") % {"status": target}, code="unknown_status")
    if target in allowed_targets(current, held_from=held_from):
        return
    allowed = ", ".join(str(S(value).label) for value in allowed_targets(current, held_from=held_from))
    raise TransitionNotAllowed(
        _("Cannot change status from “%(current)s” to “%(target)s”. Allowed: %(allowed)s.")
        % {"current": S(current).label, "target": S(target).label, "allowed": allowed or _("none")},
        code="transition_not_allowed",
    )


def set_status(obj, to: str, *, migrated_at: datetime | None) -> set[str]:
    """Give a system or VM the status `to` and keep what goes with it consistent; return the fields changed.

    Going on hold remembers where from (so it can go back); reaching migrated stamps `migrated_at` with the
    given time unless it has one (None: leave it as it is, as an import does); a rollback clears it.
    No check here: callers check the step first (`transition`) or apply the follow rule.
    """
    if obj.status == to:
        return set()
    changed = {"status"}
    held_from = (obj.status if obj.status in OPEN_STATES else S.NOT_PLANNED) if to == S.ON_HOLD else ""
    if obj.status_before_hold != held_from:
        obj.status_before_hold = held_from
        changed.add("status_before_hold")
    if to in MIGRATED_STATES and obj.migrated_at is None and migrated_at is not None:
        obj.migrated_at = migrated_at
        changed.add("migrated_at")
    elif to == S.ROLLED_BACK and obj.migrated_at is not None:
        obj.migrated_at = None
        changed.add("migrated_at")
    obj.status = to
    return changed


def transition(obj, to: str, *, migrated_at: datetime | None) -> set[str]:
    """One lifecycle step of a system or VM: checked, then applied (see set_status)."""
    check_transition(obj.status, to, held_from=obj.status_before_hold or None)
    return set_status(obj, to, migrated_at=migrated_at)


def behind(status: str, other: str) -> bool:
    """Whether `status` comes before `other` on the road not planned → verified (off the road: never)."""
    return status in PROGRESSION and other in PROGRESSION and PROGRESSION.index(status) < PROGRESSION.index(other)


def vm_status_following(vm_status: str, system_status: str, *, system_was: str | None = None) -> str | None:
    """The status a VM takes to stay with its system, or None when it keeps its own.

    - A VM in step with its system (it had the status the system had, `system_was`) takes the new one.
    - A VM behind its system on the road not planned → verified catches up (a VM new to the system too).
    - Otherwise it keeps its status: excluded (it will not move), on hold or rolled back on its own, or ahead
      of its system (a VM may move before the rest of its system).
    So a system is never migrated or verified while one of its VMs is not planned or planned.
    """
    if vm_status == system_status:
        return None
    if system_was is not None and vm_status == system_was:
        return system_status
    return system_status if behind(vm_status, system_status) else None


def bring_along(
    vm, system_status: str, system_migrated_at: datetime | None, *, system_was: str | None = None
) -> set[str]:
    """Apply the follow rule to a VM (in memory): it takes the status `vm_status_following` gives, and its
    system's migration time when it reaches migrated; returns the fields changed (none when it stays)."""
    to = vm_status_following(vm.status, system_status, system_was=system_was)
    return set_status(vm, to, migrated_at=system_migrated_at) if to else set()


def check_vm_status(vm_status: str, system_status: str, *, vm: str, system: str) -> None:
    """Refuse a VM status behind its system's (the VM would be left behind: only excluded can stay out)."""
    if behind(vm_status, system_status):
        raise TransitionNotAllowed(
            _("%(vm)s cannot be “%(status)s” while its system %(system)s is “%(system_status)s”.")
            % {"vm": vm, "status": S(vm_status).label, "system": system, "system_status": S(system_status).label},
            code="vm_behind_system",
        )
