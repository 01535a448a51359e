"""Load test of the production stack on loopback: gunicorn with the production settings on PostgreSQL + Redis.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/migportal_h8 REDIS_URL=redis://127.0.0.1:6379/8 \
        .venv/bin/python bench/bench_load.py [--duration 60] [--clients 50] [--staff-clients 10]

Phases, one after another against the same gunicorn:
  1. a trivial Django view (/healthz: full middleware stack, no database), --clients connections;
  2. the public dashboard (/), --clients connections;
  3. staff list pages with --staff-clients logged-in viewers: the system list (systems:system_list)
     and the acknowledgement overview (portal:staff_acknowledgement_list), each if it exists.
Each prints requests/s, p50/p95/p99 latency and errors. Load comes from wrk (Debian package `wrk`), which
needs far less CPU than a Python client and so leaves the 2 cores to the server. Bounded: every phase
stops after --duration seconds (at most 120), only 127.0.0.1 is ever contacted, and gunicorn is stopped
at the end whatever happens.
"""

import argparse
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"  # loopback only
MAX_DURATION = 120
MAX_CLIENTS = 200


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def production_env(port: int) -> dict[str, str]:
    env = dict(os.environ)
    for name in ("DATABASE_URL", "REDIS_URL"):
        if not env.get(name):
            sys.exit(f"Set {name}: the load test runs on PostgreSQL and Redis, as production does.")
    if not env["DATABASE_URL"].startswith("postgres"):
        sys.exit("DATABASE_URL must point at PostgreSQL.")
    env.update(
        MIGPORTAL_PRODUCTION="true",
        SECRET_KEY=env.get("BENCH_SECRET_KEY") or secrets.token_urlsafe(50),
        ALLOWED_HOSTS="localhost,127.0.0.1",
        BIND=f"{HOST}:{port}",
        WEB_CONCURRENCY=env.get("WEB_CONCURRENCY", "2"),
        WEB_THREADS=env.get("WEB_THREADS", "4"),
        WEB_MAX_REQUESTS="0",
        LOG_LEVEL="WARNING",  # no access line per request: measure the app, not the terminal
        ACCESS_LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="migportal.settings",
    )
    return env


def manage(env, *args) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


def wait_until_ready(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        request = urllib.request.Request(
            f"http://{HOST}:{port}/readyz", headers={"Host": "localhost", "X-Forwarded-Proto": "https"}
        )
        try:
            with urllib.request.urlopen(request, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    sys.exit("gunicorn did not become ready")


STAFF_LISTS = {
    "staff system list": "systems:system_list",
    "staff acknowledgements": "portal:staff_acknowledgement_list",
}


def staff_sessions(env: dict[str, str], count: int) -> tuple[dict[str, str | None], list[str]]:
    """The staff lists' paths (None where the page does not exist) and `count` viewers' session cookies."""
    code = r"""
import json, sys, django
django.setup()
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.auth.models import Group
from django.urls import NoReverseMatch, reverse
from importlib import import_module
from systems.roles import VIEWER_GROUP
paths = {}
for label, name in json.loads(sys.argv[2]).items():
    try:
        paths[label] = reverse(name)
    except NoReverseMatch:
        paths[label] = None
store = import_module(settings.SESSION_ENGINE).SessionStore
cookies = []
for i in range(int(sys.argv[1])):
    user, _ = get_user_model().objects.get_or_create(username=f"bench-viewer-{i}")
    user.groups.add(Group.objects.get(name=VIEWER_GROUP))
    session = store()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    cookies.append(f"{settings.SESSION_COOKIE_NAME}={session.session_key}")
print(json.dumps({"paths": paths, "cookies": cookies}))
"""
    out = subprocess.run(
        [sys.executable, "-c", code, str(count), json.dumps(STAFF_LISTS)],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    return result["paths"], result["cookies"]


def run_wrk(port: int, path: str, clients: int, duration: int, cookies: list[str] | None = None) -> dict:
    threads = min(2, clients)
    command = ["wrk", f"--threads={threads}", f"--connections={clients}", f"--duration={duration}s",
               "--timeout=10s", "--script", str(ROOT / "bench" / "wrk_report.lua"),
               f"http://{HOST}:{port}", "--", path, *(cookies or [])]  # fmt: skip
    out = subprocess.run(command, capture_output=True, text=True, timeout=duration + 30, check=True)
    result = json.loads([line for line in out.stdout.splitlines() if line.startswith("{")][-1])
    result["req_per_s"] = result["requests"] / result["duration_s"]
    return result


def report(name: str, path: str, clients: int, result: dict) -> None:
    errors = result["non_2xx"] + result["socket_errors"]
    print(f"{name:<28} {path:<16} {clients:>4} clients  {result['req_per_s']:>8.1f} req/s  "
          f"p50 {result['p50_ms']:>7.1f} ms  p95 {result['p95_ms']:>7.1f} ms  p99 {result['p99_ms']:>7.1f} ms  "
          f"{result['requests']:>7} requests  {errors} errors", flush=True)  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=60, help="seconds per phase (at most 120)")
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients for the public pages")
    parser.add_argument("--staff-clients", type=int, default=10, help="logged-in clients for the staff list")
    parser.add_argument("--warmup", type=int, default=5, help="seconds of warm-up before each phase")
    args = parser.parse_args()
    duration = max(1, min(args.duration, MAX_DURATION))
    clients = max(1, min(args.clients, MAX_CLIENTS))
    staff_clients = max(1, min(args.staff_clients, MAX_CLIENTS))
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed: apt-get install wrk")

    port = _free_port()
    env = production_env(port)
    manage(env, "migrate", "--noinput", "--verbosity", "0")
    manage(env, "collectstatic", "--noinput", "--verbosity", "0")
    # Demo data is refused under production settings (it would create known passwords): seed first, plain.
    seed_env = {k: v for k, v in env.items() if k not in ("MIGPORTAL_PRODUCTION", "SECRET_KEY")}
    manage(seed_env, "seed_demo", "--if-empty", "--no-users")
    staff_paths, cookies = staff_sessions(env, staff_clients)

    gunicorn = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "migportal.wsgi:application", "--config", "python:migportal.gunicorn_conf"],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    try:
        wait_until_ready(port)
        print(f"gunicorn (production settings, {env['WEB_CONCURRENCY']} workers x {env['WEB_THREADS']} threads) "
              f"on {HOST}:{port}; {duration} s per phase, wrk load generator", flush=True)  # fmt: skip
        phases = [("trivial view", "/healthz", clients, None), ("public dashboard", "/", clients, None)]
        phases += [(label, path, staff_clients, cookies) for label, path in staff_paths.items() if path]
        results = {}
        for name, path, n, phase_cookies in phases:
            if args.warmup:
                run_wrk(port, path, n, args.warmup, phase_cookies)
            results[name] = run_wrk(port, path, n, duration, phase_cookies)
            report(name, path, n, results[name])
        for label, path in staff_paths.items():
            if path is None:
                print(f"{label}: SKIPPED - the URL '{STAFF_LISTS[label]}' does not exist yet.")
        ratio = results["public dashboard"]["req_per_s"] / results["trivial view"]["req_per_s"]
        print(f"public dashboard / trivial view: {ratio:.2f}x the requests per second")
        failed = {name: r for name, r in results.items() if r["non_2xx"] or r["socket_errors"]}
        if failed:
            sys.exit(f"errors under load in: {', '.join(failed)}")
    finally:
        os.killpg(gunicorn.pid, signal.SIGTERM)
        gunicorn.wait(timeout=30)


if __name__ == "__main__":
    main()
