"""Benchmark of the wave-plan proposal (OR-Tools CP-SAT). Prints figures; does not run in CI.

For each scale (seed_demo --scale N on an emptied database): the time to read the problem from the database,
the solver's time, whether the plan is proven optimal, its objective (the index of the last window used) and
the solver's bound, and the process's peak memory. New waves on the cadence take 12 × N systems each (a
programme 100 times larger has 100 times the migration staff); every other setting is the default.

Budgets: 1× a proven-optimal proposal in under 10 s; 100× a feasible proposal within a 120 s limit, under 2 GB.

Usage (uses and EMPTIES the database in DATABASE_URL):
  DATABASE_URL=postgres://postgres@127.0.0.1:5432/migportal_planning .venv/bin/python bench/bench_planning.py \\
    --scales 1 100 --time-limit 120
"""

import argparse
import os
import resource
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "migportal.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

from planning.selectors import Cadence, planning_problem  # noqa: E402
from planning.solver import solve  # noqa: E402
from systems.models import System  # noqa: E402


def peak_memory_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(scale: int, time_limit: float) -> None:
    call_command("flush", interactive=False, verbosity=0)
    started = time.perf_counter()
    call_command("seed_demo", "--no-users", "--scale", str(scale), verbosity=0)
    print(f"scale {scale}: seeded {System.objects.count():,} systems in {time.perf_counter() - started:.1f} s")
    cadence = Cadence.from_settings()
    cadence = replace(cadence, max_systems=cadence.max_systems * scale)
    started = time.perf_counter()
    problem = planning_problem(cadence=cadence)
    loaded = time.perf_counter() - started
    plan = solve(problem, time_limit=time_limit)
    print(
        f"  {len(problem.items):,} systems to place, {len(problem.slots):,} windows; read in {loaded:.1f} s\n"
        f"  solved in {plan.seconds:.1f} s (limit {time_limit:g} s): feasible={plan.feasible} "
        f"optimal={plan.optimal} objective={plan.objective} bound={plan.bound} "
        f"placed={len(plan.assignment):,} not placeable={len(problem.items) - len(plan.assignment):,} "
        f"last window={plan.completion}\n"
        f"  peak memory {peak_memory_mb():,.0f} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scales", type=int, nargs="+", default=[1])
    parser.add_argument("--time-limit", type=float, default=120.0)
    args = parser.parse_args()
    for scale in args.scales:
        run(scale, args.time_limit)


if __name__ == "__main__":
    main()
