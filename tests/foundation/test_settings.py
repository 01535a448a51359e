"""Critical settings are really set: a typo in a setting name (CELERT_…) would otherwise be silent."""

import json
import os
import subprocess
import sys
from pathlib import Path

from celery.app.defaults import NAMESPACES, flatten
from django.conf import settings
from django.urls import reverse

from migportal.celery import app as celery_app

ROOT = Path(__file__).resolve().parents[2]


def settings_in_subprocess(env: dict[str, str], names: list[str]) -> dict:
    """Load the settings module in a fresh interpreter with exactly `env` (plus PATH) and return `names`."""
    code = (
        "import json, django; from django.conf import settings; django.setup(); "
        f"print(json.dumps({{n: getattr(settings, n) for n in {names!r}}}, default=str))"
    )
    clean_env = {"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "migportal.settings"} | env
    clean_env["MIGPORTAL_VAR_DIR"] = env.get("MIGPORTAL_VAR_DIR", str(ROOT / "var" / "settings-test"))
    output = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=clean_env, capture_output=True, text=True, check=True
    )
    return json.loads(output.stdout.strip().splitlines()[-1])


def test_celery_app_reads_the_critical_settings():
    conf = celery_app.conf
    assert conf.broker_url == settings.CELERY_BROKER_URL
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.task_soft_time_limit == settings.CELERY_TASK_SOFT_TIME_LIMIT > 0
    assert conf.task_time_limit == settings.CELERY_TASK_TIME_LIMIT > conf.task_soft_time_limit
    assert conf.worker_prefetch_multiplier == 1
    assert conf.timezone == "Europe/Oslo"
    assert conf.task_serializer == "json"
    assert "heartbeat" in conf.beat_schedule


def test_every_celery_setting_is_a_known_celery_option():
    known = {f"CELERY_{name.upper()}" for name, _ in flatten(NAMESPACES)}
    ours = {name for name in dir(settings) if name.startswith("CELERY_")}
    assert ours <= known, f"unknown Celery settings (typo?): {sorted(ours - known)}"


def test_embedded_default_without_environment():
    values = settings_in_subprocess(
        {}, ["DATABASES", "CELERY_BROKER_URL", "CACHES", "EMAIL_BACKEND", "DEBUG", "NOTICE_LEAD_DAYS", "LANGUAGE_CODE"]
    )
    assert values["DATABASES"]["default"]["ENGINE"] == "django.db.backends.sqlite3"
    assert values["DATABASES"]["default"]["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in values["DATABASES"]["default"]["OPTIONS"]["init_command"]
    assert values["CELERY_BROKER_URL"] == "filesystem://localhost/"  # a host: kombu does not warn
    assert values["CACHES"]["default"]["BACKEND"].endswith("LocMemCache")
    assert values["EMAIL_BACKEND"] == "migportal.mail.OneLineEmailBackend"
    assert values["DEBUG"] is False
    assert values["NOTICE_LEAD_DAYS"] == 14.0
    assert values["LANGUAGE_CODE"] == "nb"


def test_environment_switches_to_real_services_and_reads_fractional_days():
    values = settings_in_subprocess(
        {
            "DATABASE_URL": "postgres://user@db.example:5432/mig",
            "REDIS_URL": "redis://cache.example:6379/2",
            "EMAIL_URL": "smtp://mail.example:2525",
            "NOTICE_LEAD_DAYS": "0.002",
            "REMINDER_LEAD_DAYS": "0.001",
            "ACK_REMINDER_AFTER_DAYS": "1.5",
            "DISPATCH_INTERVAL_SECONDS": "5",
            "ALLOWED_HOSTS": "migrering.kommune.example",
            "SECRET_KEY": "from-the-environment",
        },
        [
            "DATABASES",
            "CELERY_BROKER_URL",
            "CACHES",
            "EMAIL_HOST",
            "EMAIL_PORT",
            "NOTICE_LEAD_DAYS",
            "REMINDER_LEAD_DAYS",
            "ACK_REMINDER_AFTER_DAYS",
            "DISPATCH_INTERVAL_SECONDS",
            "ALLOWED_HOSTS",
            "SECRET_KEY",
        ],
    )
    assert values["DATABASES"]["default"]["ENGINE"] == "django.db.backends.postgresql"
    assert values["DATABASES"]["default"]["HOST"] == "db.example"
    assert values["CELERY_BROKER_URL"] == "redis://cache.example:6379/2"
    assert values["CACHES"]["default"]["LOCATION"] == "redis://cache.example:6379/2"
    assert (values["EMAIL_HOST"], values["EMAIL_PORT"]) == ("mail.example", 2525)
    assert values["NOTICE_LEAD_DAYS"] == 0.002
    assert values["REMINDER_LEAD_DAYS"] == 0.001
    assert values["ACK_REMINDER_AFTER_DAYS"] == 1.5
    assert values["DISPATCH_INTERVAL_SECONDS"] == 5.0
    assert values["ALLOWED_HOSTS"] == ["migrering.kommune.example"]
    assert values["SECRET_KEY"] == "from-the-environment"


def test_production_refuses_to_start_without_a_secret_key():
    code = "import django; django.setup()"
    env = {"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "migportal.settings", "MIGPORTAL_PRODUCTION": "true"}
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode != 0
    assert "SECRET_KEY must be set in production" in result.stderr


def test_a_login_session_cookie_is_out_of_reach_of_scripts_and_pages_speak_norwegian(client, viewer_user):
    page = client.get(reverse("login"))
    response = client.post(reverse("login"), {"username": viewer_user.username, "password": "correct-horse-battery"})

    assert '<html lang="nb"' in page.content.decode()
    assert response.status_code == 302
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"


def test_every_beat_entry_names_a_task_the_worker_knows():
    celery_app.loader.import_default_modules()
    unknown = {entry["task"] for entry in celery_app.conf.beat_schedule.values()} - set(celery_app.tasks)
    assert not unknown, f"beat schedules tasks no worker would run: {sorted(unknown)}"


def test_console_mail_by_default_is_one_info_line_per_message(caplog):
    from django.core.mail import EmailMessage, get_connection

    message = EmailMessage("Varsel om nedetid: Bølge 3", "body " * 500, to=["kari@bym.kommune.example"])
    message.attach("nedetid.ics", "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "text/calendar")
    with caplog.at_level("INFO", logger="migportal.mail"):
        sent = get_connection("migportal.mail.OneLineEmailBackend").send_messages([message])
    assert sent == 1
    (record,) = caplog.records
    assert record.levelname == "INFO"
    assert record.getMessage().endswith("to kari@bym.kommune.example: Varsel om nedetid: Bølge 3")
    assert "\n" not in record.getMessage()
