"""The notice pipeline's Celery wiring: beat runs the dispatcher and sweeper, deliveries are late-acked and
time-limited, and every queue has a worker in `make run` and in docker-compose.yml. (That a dead worker's
deliveries go out again within a minute is shown with real processes in test_recovery.py.)"""

import re

import pytest
import yaml
from django.conf import settings

from migportal.celery import app
from tests.conftest import celery_queues


def test_beat_runs_the_dispatcher_and_the_sweeper_at_their_periods():
    schedule = settings.CELERY_BEAT_SCHEDULE

    assert schedule["notices-publish-due"] == {
        "task": "notifications.tasks.notices_publish_due",
        "schedule": settings.DISPATCH_INTERVAL_SECONDS,
    }
    assert schedule["notices-sweep-deliveries"]["task"] == "notifications.tasks.deliveries_sweep"
    assert schedule["notices-sweep-deliveries"]["schedule"] == settings.NOTICE_SWEEP_INTERVAL_SECONDS
    app.loader.import_default_modules()
    for name in ("notices-publish-due", "notices-sweep-deliveries"):
        assert schedule[name]["task"] in app.tasks


def test_delivery_task_is_late_acked_and_time_limited():
    task = app.tasks["notifications.tasks.delivery_send"]

    assert task.acks_late is True
    assert task.reject_on_worker_lost is True
    assert app.conf.task_soft_time_limit and app.conf.task_time_limit
    assert app.conf.task_soft_time_limit < app.conf.task_time_limit
    # The SMTP client rides out slow servers, and gives up before the task's soft time limit.
    assert 60 <= settings.EMAIL_TIMEOUT < app.conf.task_soft_time_limit


@pytest.mark.skipif(
    not settings.CELERY_BROKER_URL.startswith(("redis://", "rediss://")),
    reason="the Redis transport's visibility timeout (REDIS_URL); the filesystem transport has none",
)
def test_redis_never_hands_a_running_delivery_to_a_second_worker():
    # A running late-acked task, or a retry's countdown (always shorter than the hard time limit), is never
    # handed to a second worker by the broker.
    assert app.conf.broker_transport_options["visibility_timeout"] > 2 * app.conf.task_time_limit


def test_dispatch_and_sweeper_have_a_queue_of_their_own_and_every_queue_has_a_worker():
    routes = settings.CELERY_TASK_ROUTES
    for task in ("notifications.tasks.notices_publish_due", "notifications.tasks.deliveries_sweep"):
        assert routes[task]["queue"] == settings.NOTICE_DISPATCH_QUEUE != settings.CELERY_TASK_DEFAULT_QUEUE
    queues = set(celery_queues())

    procfile = (settings.BASE_DIR / "Procfile").read_text()
    embedded = re.findall(r"^\w+: celery .* worker .*--queues (\S+)", procfile, re.MULTILINE)
    assert {queue for names in embedded for queue in names.split(",")} == queues  # `make run` consumes every queue
    compose = yaml.safe_load((settings.BASE_DIR / "docker-compose.yml").read_text())
    consumed = set()
    for service in compose["services"].values():
        command = service.get("command") or []
        if "worker" in command:
            consumed |= set(command[command.index("--queues") + 1].split(","))
    assert consumed == queues
