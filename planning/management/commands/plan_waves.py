"""Propose a wave plan from the shell (the same solver and rules as /planning/), and optionally accept it."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from planning import services
from planning.choices import ProposalState
from planning.models import Proposal


class Command(BaseCommand):
    help = "Propose a wave plan for every unplanned system; --accept carries it out through the services."

    def add_arguments(self, parser):
        parser.add_argument("--time-limit", type=float, default=None, help="Solver time limit in seconds.")
        parser.add_argument("--accept", action="store_true", help="Accept every change of the proposal.")

    def handle(self, *args, time_limit: float | None, accept: bool, **options):
        proposal = Proposal.objects.create(time_limit_seconds=time_limit or settings.PLANNING_SOLVER_SECONDS)
        services.proposal_run(proposal_id=proposal.pk)
        proposal.refresh_from_db()
        for line in proposal.explanation:
            self.stdout.write(f"- {line}")
        if proposal.state != ProposalState.READY:
            raise CommandError(f"No plan (proposal {proposal.pk}).")
        moves = proposal.result["moves"]
        self.stdout.write(
            f"Proposal {proposal.pk}: {len(moves)} changes, last window {proposal.result['completion']}, "
            f"objective {proposal.objective:g}, bound {proposal.bound:g}, "
            f"{'optimal' if proposal.optimal else 'not proven optimal'}, {proposal.solve_seconds:.1f} s."
        )
        if accept:
            moved = services.proposal_accept(proposal=proposal, system_ids=[move["system"] for move in moves], by=None)
            self.stdout.write(f"Accepted: {moved} systems moved.")
