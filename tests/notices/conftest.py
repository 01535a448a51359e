"""Fixtures for the downtime-notice tests: a wave with systems and contact persons, a fixed clock."""

import os
import shutil
import subprocess
import sys
import threading
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import redis
import time_machine
from celery import signals, uuid
from django.db import connection

from systems.choices import ContactRole, Environment, Language
from tests.conftest import celery_queues, free_port, wait_until
from tests.factories import (
    AgencyFactory,
    ContactPersonFactory,
    SystemContactFactory,
    SystemFactory,
    WaveFactory,
)
from tests.worker_env import DEFAULT_TEST_BROKER_URL

OSLO = ZoneInfo("Europe/Oslo")
# Saturday 6 March 2021, 18:00–23:00 Oslo time; "now" is five weeks before.
WINDOW_START = datetime(2021, 3, 6, 18, 0, tzinfo=OSLO)
WINDOW_END = datetime(2021, 3, 6, 23, 0, tzinfo=OSLO)
NOW = datetime(2021, 1, 30, 9, 0, tzinfo=OSLO)


@pytest.fixture(autouse=True)
def _fresh_notice_cache():
    """Each test starts with an empty per-process notice cache: a rolled-back test can hand the next one the
    same notice id and (frozen clock) publication time, which a real database never does."""
    from notifications.services import _NOTICE_CACHE

    _NOTICE_CACHE.clear()
    yield
    _NOTICE_CACHE.clear()


@pytest.fixture
def clock():
    """The clock, fixed at NOW; move it with clock.move_to(...)."""
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def notice_settings(settings):
    settings.NOTICE_LEAD_DAYS = 14
    settings.REMINDER_LEAD_DAYS = 2
    settings.CHANGE_NOTICE_DELAY_MINUTES = 15
    settings.PORTAL_WEBHOOK_URL = ""
    settings.PORTAL_WEBHOOK_SECRET = ""
    settings.NOTICE_DELIVERY_MAX_ATTEMPTS = 3
    settings.NOTICE_RETRY_BASE_SECONDS = 30
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    return settings


class Scene:
    """A draft wave with two production systems and one test system, and their contact persons.

    Kari is primary for ERP and tester for ARK; Ola (English) is owner of ARK; Per is primary for TEST-1,
    which has its own downtime slot 19:00–20:00 inside the window.
    """

    def __init__(self, window_start: datetime = WINDOW_START):
        self.agency = AgencyFactory(code="BYM", name="Bymiljøetaten")
        self.wave = WaveFactory(
            name="Bølge 12", window_start=window_start, window_end=window_start + timedelta(hours=5)
        )
        self.erp = SystemFactory(code="ERP", name="Økonomisystem", agency=self.agency, wave=self.wave)
        self.ark = SystemFactory(code="ARK", name="Sakarkiv", agency=self.agency, wave=self.wave)
        self.test1 = SystemFactory(
            code="TEST-1",
            name="Testsystem",
            agency=self.agency,
            wave=self.wave,
            environment=Environment.TEST,
            downtime_start=window_start + timedelta(hours=1),
            downtime_end=window_start + timedelta(hours=2),
        )
        self.kari = ContactPersonFactory(name="Kari Nordmann", email="kari@kommune.example", agency=self.agency)
        self.ola = ContactPersonFactory(
            name="Ola English", email="ola@kommune.example", agency=self.agency, language=Language.EN
        )
        self.per = ContactPersonFactory(name="Per Test", email="per@kommune.example", agency=self.agency)
        SystemContactFactory(system=self.erp, contact=self.kari, role=ContactRole.PRIMARY)
        SystemContactFactory(system=self.ark, contact=self.kari, role=ContactRole.TESTER)
        SystemContactFactory(system=self.ark, contact=self.ola, role=ContactRole.OWNER)
        SystemContactFactory(system=self.test1, contact=self.per, role=ContactRole.PRIMARY)


@pytest.fixture
def scene(db, clock, notice_settings, enqueued):
    return Scene()


WEBHOOK_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


