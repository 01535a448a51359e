"""Thin, idempotent Celery tasks of the portal: they take ids and call services or e-mails."""

import logging

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from . import emails, services
from .models import TestReport

logger = logging.getLogger(__name__)


@shared_task(name="portal.tasks.send_login_link", ignore_result=True)
def send_login_link(address: str, ip: str | None = None) -> bool:
    """Make and e-mail a login link if the address is a contact person's who may log in by link.

    The portal's login form enqueues this for every address it is given, known or not (equal work). Not
    retried: a retry would make a second link; the person can ask again.
    """
    return services.login_link_send(email=address, ip=ip) is not None


@shared_task(
    name="portal.tasks.send_test_problem_alert",
    ignore_result=True,
    autoretry_for=(OSError,),
    max_retries=5,
    retry_backoff=True,
    retry_jitter=True,
)
def send_test_problem_alert(report_id: int) -> None:
    """Tell the editors that a tester found problems with a migrated system."""
    report = TestReport.objects.select_related("system__agency", "contact").filter(pk=report_id).first()
    if report is not None:
        emails.send_test_problem_alert(report)


@shared_task(name="portal.tasks.send_ack_reminders", ignore_result=True)
def send_ack_reminders() -> int:
    """Daily: write the reminder rows that are due and enqueue one send task per row after commit."""
    with transaction.atomic():
        ids = services.ack_reminders_create(now=timezone.now())
        for reminder_id in ids:
            transaction.on_commit(lambda reminder_id=reminder_id: send_ack_reminder.delay(reminder_id))
    return len(ids)


@shared_task(name="portal.tasks.send_ack_reminder", ignore_result=True)
def send_ack_reminder(reminder_id: int) -> str:
    """Send one acknowledgement reminder (claimed, so never twice)."""
    return services.ack_reminder_send(reminder_id=reminder_id)


@shared_task(name="portal.tasks.purge_login_links", ignore_result=True)
def purge_login_links() -> int:
    """Daily: remove login links that expired over a week ago."""
    return services.login_links_purge(now=timezone.now())


@shared_task(name="portal.tasks.send_escalation_alert", ignore_result=True)
def send_escalation_alert() -> int:
    """Daily: tell the editors which systems are close to their window with no acknowledgement at all."""
    return services.escalation_alert_send(now=timezone.now())
