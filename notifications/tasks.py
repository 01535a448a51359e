"""Thin Celery tasks: ids in, services do the work. Safe to run twice (idempotent), hence acks_late."""

from celery import shared_task

from . import services


@shared_task(name="notifications.tasks.notices_publish_due", ignore_result=True)
def notices_publish_due() -> int:
    """Beat, every DISPATCH_INTERVAL_SECONDS: publish the notices whose time has come."""
    return len(services.notices_publish_due())


@shared_task(name="notifications.tasks.deliveries_sweep", ignore_result=True)
def deliveries_sweep() -> int:
    """Beat, every NOTICE_SWEEP_INTERVAL_SECONDS: re-enqueue pending deliveries whose worker died or whose message
    was lost (a killed worker, a broker restart). Runs on the dispatch queue, like notices_publish_due."""
    return len(services.deliveries_sweep())


@shared_task(name="notifications.tasks.delivery_send", ignore_result=True, acks_late=True, reject_on_worker_lost=True)
def delivery_send(delivery_id: int) -> str:
    """Send one delivery (a notice by e-mail or webhook, or a portal e-mail); retries are scheduled by the service
    (a countdown, or the sweeper for long waits), not by Celery's retry()."""
    return services.delivery_attempt(delivery_id=delivery_id)
