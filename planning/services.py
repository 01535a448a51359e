"""Writes for planning: proposals (made by the solver, accepted by staff), move groups into waves, and the
planning data of its own (blackout periods, tester capacities). Accepted changes go through the inventory's
and the waves' services, so history and downtime notices follow as for any other change."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from systems.models import System
from systems.services import model_create, model_delete, model_update, system_assign_wave, systems_bulk_assign_wave
from waves.choices import WaveState
from waves.models import Wave
from waves.services import wave_create

from . import selectors, solver
from .choices import ProposalState
from .models import BlackoutPeriod, Proposal, TesterCapacity


@transaction.atomic
def blackoutperiod_create(*, by: AbstractBaseUser | None, **fields) -> BlackoutPeriod:
    return model_create(BlackoutPeriod, by=by, **fields)


@transaction.atomic
def blackoutperiod_update(*, blackoutperiod: BlackoutPeriod, by: AbstractBaseUser | None, **fields) -> BlackoutPeriod:
    return model_update(blackoutperiod, by=by, **fields)


@transaction.atomic
def blackoutperiod_delete(*, blackoutperiod: BlackoutPeriod, by: AbstractBaseUser | None) -> None:
    model_delete(blackoutperiod, by=by)


@transaction.atomic
def testercapacity_create(*, by: AbstractBaseUser | None, **fields) -> TesterCapacity:
    return model_create(TesterCapacity, by=by, **fields)


@transaction.atomic
def testercapacity_update(*, testercapacity: TesterCapacity, by: AbstractBaseUser | None, **fields) -> TesterCapacity:
    return model_update(testercapacity, by=by, **fields)


@transaction.atomic
def testercapacity_delete(*, testercapacity: TesterCapacity, by: AbstractBaseUser | None) -> None:
    model_delete(testercapacity, by=by)


def move_group_assign_wave(*, system: System, wave: Wave | None, by: AbstractBaseUser | None) -> int:
    """Move `system` and every system that must move with it into `wave` (all or none)."""
    return systems_bulk_assign_wave(systems=selectors.move_group_of(system), wave=wave, by=by)


def proposal_create(*, by: AbstractBaseUser | None, time_limit: float | None = None) -> Proposal:
    """Start a proposal: solved at once for small inventories, in a Celery task (with progress) for large ones."""
    from .tasks import proposal_solve

    proposal = Proposal.objects.create(created_by=by, time_limit_seconds=time_limit or settings.PLANNING_SOLVER_SECONDS)
    unplanned = System.objects.filter(selectors._movable(timezone.now())).count()
    if unplanned > settings.PLANNING_BACKGROUND_SYSTEMS:
        transaction.on_commit(lambda: proposal_solve.delay(proposal.pk))
    else:
        proposal_run(proposal_id=proposal.pk)
        proposal.refresh_from_db()
    return proposal


def _progress(proposal_id: int):
    def report(percent: int) -> None:
        Proposal.objects.filter(pk=proposal_id).update(progress=percent)

    return report


def proposal_run(*, proposal_id: int, now: datetime | None = None, cadence: selectors.Cadence | None = None) -> None:
    """Solve a running proposal and store the result. Idempotent: a finished proposal is left alone."""
    proposal = Proposal.objects.filter(pk=proposal_id, state=ProposalState.RUNNING).first()
    if proposal is None:
        return
    problem = selectors.planning_problem(now=now, cadence=cadence)
    plan = solver.solve(problem, time_limit=proposal.time_limit_seconds, progress=_progress(proposal_id))
    slots = {slot.key: slot for slot in problem.slots}
    current = {item.pk: item.current_slot for item in problem.items}
    codes = {item.pk: item.code for item in problem.items}
    moves = [
        {"system": pk, "code": codes[pk], "from": current[pk], "to": key}
        for pk, key in sorted(plan.assignment.items(), key=lambda pair: (slots[pair[1]].start, codes[pair[0]]))
        if current[pk] != key
    ]
    used = {move["to"] for move in moves} | {move["from"] for move in moves if move["from"]}
    Proposal.objects.filter(pk=proposal_id, state=ProposalState.RUNNING).update(
        state=ProposalState.READY if plan.feasible else ProposalState.FAILED,
        progress=100,
        result={
            "slots": {
                key: {
                    "name": slot.name,
                    "start": slot.start.isoformat(),
                    "end": slot.end.isoformat(),
                    "wave": slot.wave_id,
                    "max_systems": slot.max_systems,
                }
                for key, slot in slots.items()
                if key in used
            },
            "moves": moves,
            "completion": plan.completion.isoformat() if plan.completion else None,
        },
        explanation=plan.explanation,
        objective=plan.objective,
        bound=plan.bound,
        optimal=plan.optimal,
        solve_seconds=plan.seconds,
    )


def proposal_fail(*, proposal_id: int, message: str) -> None:
    Proposal.objects.filter(pk=proposal_id, state=ProposalState.RUNNING).update(
        state=ProposalState.FAILED, explanation=[message]
    )


def _wave_for_slot(key: str, slot: dict, by: AbstractBaseUser | None) -> Wave:
    """The wave of a proposal's slot: an existing draft wave, or a new wave made now (or before, by an earlier
    partial acceptance of the same proposal)."""
    if slot["wave"]:
        wave = Wave.objects.get(pk=slot["wave"])
        if wave.state != WaveState.DRAFT:
            raise ValidationError(
                _("%(wave)s is no longer a draft; make a new proposal.") % {"wave": wave.name}, code="wave_not_draft"
            )
        return wave
    start, end = datetime.fromisoformat(slot["start"]), datetime.fromisoformat(slot["end"])
    existing = Wave.objects.filter(name=slot["name"], window_start=start).first()
    if existing is not None:
        return existing
    return wave_create(by=by, name=slot["name"], window_start=start, window_end=end, max_systems=slot["max_systems"])


def proposal_accept(*, proposal: Proposal, system_ids: list[int], by: AbstractBaseUser | None) -> int:
    """Carry out the chosen moves of a proposal (a system's move group comes along), all or none; returns how
    many systems moved."""
    if proposal.state != ProposalState.READY:
        raise ValidationError(_("Only a finished proposal can be accepted."), code="proposal_not_ready")
    moves = {move["system"]: move for move in proposal.result["moves"]}
    chosen = {pk for pk in system_ids if pk in moves}
    together = System.move_with.through.objects.filter(from_system__in=chosen).values_list("to_system_id", flat=True)
    chosen |= {pk for pk in together if pk in moves}
    reason = _("plan proposal %(number)s") % {"number": proposal.pk}
    with transaction.atomic():
        waves: dict[str, Wave] = {}
        systems = System.objects.in_bulk(chosen)
        for pk in sorted(chosen, key=lambda pk: (proposal.result["slots"][moves[pk]["to"]]["start"], pk)):
            key = moves[pk]["to"]
            if key not in waves:
                waves[key] = _wave_for_slot(key, proposal.result["slots"][key], by)
            system_assign_wave(system=systems[pk], wave=waves[key], by=by, reason=reason)
    return len(chosen)
