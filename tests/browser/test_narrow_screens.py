"""Every page type on a 360 px phone and a 1280 px screen: no sideways scrolling of the page (a wide table scrolls
inside a region a keyboard can reach and a screen reader can name), no axe-core WCAG 2.1 AA violation, and chart
text at least 12 px high."""

import pytest
from django.core.management import call_command

from dashboard.services import snapshots_backfill
from tests.factories import page_type_scene

from .conftest import assert_no_axe_violations

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

WIDTHS = [360, 1280]

# Elements that scroll sideways must be focusable and named; the page itself must not scroll sideways.
SIDEWAYS_PROBLEMS = """() => {
  const problems = [];
  const page = document.documentElement.scrollWidth;
  if (page > window.innerWidth) {
    const wide = [...document.querySelectorAll("body *")].filter((e) => e.getBoundingClientRect().right > innerWidth);
    const culprit = wide.find((element) => ![...element.children].some((child) => wide.includes(child)));
    const what = `${culprit?.tagName}.${culprit?.className}: ${culprit?.textContent.slice(0, 40)}`;
    problems.push(`the page is ${page} px wide (${what})`);
  }
  for (const element of document.querySelectorAll("body *")) {
    if (["INPUT", "SELECT", "TEXTAREA"].includes(element.tagName)) continue;
    const overflow = getComputedStyle(element).overflowX;
    if (!["auto", "scroll"].includes(overflow) || element.scrollWidth <= element.clientWidth + 1) continue;
    const named = element.getAttribute("aria-label") || element.getAttribute("aria-labelledby");
    if (element.tabIndex < 0 || !named) problems.push(`${element.tagName}.${element.className} scrolls unreachably`);
  }
  return problems;
}"""

CHART_TEXT_HEIGHTS = """() => [...document.querySelectorAll("svg text")].map(
  (text) => parseFloat(getComputedStyle(text).fontSize) * text.ownerSVGElement.getScreenCTM().a
)"""


@pytest.fixture
def inventory(editor_user, contact_person):
    """Long names and host names, as real ones are: they must wrap, not widen the page."""
    return page_type_scene(
        contact_person,
        agency={"code": "BYM", "name": "Bymiljøetaten"},
        wave={"name": "Bølge 12"},
        system={"code": "BYM-PARKERINGSREGISTER", "name": "Parkeringsregister og beboerparkering"},
        hostname="bym-parkeringsregister-app01.kommune.example",
    )


def _check_every_width(page, paths: list[str]) -> None:
    problems = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        for path in paths:
            page.goto(path)
            problems += [f"{path} at {width} px: {problem}" for problem in page.evaluate(SIDEWAYS_PROBLEMS)]
            assert_no_axe_violations(page)
    assert not problems, "\n".join(problems)


def test_staff_pages_fit_a_phone_and_pass_axe(page, login, editor_user, inventory):
    login(editor_user)
    _check_every_width(
        page,
        [
            "/staff/",
            "/systems/",
            f"/systems/{inventory['system'].pk}/",
            f"/systems/{inventory['system'].pk}/edit/",
            "/vms/",
            f"/vms/{inventory['vm'].pk}/",
            "/waves/",
            f"/waves/{inventory['wave'].pk}/",
            "/contacts/",
            f"/contacts/{inventory['contact'].pk}/",
            "/agencies/",
            f"/agencies/{inventory['agency'].pk}/",
            "/notices/",
            f"/notices/{inventory['notice'].pk}/",
            "/notices/deliveries/",
            "/import/",
            "/export/",
        ],
    )


def test_portal_pages_fit_a_phone_and_pass_axe(page, login, contact_user, inventory):
    login(contact_user)
    _check_every_width(
        page,
        ["/portal/", "/portal/systems/", f"/portal/notices/{inventory['notice'].pk}/", "/portal/subscriptions/"],
    )


def test_public_pages_fit_a_phone_pass_axe_and_keep_chart_text_readable(page, transactional_db):
    call_command("seed_demo", "--no-users", verbosity=0)
    snapshots_backfill()
    _check_every_width(page, ["/", "/accounts/login/", "/portal/login/", "/tilgjengelighet/"])
    page.set_viewport_size({"width": 360, "height": 900})
    page.goto("/")
    heights = page.evaluate(CHART_TEXT_HEIGHTS)
    assert heights and min(heights) >= 12, f"chart text {min(heights):.1f} px high at 360 px"
