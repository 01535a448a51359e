"""Load the CMDB's inventory into migportal, confirm a wave and read back how its downtime notices went out.

Uses only the REST API as /api/docs/ documents it, with a service token made at /api/tokens/ (scope "editor"):

    MIGPORTAL_TOKEN=mp_… python docs/examples/cmdb_sync.py --url https://migportal.example \\
        --cmdb cmdb_export.json --wave "Bølge 12"

`cmdb_export.json` holds the CMDB's rows by kind with the columns of the import files, for example
{"agencies": [{"code": "BYM", "name": "Bymiljøetaten"}], "systems": [{"code": "BYM-PARK", "name": "Parkering",
"agency": "BYM", "environment": "production", "wave": "Bølge 12"}], "vms": [{"hostname": "park-app01",
"system": "BYM-PARK"}], ...}. The script prints what it did as JSON.
"""

import argparse
import json
import os
import sys
from collections import Counter
from urllib.parse import quote

import httpx


def api_client(url: str, token: str) -> httpx.Client:
    return httpx.Client(
        base_url=url.rstrip("/") + "/api/v1/",
        headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
        timeout=60,
    )


def raise_for_problem(response: httpx.Response) -> httpx.Response:
    """Stop with the problem details (RFC 9457) the API answers an error with."""
    if response.is_error:
        problem = response.json() if "json" in response.headers.get("Content-Type", "") else {}
        detail = problem.get("detail", response.text)
        sys.exit(f"{response.request.method} {response.request.url}: {response.status_code} {detail} {problem}")
    return response


def every_row(client: httpx.Client, path: str, **params) -> list[dict]:
    """All rows of a list, following the cursor pages' `next` links."""
    rows: list[dict] = []
    response = raise_for_problem(client.get(path, params={"page_size": 500, **params}))
    while True:
        page = response.json()
        rows.extend(page["results"])
        if not page["next"]:
            return rows
        response = raise_for_problem(client.get(page["next"]))


def load_inventory(client: httpx.Client, export: dict) -> dict:
    """The bulk upsert: every row created or updated by natural key, all or nothing (a 409 names each refusal)."""
    return raise_for_problem(client.post("inventory/", json=export)).json()["counts"]


def confirm_wave(client: httpx.Client, name: str) -> dict:
    """Confirm the wave, provided nobody changed it since we read it (If-Match with the ETag we read)."""
    path = f"waves/{quote(name, safe='')}/"
    read = raise_for_problem(client.get(path))
    if read.json()["state"] == "confirmed":
        return read.json()
    answer = client.post(f"{path}state/", json={"state": "confirmed"}, headers={"If-Match": read.headers["ETag"]})
    return raise_for_problem(answer).json()


def delivery_states(client: httpx.Client, wave: dict) -> list[dict]:
    """Each of the wave's notices with how many of its deliveries are in each state."""
    notices = every_row(client, "notices/", wave_id=wave["id"], ordering="publish_at")
    return [
        {
            "id": notice["id"],
            "kind": notice["kind"],
            "state": notice["state"],
            "deliveries": dict(
                Counter(delivery["state"] for delivery in every_row(client, "deliveries/", notice_id=notice["id"]))
            ),
        }
        for notice in notices
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="migportal's address, e.g. https://migportal.example")
    parser.add_argument("--cmdb", required=True, help="the CMDB's export: JSON rows by kind")
    parser.add_argument("--wave", required=True, help="the name of the wave to confirm")
    args = parser.parse_args(argv)
    token = os.environ.get("MIGPORTAL_TOKEN")
    if not token:
        parser.error("set MIGPORTAL_TOKEN to a service token with the editor scope")
    with open(args.cmdb, encoding="utf-8") as file:
        export = json.load(file)
    with api_client(args.url, token) as client:
        counts = load_inventory(client, export)
        wave = confirm_wave(client, args.wave)
        notices = delivery_states(client, wave)
    json.dump({"counts": counts, "wave": wave, "notices": notices}, sys.stdout, ensure_ascii=False, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
