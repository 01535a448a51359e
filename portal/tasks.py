"""Thin, idempotent Celery tasks of the portal: they take ids (or an address) and call services.

The e-mails themselves go out as deliveries of the notices' ledger (notifications.tasks.delivery_send).
"""

from celery import shared_task
from django.utils import timezone

from . import services


@shared_task(name="portal.tasks.send_login_link", ignore_result=True)
def send_login_link(address: str, ip: str | None = None) -> bool:
    """Make and e-mail a login link if the address is a contact person's who may log in by link.

    The portal's login form enqueues this for every address it is given, known or not (equal work). Not
    retried: a retry would make a second link; the person can ask again.
    """
    return services.login_link_send(email=address, ip=ip) is not None


@shared_task(name="portal.tasks.send_ack_reminders", ignore_result=True)
def send_ack_reminders() -> int:
    """Daily: remind the contact persons who have not acknowledged a notice in time."""
    return services.ack_reminders_create(now=timezone.now())


@shared_task(name="portal.tasks.purge_login_links", ignore_result=True)
def purge_login_links() -> int:
    """Daily: remove login links that expired over a week ago."""
    return services.login_links_purge(now=timezone.now())


@shared_task(name="portal.tasks.send_escalation_alert", ignore_result=True)
def send_escalation_alert() -> int:
    """Daily: tell the editors which systems are close to their window with no acknowledgement at all."""
    return services.escalation_alert_send(now=timezone.now())
