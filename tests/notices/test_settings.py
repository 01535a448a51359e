"""A settings typo is silent: the settings the notice pipeline depends on are asserted here."""

import re

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
    # A running late-acked task, or a retry's countdown (always shorter than the hard time limit), is never
    # handed to a second worker by the broker.
    assert app.conf.broker_transport_options["visibility_timeout"] > 2 * app.conf.task_time_limit


def test_a_dead_workers_deliveries_are_recovered_within_a_minute():
    """The lease runs out, the next sweep finds the row, it is sent: all within 60 s of the crash."""
    assert settings.NOTICE_DELIVERY_LEASE_SECONDS + settings.NOTICE_SWEEP_INTERVAL_SECONDS < 45
    # A lost message (broker restart) is looked for once it is this old and the queue is empty.
    assert settings.NOTICE_SWEEP_AFTER_SECONDS + settings.NOTICE_SWEEP_INTERVAL_SECONDS < 45


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


def test_notice_settings_have_sane_values():
    assert 0 < settings.REMINDER_LEAD_DAYS < settings.NOTICE_LEAD_DAYS
    assert settings.NOTICE_DELIVERY_MAX_ATTEMPTS >= 1
    assert settings.NOTICE_RETRY_BASE_SECONDS > 0
    assert settings.NOTICE_SWEEP_AFTER_SECONDS > 0
    assert settings.NOTICE_DELIVERY_LEASE_SECONDS > 0
    assert hasattr(settings, "PORTAL_WEBHOOK_URL")
    assert hasattr(settings, "PORTAL_WEBHOOK_SECRET")
    assert "notifications.context_processors.notice_alerts" in settings.TEMPLATES[0]["OPTIONS"]["context_processors"]
