"""/api/tokens/ in a real browser: a token is made, shown once, works against the API, and stops when revoked."""

import httpx
import pytest
from playwright.sync_api import expect

from tests.factories import SystemFactory

from .conftest import assert_no_axe_violations

# Live-server tests commit their data; serialized_rollback brings back the staff groups the migrations created.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_an_editor_makes_a_token_uses_it_and_revokes_it(page, login, live_server, editor_user):
    SystemFactory(code="S1")
    login(editor_user)
    page.goto("/api/tokens/")
    expect(page.get_by_role("heading", level=1)).to_have_text("API-tokener")
    expect(page.get_by_text("Du har ingen tokener.")).to_be_visible()
    assert_no_axe_violations(page)

    page.get_by_label("Navn").fill("CMDB-synk")
    page.get_by_label("Type").select_option(label="tjeneste")
    page.get_by_label("Omfang").select_option(label="redaktør")
    page.get_by_role("button", name="Lag tokenet").click()
    shown = page.get_by_role("status")
    expect(shown).to_contain_text("Ditt nye token «CMDB-synk». Kopier det nå: det vises ikke igjen.")
    key = shown.locator("code").inner_text()
    assert key.startswith("mp_")
    row = page.get_by_role("row").filter(has_text="CMDB-synk")
    expect(row).to_contain_text("tjeneste")
    expect(row).to_contain_text("redaktør")
    assert_no_axe_violations(page)

    page.goto("/api/tokens/")  # shown once: never again
    expect(page.get_by_role("row").filter(has_text="CMDB-synk")).to_be_visible()
    assert key not in page.content()
    assert key[:12] in page.content()  # the prefix names it

    api = httpx.Client(base_url=live_server.url, headers={"Authorization": f"Bearer {key}"})
    answer = api.get("/api/v1/systems/S1/")
    assert answer.status_code == 200 and answer.json()["code"] == "S1"

    page.get_by_role("row").filter(has_text="CMDB-synk").get_by_role("button", name="Trekk tilbake").click()
    expect(page.get_by_text("Tokenet «CMDB-synk» er trukket tilbake.")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="CMDB-synk")).to_contain_text("trukket tilbake")
    assert_no_axe_violations(page)

    refused = api.get("/api/v1/systems/S1/")
    assert refused.status_code == 401
    assert refused.headers["Content-Type"] == "application/problem+json"
