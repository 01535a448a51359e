"""Staff list pages at 1× and 100× scale (budget: at most 20 ms of server time at 1×, at most 1.5× that at 100×).

Fills the database named by DATABASE_URL with `seed_demo --scale 1` and then `--scale 100`,
then times the first page of each list — sorted and filtered as staff use them — with Django's test
client in-process (median of several runs, after a warm-up; queries are counted in a separate request, so the
timed ones run without instrumentation), and prints one line per page and scale: wall-clock time, and this
process's CPU time (what the page costs in Python, which other work on a shared machine disturbs less).
`/healthz` (the full middleware stack, no database) is timed in the same run, as the floor the machine's load
sets.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/migportal_bench .venv/bin/python bench/staff_lists.py

WARNING: it deletes every agency, system, VM, contact person and wave in that database first.
"""

import io
import logging
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "migportal.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from systems.models import VM, Agency, ContactPerson, System, SystemContact  # noqa: E402
from systems.roles import VIEWER_GROUP  # noqa: E402
from waves.models import Wave  # noqa: E402

PAGES = [
    ("systems", "/systems/?sort=code&status=planned&status=not_planned"),
    ("systems by VM count", "/systems/?sort=-vm_count&environment=production"),
    ("vms", "/vms/?sort=hostname&status=planned"),
    ("contacts", "/contacts/?sort=name&role=primary"),
    ("agencies", "/agencies/?sort=code"),
    ("waves", "/waves/?sort=window_start"),
    ("staff home", "/staff/"),
    ("notices", "/notices/"),
    ("deliveries", "/notices/deliveries/"),
    ("portal: acknowledgements", "/portal/staff/acknowledgements/"),
    ("portal: escalations", "/portal/staff/escalations/"),
    ("healthz (floor)", "/healthz"),
]
RUNS = 9


def empty() -> None:
    """Delete the whole inventory."""
    tables = ", ".join(model._meta.db_table for model in (SystemContact, VM, ContactPerson, System, Wave, Agency))
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {tables} CASCADE")


def fill(scale: int) -> None:
    """Empty the inventory and seed it with the project's own demo generator at `scale`."""
    empty()
    call_command("seed_demo", scale=scale, no_users=True, stdout=io.StringIO())
    with connection.cursor() as cursor:
        # As autovacuum leaves a table in use: statistics, and the visibility map that lets a COUNT read an index
        # only (a freshly loaded table has none).
        cursor.execute("VACUUM ANALYZE")


def measure(client: Client, url: str) -> tuple[float, float, int]:
    """Median wall-clock time and median CPU time of this process (Python's share: not the database's) of a request,
    and its number of queries."""
    client.get(url)  # warm-up
    timings, cpu = [], []
    for _ in range(RUNS):
        began, began_cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        timings.append(time.perf_counter() - began)
        cpu.append(time.process_time() - began_cpu)
        assert response.status_code == 200, (url, response.status_code)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return statistics.median(timings), statistics.median(cpu), len(queries)


def main() -> None:
    logging.disable(logging.INFO)  # the request log line is not what is measured
    settings.ALLOWED_HOSTS = ["*"]
    settings.DEBUG = False
    user, _ = get_user_model().objects.get_or_create(username="bench-viewer")
    user.groups.add(Group.objects.get(name=VIEWER_GROUP))
    client = Client()
    client.force_login(user)
    results: dict[str, dict[int, tuple[float, float, int]]] = {}
    print(f"# load average at the start: {' '.join(f'{value:.2f}' for value in os.getloadavg())}")
    for scale in (1, 100):
        began = time.perf_counter()
        fill(scale)
        print(
            f"# filled {scale}× in {time.perf_counter() - began:.1f} s: {System.objects.count()} systems, "
            f"{VM.objects.count()} VMs, {ContactPerson.objects.count()} contacts, {Wave.objects.count()} waves"
        )
        for name, url in PAGES:
            results.setdefault(name, {})[scale] = measure(client, url)
    print(f"# load average at the end: {' '.join(f'{value:.2f}' for value in os.getloadavg())}")
    print(
        f"{'page':<26} {'1× ms':>8} {'100× ms':>9} {'ratio':>6} {'queries':>8}  {'CPU 1×/100× ms':>15}"
        "  (budget: ≤ 20 ms, ratio ≤ 1.5)"
    )
    for name, by_scale in results.items():
        one, hundred = by_scale[1], by_scale[100]
        print(
            f"{name:<26} {one[0] * 1000:8.1f} {hundred[0] * 1000:9.1f} {hundred[0] / one[0]:6.2f} "
            f"{one[2]:>3}/{hundred[2]:<3}  {one[1] * 1000:7.1f}/{hundred[1] * 1000:<7.1f}"
        )


if __name__ == "__main__":
    main()
