"""Benchmark: import the `seed_demo --scale N` inventory exported to CSV into an empty database.

    DATABASE_URL=postgres://…/migportal_bench .venv/bin/python bench/bench_import.py --scale 100

Steps (each a `manage.py` subprocess, so start-up and peak RSS are those a user sees):
empty the inventory, seed_demo --scale N, export_inventory to CSV, empty the inventory again, then
time import_inventory (all rows created), a second import of the same files (all unchanged) and a
dry run. Peak RSS is measured per subprocess (os.wait4). THE DATABASE IS EMPTIED: never point this
at data you want to keep.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
INVENTORY_APPS = ("systems", "waves", "notifications", "dashboard", "inventory")


CPU = {"seconds": 0.0}


def manage(*args: str) -> tuple[float, float, str]:
    """Run manage.py; return (wall seconds, the child's peak RSS in MiB from os.wait4, stdout).

    The child's CPU time (user + system) is left in CPU["seconds"]: on a shared machine it says more than wall time.
    """
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        process = subprocess.Popen([PYTHON, "manage.py", *args], cwd=ROOT, stdout=out, stderr=err, text=True)
        _pid, status, usage = os.wait4(process.pid, 0)
        CPU["seconds"] = usage.ru_utime + usage.ru_stime
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout = out.read()
        if process.returncode != 0:
            sys.exit(f"manage.py {' '.join(args)} failed ({process.returncode}):\n{stdout}\n{err.read()}")
    return wall, usage.ru_maxrss / 1024, stdout


def empty_inventory() -> None:
    code = (
        "from django.apps import apps; from django.db import connection\n"
        f"tables = [m._meta.db_table for a in {INVENTORY_APPS!r} for m in apps.get_app_config(a).get_models()]\n"
        "tables += [f.remote_field.through._meta.db_table for a in "
        f"{INVENTORY_APPS!r} for m in apps.get_app_config(a).get_models() for f in m._meta.local_many_to_many]\n"
        "with connection.cursor() as c:\n"
        "    c.execute('TRUNCATE ' + ', '.join(sorted(set(tables))) + ' RESTART IDENTITY CASCADE')\n"
    )
    manage("shell", "-c", code)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument(
        "--csv", type=Path, help="import these CSV files (a directory) instead of seeding and exporting"
    )
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL database you may empty.")
    manage("migrate", "--noinput", "-v0")
    empty_inventory()
    with tempfile.TemporaryDirectory() as scratch:
        directory = str(args.csv) if args.csv else scratch
        if not args.csv:
            seconds, _rss, _out = manage("seed_demo", "--scale", str(args.scale), "--no-users")
            print(f"seed_demo --scale {args.scale}: {seconds:.1f} s")
            seconds, rss, _out = manage("export_inventory", directory)
            print(f"export_inventory (CSV): {seconds:.1f} s, peak RSS {rss:.0f} MiB")
        sizes = {path.name: path.stat().st_size for path in sorted(Path(directory).iterdir())}
        rows = {name: sum(1 for _ in (Path(directory) / name).open(encoding="utf-8")) - 1 for name in sizes}
        print(
            "  files: " + ", ".join(f"{name} {rows[name]:,} rows / {size / 1e6:.1f} MB" for name, size in sizes.items())
        )
        empty_inventory()
        for label, extra in (
            ("import into an empty database", []),
            ("second import, same files (all unchanged)", []),
            ("dry run of the same files", ["--dry-run"]),
        ):
            seconds, rss, out = manage("import_inventory", directory, *extra)
            inner = re.search(r"([\d.]+) s", out)
            inner_text = f" (importer {inner.group(1)} s)" if inner else ""
            cpu = CPU["seconds"]
            print(
                f"{label}: {seconds:.1f} s wall{inner_text}, {cpu:.1f} s CPU (Python process), peak RSS {rss:.0f} MiB"
            )
            for line in out.splitlines():
                if line.split() and line.split()[0] in ("agencies", "waves", "systems", "vms", "contacts"):
                    print("   " + line)


if __name__ == "__main__":
    main()
