"""The migration lifecycle of systems and VMs: the one place that says which status changes are allowed.

not_planned → planned → notified → in_progress → migrated → verified, with on_hold (from any open
state, back to where it was), rolled_back (from in_progress/migrated, then back to planned) and
excluded (will not move; counted apart, never in "remaining").
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .choices import MigrationStatus as S

OPEN_STATES = frozenset({S.NOT_PLANNED, S.PLANNED, S.NOTIFIED, S.IN_PROGRESS, S.ROLLED_BACK})
MIGRATED_STATES = frozenset({S.MIGRATED, S.VERIFIED})

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
