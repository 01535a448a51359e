"""Writes through the API obey the same rules as the staff pages, and say so as problem details."""

import pytest

from systems.choices import MigrationStatus as S
from systems.models import VM, System
from tests.api.conftest import bearer, make_token
from tests.factories import AgencyFactory, SystemFactory, VMFactory, WaveFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def system():
    system = SystemFactory(code="S1", name="Sakarkiv", agency=AgencyFactory(code="BYM"))
    VMFactory(system=system, hostname="s1-app01")
    return system


def test_a_write_records_the_tokens_user_and_name_in_history(editor_api, editor_user, system):
    response = editor_api.patch("/api/v1/systems/S1/", {"name": "Sak og arkiv"}, format="json")
    assert response.status_code == 200
    latest = system.history.latest()
    assert (latest.name, latest.history_user, latest.history_change_reason) == (
        "Sak og arkiv",
        editor_user,
        "API (cmdb-sync)",
    )


def test_a_created_row_records_the_token_too(editor_api, editor_user):
    AgencyFactory(code="UKE")
    response = editor_api.post(
        "/api/v1/systems/", {"code": "S9", "name": "Ny", "agency": "UKE", "environment": "test"}, format="json"
    )
    assert response.status_code == 201, response.content
    created = System.objects.get(code="S9").history.get()
    assert (created.history_user, created.history_change_reason) == (editor_user, "API (cmdb-sync)")


def test_a_step_the_lifecycle_forbids_is_a_409_problem_with_the_pages_message(editor_api, system):
    response = editor_api.post("/api/v1/systems/S1/transition/", {"to": S.VERIFIED}, format="json")
    assert response.status_code == 409
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 409 and body["title"] == "Conflict"
    assert "ikke planlagt" in body["detail"] or "not planned" in body["detail"]
    assert System.objects.get(pk=system.pk).status == S.NOT_PLANNED


def test_a_move_over_the_waves_capacity_is_a_409(editor_api, system):
    full = WaveFactory(name="B2", max_vms=1)
    VMFactory(system=SystemFactory(wave=full, status=S.PLANNED))
    response = editor_api.patch("/api/v1/systems/S1/", {"wave": "B2"}, format="json")
    assert response.status_code == 409, response.content
    assert System.objects.get(pk=system.pk).wave is None


def test_invalid_fields_are_a_400_problem_per_field(editor_api, system):
    response = editor_api.patch("/api/v1/systems/S1/", {"agency": "NO-SUCH", "environment": "moon"}, format="json")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"agency", "environment"}


def test_bulk_transition_is_all_or_nothing_with_each_refusal(editor_api, system):
    SystemFactory(code="S2", status=S.PLANNED, wave=WaveFactory(name="B1"))
    response = editor_api.post("/api/v1/systems/transition/", {"codes": ["S1", "S2"], "to": S.NOTIFIED}, format="json")
    assert response.status_code == 409
    assert list(response.json()["errors"]) == ["S1"]
    assert System.objects.get(code="S2").status == S.PLANNED
    response = editor_api.post("/api/v1/systems/transition/", {"codes": ["S2"], "to": S.NOTIFIED}, format="json")
    assert response.status_code == 200
    assert [row["status"] for row in response.json()] == [S.NOTIFIED]


def test_put_by_natural_key_creates_then_updates(editor_api):
    AgencyFactory(code="BYM")
    row = {"name": "Kartverk", "agency": "BYM", "environment": "production"}
    assert editor_api.put("/api/v1/systems/KART-1/", row, format="json").status_code == 201
    assert editor_api.put("/api/v1/systems/KART-1/", {**row, "name": "Kart"}, format="json").status_code == 200
    assert System.objects.get(code="KART-1").name == "Kart"


def test_two_clients_with_the_same_version_one_gets_412(editor_user, system):
    first, second = bearer(make_token(editor_user, name="a")), bearer(make_token(editor_user, name="b"))
    etag = first.get("/api/v1/systems/S1/")["ETag"]
    assert second.get("/api/v1/systems/S1/")["ETag"] == etag
    ok = first.patch("/api/v1/systems/S1/", {"name": "A"}, format="json", HTTP_IF_MATCH=etag)
    stale = second.patch("/api/v1/systems/S1/", {"name": "B"}, format="json", HTTP_IF_MATCH=etag)
    assert (ok.status_code, stale.status_code) == (200, 412)
    assert stale["Content-Type"] == "application/problem+json"
    assert System.objects.get(pk=system.pk).name == "A"
    fresh = second.patch("/api/v1/systems/S1/", {"name": "B"}, format="json", HTTP_IF_MATCH=ok["ETag"])
    assert fresh.status_code == 200


def test_a_read_answers_304_while_the_row_is_unchanged(editor_api, system):
    etag = editor_api.get("/api/v1/systems/S1/")["ETag"]
    assert editor_api.get("/api/v1/systems/S1/", HTTP_IF_NONE_MATCH=etag).status_code == 304
    listed = editor_api.get("/api/v1/systems/")
    assert editor_api.get("/api/v1/systems/", HTTP_IF_NONE_MATCH=listed["ETag"]).status_code == 304
    editor_api.patch("/api/v1/systems/S1/", {"name": "Endret"}, format="json")
    assert editor_api.get("/api/v1/systems/S1/", HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_vms_by_host_name_and_the_waves_state_action(editor_api, system):
    assert editor_api.get("/api/v1/vms/S1-APP01/").json()["system"] == "S1"
    WaveFactory(name="B7")
    editor_api.patch("/api/v1/systems/S1/", {"wave": "B7"}, format="json")
    response = editor_api.post("/api/v1/waves/B7/state/", {"state": "confirmed"}, format="json")
    assert response.json()["state"] == "confirmed"
    assert VM.objects.get(hostname="s1-app01").status == S.PLANNED


def test_a_nul_character_in_a_natural_key_is_a_400_not_a_server_error(editor_api, system):
    response = editor_api.patch("/api/v1/systems/S1/", {"depends_on": ["a\x00b"], "agency": "\x00"}, format="json")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"depends_on", "agency"}
