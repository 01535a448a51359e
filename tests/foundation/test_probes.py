"""/healthz and /readyz for operators and the compose health checks."""

import pytest
from django.db import OperationalError, connection

from migportal.celery import app as celery_app

pytestmark = pytest.mark.django_db


def test_healthz_answers_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_ok_when_database_and_broker_answer(client):
    response = client.get("/readyz")
    assert response.status_code == 200, response.content
    assert response.json()["checks"] == ["database", "broker"]


def test_readyz_names_the_broker_when_it_is_down(client, monkeypatch):
    # Nothing listens on port 1 of loopback: the broker is unreachable.
    monkeypatch.setattr(celery_app.conf, "broker_url", "redis://127.0.0.1:1/0")
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "failing": ["broker"]}


def test_readyz_names_the_database_when_it_is_down(client, monkeypatch):
    def database_down(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", database_down)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["failing"] == ["database"]
