"""The CMDB's bulk upsert: the import's rows as JSON, validated and written by the importer, all or nothing."""

import pytest

from systems.choices import MigrationStatus as S
from systems.models import VM, System
from tests.api.conftest import bearer, make_token
from tests.factories import SystemFactory, VMFactory, WaveFactory

pytestmark = pytest.mark.django_db

ROWS = {
    "agencies": [{"code": "BYM", "name": "Bymiljøetaten", "kind": "etat"}],
    "systems": [
        {"code": "S1", "name": "Sakarkiv", "agency": "BYM", "environment": "production"},
        {"code": "S2", "name": "Kart", "agency": "BYM", "environment": "test", "criticality": "high"},
    ],
    "vms": [
        {"hostname": "s1-app01", "system": "S1", "vcpus": 4, "memory_gb": "8.5"},
        {"hostname": "s2-app01", "system": "S2", "os": "RHEL 9"},
    ],
}


def test_rows_are_created_then_left_unchanged(editor_api):
    first = editor_api.post("/api/v1/inventory/", ROWS, format="json")
    assert first.status_code == 200, first.content
    assert first.json()["counts"]["systems"] == {"created": 2, "updated": 0, "unchanged": 0}
    assert VM.objects.get(hostname="s1-app01").system.code == "S1"
    again = editor_api.post("/api/v1/inventory/", ROWS, format="json")
    assert again.json()["counts"]["vms"] == {"created": 0, "updated": 0, "unchanged": 2}


def test_a_refused_row_stops_every_row_and_is_named_by_its_index(editor_api):
    rows = {**ROWS, "vms": [*ROWS["vms"], {"hostname": "x-01", "system": "NO-SUCH"}]}
    response = editor_api.post("/api/v1/inventory/", rows, format="json")
    assert response.status_code == 409
    errors = response.json()["errors"]
    assert [(error["kind"], error["index"], error["column"]) for error in errors] == [("vms", 2, "system")]
    assert not System.objects.exists()


def test_the_wave_rules_hold_as_in_an_import(editor_api):
    full = WaveFactory(name="B1", max_vms=1)
    VMFactory(system=SystemFactory(wave=full, status=S.PLANNED))
    rows = {**ROWS, "systems": [{**ROWS["systems"][0], "wave": "B1"}, ROWS["systems"][1]]}
    response = editor_api.post("/api/v1/inventory/", rows, format="json")
    assert response.status_code == 409
    assert "B1" in str(response.json()["errors"])


def test_a_dry_run_writes_nothing(editor_api):
    response = editor_api.post("/api/v1/inventory/", {**ROWS, "dry_run": True}, format="json")
    assert response.json()["counts"]["systems"]["created"] == 2
    assert not System.objects.exists()


def test_only_editors_with_a_writing_token_upsert(viewer_user, editor_user):
    assert bearer(make_token(viewer_user)).post("/api/v1/inventory/", ROWS, format="json").status_code == 403
    read_only = bearer(make_token(editor_user, scope="read"))
    assert read_only.post("/api/v1/inventory/", ROWS, format="json").status_code == 403
