"""Thin, idempotent tasks of the dashboard: they call the services and selectors, nothing more."""

import logging

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.utils import translation

from .charts import cover_png
from .selectors import dashboard_report
from .services import snapshot_take

logger = logging.getLogger(__name__)


@shared_task(name="dashboard.tasks.take_weekly_snapshot", ignore_result=True)
def take_weekly_snapshot() -> str:
    """Beat, Monday 06:00 Europe/Oslo: store the week just ended (again, if run twice), then render the cover."""
    snapshot = snapshot_take()
    transaction.on_commit(render_cover_image.delay)
    logger.info("weekly snapshot %s stored", snapshot)
    return str(snapshot)


@shared_task(name="dashboard.tasks.render_cover_image", ignore_result=True)
def render_cover_image() -> int:
    """Render the current cover image in every language into the cache, so /dashboard.png is served at once."""
    report = dashboard_report()
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            cover_png(report)
    return len(settings.LANGUAGES)
