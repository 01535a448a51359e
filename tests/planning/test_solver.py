"""The solver on small hand-made inventories whose optimum is known."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from planning.solver import Item, Problem, Slot, solve

OSLO = ZoneInfo("Europe/Oslo")
TUESDAY = datetime(2027, 3, 2, 18, tzinfo=OSLO)  # ISO week 9


def weekly_slots(count: int, *, max_systems: int | None = None) -> list[Slot]:
    slots = []
    for week in range(count):
        start = TUESDAY + timedelta(weeks=week)
        slots.append(
            Slot(
                key=f"s{week}",
                name=f"Uke {week + 9}",
                start=start,
                end=start + timedelta(hours=5),
                max_systems=max_systems,
            )
        )
    return slots


def item(pk: int, *, production: bool = False, agency: int = 1, vms: int = 1, **links) -> Item:
    return Item(pk=pk, code=f"S{pk}", agency_id=agency, agency=f"A{agency}", production=production, vms=vms, **links)


def completion_week(plan) -> int:
    return plan.completion.isocalendar().week


def test_capacity_decides_the_completion_week():
    problem = Problem(items=[item(n) for n in range(1, 6)], slots=weekly_slots(6, max_systems=2))
    plan = solve(problem, time_limit=10)
    assert plan.feasible and plan.optimal
    assert completion_week(plan) == 11  # 5 systems, 2 a week: weeks 9, 10, 11
    assert sorted(plan.assignment) == [1, 2, 3, 4, 5]


def test_production_moves_in_a_later_window_than_its_test_system():
    problem = Problem(
        items=[item(1), item(2, production=True, test_counterpart=1)],
        slots=weekly_slots(4, max_systems=10),
    )
    plan = solve(problem, time_limit=10)
    assert plan.optimal and completion_week(plan) == 10
    assert plan.assignment == {1: "s0", 2: "s1"}


def test_dependencies_and_move_groups_share_a_window_when_they_fit():
    problem = Problem(
        items=[item(1, move_with=[2]), item(2, move_with=[1]), item(3, depends_on=[1])],
        slots=weekly_slots(3, max_systems=3),
    )
    plan = solve(problem, time_limit=10)
    assert plan.optimal and completion_week(plan) == 9
    assert set(plan.assignment.values()) == {"s0"}


def test_tester_capacity_spreads_an_agency_over_windows():
    problem = Problem(
        items=[item(n, agency=7) for n in range(1, 5)] + [item(5, agency=8)],
        slots=weekly_slots(4),
        default_tester_capacity={7: 2, 8: None},
    )
    plan = solve(problem, time_limit=10)
    assert plan.optimal and completion_week(plan) == 10


def test_test_systems_go_first_when_it_costs_no_time():
    problem = Problem(
        items=[item(1, production=True), item(2, production=True), item(3)],
        slots=weekly_slots(3, max_systems=2),
    )
    plan = solve(problem, time_limit=10)
    assert plan.optimal and completion_week(plan) == 10
    assert plan.assignment[3] == "s0"


def test_infeasible_plan_names_the_constraints_that_conflict():
    # The production system must move after its test system, but the test system depends on it.
    problem = Problem(
        items=[item(1, depends_on=[2]), item(2, production=True, test_counterpart=1)],
        slots=weekly_slots(3, max_systems=5),
    )
    plan = solve(problem, time_limit=10)
    assert not plan.feasible
    assert sorted(plan.explanation) == [
        "S1 depends on S2, so it cannot move before it.",
        "S2 is a production system: its test system S1 must move in an earlier window.",
    ]


def test_systems_that_cannot_be_placed_are_left_out_with_the_reason():
    blocked = item(1)
    blocked.impossible = "S1 has no primary contact: nobody can be told."
    problem = Problem(items=[blocked, item(2, depends_on=[1]), item(3)], slots=weekly_slots(2, max_systems=5))
    plan = solve(problem, time_limit=10)
    assert plan.feasible and plan.assignment == {3: "s0"}
    assert plan.explanation == [
        "S1 has no primary contact: nobody can be told.",
        "S2 depends on S1, which cannot be planned.",
    ]


@pytest.mark.parametrize("size", [3, 4])
def test_a_move_group_larger_than_any_window_is_explained(size):
    items = [item(n, move_with=[m for m in range(1, size + 1) if m != n]) for n in range(1, size + 1)]
    plan = solve(Problem(items=items, slots=weekly_slots(2, max_systems=size - 1)), time_limit=10)
    assert plan.assignment == {}
    assert plan.explanation == [
        f"{', '.join(f'S{n}' for n in range(1, size + 1))} do not fit in any window together "
        "(systems, VMs or testers over the limit)."
    ]


def test_links_that_can_never_hold_are_left_out_and_the_rest_is_planned():
    # S2 (production) waits for its test system S1, which depends on S2: never plannable. S3 and S4 are.
    problem = Problem(
        items=[item(1, depends_on=[2]), item(2, production=True, test_counterpart=1), item(3), item(4, depends_on=[3])],
        slots=weekly_slots(3, max_systems=1),
    )
    plan = solve(problem, time_limit=10)
    assert plan.feasible and plan.optimal
    assert plan.assignment == {3: "s0", 4: "s1"}
    assert sorted(plan.explanation) == [
        "S1 depends on S2, so it cannot move before it.",
        "S2 is a production system: its test system S1 must move in an earlier window.",
    ]


def test_without_time_for_the_solver_the_first_fit_plan_is_the_answer():
    items = [item(n, production=n % 2 == 0, test_counterpart=n - 1 if n % 2 == 0 else None) for n in range(1, 9)]
    plan = solve(Problem(items=items, slots=weekly_slots(8, max_systems=2)), time_limit=0.001)
    assert plan.feasible and len(plan.assignment) == 8
    week = {pk: int(key[1:]) for pk, key in plan.assignment.items()}
    assert all(week[n] > week[n - 1] for n in range(2, 9, 2))  # every production system after its test system
    assert all(list(week.values()).count(n) <= 2 for n in range(8))
    # Two a window fill four windows: the bound from the capacities proves this plan optimal without CP-SAT.
    assert plan.objective == plan.bound == 3 and plan.optimal
