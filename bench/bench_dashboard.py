"""Benchmark of the public dashboard (budgets in docs/benchmarks.md). Prints figures; does not run in CI.

For each scale (seed_demo --scale N on an emptied database):
  * uncached: a full GET / through Django's stack with the cache emptied before each request (median);
  * raw SQL: the very SQL statements the dashboard runs, sent with a plain cursor (median);
Then, at the last scale, on gunicorn over loopback with wrk, in the same run:
  * cached GET / requests/s vs a trivial Django view (/healthz) on the same server.

Budgets: uncached 100×/1× ≤ 10; uncached at 100× ≤ 2× raw SQL; cached ≥ 0.8× the trivial view.

Usage (uses and EMPTIES the database in DATABASE_URL):
  DATABASE_URL=postgres://postgres@127.0.0.1:5432/migportal_h7 REDIS_URL=redis://127.0.0.1:6379/7 \
    .venv/bin/python bench/bench_dashboard.py --scales 1 100
"""

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "migportal.settings")

import django  # noqa: E402

django.setup()

from django.core.cache import caches  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from dashboard.services import snapshots_backfill  # noqa: E402
from systems.models import VM, System  # noqa: E402


def median_ms(action, runs: int) -> float:
    action()  # warm up (connections, template loading, PostgreSQL buffers)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def seed(scale: int) -> None:
    call_command("flush", interactive=False, verbosity=0)
    started = time.perf_counter()
    call_command("seed_demo", "--no-users", "--scale", str(scale), verbosity=0)
    snapshots_backfill()
    print(
        f"  seeded scale {scale}: {System.objects.count():,} systems, {VM.objects.count():,} VMs "
        f"in {time.perf_counter() - started:.1f} s (with backfilled snapshots)"
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def measure_uncached(runs: int) -> dict:
    client = Client(HTTP_HOST="127.0.0.1")

    def uncached_page():
        caches["dashboard"].clear()  # both tiers: process memory and Redis
        response = client.get("/")
        assert response.status_code == 200

    with CaptureQueriesContext(connection) as queries:
        uncached_page()
    statements = [q["sql"] for q in queries.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]

    def raw_sql():
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
                cursor.fetchall()

    return {"page": median_ms(uncached_page, runs), "sql": median_ms(raw_sql, runs), "queries": len(statements)}


def wrk(url: str, seconds: int, connections: int) -> float:
    output = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", url], capture_output=True, text=True, check=True
    ).stdout
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if non_2xx:
        raise SystemExit(f"{url}: {non_2xx.group(1)} error responses\n{output}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))


def measure_cached(seconds: int, connections: int, rounds: int) -> dict:
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install wrk")
    port = os.environ.get("BENCH_PORT", "8707")
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "migportal.wsgi:application", "--bind", f"127.0.0.1:{port}"]
        + ["--workers", "2", "--log-level", "warning"],
        cwd=ROOT,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(50):
            try:
                subprocess.run(["curl", "-sf", "-o", "/dev/null", f"{base}/healthz"], check=True)
                break
            except subprocess.CalledProcessError:
                time.sleep(0.2)
        subprocess.run(["curl", "-sf", "-o", "/dev/null", f"{base}/"], check=True)  # fill the cache
        results = {"dashboard": [], "trivial": []}
        for _ in range(rounds):  # alternate, so both see the same machine load
            results["trivial"].append(wrk(f"{base}/healthz", seconds, connections))
            results["dashboard"].append(wrk(f"{base}/", seconds, connections))
        return {key: statistics.median(values) for key, values in results.items()}
    finally:
        server.terminate()
        server.wait(timeout=20)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scales", type=int, nargs="+", default=[1, 100])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--wrk-seconds", type=int, default=10)
    parser.add_argument("--wrk-connections", type=int, default=8)
    parser.add_argument("--wrk-rounds", type=int, default=2)
    args = parser.parse_args()

    uncached = {}
    for scale in args.scales:
        print(f"scale {scale}:")
        seed(scale)
        uncached[scale] = measure_uncached(args.runs)
        figures = uncached[scale]
        print(
            f"  uncached GET /: {figures['page']:.1f} ms median of {args.runs}; "
            f"its {figures['queries']} SQL statements raw: {figures['sql']:.1f} ms "
            f"(page/SQL = {figures['page'] / figures['sql']:.2f})"
        )
    if len(args.scales) > 1:
        low, high = min(args.scales), max(args.scales)
        print(f"uncached {high}×/{low}×: {uncached[high]['page'] / uncached[low]['page']:.2f} (budget ≤ 10)")
        print(f"uncached at {high}× / raw SQL at {high}×: {uncached[high]['page'] / uncached[high]['sql']:.2f} (≤ 2)")
    cached = measure_cached(args.wrk_seconds, args.wrk_connections, args.wrk_rounds)
    print(
        f"gunicorn (2 workers), wrk -t2 -c{args.wrk_connections} -d{args.wrk_seconds}s, median of "
        f"{args.wrk_rounds} alternating rounds: cached GET / {cached['dashboard']:.0f} req/s, "
        f"trivial view /healthz {cached['trivial']:.0f} req/s, ratio {cached['dashboard'] / cached['trivial']:.2f} "
        "(budget ≥ 0.8)"
    )


if __name__ == "__main__":
    main()
