"""Tasks of the project as a whole."""

import logging

from celery import shared_task
from django.utils import timezone

logger = logging.getLogger(__name__)


@shared_task(name="migportal.tasks.heartbeat", ignore_result=True)
def heartbeat() -> str:
    """Log that beat schedules and a worker runs, so `make run` shows both are alive."""
    now = timezone.now().isoformat()
    logger.info("beat heartbeat handled by worker at %s", now)
    return now
