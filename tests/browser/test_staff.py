"""The staff workspace in a real browser: an editor's day, keyboard-only use, and axe-core WCAG 2.1 AA checks."""

from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from systems.choices import ContactRole, MigrationStatus
from tests.factories import AgencyFactory, SystemContactFactory, SystemFactory, VMFactory, WaveFactory

from .conftest import assert_no_axe_violations

# Live-server tests commit their data; serialized_rollback brings back the staff groups the migrations created.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def workspace(editor_user):
    bym = AgencyFactory(code="BYM", name="Bymiljøetaten")
    uke = AgencyFactory(code="UKE", name="Utviklings- og kompetanseetaten")
    wave = WaveFactory(name="Bølge 12")
    systems = {
        "BYM-PARK": SystemFactory(code="BYM-PARK", name="Parkering", agency=bym, status=MigrationStatus.NOT_PLANNED),
        "BYM-AVFALL": SystemFactory(code="BYM-AVFALL", name="Avfall", agency=bym, status=MigrationStatus.NOT_PLANNED),
        "BYM-VEI": SystemFactory(code="BYM-VEI", name="Veidata", agency=bym, status=MigrationStatus.PLANNED, wave=wave),
        "UKE-SAK": SystemFactory(code="UKE-SAK", name="Saksbehandling", agency=uke, status=MigrationStatus.NOT_PLANNED),
    }
    for system in systems.values():
        VMFactory(system=system, hostname=f"{system.code.lower()}-app01", status=system.status)
    SystemContactFactory(system=systems["BYM-PARK"], role=ContactRole.PRIMARY)
    return {"bym": bym, "wave": wave, "systems": systems}


def _rows(page) -> list[str]:
    return page.locator("table.object-table tbody tr td:nth-child(2)").all_inner_texts()


def test_editor_filters_sorts_opens_a_system_and_moves_it_to_a_wave(page, login, editor_user, workspace):
    login(editor_user)
    expect(page.get_by_role("heading", name="Prosjektsider")).to_be_visible()
    page.get_by_role("navigation", name="Hovedmeny").get_by_role("link", name="Systemer").click()

    page.get_by_role("combobox", name="Virksomhet").fill("bym")
    page.get_by_role("option", name=str(workspace["bym"])).click()
    page.get_by_role("group", name="Status").get_by_label("ikke planlagt").check()
    page.get_by_role("button", name="Bruk filter").click()
    page.wait_for_url("**agency_id=*")
    assert sorted(_rows(page)) == ["BYM-AVFALL", "BYM-PARK"]

    page.get_by_role("link", name="Kode").click()
    assert _rows(page) == ["BYM-AVFALL", "BYM-PARK"]
    page.get_by_role("link", name="Kode").click()
    assert _rows(page) == ["BYM-PARK", "BYM-AVFALL"]
    expect(page.get_by_role("columnheader", name="Kode")).to_have_attribute("aria-sort", "descending")
    assert sorted(_rows(page)) == ["BYM-AVFALL", "BYM-PARK"]  # the filter survived the sort

    page.get_by_role("link", name="BYM-PARK").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("BYM-PARK Parkering")
    wave_start = workspace["wave"].window_start.astimezone(ZoneInfo("Europe/Oslo"))
    page.get_by_role("combobox", name="Bølge", exact=True).select_option(label=f"Bølge 12 – {wave_start:%d.%m.%Y}")
    page.get_by_role("button", name="Flytt til bølge").click()

    expect(page.get_by_role("status")).to_contain_text("BYM-PARK er flyttet til Bølge 12.")
    history = page.get_by_role("region", name="Endringshistorikk")
    latest = history.locator("tbody tr").first
    expect(latest).to_contain_text("Ragnhild Redaktør")
    expect(latest).to_contain_text("Bølge: – → Bølge 12")
    expect(latest).to_contain_text("Status: ikke planlagt → planlagt")


def test_staff_picks_a_wave_in_the_filter_by_typing_and_the_keyboard(page, login, viewer_user, workspace):
    for number in range(20, 45):  # many waves: the filter offers what matches, not all of them
        WaveFactory(name=f"Bølge {number}")
    login(viewer_user)
    page.goto("/systems/?sort=code")
    search = page.get_by_role("combobox", name="Bølge", exact=True)
    search.fill("ge 12")
    suggestions = page.get_by_role("listbox", name="Forslag")
    expect(suggestions.get_by_role("option")).to_have_count(1)
    search.press("ArrowDown")
    expect(suggestions.get_by_role("option").first).to_have_attribute("aria-selected", "true")
    search.press("Enter")  # picks the wave; the filter form is not sent yet
    expect(page.get_by_role("checkbox", name="Bølge 12", exact=False)).to_be_checked()
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Bruk filter").click()
    page.wait_for_url("**wave_id=*")
    expect(page.locator("table.object-table tbody tr")).to_have_count(1)
    expect(page.get_by_role("link", name="BYM-VEI")).to_be_visible()
    expect(page.get_by_role("checkbox", name="Bølge 12", exact=False)).to_be_checked()
    assert_no_axe_violations(page)


def test_system_list_works_with_the_keyboard_only(page, login, editor_user, workspace):
    login(editor_user)
    page.goto("/systems/?sort=code")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Hopp til hovedinnholdet")).to_be_focused()
    page.keyboard.press("Enter")
    # Tab through the filter form until the first system link has focus, then open it with Enter.
    for _ in range(80):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == "BYM-AVFALL":
            break
    else:
        pytest.fail("The first system link could not be reached with Tab.")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none", "the focused link shows no focus outline"
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("BYM-AVFALL Avfall")
    # Tick a row and carry out a bulk action without a mouse.
    page.goto("/systems/?sort=code")
    page.get_by_label("Velg BYM-AVFALL Avfall").focus()
    page.keyboard.press("Space")
    page.get_by_role("combobox", name="Handling").focus()
    page.keyboard.press("End")
    page.get_by_role("combobox", name="Handling").select_option("criticality")
    page.get_by_role("combobox", name="Kritikalitet", exact=True).select_option("critical")
    page.get_by_role("button", name="Utfør").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("1 rad endret.")


@pytest.mark.parametrize(
    "path",
    ["/systems/", "/systems/{system}/", "/systems/add/", "/waves/{wave}/", "/staff/"],
    ids=["list", "detail", "form", "wave-detail", "home"],
)
def test_staff_pages_have_no_axe_violations(page, login, editor_user, workspace, path):
    login(editor_user)
    page.goto(path.format(system=workspace["systems"]["BYM-VEI"].pk, wave=workspace["wave"].pk))
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_no_axe_violations(page)


def test_form_errors_have_no_axe_violations(page, login, editor_user, workspace):
    login(editor_user)
    page.goto("/systems/add/")
    page.get_by_role("button", name="Lagre").click()
    expect(page.get_by_role("alert")).to_contain_text("Rett opp feilene nedenfor.")
    assert_no_axe_violations(page)
