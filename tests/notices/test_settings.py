"""A settings typo is silent: the settings the notice pipeline depends on are asserted here."""

from django.conf import settings

from migportal.celery import app


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
    # A claimed delivery stays claimed longer than a task can run, so no second worker sends it meanwhile.
    assert app.conf.task_time_limit < settings.NOTICE_DELIVERY_LEASE_SECONDS
    # Retries wait less than the broker's visibility timeout (no redelivered long countdowns).
    assert app.conf.broker_transport_options.get("visibility_timeout", 3600) > settings.NOTICE_RETRY_MAX_SECONDS


def test_notice_settings_have_sane_values():
    assert 0 < settings.REMINDER_LEAD_DAYS < settings.NOTICE_LEAD_DAYS
    assert settings.NOTICE_DELIVERY_MAX_ATTEMPTS >= 1
    assert settings.NOTICE_RETRY_BASE_SECONDS > 0
    assert settings.NOTICE_SWEEP_AFTER_SECONDS > 0
    assert hasattr(settings, "PORTAL_WEBHOOK_URL")
    assert hasattr(settings, "PORTAL_WEBHOOK_SECRET")
    assert "notifications.context_processors.notice_alerts" in settings.TEMPLATES[0]["OPTIONS"]["context_processors"]
