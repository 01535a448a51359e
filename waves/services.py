"""Writes to waves. Every route (form, admin, import, API) goes through these functions.

Each change that matters to others (the window moved, the state changed) is announced through `waves.events`
inside the same transaction, with the wave row locked (lock order: `systems.events`). The downtime notices
listen there; this module does not know them.
"""

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from planning.checks import check_confirmation, warnings_reason
from systems.services import record_change

from . import events
from .choices import WaveState
from .models import Wave

ALLOWED_WAVE_STATES: dict[str, frozenset[str]] = {
    WaveState.DRAFT: frozenset({WaveState.CONFIRMED, WaveState.CANCELLED}),
    WaveState.CONFIRMED: frozenset({WaveState.DRAFT, WaveState.IN_PROGRESS, WaveState.CANCELLED}),
    WaveState.IN_PROGRESS: frozenset({WaveState.COMPLETED, WaveState.CANCELLED}),
    WaveState.COMPLETED: frozenset(),
    WaveState.CANCELLED: frozenset({WaveState.DRAFT}),
}


def wave_allowed_states(wave: Wave) -> list[str]:
    """The states a wave may move to from its current one, in order (what a UI may offer)."""
    return [state for state in WaveState.values if state in ALLOWED_WAVE_STATES[wave.state]]


def wave_systems_changed(*, waves: list[Wave], by: AbstractBaseUser | None) -> None:
    """Announce that systems joined or left these waves by a route that wrote the rows itself (the import).

    The waves are locked (ascending id) and the event is sent in the caller's transaction.
    """
    wave_ids = sorted({wave.pk for wave in waves})
    if not wave_ids:
        return
    with transaction.atomic():
        list(Wave.objects.select_for_update().filter(pk__in=wave_ids).order_by("pk").values_list("pk", flat=True))
        events.wave_systems_changed.send(sender=Wave, wave_ids=wave_ids, by=by)


def wave_create(*, by: AbstractBaseUser | None, **fields) -> Wave:
    """Create a draft wave (or one in the given state) after full validation."""
    state = fields.pop("state", WaveState.DRAFT)
    with transaction.atomic():
        wave = Wave(**fields)
        wave.full_clean()
        record_change(wave, by=by)
        wave.save()
        if state != WaveState.DRAFT:
            wave = wave_set_state(wave=wave, state=state, by=by)
    return wave


def wave_update(*, wave: Wave, by: AbstractBaseUser | None, reason: str = "", **fields) -> Wave:
    """Change a wave's fields (not its state: that is wave_set_state)."""
    if "state" in fields:
        raise ValueError("Use wave_set_state to change a wave's state.")
    with transaction.atomic():
        wave = Wave.objects.select_for_update().get(pk=wave.pk)
        previous = (wave.window_start, wave.window_end)
        for name, value in fields.items():
            setattr(wave, name, value)
        wave.full_clean()
        record_change(wave, by=by, reason=reason)
        wave.save()
        current = (wave.window_start, wave.window_end)
        if current != previous:
            events.wave_window_moved.send(sender=Wave, wave_id=wave.pk, previous=previous, current=current, by=by)
    return wave


def wave_set_state(*, wave: Wave, state: str, by: AbstractBaseUser | None, reason: str = "") -> Wave:
    """Confirm, start, complete, cancel or reopen a wave, refusing what is not allowed.

    Confirming runs the planning checks (`planning.checks`): blockers refuse it; warnings need a `reason`,
    which the history keeps with the warnings it was given for.
    """
    with transaction.atomic():
        wave = Wave.objects.select_for_update().get(pk=wave.pk)
        if state == wave.state:
            return wave
        if state not in ALLOWED_WAVE_STATES.get(wave.state, ()):
            raise ValidationError(
                _("A wave cannot go from “%(current)s” to “%(target)s”.")
                % {"current": WaveState(wave.state).label, "target": WaveState(state).label},
                code="wave_state_not_allowed",
            )
        if state == WaveState.CONFIRMED and settings.PLANNING_CONFIRM_CHECKS:
            warnings = check_confirmation(wave=wave, reason=reason)
            if warnings:
                reason = warnings_reason(reason, warnings)
        previous, wave.state = wave.state, state
        record_change(wave, by=by, reason=reason)
        wave.save(update_fields=["state"])
        events.wave_state_changed.send(sender=Wave, wave_id=wave.pk, previous=previous, current=state, by=by)
    return wave


def wave_delete(*, wave: Wave, by: AbstractBaseUser | None) -> None:
    """Delete a draft or cancelled wave; its systems leave it first (through the systems services, recorded).

    Refused (ValidationError) for other states; a wave with notices is protected (ProtectedError).
    """
    from systems.services import system_assign_wave

    with transaction.atomic():
        wave = Wave.objects.select_for_update().get(pk=wave.pk)
        if wave.state not in (WaveState.DRAFT, WaveState.CANCELLED):
            raise ValidationError(
                _("Only draft or cancelled waves can be deleted; this wave is %(state)s.")
                % {"state": WaveState(wave.state).label},
                code="wave_not_deletable",
            )
        for system in wave.systems.all():
            system_assign_wave(system=system, wave=None, by=by)
        record_change(wave, by=by)
        wave.delete()
