"""REST API: `GET /api/v1/systems/?page_size=100` at 1× and 100×, and the bulk upsert of the 1× inventory.

Fills the database named by DATABASE_URL with `seed_demo --scale 1` (and `--scale 100` unless `--only-1x`),
times the first and a later cursor page of systems with Django's test client and an editor's token (median of
several runs after a warm-up, with the server's SQL count), then exports the 1× inventory in the import format,
empties the database and loads it again in one `POST /api/v1/inventory/` request.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/migportal_bench .venv/bin/python bench/bench_api.py

WARNING: it deletes every agency, system, VM, contact person and wave in that database first.
"""

import argparse
import os
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "migportal.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.utils import timezone  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402
from staff_lists import empty, fill, measure  # noqa: E402

from api.choices import TokenScope  # noqa: E402
from api.services import apitoken_create  # noqa: E402
from systems.inventory.exporter import rows  # noqa: E402
from systems.inventory.schema import KIND_ORDER  # noqa: E402
from systems.models import VM, System  # noqa: E402
from systems.roles import EDITOR_GROUP  # noqa: E402

PAGE = "/api/v1/systems/?page_size=100"


def client() -> APIClient:
    user, _ = get_user_model().objects.get_or_create(username="bench-api-editor")
    user.groups.add(Group.objects.get(name=EDITOR_GROUP))
    _token, key = apitoken_create(
        user=user, name="bench", scope=TokenScope.EDITOR, expires_at=timezone.now() + timedelta(days=1)
    )
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return api


def pages(api: APIClient) -> dict[str, tuple[float, int]]:
    later = api.get(api.get(PAGE).json()["next"]).json()["next"]
    return {"first page": measure(api, PAGE), "third page (cursor)": measure(api, later)}


def inventory_rows() -> dict[str, list[dict[str, str]]]:
    tables = {}
    for kind in KIND_ORDER:
        header, *body = rows(kind)
        tables[kind] = [dict(zip(header, row, strict=True)) for row in body]
    return tables


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only-1x", action="store_true", help="skip the 100× inventory")
    args = parser.parse_args()
    settings.ALLOWED_HOSTS = ["*"]
    settings.DEBUG = False
    settings.REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"] = []
    results: dict[int, dict[str, tuple[float, int]]] = {}
    for scale in (1,) if args.only_1x else (1, 100):
        began = time.perf_counter()
        fill(scale)
        print(f"# filled {scale}× in {time.perf_counter() - began:.1f} s: {System.objects.count()} systems")
        results[scale] = pages(client())
    print(f"{'GET ' + PAGE:<44} {'1× ms':>7} {'100× ms':>8} {'ratio':>6} {'queries':>8}  (budget: ≤ 30 ms, ≤ 1.5)")
    for name in results[1]:
        one = results[1][name]
        hundred = results.get(100, {}).get(name, (float("nan"), 0))
        print(
            f"{name:<44} {one[0] * 1000:7.1f} {hundred[0] * 1000:8.1f} {hundred[0] / one[0]:6.2f} "
            f"{one[1]:>3}/{hundred[1]:<3}"
        )

    fill(1)
    tables = inventory_rows()
    empty()
    api = client()
    began = time.perf_counter()
    response = api.post("/api/v1/inventory/", tables, format="json")
    seconds = time.perf_counter() - began
    assert response.status_code == 200, response.content[:2000]
    print(
        f"bulk upsert of the 1× inventory into an empty database, one request: {seconds:.2f} s "
        f"({len(tables['systems'])} systems, {len(tables['vms'])} VMs; {VM.objects.count()} VMs now)"
    )
    began = time.perf_counter()
    response = api.post("/api/v1/inventory/", tables, format="json")
    print(f"the same request again (every row unchanged): {time.perf_counter() - began:.2f} s")


if __name__ == "__main__":
    main()
