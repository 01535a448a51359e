"""Portal page timings and query counts on a seeded database (docs/benchmarks.md: query counts constant in data size).

Usage (on a database filled by `manage.py seed_demo --scale N --no-users`):
    DATABASE_URL=postgres://…/db REDIS_URL=redis://…/N python bench/portal_pages.py [--repeat 10]

seed_demo makes no notices (the notice pipeline does that in production), so this script publishes one
announcement per wave that has none, naming the wave's systems, and acknowledges every third contact of each.
Prints, per page: SQL queries and the median wall time of --repeat requests through Django's test client.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "migportal.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

from notifications.choices import NoticeKind, NoticeState  # noqa: E402
from notifications.models import Acknowledgement, Notice  # noqa: E402
from portal.services import feed_token_regenerate  # noqa: E402
from systems.models import ContactPerson, System, SystemContact  # noqa: E402
from waves.models import Wave  # noqa: E402


def publish_notices() -> None:
    """One published announcement per wave without notices, and acknowledgements by every third contact."""
    through = Notice.systems.through
    now = timezone.now()
    with transaction.atomic():
        for wave in Wave.objects.filter(notices__isnull=True):
            notice = Notice.objects.create(
                wave=wave,
                kind=NoticeKind.ANNOUNCEMENT,
                state=NoticeState.PUBLISHED,
                publish_at=now,
                published_at=now,
                window_start=wave.window_start,
                window_end=wave.window_end,
                title=f"Nedetid for {wave.name}",
                body="Systemene er utilgjengelige i migreringsvinduet.",
            )
            system_ids = list(System.objects.filter(wave=wave).values_list("pk", flat=True))
            through.objects.bulk_create([through(notice_id=notice.pk, system_id=pk) for pk in system_ids])
            contact_ids = sorted(
                set(SystemContact.objects.filter(system_id__in=system_ids).values_list("contact_id", flat=True))
            )
            Acknowledgement.objects.bulk_create(
                [Acknowledgement(notice=notice, contact_id=pk) for pk in contact_ids[::3]], ignore_conflicts=True
            )


def measure(client: Client, path: str, repeat: int) -> tuple[int, float, int]:
    client.get(path)  # warm caches, templates, connection
    queries = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        response = client.get(path)
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        client.get(path)
        timings.append((time.perf_counter() - started) * 1000)
    return len(queries), statistics.median(timings), response.status_code


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    setup_test_environment()  # test client host, in-memory e-mail
    publish_notices()

    # The contact person with the most systems in waves: the heaviest "my notices" and calendar.
    contact = (
        ContactPerson.objects.filter(system_contacts__system__wave__isnull=False)
        .annotate(n=django.db.models.Count("system_contacts"))
        .order_by("-n", "pk")
        .first()
    )
    user_model = get_user_model()
    if contact.user is None:
        contact.user = user_model.objects.create(username=f"bench-contact-{contact.pk}")
        contact.save(update_fields=["user"])
    token = feed_token_regenerate(contact=contact).key
    staff, _ = user_model.objects.get_or_create(username="bench-staff", defaults={"is_superuser": True})
    notice = Notice.objects.filter(systems__system_contacts__contact=contact).order_by("pk").first()

    print(
        f"systems={System.objects.count()} contacts={ContactPerson.objects.count()} waves={Wave.objects.count()} "
        f"notices={Notice.objects.count()} acknowledgements={Acknowledgement.objects.count()}"
    )
    print(f"contact #{contact.pk} with {contact.n} system links; repeat={args.repeat}")
    print(f"{'who':8} {'page':48} {'queries':>7} {'median ms':>10}")
    as_contact, as_staff = Client(), Client()
    as_contact.force_login(contact.user)
    as_staff.force_login(staff)
    pages = [
        (as_contact, "contact", "/portal/"),
        (as_contact, "contact", f"/portal/notices/{notice.pk}/"),
        (as_contact, "contact", "/portal/systems/"),
        (as_contact, "contact", f"/portal/feeds/{token}/calendar.ics"),
        (as_contact, "contact", f"/portal/feeds/{token}/notices.atom"),
        (as_staff, "staff", "/portal/"),
        (as_staff, "staff", "/portal/systems/"),
        (as_staff, "staff", "/portal/staff/acknowledgements/"),
        (as_staff, "staff", f"/portal/staff/acknowledgements/{notice.pk}/"),
        (as_staff, "staff", "/portal/staff/escalations/"),
    ]
    for client, who, path in pages:
        count, median, status = measure(client, path, args.repeat)
        shown = path.replace(token, "<token>")
        print(f"{who:8} {shown:48} {count:7d} {median:10.1f}" + ("" if status == 200 else f"  status {status}"))


if __name__ == "__main__":
    main()
