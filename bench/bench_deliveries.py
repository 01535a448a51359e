"""Benchmark: N e-mail deliveries of one notice handled by one Celery worker (e-mail backend in memory).

Usage (PostgreSQL and Redis from the environment; the data is created and removed again):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/migportal_h5 REDIS_URL=redis://127.0.0.1:6379/5 \
        DATABASE_POOL=true .venv/bin/python bench/bench_deliveries.py --deliveries 10000 --pool threads --concurrency 4

Prints the time one worker (`celery worker --pool P --concurrency C`) needs to send them all, the deliveries
per second, the SQL queries one delivery costs (measured in-process on a separate sample) and the load
average. Celery's Django fixup closes the database connection before and after every task; only with
DATABASE_POOL=true and a threads pool does the connection go back to a pool instead of being opened anew.
"""

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "migportal.settings")
os.environ["EMAIL_URL"] = "memorymail://"
os.environ["PORTAL_WEBHOOK_URL"] = ""

import django  # noqa: E402

django.setup()

from datetime import timedelta  # noqa: E402

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from notifications.choices import DeliveryState  # noqa: E402
from notifications.models import Delivery, Notice  # noqa: E402
from notifications.services import delivery_attempt, notice_publish  # noqa: E402
from systems.models import Agency, ContactPerson, System, SystemContact  # noqa: E402
from waves.models import Wave  # noqa: E402
from waves.services import wave_set_state  # noqa: E402

PREFIX = "BENCH-DLV"


def cleanup() -> None:
    waves = Wave.objects.filter(name__startswith=PREFIX)
    Notice.objects.filter(wave__in=waves).delete()
    System.objects.filter(code__startswith=PREFIX).delete()
    ContactPerson.objects.filter(email__startswith=PREFIX.lower()).delete()
    waves.delete()
    Agency.objects.filter(code=PREFIX).delete()


def make_wave(name: str, people: int, per_system: int = 100) -> Wave:
    """A confirmed-to-be wave far in the future whose systems have `people` contact persons in all."""
    agency = (
        Agency.objects.create(code=f"{PREFIX}", name="Benchmark")
        if not Agency.objects.filter(code=PREFIX).exists()
        else Agency.objects.get(code=PREFIX)
    )
    start = (timezone.now() + timedelta(days=60)).replace(microsecond=0)
    wave = Wave.objects.create(name=f"{PREFIX} {name}", window_start=start, window_end=start + timedelta(hours=6))
    systems = System.objects.bulk_create(
        System(code=f"{PREFIX}-{name}-{n:05d}", name=f"System {n}", agency=agency, environment="production", wave=wave)
        for n in range((people + per_system - 1) // per_system)
    )
    contacts = ContactPerson.objects.bulk_create(
        ContactPerson(name=f"Person {n}", email=f"{PREFIX.lower()}-{name}-{n}@kommune.example", agency=agency)
        for n in range(people)
    )
    SystemContact.objects.bulk_create(
        SystemContact(system=systems[n // per_system], contact=contact, role="primary")
        for n, contact in enumerate(contacts)
    )
    return wave


def publish(wave: Wave) -> Notice:
    wave_set_state(wave=wave, state="confirmed", by=None)
    return notice_publish(notice=wave.notices.get(kind="announcement"))


def queries_per_delivery(sample: int) -> float:
    notice = publish(make_wave("sample", sample))
    ids = list(notice.deliveries.values_list("pk", flat=True))
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as captured:
        for delivery_id in ids:
            assert delivery_attempt(delivery_id=delivery_id) == DeliveryState.SENT
    elapsed = time.perf_counter() - started
    print(f"in-process, no broker: {len(ids) / elapsed:.0f} deliveries/s")
    return len(captured.captured_queries) / len(ids)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deliveries", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=2, help="worker processes of the one worker")
    parser.add_argument("--pool", default="prefork", choices=["prefork", "solo", "threads"])
    parser.add_argument(
        "--prefetch-multiplier", type=int, default=None, help="override CELERY_WORKER_PREFETCH_MULTIPLIER"
    )
    parser.add_argument("--sample", type=int, default=200, help="deliveries used to count queries")
    args = parser.parse_args()

    print("load average at start: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    print(f"database connection pool: {'on' if connection.settings_dict.get('OPTIONS', {}).get('pool') else 'off'}")
    cleanup()
    try:
        print(f"queries per delivery: {queries_per_delivery(args.sample):.1f} (sample of {args.sample})")
        wave = make_wave("main", args.deliveries)
        started = time.perf_counter()
        notice = publish(wave)  # writes the Delivery rows and enqueues one task each
        published = time.perf_counter()
        total = notice.deliveries.count()
        print(f"published {total} deliveries (rows + messages) in {published - started:.1f} s")

        worker = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("celery")),
                "--app",
                "migportal",
                "worker",
                "--pool",
                args.pool,
                "--concurrency",
                str(args.concurrency),
                "--without-mingle",
                "--without-gossip",
                "--loglevel",
                "WARNING",
                *(["--prefetch-multiplier", str(args.prefetch_multiplier)] if args.prefetch_multiplier else []),
            ],
            cwd=ROOT,
            env={**os.environ, "LOG_LEVEL": "WARNING"},
        )
        try:
            worker_started = time.perf_counter()
            while True:
                pending = Delivery.objects.filter(notice=notice, state=DeliveryState.PENDING).count()
                if not pending:
                    break
                if worker.poll() is not None:
                    raise SystemExit("the worker stopped")
                time.sleep(0.5)
            elapsed = time.perf_counter() - worker_started
        finally:
            worker.terminate()
            worker.wait(timeout=30)
        sent = Delivery.objects.filter(notice=notice, state=DeliveryState.SENT).count()
        print(
            f"one worker (concurrency {args.concurrency}) sent {sent} of {total} in {elapsed:.1f} s "
            f"(incl. worker start-up): {sent / elapsed:.0f} deliveries/s"
        )
    finally:
        cleanup()
        print("load average at end: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))


if __name__ == "__main__":
    main()
