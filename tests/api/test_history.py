"""Every write through the API leaves history naming the token's user and the token: one row, bulk or upsert."""

import pytest

from systems.choices import MigrationStatus as S
from systems.models import VM, Agency, System
from tests.api.test_inventory_upsert import ROWS
from tests.factories import AgencyFactory, SystemFactory, VMFactory, WaveFactory

pytestmark = pytest.mark.django_db


def _who(record) -> tuple:
    return record.history_user, record.history_change_reason


def test_the_bulk_upsert_names_the_token_on_every_row_it_writes(editor_api, editor_user):
    assert editor_api.post("/api/v1/inventory/", ROWS, format="json").status_code == 200
    records = [*System.history.all(), *VM.history.all(), *Agency.history.all()]
    assert len(records) == 5
    assert {_who(record) for record in records} == {(editor_user, "API (cmdb-sync): import")}
    changed = {**ROWS, "systems": [{**ROWS["systems"][0], "name": "Sak og arkiv"}, ROWS["systems"][1]]}
    assert editor_api.post("/api/v1/inventory/", changed, format="json").status_code == 200
    assert _who(System.objects.get(code="S1").history.latest()) == (editor_user, "API (cmdb-sync): import")


def test_a_bulk_transition_names_the_token_on_the_systems_and_their_vms(editor_api, editor_user):
    wave = WaveFactory(name="B1")
    for code in ("S1", "S2"):
        VMFactory(system=SystemFactory(code=code, wave=wave, status=S.PLANNED), hostname=f"{code}-app01")
    response = editor_api.post("/api/v1/systems/transition/", {"codes": ["S1", "S2"], "to": S.NOTIFIED}, format="json")
    assert response.status_code == 200, response.content
    latest = [System.objects.get(code=code).history.latest() for code in ("S1", "S2")]
    latest += [vm.history.latest() for vm in VM.objects.all()]
    assert [(record.status, *_who(record)) for record in latest] == [(S.NOTIFIED, editor_user, "API (cmdb-sync)")] * 4


def test_a_state_change_and_a_deletion_name_the_token(editor_api, editor_user):
    system = SystemFactory(code="S1", agency=AgencyFactory(code="BYM"))
    assert editor_api.post("/api/v1/systems/S1/transition/", {"to": S.EXCLUDED}, format="json").status_code == 200
    assert _who(system.history.latest()) == (editor_user, "API (cmdb-sync)")
    assert editor_api.delete("/api/v1/systems/S1/").status_code == 204
    deleted = System.history.filter(id=system.pk).latest()
    assert (deleted.history_type, *_who(deleted)) == ("-", editor_user, "API (cmdb-sync)")


def test_a_refused_bulk_transition_leaves_no_history(editor_api):
    SystemFactory(code="S1")
    SystemFactory(code="S2", status=S.PLANNED, wave=WaveFactory(name="B1"))
    before = System.history.count()
    response = editor_api.post("/api/v1/systems/transition/", {"codes": ["S1", "S2"], "to": S.NOTIFIED}, format="json")
    assert response.status_code == 409
    assert System.history.count() == before
