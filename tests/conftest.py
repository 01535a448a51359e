"""Fixtures shared by every test module: one user per role (docs/architecture.md), a logged-in client each."""

import asyncio
import email
import socket
import threading
import time
from contextlib import contextmanager

import factory
import factory.random
import pytest
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.test.utils import override_settings
from django.utils import translation

from systems.roles import EDITOR_GROUP, GROUP_PERMISSIONS, VIEWER_GROUP

from . import factories
from .factories import ContactPersonFactory, UserFactory

#: Every factory that owns its sequence counter (a subclass may share its parent's).
_SEQUENCE_OWNERS = [
    value
    for value in vars(factories).values()
    if isinstance(value, type)
    and issubclass(value, factory.base.Factory)
    and value._meta.model is not None
    and value._meta.counter_reference is value._meta
]


def staff_group(name: str) -> Group:
    """The staff group made by migration systems.0002; made again after a transactional test flushed it."""
    group, created = Group.objects.get_or_create(name=name)
    if created:
        for app_label, codename in GROUP_PERMISSIONS[name]:
            group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return group


def ensure_staff_groups() -> None:
    """Both staff groups, as migration systems.0002 makes them (a transactional test's flush removes them)."""
    for name in GROUP_PERMISSIONS:
        staff_group(name)


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hasher():
    """UserFactory hashes a password per user: MD5 instead of PBKDF2's many rounds saves seconds per hundred
    users (tests only; the hasher's strength is not what any test is about)."""
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(scope="session", autouse=True)
def _logins_past_the_form_skip_axes():
    """`Client.force_login` and `Client.logout` are the tests' way past the login form. django-axes answers every
    login and logout with rows of its own (an access log, its failure counters reset): about 10 ms a login, in a
    suite that logs in thousands of times, for nothing those tests look at. Logins through the form, where axes
    is what is tested (tests/hardening/test_login.py, test_throttles.py), still go through it."""
    from axes.signals import handle_user_logged_in, handle_user_logged_out
    from django.contrib.auth.signals import user_logged_in, user_logged_out
    from django.test import Client

    receivers = [(user_logged_in, handle_user_logged_in), (user_logged_out, handle_user_logged_out)]

    def without_axes(method):
        def call(self, *args, **kwargs):
            for signal, receiver in receivers:
                signal.disconnect(receiver)
            try:
                return method(self, *args, **kwargs)
            finally:
                for signal, receiver in receivers:
                    signal.connect(receiver)

        return call

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Client, "force_login", without_axes(Client.force_login))
        patch.setattr(Client, "logout", without_axes(Client.logout))
        yield


@pytest.fixture(autouse=True)
def _repeatable_factories():
    """Every test gets the same generated rows (codes, names, random choices) whichever tests ran before it."""
    for factory_class in _SEQUENCE_OWNERS:
        factory_class.reset_sequence(force=True)
    factory.random.reseed_random("migportal")


