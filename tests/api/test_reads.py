"""Reading through the API: the staff lists' filters, cursor pages, constant query counts, the committed schema."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from api.pagination import MAX_PAGE_SIZE
from notifications.choices import DeliveryState
from systems.choices import MigrationStatus as S
from tests.api.conftest import bearer, make_token
from tests.factories import (
    AcknowledgementFactory,
    AgencyFactory,
    ContactPersonFactory,
    DeliveryFactory,
    NoticeFactory,
    SystemContactFactory,
    SystemFactory,
    VMFactory,
    WaveFactory,
)

pytestmark = pytest.mark.django_db

LISTS = [
    "agencies",
    "systems",
    "vms",
    "contacts",
    "system-contacts",
    "waves",
    "notices",
    "deliveries",
    "acknowledgements",
]


def inventory(n: int) -> None:
    """n of every kind of row, each with its relations filled in."""
    for _ in range(n):
        agency = AgencyFactory()
        wave = WaveFactory()
        system = SystemFactory(agency=agency, wave=wave, status=S.PLANNED)
        system.depends_on.set([SystemFactory(agency=agency)])
        VMFactory(system=system)
        contact = ContactPersonFactory(agency=agency)
        SystemContactFactory(system=system, contact=contact)
        notice = NoticeFactory(wave=wave, systems=[system])
        DeliveryFactory(notice=notice, contact=contact, state=DeliveryState.SENT)
        AcknowledgementFactory(notice=notice, contact=contact)


@pytest.mark.parametrize("collection", LISTS)
def test_a_list_costs_the_same_queries_at_two_sizes(editor_api, collection, django_assert_max_num_queries):
    inventory(2)
    with CaptureQueriesContext(connection) as small:
        assert editor_api.get(f"/api/v1/{collection}/").status_code == 200
    inventory(12)
    with django_assert_max_num_queries(len(small)):
        response = editor_api.get(f"/api/v1/{collection}/")
    assert len(response.json()["results"]) >= 12


def test_systems_filter_with_the_staff_lists_filterset_and_order(viewer_user):
    client = bearer(make_token(viewer_user))
    agency = AgencyFactory(code="BYM")
    SystemFactory(code="A-1", agency=agency, environment="production", status=S.NOT_PLANNED)
    SystemFactory(code="B-1", agency=agency, environment="test", status=S.NOT_PLANNED)
    SystemFactory(code="C-1", environment="test", status=S.NOT_PLANNED)
    url = f"/api/v1/systems/?environment=test&agency_id={agency.pk}"
    assert [row["code"] for row in client.get(url).json()["results"]] == ["B-1"]
    ordered = client.get("/api/v1/systems/?ordering=-code").json()["results"]
    assert [row["code"] for row in ordered] == ["C-1", "B-1", "A-1"]
    assert client.get("/api/v1/systems/?q=c-1").json()["results"][0]["code"] == "C-1"


def test_cursor_pages_walk_every_row_once_and_the_page_size_is_capped(viewer_user):
    client = bearer(make_token(viewer_user))
    agency = AgencyFactory()
    codes = {SystemFactory(agency=agency).code for _ in range(7)}
    seen, url = [], "/api/v1/systems/?page_size=3"
    while url:
        page = client.get(url).json()
        assert len(page["results"]) <= 3
        seen += [row["code"] for row in page["results"]]
        url = page["next"]
    assert sorted(seen) == sorted(codes)
    huge = client.get(f"/api/v1/systems/?page_size={MAX_PAGE_SIZE * 10}")
    assert huge.status_code == 200 and len(huge.json()["results"]) == 7


def test_the_committed_schema_matches_the_code(tmp_path):
    generated = tmp_path / "openapi.yaml"
    call_command("spectacular", "--file", str(generated), "--lang", "en", "--validate", "--fail-on-warn")
    committed = Path(settings.BASE_DIR) / "docs" / "openapi.yaml"
    assert generated.read_text() == committed.read_text(), (
        "docs/openapi.yaml is out of date: run `python manage.py spectacular --lang en --file docs/openapi.yaml`"
    )


def test_the_docs_page_loads_its_assets_from_this_site(client):
    page = client.get("/api/docs/").content.decode()
    assert "cdn" not in page and "swagger-ui-dist/swagger-ui-bundle.js" in page
    assert "<script>" not in page  # no inline script: the page passes the Content-Security-Policy
