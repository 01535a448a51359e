"""Which systems a wave takes: plain functions that the services and the importer both call.

The services check one system at a time; the importer gathers the same facts for a whole file in a few
queries and asks the same questions, so every route refuses the same things with the same words.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from waves.choices import WaveState

from .choices import MigrationStatus
from .lifecycle import MIGRATED_STATES

CLOSED_WAVE_STATES = frozenset({WaveState.COMPLETED, WaveState.CANCELLED})


def check_system_may_move(*, code: str, status: str) -> None:
    """A system that has moved, or is excluded, keeps the wave it has."""
    if status in MIGRATED_STATES:
        raise ValidationError(_("%(system)s has already moved and cannot change wave.") % {"system": code})
    if status == MigrationStatus.EXCLUDED:
        raise ValidationError(_("%(system)s is excluded from the migration.") % {"system": code})


def check_wave_open(*, name: str, state: str) -> None:
    """A completed or cancelled wave takes no more systems."""
    if state in CLOSED_WAVE_STATES:
        raise ValidationError(
            _("Wave “%(wave)s” is %(state)s and takes no more systems.")
            % {"wave": name, "state": WaveState(state).label}
        )


def check_capacity(*, name: str, max_vms: int | None, vm_count: int) -> None:
    """A wave holds at most max_vms VMs (when it has a limit)."""
    if max_vms and vm_count > max_vms:
        raise ValidationError(
            ngettext(
                "Wave “%(wave)s” would hold %(count)s VM; its limit is %(max)s.",
                "Wave “%(wave)s” would hold %(count)s VMs; its limit is %(max)s.",
                vm_count,
            )
            % {"wave": name, "count": vm_count, "max": max_vms}
        )


def status_for_wave(status: str, *, in_wave: bool) -> str | None:
    """The status a system takes when it joins (planned) or leaves (not planned) a wave, or None to keep it."""
    if in_wave and status in (MigrationStatus.NOT_PLANNED, MigrationStatus.ROLLED_BACK):
        return MigrationStatus.PLANNED
    if not in_wave and status == MigrationStatus.PLANNED:
        return MigrationStatus.NOT_PLANNED
    return None