@pytest.fixture
def webhook_settings(notice_settings, httpserver):
    notice_settings.PORTAL_WEBHOOK_URL = httpserver.url_for("/hooks/notices")
    notice_settings.PORTAL_WEBHOOK_SECRET = WEBHOOK_SECRET
    notice_settings.PORTAL_WEBHOOK_TIMEOUT_SECONDS = 1
    return notice_settings


def publish_announcement(scene, clock):
    """Confirm the scene's wave and let the dispatcher publish its announcement; returns the notice."""
    from notifications.models import Notice
    from notifications.services import notices_publish_due
    from waves.services import wave_set_state

    wave_set_state(wave=scene.wave, state="confirmed", by=None)
    clock.move_to(WINDOW_START - timedelta(days=14))
    (notice_id,) = notices_publish_due()
    return Notice.objects.get(pk=notice_id)


# --- Real parts for the integration tests: Celery worker on Redis, SMTP server, worker subprocesses -----------

# Under pytest-xdist, tests/worker_env.py has already raised the database number by the worker's.
TEST_BROKER_URL = os.environ.get("NOTICE_TEST_BROKER_URL", DEFAULT_TEST_BROKER_URL)


def worker_drained(timeout: float = 30) -> None:
    """Wait until the in-process worker has taken every message sent to the default queue before this call: it
    takes them in order, so once a heartbeat sent now has run, they have run too."""
    from migportal.tasks import heartbeat

    ran = threading.Event()
    heartbeat_id = uuid()  # known before sending: the worker may finish the task before apply_async returns

    def note(sender=None, task_id=None, **_kwargs):
        if task_id == heartbeat_id:
            ran.set()

    signals.task_postrun.connect(note, weak=False)
    try:
        heartbeat.apply_async(task_id=heartbeat_id)
        assert ran.wait(timeout), f"the worker did not reach a heartbeat within {timeout} s"
    finally:
        signals.task_postrun.disconnect(note)


def use_broker(url: str) -> None:
    """Point the one Celery app (and its connection pools) at `url`."""
    from kombu import pools

    from migportal.celery import app

    if app.conf.broker_url == url and app._pool is not None and app._pool.connection.as_uri(True) == url:
        return
    app.conf.broker_url = url
    app._pool = pools.connections[app.connection_for_write(url)]
    app.amqp._producer_pool = pools.producers[app.connection_for_write(url)]


def purge_queue(url: str) -> None:
    """Drop our queue and unacked messages on the broker (not FLUSHALL; only Celery's own keys)."""
    client = redis.Redis.from_url(url)
    client.delete(*celery_queues(), "unacked", "unacked_index", "unacked_mutex")
    client.close()


@pytest.fixture
def broker(settings):
    """The Celery broker for this test: Redis db 5 (NOTICE_TEST_BROKER_URL; plus N in xdist worker N), emptied
    before and after. Without a Redis server there the test is skipped."""
    from migportal.celery import app

    try:
        redis.Redis.from_url(TEST_BROKER_URL, socket_connect_timeout=1).ping()
    except redis.ConnectionError:
        pytest.skip(f"needs a Redis server at {TEST_BROKER_URL} (NOTICE_TEST_BROKER_URL)")

    previous = app.conf.broker_url
    settings.CELERY_BROKER_URL = TEST_BROKER_URL
    use_broker(TEST_BROKER_URL)
    purge_queue(TEST_BROKER_URL)
    yield TEST_BROKER_URL
    purge_queue(TEST_BROKER_URL)
    use_broker(previous)


@pytest.fixture
def integration_settings(settings, httpserver):
    """Short retry waits and sweeps so faults heal within a test; the webhook goes to pytest-httpserver."""
    settings.NOTICE_LEAD_DAYS = 14
    settings.REMINDER_LEAD_DAYS = 2
    settings.NOTICE_RETRY_BASE_SECONDS = 0.2
    settings.NOTICE_RETRY_MAX_SECONDS = 1
    settings.NOTICE_DELIVERY_MAX_ATTEMPTS = 4
    settings.PORTAL_WEBHOOK_URL = httpserver.url_for("/hooks/notices")
    settings.PORTAL_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.PORTAL_WEBHOOK_TIMEOUT_SECONDS = 1
    return settings


