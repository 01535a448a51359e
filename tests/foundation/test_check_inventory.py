"""`manage.py check_inventory [--repair]` lists VMs left behind their system and brings them along."""

import io

import pytest
from django.core.management import CommandError, call_command

from systems.choices import MigrationStatus as S
from systems.models import VM
from tests.factories import SystemFactory, VMFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def drift():
    """Drift as the routes made it before VMs followed their system (written past the services)."""
    planned = SystemFactory(code="A-PLAN", status=S.PLANNED)
    VMFactory(system=planned, hostname="a01", status=S.NOT_PLANNED)
    VMFactory(system=planned, hostname="a02", status=S.PLANNED)
    migrated = SystemFactory(code="B-MIG", status=S.MIGRATED, migrated_at="2026-11-01T20:00:00+01:00")
    VMFactory(system=migrated, hostname="b01", status=S.PLANNED)
    VMFactory(system=migrated, hostname="b02", status=S.EXCLUDED)
    VMFactory(system=migrated, hostname="b03", status=S.ON_HOLD)
    ahead = SystemFactory(code="C-NOT", status=S.NOT_PLANNED)
    VMFactory(system=ahead, hostname="c01", status=S.NOTIFIED)


def _run(*args) -> tuple[str, str | None]:
    out = io.StringIO()
    try:
        call_command("check_inventory", *args, stdout=out)
    except CommandError as error:
        return out.getvalue(), str(error)
    return out.getvalue(), None


def test_check_inventory_lists_drift_and_fails_without_changing_anything(drift):
    out, error = _run()
    assert out.splitlines() == [
        "A-PLAN (planlagt): a01 er ikke planlagt",
        "B-MIG (migrert): b01 er planlagt",
    ]
    assert error == "2 VM-er ligger etter systemet sitt; kjør med --repair for å ta dem med."
    assert VM.objects.get(hostname="a01").status == S.NOT_PLANNED


def test_check_inventory_repair_brings_the_vms_along_with_history(drift):
    out, error = _run("--repair")
    assert error is None
    assert out.splitlines()[-1] == "Tok med 2 VM-er til samme status som systemet."
    statuses = dict(VM.objects.values_list("hostname", "status"))
    assert statuses == {
        "a01": S.PLANNED,
        "a02": S.PLANNED,
        "b01": S.MIGRATED,
        "b02": S.EXCLUDED,
        "b03": S.ON_HOLD,
        "c01": S.NOTIFIED,
    }
    b01 = VM.objects.select_related("system").get(hostname="b01")
    assert b01.migrated_at == b01.system.migrated_at
    assert b01.history.latest().history_change_reason == "check_inventory --repair"
    assert _run() == ("Alle VM-er er i takt med systemet sitt.\n", None)
