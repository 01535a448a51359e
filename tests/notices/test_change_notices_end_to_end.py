"""End to end with real parts: Celery worker and beat as processes, Redis, an SMTP server on loopback. Systems
moved into an announced wave one by one within the delay give one message to each affected contact person and
none to the others."""

from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone

from notifications.choices import DeliveryState, NoticeKind, NoticeState
from notifications.models import Delivery, Notice
from systems.services import system_assign_wave
from tests.factories import ContactPersonFactory, SystemContactFactory, SystemFactory
from waves.services import wave_set_state

from .conftest import Scene, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

DELAY_MINUTES = 0.05  # three seconds
PEOPLE = ["kari@kommune.example", "ola@kommune.example", "per@kommune.example"]


def _settled(kind: str) -> bool:
    deliveries = Delivery.objects.filter(notice__kind=kind, notice__state=NoticeState.PUBLISHED)
    return deliveries.exists() and not deliveries.filter(state=DeliveryState.PENDING).exists()


def test_systems_moved_in_one_by_one_mail_each_affected_contact_once(processes, smtp_server, integration_settings):
    integration_settings.PORTAL_WEBHOOK_URL = ""
    integration_settings.CHANGE_NOTICE_DELAY_MINUTES = DELAY_MINUTES
    processes.env.update(
        PORTAL_WEBHOOK_URL="", DISPATCH_INTERVAL_SECONDS="1", CHANGE_NOTICE_DELAY_MINUTES=str(DELAY_MINUTES)
    )
    processes.worker()
    processes.beat()
    scene = Scene(window_start=(timezone.now() + timedelta(hours=1)).replace(microsecond=0))
    shared = ContactPersonFactory(email="felles@kommune.example")
    newcomers = []
    for number in range(4):
        system = SystemFactory(code=f"NY-{number}", agency=scene.agency)
        contact = shared if number < 2 else ContactPersonFactory(email=f"ny{number}@kommune.example")
        SystemContactFactory(system=system, contact=contact)
        newcomers.append(system)

    wave_set_state(wave=scene.wave, state="confirmed", by=None)  # short notice: the announcement goes out now
    wait_until(lambda: _settled(NoticeKind.ANNOUNCEMENT), timeout=60, what="the announcement to be sent")
    for system in newcomers:
        system_assign_wave(system=system, wave=scene.wave, by=None)
    wait_until(lambda: _settled(NoticeKind.CHANGE), timeout=90, what="beat to publish the change and mail it")

    assert Notice.objects.filter(kind=NoticeKind.CHANGE).count() == 1
    mails = Counter(message["To"] for message in smtp_server.messages)
    assert mails == Counter(PEOPLE + ["felles@kommune.example", "ny2@kommune.example", "ny3@kommune.example"])
    (shared_mail,) = smtp_server.to("felles@kommune.example")
    (text,) = [
        part.get_payload(decode=True).decode() for part in shared_mail.walk() if part.get_content_type() == "text/plain"
    ]
    assert "NY-0" in text and "NY-1" in text and "NY-2" not in text
