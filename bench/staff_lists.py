"""Staff list pages at 1× and 100× scale (DESIGN §7: 100× at most 3× the time of 1×).

Fills the database named by DATABASE_URL with a synthetic inventory (bulk_create, no history rows),
then times the first page of each list — sorted and filtered as staff use them — with Django's test
client (median of several runs, after a warm-up), and prints one line per page and scale.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/migportal_bench .venv/bin/python bench/staff_lists.py

WARNING: it deletes every agency, system, VM, contact person and wave in that database first.
"""

import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "migportal.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from systems.choices import ContactRole, Criticality, Environment, MigrationStatus  # noqa: E402
from systems.models import VM, Agency, ContactPerson, System, SystemContact  # noqa: E402
from systems.roles import VIEWER_GROUP  # noqa: E402
from waves.models import Wave  # noqa: E402

BASE = {"agencies": 60, "systems": 392, "vms": 1349, "contacts": 600, "waves": 40}
STATUSES = [MigrationStatus.NOT_PLANNED, MigrationStatus.PLANNED, MigrationStatus.MIGRATED, MigrationStatus.VERIFIED]
PAGES = [
    ("systems", "/systems/?sort=code&status=planned&status=not_planned"),
    ("systems by VM count", "/systems/?sort=-vm_count&environment=production"),
    ("vms", "/vms/?sort=hostname&status=planned"),
    ("contacts", "/contacts/?sort=name&role=primary"),
    ("agencies", "/agencies/?sort=code"),
    ("waves", "/waves/?sort=window_start"),
    ("staff home", "/staff/"),
]
RUNS = 7


def fill(scale: int) -> None:
    with transaction.atomic():
        tables = ", ".join(model._meta.db_table for model in (SystemContact, VM, ContactPerson, System, Wave, Agency))
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {tables} CASCADE")
        # DESIGN §7 scales systems and VMs (and so contact persons); agencies and waves stay as many.
        n = {key: value * (1 if key in ("agencies", "waves") else scale) for key, value in BASE.items()}
        agencies = Agency.objects.bulk_create(Agency(code=f"A{i:03d}", name=f"Etat {i}") for i in range(n["agencies"]))
        start = timezone.now() + timedelta(days=1)
        waves = Wave.objects.bulk_create(
            Wave(
                name=f"Bølge {i}", window_start=start + timedelta(days=i), window_end=start + timedelta(days=i, hours=6)
            )
            for i in range(n["waves"])
        )
        systems = System.objects.bulk_create(
            (
                System(
                    code=f"SYS-{i:06d}",
                    name=f"Fagsystem {i}",
                    agency=agencies[i % len(agencies)],
                    environment=Environment.PRODUCTION if i % 3 else Environment.TEST,
                    criticality=Criticality.values[i % 4],
                    status=STATUSES[i % 4],
                    wave=waves[i % len(waves)] if i % 4 else None,
                )
                for i in range(n["systems"])
            ),
            batch_size=5000,
        )
        VM.objects.bulk_create(
            (
                VM(
                    hostname=f"vm{i:07d}.kommune.local",
                    system=systems[i % len(systems)],
                    status=STATUSES[i % 4],
                    vcpus=2,
                )
                for i in range(n["vms"])
            ),
            batch_size=5000,
        )
        contacts = ContactPerson.objects.bulk_create(
            (
                ContactPerson(name=f"Kontakt {i}", email=f"k{i}@kommune.example", agency=agencies[i % len(agencies)])
                for i in range(n["contacts"])
            ),
            batch_size=5000,
        )
        SystemContact.objects.bulk_create(
            (
                SystemContact(system=system, contact=contacts[i % len(contacts)], role=ContactRole.PRIMARY)
                for i, system in enumerate(systems)
                if i % 5
            ),
            batch_size=5000,
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def measure(client: Client, url: str) -> tuple[float, int]:
    client.get(url)  # warm-up
    timings = []
    for _ in range(RUNS):
        with CaptureQueriesContext(connection) as queries:
            began = time.perf_counter()
            response = client.get(url)
            timings.append(time.perf_counter() - began)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(timings), len(queries)


def main() -> None:
    settings.ALLOWED_HOSTS = ["*"]
    settings.DEBUG = False
    user, _ = get_user_model().objects.get_or_create(username="bench-viewer")
    user.groups.add(Group.objects.get(name=VIEWER_GROUP))
    client = Client()
    client.force_login(user)
    results: dict[str, dict[int, tuple[float, int]]] = {}
    for scale in (1, 100):
        began = time.perf_counter()
        fill(scale)
        print(
            f"# filled {scale}× in {time.perf_counter() - began:.1f} s: {System.objects.count()} systems, "
            f"{VM.objects.count()} VMs, {ContactPerson.objects.count()} contacts, {Wave.objects.count()} waves"
        )
        for name, url in PAGES:
            results.setdefault(name, {})[scale] = measure(client, url)
    print(f"{'page':<22} {'1× ms':>8} {'100× ms':>9} {'ratio':>6} {'queries':>8}  (budget: ratio ≤ 3)")
    for name, by_scale in results.items():
        one, hundred = by_scale[1], by_scale[100]
        print(
            f"{name:<22} {one[0] * 1000:8.1f} {hundred[0] * 1000:9.1f} {hundred[0] / one[0]:6.2f} "
            f"{one[1]:>3}/{hundred[1]:<3}"
        )


if __name__ == "__main__":
    main()
