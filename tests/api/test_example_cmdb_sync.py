"""docs/examples/cmdb_sync.py, the walkthrough of docs/api.md, run as it is against a live server."""

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from api.choices import TokenKind, TokenScope
from notifications.choices import DeliveryState, NoticeKind, NoticeState
from notifications.models import Delivery, Notice
from systems.models import VM, System
from tests.api.conftest import make_token
from waves.choices import WaveState
from waves.models import Wave

pytestmark = pytest.mark.django_db(transaction=True)

SCRIPT = Path(__file__).resolve().parents[2] / "docs" / "examples" / "cmdb_sync.py"


def _export() -> dict:
    start = (timezone.now() + timedelta(days=3)).replace(microsecond=0)
    return {
        "agencies": [{"code": "BYM", "name": "Bymiljøetaten", "kind": "etat"}],
        "waves": [
            {
                "name": "Bølge 12",
                "window_start": start.isoformat(),
                "window_end": (start + timedelta(hours=8)).isoformat(),
            }
        ],
        "systems": [
            {"code": "BYM-PARK", "name": "Parkering", "agency": "BYM", "environment": "production", "wave": "Bølge 12"},
            {"code": "BYM-VEI", "name": "Veidata", "agency": "BYM", "environment": "production", "wave": "Bølge 12"},
        ],
        "vms": [
            {"hostname": "park-app01", "system": "BYM-PARK", "vcpus": 4, "memory_gb": 16},
            {"hostname": "vei-db01", "system": "BYM-VEI", "os": "RHEL 9"},
        ],
        "contacts": [
            {
                "email": "kari@bym.example",
                "name": "Kari Nordmann",
                "agency": "BYM",
                "system": "BYM-PARK",
                "role": "primary",
            },
            {
                "email": "kari@bym.example",
                "name": "Kari Nordmann",
                "agency": "BYM",
                "system": "BYM-VEI",
                "role": "primary",
            },
        ],
    }


def _run(live_server, token: str, export_file: Path) -> dict:
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--url", live_server.url, "--cmdb", str(export_file), "--wave", "Bølge 12"],
        env={**os.environ, "MIGPORTAL_TOKEN": token},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_the_example_loads_the_cmdb_confirms_the_wave_and_reads_delivery_states(live_server, editor_user, tmp_path):
    token = make_token(editor_user, kind=TokenKind.SERVICE, scope=TokenScope.EDITOR, name="CMDB sync")
    export_file = tmp_path / "cmdb_export.json"
    export_file.write_text(json.dumps(_export(), ensure_ascii=False), encoding="utf-8")

    report = _run(live_server, token, export_file)

    assert report["counts"]["systems"]["created"] == 2 and report["counts"]["vms"]["created"] == 2
    assert sorted(VM.objects.values_list("hostname", flat=True)) == ["park-app01", "vei-db01"]
    wave = Wave.objects.get(name="Bølge 12")
    assert wave.state == WaveState.CONFIRMED and report["wave"]["state"] == WaveState.CONFIRMED
    assert set(System.objects.values_list("wave__name", flat=True)) == {"Bølge 12"}
    # The window is three days off: the announcement went out at once (short notice), the reminder is scheduled.
    announcement = Notice.objects.get(wave=wave, kind=NoticeKind.ANNOUNCEMENT)
    assert announcement.state == NoticeState.PUBLISHED
    states = {notice["id"]: notice["deliveries"] for notice in report["notices"]}
    assert set(states) == set(Notice.objects.filter(wave=wave).values_list("pk", flat=True))
    assert states[announcement.pk] == {DeliveryState.PENDING: Delivery.objects.filter(notice=announcement).count()}
    assert Delivery.objects.get(notice=announcement).recipient == "kari@bym.example"
    assert System.history.filter(history_change_reason="API (CMDB sync): import").count() == 2

    again = _run(live_server, token, export_file)  # run again: nothing changes, nothing is sent twice
    assert again["counts"]["systems"] == {"created": 0, "updated": 0, "unchanged": 2}
    assert again["notices"] == report["notices"]
