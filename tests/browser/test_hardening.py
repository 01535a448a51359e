"""In a real browser: the strict Content-Security-Policy breaks nothing; login, error pages and others pass axe."""

import pytest

from tests.browser.conftest import assert_no_axe_violations
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _collect_csp_violations(page) -> list[str]:
    messages: list[str] = []
    page.on("console", lambda msg: messages.append(msg.text) if "Content Security Policy" in msg.text else None)
    return messages


@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/tilgjengelighet/"])
def test_public_pages_load_under_the_csp_without_violations(page, path):
    violations = _collect_csp_violations(page)
    response = page.goto(path)
    assert "object-src 'none'" in response.headers["content-security-policy"]
    page.wait_for_load_state("networkidle")
    # The stylesheet is applied (a blocked one would leave the header unstyled).
    assert page.locator(".site-header").evaluate("el => getComputedStyle(el).backgroundColor") == "rgb(11, 61, 110)"
    assert violations == []


def test_accessibility_statement_is_reachable_from_the_footer_and_accessible(page):
    page.goto("/")
    page.get_by_role("contentinfo").get_by_role("link", name="Tilgjengelighetserklæring").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "Tilgjengelighetserklæring"
    assert_no_axe_violations(page)


def test_lockout_page_is_clear_and_accessible(page, login, settings):
    user = UserFactory(username="kari")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(user, password="feil-passord")
    assert page.get_by_role("heading", level=1).inner_text() == "For mange innloggingsforsøk"
    assert "Prøv igjen om 15 minutter" in page.get_by_role("main").inner_text()
    assert_no_axe_violations(page)


def test_admin_pages_work_under_the_csp(page, login):
    admin = UserFactory(username="admin-uu", is_staff=True, is_superuser=True)
    violations = _collect_csp_violations(page)
    login(admin)
    page.goto("/admin/systems/system/add/")
    page.wait_for_load_state("networkidle")
    assert page.get_by_role("heading", level=1).count() == 1
    assert violations == []
