"""Wave planning in a real browser: an editor asks for a plan, accepts part of it; the pages pass axe-core."""

import pytest

from tests.planning.conftest import covered_system

from .conftest import assert_no_axe_violations

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def inventory(settings):
    settings.PLANNING_CONFIRM_CHECKS = True
    settings.PLANNING_SOLVER_SECONDS = 10
    return [covered_system(code=code) for code in ("BRO-APP", "BRO-DB", "BRO-WEB")]


def test_editor_accepts_part_of_a_proposal(page, login, editor_user, inventory):
    login(editor_user)
    page.goto("/planning/")
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Foreslå en plan").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Endringer").is_visible()
    assert_no_axe_violations(page)
    page.get_by_label("Godta flyttingen av BRO-DB").uncheck()
    page.get_by_role("button", name="Godta de avkryssede endringene").click()
    page.wait_for_load_state()
    assert "2 systemer ble flyttet som foreslått." in page.content()
    app, db, web = inventory
    for system in inventory:
        system.refresh_from_db()
    assert app.wave is not None and web.wave is not None and db.wave is None


@pytest.mark.parametrize(
    "path", ["/planning/groups/", "/planning/coverage/", "/planning/calendar/", "/planning/blackouts/add/"]
)
def test_planning_pages_have_no_axe_violations(page, login, editor_user, inventory, path):
    login(editor_user)
    page.goto(path)
    assert_no_axe_violations(page)
