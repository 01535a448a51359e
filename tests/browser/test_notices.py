"""Staff notice pages in a real browser: the timeline, a notice, the deliveries with a retry; WCAG 2.1 AA."""

from datetime import timedelta

import pytest
from django.utils import timezone

from notifications.choices import DeliveryState
from notifications.models import Delivery
from notifications.services import notice_publish
from tests.browser.conftest import assert_no_axe_violations
from tests.factories import ContactPersonFactory, SystemContactFactory, SystemFactory, WaveFactory
from waves.services import wave_set_state


@pytest.fixture
def published_wave(monkeypatch, settings):
    from notifications import tasks

    monkeypatch.setattr(tasks.delivery_send, "apply_async", lambda *args, **kwargs: None)  # no worker here
    settings.PORTAL_WEBHOOK_URL = ""
    start = (timezone.now() + timedelta(days=30)).replace(minute=0, second=0, microsecond=0)
    wave = WaveFactory(name="Bølge 7", window_start=start, window_end=start + timedelta(hours=4))
    for number in range(2):
        SystemContactFactory(
            system=SystemFactory(code=f"SYS-{number}", wave=wave),
            contact=ContactPersonFactory(email=f"person{number}@kommune.example"),
        )
    wave_set_state(wave=wave, state="confirmed", by=None)
    notice_publish(notice=wave.notices.get(kind="announcement"))
    Delivery.objects.filter(recipient="person1@kommune.example").update(
        state=DeliveryState.DEAD, attempts=8, last_error="SMTP 421 Service not available"
    )
    return wave


def test_editor_finds_dead_delivery_from_the_badge_and_retries_it(page, login, editor_user, published_wave):
    login(editor_user)
    page.goto("/notices/")
    assert page.get_by_role("heading", name="Varsler om nedetid").is_visible()
    assert_no_axe_violations(page)

    page.get_by_role("link", name="1 utsending gitt opp").click()
    assert page.get_by_role("heading", name="Utsendinger av varsler om nedetid").is_visible()
    assert page.get_by_role("cell", name="person1@kommune.example", exact=True).is_visible()
    assert_no_axe_violations(page)

    page.get_by_role("button", name="Prøv igjen person1@kommune.example").click()
    assert page.get_by_text("Utsendingen til person1@kommune.example er satt i kø igjen.").is_visible()
    assert Delivery.objects.get(recipient="person1@kommune.example").state == DeliveryState.PENDING


def test_notice_detail_and_text_form_are_accessible(page, login, editor_user, published_wave):
    reminder = published_wave.notices.get(kind="reminder")
    login(editor_user)

    page.goto(f"/notices/{reminder.pk}/")
    assert page.get_by_role("button", name="Publiser nå").is_visible()
    assert_no_axe_violations(page)

    page.get_by_role("link", name="Rediger teksten").click()
    page.get_by_label("Tittel").fill("Påminnelse: Bølge 7 snart")
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Lagre").click()
    assert page.get_by_text("Varselteksten er lagret.").is_visible()
    assert page.get_by_text("Påminnelse: Bølge 7 snart").is_visible()
