"""Request ids in responses, JSON log lines and Celery tasks; Sentry only when SENTRY_DSN is set; the probe."""

import contextlib
import gzip
import json
import logging
import logging.config
import threading

import pytest
import sentry_sdk
from django.conf import settings
from django.test import RequestFactory

from migportal.celery import app as celery_app
from ops import request_context
from ops.middleware import RequestIdMiddleware
from ops.probe import probe
from ops.sentry import init_sentry
from tests.conftest import real_celery_worker

pytestmark = pytest.mark.django_db

_seen: dict[str, str] = {}
_done = threading.Event()


@celery_app.task(name="tests.hardening.remember_request_id")
def remember_request_id(key: str) -> None:
    logging.getLogger("tests.hardening").info("task sees its request id")
    _seen[key] = request_context.get_request_id()
    _done.set()


def test_response_carries_a_fresh_request_id(client):
    first, second = client.get("/healthz")["X-Request-ID"], client.get("/healthz")["X-Request-ID"]
    assert len(first) == 32 and first != second


def test_request_id_from_the_proxy_is_kept_when_well_formed(client):
    assert client.get("/healthz", HTTP_X_REQUEST_ID="lb-7f3a9c21-0001")["X-Request-ID"] == "lb-7f3a9c21-0001"
    forged = client.get("/healthz", HTTP_X_REQUEST_ID="x\r\nSet-Cookie: a=b")["X-Request-ID"]
    assert "Set-Cookie" not in forged and len(forged) == 32


@contextlib.contextmanager
def _logging_json_to(path):
    """The console handler exactly as settings.LOGGING builds it for LOG_FORMAT=json, writing to `path`."""
    with path.open("w") as stream:
        config = json.loads(json.dumps(settings.LOGGING))
        config["handlers"]["console"].update({"formatter": "json", "stream": stream})
        config["root"]["level"] = "INFO"
        logging.config.dictConfig(config)
        try:
            yield
        finally:
            logging.config.dictConfig(settings.LOGGING)


@pytest.fixture
def json_log(tmp_path):
    path = tmp_path / "log.jsonl"
    with _logging_json_to(path):
        yield path


def test_log_lines_are_json_with_the_request_id(client, json_log):
    response = client.get("/tilgjengelighet/?q=1", HTTP_X_REQUEST_ID="req-abcdef12")
    lines = [json.loads(line) for line in json_log.read_text().splitlines()]
    access = [line for line in lines if line["logger"] == "migportal.request"]
    assert access == [
        {
            "time": access[0]["time"],
            "level": "INFO",
            "logger": "migportal.request",
            "message": "GET /tilgjengelighet/ 200",
            "request_id": "req-abcdef12",
            "task": "",
            "method": "GET",
            "path": "/tilgjengelighet/",
            "status": 200,
            "duration_ms": access[0]["duration_ms"],
            "user_id": None,
        }
    ]
    assert response["X-Request-ID"] == "req-abcdef12"


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_request_id_follows_the_request_into_a_celery_task(tmp_path):
    """A task enqueued while handling a request runs on a real worker with that request's id in its logs."""
    _seen.clear()
    _done.clear()

    def view(request):
        remember_request_id.delay("from-request")
        from django.http import HttpResponse

        return HttpResponse("ok")

    json_log = tmp_path / "log.jsonl"
    # The worker's start-up runs django.setup(), which configures logging anew: capture after it.
    with (
        real_celery_worker(pool="solo", loglevel="WARNING"),
        _logging_json_to(json_log),
    ):
        response = RequestIdMiddleware(view)(RequestFactory().get("/", HTTP_X_REQUEST_ID="req-into-task-1"))
        assert _done.wait(timeout=20), "the worker did not run the task"
    assert response["X-Request-ID"] == "req-into-task-1"
    assert _seen["from-request"] == "req-into-task-1"
    task_lines = [json.loads(line) for line in json_log.read_text().splitlines() if "task sees" in line]
    assert task_lines and task_lines[0]["request_id"] == "req-into-task-1"
    assert task_lines[0]["task"] == "tests.hardening.remember_request_id"
    assert request_context.get_request_id() == ""  # nothing leaks into the next piece of work


def test_sentry_is_not_started_without_a_dsn():
    sentry_sdk.get_global_scope().set_client(None)
    assert init_sentry(dsn="", environment="test", release="", traces_sample_rate=0.0) is False
    assert not sentry_sdk.get_client().is_active()


def _envelope_text(request) -> str:
    data = request.get_data()
    encoding = request.headers.get("Content-Encoding", "")
    if encoding == "gzip":
        data = gzip.decompress(data)
    elif encoding == "br":
        import brotli

        data = brotli.decompress(data)
    return data.decode()


def test_sentry_reports_errors_with_the_request_id_and_no_personal_data(httpserver):
    httpserver.expect_request("/api/1/envelope/", method="POST").respond_with_data("{}")
    dsn = f"http://publickey@127.0.0.1:{httpserver.port}/1"
    try:
        assert init_sentry(dsn=dsn, environment="test", release="1.0", traces_sample_rate=0.0)
        tokens = request_context.bind("req-sentry-0001")
        try:
            sentry_sdk.capture_message("something failed")
        finally:
            request_context.unbind(tokens)
        sentry_sdk.flush(timeout=5)
    finally:
        sentry_sdk.get_client().close()
        sentry_sdk.get_global_scope().set_client(None)  # the next test starts without Sentry, as the app does
    body = "".join(_envelope_text(request) for request, _ in httpserver.log)
    event = json.loads(next(line for line in body.splitlines() if '"something failed"' in line))
    assert event["tags"]["request_id"] == "req-sentry-0001"
    assert event["environment"] == "test"


def test_probe_passes_on_a_ready_server_and_fails_otherwise(live_server, httpserver):
    assert probe("/readyz", base_url=live_server.url, host="localhost") == 0
    assert probe("/healthz", base_url=live_server.url, host="localhost") == 0
    httpserver.expect_request("/readyz").respond_with_json({"status": "unavailable"}, status=503)
    assert probe("/readyz", base_url=httpserver.url_for(""), host="localhost") == 1
    assert probe("/readyz", base_url="http://127.0.0.1:9", host="localhost") == 1
