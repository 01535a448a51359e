"""Fixtures for the hardening tests: the production settings as a fresh process sees them."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from celery import signals
from rest_framework.authtoken.models import Token

from .sample_data import one_of_everything

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_HOST = "migrering.kommune.example"


def production_env(**extra: str) -> dict[str, str]:
    """The environment of a production container (as docker-compose.yml gives it), on this machine's services."""
    # Only this machine's service addresses carry over; no test-only switches (DJANGO_ALLOW_ASYNC_UNSAFE, …).
    env = {key: value for key, value in os.environ.items() if not key.startswith(("OIDC_", "SENTRY_", "DJANGO_"))}
    env.update(
        MIGPORTAL_PRODUCTION="true",
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS=PRODUCTION_HOST,
        CSRF_TRUSTED_ORIGINS=f"https://{PRODUCTION_HOST}",
        LOG_FORMAT="json",
    )
    env.update(extra)
    return env


def run_manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


_SETTINGS_DUMP = """
import json, django
from django.conf import settings
django.setup()
names = [n for n in dir(settings) if n.isupper()]
out = {}
for name in names:
    try:
        json.dumps(getattr(settings, name)); out[name] = getattr(settings, name)
    except TypeError:
        out[name] = repr(getattr(settings, name))
print(json.dumps(out))
"""


@pytest.fixture(scope="session")
def production_settings() -> dict:
    """Every JSON-able setting as `MIGPORTAL_PRODUCTION=true` gives it, read by a separate process."""
    result = subprocess.run(
        [sys.executable, "-c", _SETTINGS_DUMP],
        cwd=ROOT,
        env={**production_env(), "DJANGO_SETTINGS_MODULE": "migportal.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture
def everything(admin_user):
    """One row of every model, connected (the admin is a contact person of a system with a notice)."""
    objects = one_of_everything(admin_user)
    # Rows of third-party models the admin lists, so their detail pages are walked too.
    Token.objects.create(user=admin_user)
    axes_row = {"user_agent": "test", "ip_address": "127.0.0.1", "username": "someone", "http_accept": "*/*",
                "path_info": "/accounts/login/"}  # fmt: skip
    AccessAttempt.objects.create(**axes_row, get_data="", post_data="", failures_since_start=1)
    AccessFailureLog.objects.create(**axes_row)
    AccessLog.objects.create(**axes_row)
    return objects


@pytest.fixture
def published_tasks():
    """(task name, args, kwargs) of every Celery message sent to the broker during the test; the queue is
    emptied afterwards, so no worker of a later test runs them."""
    seen = []

    def record(sender=None, body=None, **_kwargs):
        args, kwargs, _embed = body
        seen.append((sender, tuple(args), kwargs))

    signals.before_task_publish.connect(record, weak=False)
    yield seen
    signals.before_task_publish.disconnect(record)
    if seen:
        from migportal.celery import app

        app.control.purge()
