"""Fixtures for the downtime-notice tests: a wave with systems and contact persons, a fixed clock."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from systems.choices import ContactRole, Environment, Language
from tests.factories import (
    AgencyFactory,
    ContactPersonFactory,
    SystemContactFactory,
    SystemFactory,
    WaveFactory,
)

OSLO = ZoneInfo("Europe/Oslo")
# Saturday 6 March 2021, 18:00–23:00 Oslo time; "now" is five weeks before.
WINDOW_START = datetime(2021, 3, 6, 18, 0, tzinfo=OSLO)
WINDOW_END = datetime(2021, 3, 6, 23, 0, tzinfo=OSLO)
NOW = datetime(2021, 1, 30, 9, 0, tzinfo=OSLO)


@pytest.fixture
def clock():
    """The clock, fixed at NOW; move it with clock.move_to(...)."""
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def enqueued(monkeypatch):
    """Delivery task messages put on the broker (recorded instead of sent: no worker runs in unit tests)."""
    from notifications import tasks

    calls: list[tuple[int, float | None]] = []

    def record(args, countdown=None, **_kwargs):
        calls.append((args[0], countdown))

    monkeypatch.setattr(tasks.delivery_send, "apply_async", record)
    return calls


@pytest.fixture
def notice_settings(settings):
    settings.NOTICE_LEAD_DAYS = 14
    settings.REMINDER_LEAD_DAYS = 2
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

    def __init__(self):
        self.agency = AgencyFactory(code="BYM", name="Bymiljøetaten")
        self.wave = WaveFactory(name="Bølge 12", window_start=WINDOW_START, window_end=WINDOW_END)
        self.erp = SystemFactory(code="ERP", name="Økonomisystem", agency=self.agency, wave=self.wave)
        self.ark = SystemFactory(code="ARK", name="Sakarkiv", agency=self.agency, wave=self.wave)
        self.test1 = SystemFactory(
            code="TEST-1",
            name="Testsystem",
            agency=self.agency,
            wave=self.wave,
            environment=Environment.TEST,
            downtime_start=datetime(2021, 3, 6, 19, 0, tzinfo=OSLO),
            downtime_end=datetime(2021, 3, 6, 20, 0, tzinfo=OSLO),
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
    from datetime import timedelta

    from notifications.models import Notice
    from notifications.services import notices_publish_due
    from waves.services import wave_set_state

    wave_set_state(wave=scene.wave, state="confirmed", by=None)
    clock.move_to(WINDOW_START - timedelta(days=14))
    (notice_id,) = notices_publish_due()
    return Notice.objects.get(pk=notice_id)