@pytest.fixture
def celery_worker(transactional_db, broker, integration_settings, smtp_server):
    """A real Celery worker (in a thread of this process) consuming from the test broker."""
    from celery.contrib.testing.worker import start_worker

    from migportal.celery import app

    queues = ",".join(celery_queues())
    with start_worker(app, pool="solo", concurrency=1, perform_ping_check=False, shutdown_timeout=30, queues=queues):
        yield
    connection.close()


def _test_database_url() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class Processes:
    """Celery worker and beat as separate processes (same code, test database, test broker)."""

    def __init__(self, tmp_path, broker_url: str, env: dict[str, str]):
        self.tmp_path, self.broker_url, self.env = tmp_path, broker_url, env
        self.running: list[subprocess.Popen] = []

    def _environment(self) -> dict[str, str]:
        return {
            **os.environ,
            "DATABASE_URL": _test_database_url(),
            "CELERY_BROKER_URL": self.broker_url,
            "MIGPORTAL_VAR_DIR": str(self.tmp_path / "var"),
            **self.env,
        }

    def _start(self, *arguments: str, log: str) -> subprocess.Popen:
        celery = str(Path(sys.executable).with_name("celery"))
        with open(self.tmp_path / log, "ab") as output:
            process = subprocess.Popen(
                [celery, "--app", "migportal", *arguments], env=self._environment(), stdout=output, stderr=output
            )
        self.running.append(process)
        return process

    def worker(self, *, without: tuple[str, ...] = ()) -> subprocess.Popen:
        """A worker consuming every queue (but `without`), as the Procfile's workers together."""
        return self._start(
            "worker",
            "--pool",
            "solo",
            "--queues",
            ",".join(queue for queue in celery_queues() if queue not in without),
            "--without-mingle",
            "--without-gossip",
            "--loglevel",
            "INFO",
            log="worker.log",
        )

    def beat(self) -> subprocess.Popen:
        schedule = str(self.tmp_path / "celerybeat-schedule")
        return self._start("beat", "--schedule", schedule, "--loglevel", "INFO", log="beat.log")

    def log(self, name: str = "worker.log") -> str:
        path = self.tmp_path / name
        return path.read_text(errors="replace") if path.exists() else ""

    def stop_all(self) -> None:
        for process in self.running:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


@pytest.fixture
def process_env(smtp_server, integration_settings) -> dict[str, str]:
    """The environment of worker/beat subprocesses: this test's SMTP server and webhook, short retry waits; the
    lease and the sweeper as configured by default."""
    return {
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_server.port}",
        "PORTAL_WEBHOOK_URL": integration_settings.PORTAL_WEBHOOK_URL,
        "PORTAL_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "NOTICE_RETRY_BASE_SECONDS": "0.2",
        "NOTICE_RETRY_MAX_SECONDS": "1",
    }


@pytest.fixture
def processes(tmp_path, transactional_db, broker, process_env):
    """Start worker/beat subprocesses with `processes.worker()`; all are stopped after the test."""
    running = Processes(tmp_path, broker, process_env)
    yield running
    running.stop_all()


@pytest.fixture
def own_redis(tmp_path):
    """A redis-server of our own on a free loopback port, without persistence, that a test may restart. Without
    the redis-server program the test is skipped."""
    if shutil.which("redis-server") is None:
        pytest.skip("needs the redis-server program (Debian package redis-server)")

    class OwnRedis:
        def __init__(self):
            self.port = free_port()
            self.url = f"redis://127.0.0.1:{self.port}/0"
            self.process: subprocess.Popen | None = None

        def start(self):
            self.process = subprocess.Popen(
                ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
                cwd=tmp_path,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            wait_until(self._answers, timeout=10, what="redis-server to start")

        def _answers(self) -> bool:
            try:
                return redis.Redis(port=self.port, socket_connect_timeout=0.2).ping()
            except redis.ConnectionError:
                return False

        def stop(self):
            self.process.terminate()
            self.process.wait(timeout=10)

        def restart(self):
            self.stop()
            self.start()

    server = OwnRedis()
    server.start()
    yield server
    server.stop()