@pytest.fixture(autouse=True)
def _default_language():
    """Every test starts in the project's default language: a request activates its own in the thread and leaves
    it there, so without this a lazy label read after a test client's English request came out in English."""
    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _empty_cache():
    """Throttles count in the cache (Redis db N in tests), and logins and resets come from one address here:
    every test starts from zero."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _staff_groups(request):
    """Every database test starts with both staff groups: a transactional test before it flushed them."""
    if {"db", "transactional_db"} & set(request.fixturenames) or request.node.get_closest_marker("django_db"):
        request.getfixturevalue("transactional_db" if "transactional_db" in request.fixturenames else "db")
        ensure_staff_groups()


@pytest.fixture
def editor_user(db):
    user = UserFactory(username="redaktor", first_name="Ragnhild", last_name="Redaktør")
    user.groups.add(staff_group(EDITOR_GROUP))
    return user


@pytest.fixture
def viewer_user(db):
    user = UserFactory(username="leser", first_name="Lars", last_name="Leser")
    user.groups.add(staff_group(VIEWER_GROUP))
    return user


@pytest.fixture
def contact_person(db):
    """A contact person with a login and no staff rights."""
    user = UserFactory(username="kontakt")
    return ContactPersonFactory(user=user, email="kontakt@kommune.example", name="Kari Kontakt")


@pytest.fixture
def contact_user(contact_person):
    return contact_person.user


def _client_for(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def editor_client(client, editor_user):
    return _client_for(client, editor_user)


@pytest.fixture
def viewer_client(client, viewer_user):
    return _client_for(client, viewer_user)


@pytest.fixture
def contact_client(client, contact_user):
    return _client_for(client, contact_user)


class Enqueued(list):
    """Delivery task messages put on the broker, as (delivery id, countdown): recorded instead of sent, since no
        worker runs in unit tests. `run()` runs the waiting ones as the worker would (those they enqueue wait for the
    next call) and returns their outcomes."""

    def run(self) -> list[str]:
        from notifications.tasks import delivery_send

        waiting = list(self)
        self.clear()
        return [delivery_send(delivery_id) for delivery_id, _countdown in waiting]


@pytest.fixture
def enqueued(monkeypatch):
    from notifications import tasks

    calls = Enqueued()

    def record(args, countdown=None, **_kwargs):
        calls.append((args[0], countdown))

    monkeypatch.setattr(tasks.delivery_send, "apply_async", record)
    return calls


def celery_queues() -> list[str]:
    """Every queue a worker must consume, as the Procfile's worker does: default, retries and the routed ones."""
    from django.conf import settings

    routed = [route["queue"] for route in settings.CELERY_TASK_ROUTES.values()]
    return list(dict.fromkeys([settings.CELERY_TASK_DEFAULT_QUEUE, settings.NOTICE_RETRY_QUEUE, *routed]))


@contextmanager
def real_celery_worker(**options):
    """A real Celery worker in a thread of this process, on the project's broker, consuming every queue and
    starting from empty queues: messages left there by earlier tests would otherwise run first and make the test
    wait for them."""
    from celery.contrib.testing.worker import start_worker

    from migportal.celery import app

    app.control.purge()
    options.setdefault("queues", ",".join(celery_queues()))
    with start_worker(app, perform_ping_check=False, **options) as worker:
        yield worker


def wait_until(predicate, *, timeout: float = 30, what: str = "") -> None:
    """Return as soon as `predicate()` is true; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"Timed out after {timeout} s waiting for {what or predicate}")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Mailbox:
    """An aiosmtpd handler: keeps what it accepts; can refuse recipients, or hold one until released."""

    def __init__(self):
        self.messages: list[email.message.Message] = []
        self.rcpt_answers: list[str] = []  # answered in turn to RCPT TO, then 250
        self.hold: threading.Event | None = None  # the next RCPT TO waits until this is set
        self.holding = threading.Event()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 - aiosmtpd hook
        if self.hold is not None:
            hold, self.hold = self.hold, None
            self.holding.set()
            while not hold.is_set():
                await asyncio.sleep(0.05)
            return "451 4.3.0 Held too long"
        if self.rcpt_answers:
            return self.rcpt_answers.pop(0)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd hook
        self.messages.append(email.message_from_bytes(envelope.original_content or envelope.content))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[email.message.Message]:
        return [message for message in self.messages if message["To"] == address]


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on loopback (random free port); Django sends to it."""
    from aiosmtpd.controller import Controller

    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 10
    mailbox.port = port
    yield mailbox
    if mailbox.hold is not None:
        mailbox.hold.set()
    controller.stop()


@pytest.fixture(autouse=True)
def confirm_checks(settings):
    """Off here: most tests build waves without the planning data the confirmation checks ask for (primary
    contacts, testers, notice lead time). tests/planning overrides this fixture and runs them."""
    settings.PLANNING_CONFIRM_CHECKS = False
