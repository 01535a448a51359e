"""Thin Celery tasks: ids in, services do the work."""

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.utils.translation import gettext as _

from . import services


@shared_task(
    acks_late=True,
    ignore_result=True,
    soft_time_limit=settings.PLANNING_SOLVER_SECONDS * 2 + 60,
    time_limit=settings.PLANNING_SOLVER_SECONDS * 2 + 90,
)
def proposal_solve(proposal_id: int) -> None:
    """Solve a proposal for a large inventory. Idempotent: a finished proposal is left alone."""
    try:
        services.proposal_run(proposal_id=proposal_id)
    except SoftTimeLimitExceeded:
        services.proposal_fail(proposal_id=proposal_id, message=_("The solver took too long and was stopped."))
