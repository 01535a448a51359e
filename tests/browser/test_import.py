"""An editor imports the inventory in the browser: upload, read the preview (errors, counts), fix, confirm."""

import re

import pytest
from playwright.sync_api import expect

from systems.models import System

from .conftest import assert_no_axe_violations

AGENCIES = "code;name;kind\nBYM;Bymiljøetaten;etat\n"
SYSTEMS_WITH_ERRORS = "code;name;agency;environment\nSAK;Sakarkiv;BYM;staging\nWEB;Nettsider;NOPE;test\n"
SYSTEMS = "code;name;agency;environment;criticality\nSAK;Sakarkiv;BYM;produksjon;høy\nWEB;Nettsider;BYM;test;lav\n"


def _files(tmp_path, files):
    paths = []
    for name, content in files.items():
        path = tmp_path / name
        path.write_bytes(content.encode("cp1252"))  # as Excel saves it in Norway
        paths.append(str(path))
    return paths


@pytest.mark.django_db(transaction=True)
def test_import_in_the_browser_preview_errors_then_confirm(page, login, editor_user, tmp_path):
    login(editor_user)
    page.goto("/import/")
    expect(page.get_by_role("heading", name="Importer inventaret")).to_be_visible()
    nav = page.get_by_role("navigation", name="Hovedmeny")
    expect(nav.get_by_role("link", name="Import", exact=True)).to_have_attribute("href", "/import/")
    expect(nav.get_by_role("link", name="Eksport", exact=True)).to_have_attribute("href", "/export/")
    assert_no_axe_violations(page)

    bad = tmp_path / "bad"
    bad.mkdir()
    page.get_by_label("Filer").set_input_files(
        _files(bad, {"agencies.csv": AGENCIES, "systems.csv": SYSTEMS_WITH_ERRORS})
    )
    page.get_by_role("button", name="Last opp og kontroller").click()
    expect(page.get_by_role("alert")).to_contain_text("2 feil: ingenting ble skrevet.")
    errors = page.locator("ol.import-errors li")
    expect(errors).to_have_text(
        [
            "systems.csv:2: environment: «staging» er ikke en tillatt verdi. Tillatt: test, production.",
            "systems.csv:3: agency: Ingen virksomhet har koden «NOPE».",
        ]
    )
    expect(page.get_by_role("button", name="Bekreft og importer")).to_have_count(0)
    assert_no_axe_violations(page)

    page.get_by_role("link", name="Last opp andre filer").click()
    good = tmp_path / "good"
    good.mkdir()
    page.get_by_label("Filer").set_input_files(_files(good, {"agencies.csv": AGENCIES, "systems.csv": SYSTEMS}))
    page.get_by_role("button", name="Last opp og kontroller").click()
    expect(page.get_by_role("status").first).to_contain_text("Ingen feil")
    systems_row = page.get_by_role("row", name=re.compile("^systems"))
    expect(systems_row.get_by_role("cell")).to_have_text(["2", "0", "0"])
    assert not System.objects.exists()
    assert_no_axe_violations(page)

    page.get_by_role("button", name="Bekreft og importer").click()
    expect(page.get_by_role("status").first).to_contain_text("Inventaret er importert.")
    assert sorted(System.objects.values_list("code", "criticality")) == [("SAK", "high"), ("WEB", "low")]


@pytest.mark.django_db(transaction=True)
def test_export_page_in_the_browser_downloads_a_workbook(page, login, viewer_user):
    login(viewer_user)
    page.goto("/export/")
    expect(page.get_by_role("heading", name="Eksporter inventaret")).to_be_visible()
    nav = page.get_by_role("navigation", name="Hovedmeny")
    expect(nav.get_by_role("link", name="Import", exact=True)).to_have_count(0)  # viewers do not import
    assert_no_axe_violations(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Alt som én XLSX-arbeidsbok").click()
    assert download.value.suggested_filename.startswith("inventory-")
    assert download.value.suggested_filename.endswith(".xlsx")
