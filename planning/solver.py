"""The wave plan as a constraint problem, solved with Google OR-Tools CP-SAT.

`solve(problem)` is pure: it takes the systems to place and the slots (existing draft waves and new windows on
the configured cadence) and returns which system goes to which slot. `planning.selectors.planning_problem()`
builds the problem from the database; `planning.services.proposal_run()` stores the result.

What must hold (the blockers of `planning.checks`): a system moves in the same or a later window than every
system it depends on; a move group (systems linked by "move together") stays in one window; a production
system moves after its test system's window has ended; a window takes at most its systems and VMs, and each
agency's testers at most their capacity. Objectives, in order: the whole programme done in the earliest
window; test systems as early as possible; as few systems as possible moved from the draft wave they are in.
The first is solved and then fixed while the others are solved (lexicographic, in two solves).

Systems without links that are alike (agency, environment, VMs, no current wave) are counted, not placed one
by one: 28,000 systems of 100 agencies become a few thousand integer counts, which keeps the 100× inventory
within memory and time.
"""

from __future__ import annotations

import bisect
import math
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.utils.translation import gettext as _
from ortools.sat.python import cp_model


@dataclass
class Slot:
    """A window a system can be planned into: an existing draft wave, or a new wave on the cadence."""

    key: str
    name: str
    start: datetime
    end: datetime
    wave_id: int | None = None
    max_systems: int | None = None
    max_vms: int | None = None
    #: Systems and VMs in it that the plan does not move (settled, on hold), and per agency for its testers.
    load_systems: int = 0
    load_vms: int = 0
    load_by_agency: dict[int, int] = field(default_factory=dict)
    #: Per agency, how many systems its testers can take after this window (None or absent: no limit).
    tester_capacity: dict[int, int | None] = field(default_factory=dict)


@dataclass
class Item:
    """A system to place, with what binds it to others (by system id)."""

    pk: int
    code: str
    agency_id: int
    agency: str
    production: bool
    vms: int
    current_slot: str | None = None
    depends_on: list[int] = field(default_factory=list)
    move_with: list[int] = field(default_factory=list)
    test_counterpart: int | None = None
    #: Bounds from systems the plan does not move, each with the reason given when no slot is left:
    #: start no earlier than / after the end of / no later than; end no later than.
    earliest: datetime | None = None
    earliest_reason: str = ""
    after_end: datetime | None = None
    after_end_reason: str = ""
    latest: datetime | None = None
    latest_reason: str = ""
    latest_end: datetime | None = None
    latest_end_reason: str = ""
    impossible: str = ""


@dataclass
class Problem:
    items: list[Item]
    slots: list[Slot]
    default_tester_capacity: dict[int, int | None] = field(default_factory=dict)


@dataclass
class Plan:
    """The solver's answer."""

    feasible: bool
    optimal: bool = False
    #: Item id → slot key, for every item that can be placed; the explanation says why the others cannot
    #: (or, when no plan was found, which constraints conflict).
    assignment: dict[int, str] = field(default_factory=dict)
    explanation: list[str] = field(default_factory=list)
    objective: float | None = None
    bound: float | None = None
    completion: datetime | None = None
    seconds: float = 0.0


class _UnionFind:
    def __init__(self, keys):
        self.parent = {key: key for key in keys}

    def find(self, key):
        while self.parent[key] != key:
            self.parent[key] = self.parent[self.parent[key]]
            key = self.parent[key]
        return key

    def union(self, a, b):
        self.parent[self.find(a)] = self.find(b)


def move_units(item_ids, links) -> list[list[int]]:
    """The connected components of the "move together" links among `item_ids` (each a list, sorted)."""
    sets = _UnionFind(item_ids)
    for a, b in links:
        if a in sets.parent and b in sets.parent:
            sets.union(a, b)
    groups = defaultdict(list)
    for key in item_ids:
        groups[sets.find(key)].append(key)
    return sorted((sorted(group) for group in groups.values()), key=lambda group: group[0])


@dataclass
class _Unit:
    items: list[Item]
    allowed: list[int]
    reasons: list[str]

    @property
    def label(self) -> str:
        return ", ".join(item.code for item in self.items)


def _allowed_slots(items: list[Item], slots: list[Slot], cache: dict | None = None) -> tuple[list[int], list[str]]:
    """The slot indexes a unit may take given the systems the plan does not move, and why others are out.

    Units with the same bounds share the answer through `cache`."""
    reasons = [item.impossible for item in items if item.impossible]
    if reasons:
        return [], reasons
    starts = [bound for item in items for bound in (item.earliest, item.after_end) if bound]
    key = (
        max(starts, default=None),
        min((item.latest for item in items if item.latest), default=None),
        min((item.latest_end for item in items if item.latest_end), default=None),
    )
    cache = {} if cache is None else cache
    if key not in cache:
        earliest, latest, latest_end = key
        cache[key] = [
            index
            for index, slot in enumerate(slots)
            if not (earliest and slot.start < earliest)
            and not (latest and slot.start > latest)
            and not (latest_end and slot.end > latest_end)
        ]
    allowed = cache[key]
    if not allowed:
        for item in items:
            reasons += [
                reason
                for reason in (item.earliest_reason, item.after_end_reason, item.latest_reason, item.latest_end_reason)
                if reason
            ]
        if not reasons:
            reasons.append(_("No window in the planning horizon suits %(systems)s.") % {"systems": items[0].code})
    return (allowed if not reasons else []), reasons


def _fits(unit: _Unit, slot: Slot, default_capacity: dict[int, int | None]) -> bool:
    size, vms = len(unit.items), sum(item.vms for item in unit.items)
    if slot.max_systems and size + slot.load_systems > slot.max_systems:
        return False
    if slot.max_vms and vms + slot.load_vms > slot.max_vms:
        return False
    per_agency = defaultdict(int)
    for item in unit.items:
        per_agency[item.agency_id] += 1
    for agency_id, count in per_agency.items():
        capacity = slot.tester_capacity.get(agency_id, default_capacity.get(agency_id))
        if capacity is not None and count + slot.load_by_agency.get(agency_id, 0) > capacity:
            return False
    return True


def _depends_message(system: str, other: str) -> str:
    return _("%(system)s depends on %(other)s, so it cannot move before it.") % {"system": system, "other": other}


def _test_message(system: str, test: str) -> str:
    return _("%(system)s is a production system: its test system %(test)s must move in an earlier window.") % {
        "system": system,
        "test": test,
    }


class _Model:
    """The CP-SAT model of one problem; built once, solved in two stages."""

    def __init__(
        self,
        problem: Problem,
        units: list[_Unit],
        classes: dict[tuple, list[Item]],
        *,
        explain: bool,
        class_windows: int | None = None,
        class_extra: list[set[int]] | None = None,
    ):
        self.problem, self.units, self.classes = problem, units, classes
        #: Whether units and classes were kept to their earliest windows (see MAX_CHOICES).
        self.narrowed = class_windows is not None
        #: How many (unit, window) choices the whole model would have.
        self.choices = 0
        self.model = cp_model.CpModel()
        #: Enforcement literal index → (message, the units it binds) for the explanation.
        self.assumptions: dict[int, tuple[str, tuple[int, ...]]] = {}
        self.explain = explain
        slots = problem.slots
        model = self.model
        count = len(slots)
        # open[j]: the plan may use slot j, that is the programme ends in slot j or later (so open is monotone,
        # which gives the solver a strong bound: everything must fit in the open slots).
        self.end = model.new_int_var(0, max(count - 1, 0), "end")
        self.open = [model.new_bool_var(f"open{j}") for j in range(count)]
        for j in range(1, count):
            model.add_implication(self.open[j], self.open[j - 1])
        model.add(self.end == sum(self.open) - 1)
        self.place: list[dict[int, cp_model.IntVar]] = []
        self.pos: list[cp_model.IntVar] = []
        for index, unit in enumerate(units):
            choices = {j: model.new_bool_var(f"u{index}s{j}") for j in unit.allowed}
            model.add_exactly_one(choices.values())
            for j, var in choices.items():
                model.add_implication(var, self.open[j])
            pos = model.new_int_var(min(unit.allowed), max(unit.allowed), f"pos{index}")
            model.add(pos == sum(j * var for j, var in choices.items()))
            model.add(pos <= self.end)
            self.place.append(choices)
            self.pos.append(pos)
        self.counts: list[dict[int, cp_model.IntVar]] = []
        for index, (_key, members) in enumerate(classes.items()):
            size = len(members)
            windows = set(range(min(count, class_windows or count))) | (class_extra[index] if class_extra else set())
            per_slot = {j: model.new_int_var(0, size, f"c{index}s{j}") for j in sorted(windows)}
            model.add(sum(per_slot.values()) == size)
            for j, var in per_slot.items():
                model.add(var <= size * self.open[j])
            self.counts.append(per_slot)
        self._links()
        self._capacities()

    def hint(self, plan: _Greedy) -> None:
        """Start the search from a known plan."""
        for index, choices in enumerate(self.place):
            for j, var in choices.items():
                self.model.add_hint(var, j == plan.pos[index])
            self.model.add_hint(self.pos[index], plan.pos[index])
        for index, per_slot in enumerate(self.counts):
            for j, var in per_slot.items():
                self.model.add_hint(var, plan.counts[index].get(j, 0))
        for j, var in enumerate(self.open):
            self.model.add_hint(var, j <= plan.end)
        self.model.add_hint(self.end, plan.end)

    def _guard(self, message: str, *units: int):
        """An enforcement literal for a constraint, named for the explanation (only when explaining)."""
        if not self.explain:
            return None
        literal = self.model.new_bool_var(message)
        self.assumptions[literal.index] = (message, units)
        return literal

    def _add(self, constraint, literal) -> None:
        if literal is not None:
            constraint.only_enforce_if(literal)

    def _links(self) -> None:
        unit_of = {item.pk: index for index, unit in enumerate(self.units) for item in unit.items}
        slots = self.problem.slots
        # For each slot, the last slot that ends before it starts (-1: none).
        previous = [max((i for i, other in enumerate(slots) if other.end <= slot.start), default=-1) for slot in slots]
        for index, unit in enumerate(self.units):
            for item in unit.items:
                for needed in item.depends_on:
                    other = unit_of.get(needed)
                    if other is None or other == index:
                        continue
                    message = _depends_message(item.code, self._code(other, needed))
                    self._add(self.model.add(self.pos[other] <= self.pos[index]), self._guard(message, index, other))
                other = unit_of.get(item.test_counterpart) if item.test_counterpart else None
                if other is not None and item.production:
                    message = _test_message(item.code, self._code(other, item.test_counterpart))
                    place = self.place[index]
                    self._add(
                        self.model.add(self.pos[other] <= sum(previous[j] * var for j, var in place.items())),
                        self._guard(message, index, other),
                    )

    def _code(self, unit_index: int, pk: int) -> str:
        return next(item.code for item in self.units[unit_index].items if item.pk == pk)

    def _capacities(self) -> None:
        slots = self.problem.slots
        guard = self._guard(
            _(
                "The systems do not fit in the windows of the planning horizon: add waves, raise their limits or "
                "the testers' capacity, or plan further ahead."
            )
        )
        class_items = list(self.classes.values())
        room = []
        total = sum(len(unit.items) for unit in self.units) + sum(len(members) for members in class_items)
        for j, slot in enumerate(slots):
            systems, vms, by_agency = [], [], defaultdict(list)
            for index, unit in enumerate(self.units):
                var = self.place[index].get(j)
                if var is None:
                    continue
                systems.append(len(unit.items) * var)
                vms.append(sum(item.vms for item in unit.items) * var)
                per_agency = defaultdict(int)
                for item in unit.items:
                    per_agency[item.agency_id] += 1
                for agency_id, n in per_agency.items():
                    by_agency[agency_id].append(n * var)
            for index, members in enumerate(class_items):
                var = self.counts[index].get(j)
                if var is None:
                    continue
                systems.append(var)
                vms.append(members[0].vms * var)
                by_agency[members[0].agency_id].append(var)
            room.append((slot.max_systems - slot.load_systems if slot.max_systems else total) * self.open[j])
            if slot.max_systems and systems:
                self._add(self.model.add(sum(systems) <= slot.max_systems - slot.load_systems), guard)
            if slot.max_vms and vms:
                self._add(self.model.add(sum(vms) <= slot.max_vms - slot.load_vms), guard)
            for agency_id, terms in by_agency.items():
                capacity = slot.tester_capacity.get(agency_id, self.problem.default_tester_capacity.get(agency_id))
                if capacity is not None:
                    self._add(self.model.add(sum(terms) <= capacity - slot.load_by_agency.get(agency_id, 0)), guard)
        # Redundant, for the bound: all systems fit in the open slots.
        self._add(self.model.add(sum(room) >= total), guard)

    def secondary_objective(self):
        """Test systems early, then fewest moves from a system's current draft wave."""
        changes = []
        test_positions = []
        for index, unit in enumerate(self.units):
            for item in unit.items:
                if not item.production:
                    test_positions.append(self.pos[index])
                if item.current_slot is not None:
                    current = next(
                        (j for j, slot in enumerate(self.problem.slots) if slot.key == item.current_slot), None
                    )
                    var = self.place[index].get(current) if current is not None else None
                    changes.append(1 - var if var is not None else 1)
        for index, members in enumerate(self.classes.values()):
            if not members[0].production:
                test_positions.extend(j * var for j, var in self.counts[index].items())
        weight = len(changes) + 1
        return weight * sum(test_positions) + sum(changes)


def _leave_out(items: list[Item]) -> None:
    """Systems bound to one that cannot be placed cannot be placed either (the reason says which)."""
    by_pk = {item.pk: item for item in items}
    changed = True
    while changed:
        changed = False
        for item in items:
            if item.impossible:
                continue
            for other_pk, message in (
                *((pk, _("%(system)s depends on %(other)s, which cannot be planned.")) for pk in item.depends_on),
                *(
                    (pk, _("%(system)s must move together with %(other)s, which cannot be planned."))
                    for pk in item.move_with
                ),
                (item.test_counterpart, _("%(system)s waits for its test system %(other)s, which cannot be planned.")),
            ):
                other = by_pk.get(other_pk)
                if other is not None and other.impossible:
                    item.impossible = message % {"system": item.code, "other": other.code}
                    changed = True
                    break


def _conflicting_cycles(by_pk: dict[int, Item], groups: list[list[int]]) -> tuple[list[str], set[int]]:
    """Links that can never hold together, whatever the windows: a cycle of "depends on" (same or later window)
    through a production system and its test system (a strictly earlier window). Its systems are marked as not
    placeable; returns the links of each such cycle (as messages) and the systems in one."""
    group_of = {pk: n for n, group in enumerate(groups) for pk in group}
    placeable = [not any(by_pk[pk].impossible for pk in group) for group in groups]
    needs: list[set[int]] = [set() for _group in groups]
    tests: list[set[int]] = [set() for _group in groups]
    for n, group in enumerate(groups):
        if not placeable[n]:
            continue
        for item in (by_pk[pk] for pk in group):
            for pk in item.depends_on:
                if pk in group_of and group_of[pk] != n and placeable[group_of[pk]]:
                    needs[n].add(group_of[pk])
            if item.production and item.test_counterpart in group_of and placeable[group_of[item.test_counterpart]]:
                tests[n].add(group_of[item.test_counterpart])
    messages: dict[str, None] = {}
    systems: set[int] = set()
    for members in _strong_components([needs[n] | tests[n] for n in range(len(groups))]):
        inside = set(members)
        if not any(tests[n] & inside for n in members):
            continue
        pks = sorted(pk for n in members for pk in groups[n])
        cycle = []
        for pk in pks:
            item = by_pk[pk]
            cycle += [
                _depends_message(item.code, by_pk[other].code)
                for other in item.depends_on
                if other in group_of and group_of[other] in inside and group_of[other] != group_of[pk]
            ]
            if item.production and item.test_counterpart in group_of and group_of[item.test_counterpart] in inside:
                cycle.append(_test_message(item.code, by_pk[item.test_counterpart].code))
        for pk in pks:
            by_pk[pk].impossible = cycle[0]
        systems.update(pks)
        messages.update(dict.fromkeys(cycle))
    return list(messages), systems


def _units(problem: Problem) -> tuple[list[_Unit], dict[tuple, list[Item]], list[str]]:
    """Move groups as units (or counted classes for alike unlinked systems); and what cannot be placed, why."""
    by_pk = {item.pk: item for item in problem.items}
    links = [(item.pk, other) for item in problem.items for other in item.move_with]
    groups = move_units(list(by_pk), links)
    for group in groups:
        for item in (by_pk[pk] for pk in group):
            if item.production and item.test_counterpart in group and not item.impossible:
                item.impossible = _(
                    "%(system)s must move after its test system %(test)s, but they must move together."
                ) % {
                    "system": item.code,
                    "test": by_pk[item.test_counterpart].code,
                }
    _leave_out(problem.items)
    conflicts, in_conflict = _conflicting_cycles(by_pk, groups)
    _leave_out(problem.items)
    linked = {pk for item in problem.items for pk in (*item.depends_on, item.test_counterpart) if pk in by_pk}
    units, classes, reasons = [], defaultdict(list), list(conflicts)
    bounds: dict[tuple, list[int]] = {}
    fitting: dict[tuple, list[int]] = {}
    for group in groups:
        if any(pk in in_conflict for pk in group):
            continue  # named once, with the links of its cycle
        items = [by_pk[pk] for pk in group]
        allowed, why = _allowed_slots(items, problem.slots, bounds)
        unit = _Unit(items, allowed, why)
        if why:
            reasons.extend(why)
            continue
        per_agency = defaultdict(int)
        for item in items:
            per_agency[item.agency_id] += 1
        # Units of the same size, VMs and agencies within the same bounds fit the same slots.
        key = (id(allowed), len(items), sum(item.vms for item in items), tuple(sorted(per_agency.items())))
        if key not in fitting:
            fitting[key] = [j for j in allowed if _fits(unit, problem.slots[j], problem.default_tester_capacity)]
        unit.allowed = fitting[key]
        if not unit.allowed:
            reasons.append(
                _("%(systems)s do not fit in any window together (systems, VMs or testers over the limit).")
                % {"systems": unit.label}
            )
            continue
        item = items[0]
        simple = (
            len(items) == 1
            and item.pk not in linked
            and not item.depends_on
            and item.test_counterpart is None
            and item.current_slot is None
            and len(unit.allowed) == len(problem.slots)
        )
        if simple:
            classes[(item.agency_id, item.production, item.vms)].append(item)
        else:
            units.append(unit)
    return units, dict(classes), reasons


def _stage(model: cp_model.CpModel, seconds: float, workers: int) -> tuple[cp_model.CpSolver, int]:
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(seconds, 0.1)
    solver.parameters.num_workers = workers
    return solver, solver.solve(model)


def solve(
    problem: Problem,
    *,
    time_limit: float,
    workers: int = 2,
    progress: Callable[[int], None] = lambda percent: None,
) -> Plan:
    """Place every item of `problem` in a slot, or explain why that is impossible."""
    started = time.monotonic()
    units, classes, reasons = _units(problem)
    if not units and not classes:
        return Plan(feasible=not reasons, optimal=not reasons, explanation=reasons, seconds=_since(started))
    progress(10)
    lower = _lower_bound(problem, units, classes)
    greedy = _greedy(problem, units, classes, lower)
    built, first, status, proven = _first_stage(problem, units, classes, greedy, time_limit / 2, workers, started)
    lower = max(lower, proven)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE) and greedy is not None:
        # CP-SAT found nothing better in time: the first-fit plan satisfies every constraint all the same.
        bound = lower
        if status == cp_model.UNKNOWN and not built.narrowed and math.isfinite(first.best_objective_bound):
            bound = max(bound, int(first.best_objective_bound))
        return _greedy_plan(problem, units, classes, greedy, reasons, bound, started)
    if status == cp_model.INFEASIBLE and not built.narrowed:
        if built.choices > MAX_EXPLAIN_CHOICES:
            explanation = [_("The constraints cannot all hold together.")]
        else:
            explanation = _explain(problem, units, classes, time_limit)
        return Plan(feasible=False, explanation=reasons + explanation, seconds=_since(started))
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return Plan(
            feasible=False,
            explanation=[*reasons, _("No plan was found within the time limit; allow the solver more time.")],
            seconds=_since(started),
        )
    progress(50)
    first_optimal = status == cp_model.OPTIMAL and not built.narrowed
    end = int(first.value(built.end))
    bound = int(first.best_objective_bound) if not built.narrowed else lower
    built.model.add(built.end <= end)
    built.model.clear_hints()
    for index, choices in enumerate(built.place):
        for var in choices.values():
            built.model.add_hint(var, first.boolean_value(var))
        built.model.add_hint(built.pos[index], first.value(built.pos[index]))
    for per_slot in built.counts:
        for var in per_slot.values():
            built.model.add_hint(var, first.value(var))
    built.model.minimize(built.secondary_objective())
    second, status2 = _stage(built.model, time_limit - _since(started), workers)
    solver = second if status2 in (cp_model.OPTIMAL, cp_model.FEASIBLE) else first
    progress(90)
    assignment = {}
    slots = problem.slots
    for index, unit in enumerate(built.units):
        j = next(j for j, var in built.place[index].items() if solver.boolean_value(var))
        for item in unit.items:
            assignment[item.pk] = slots[j].key
    for index, members in enumerate(classes.values()):
        queue = list(members)
        for j, var in built.counts[index].items():
            for _n in range(int(solver.value(var))):
                assignment[queue.pop().pk] = slots[j].key
    return Plan(
        feasible=True,
        optimal=first_optimal and status2 == cp_model.OPTIMAL,
        assignment=assignment,
        explanation=reasons,
        objective=float(end),
        bound=float(max(bound, lower)),
        completion=slots[end].start,
        seconds=_since(started),
    )


@dataclass
class _Greedy:
    """A first-fit plan: each unit's slot index, and each class's count per slot index."""

    pos: list[int]
    counts: list[dict[int, int]]

    @property
    def end(self) -> int:
        return max([*self.pos, *(j for counts in self.counts for j in counts)], default=0)


def _predecessors(problem: Problem, units: list[_Unit]) -> tuple[list[set[int]], list[set[int]]]:
    """Per unit, the units it depends on (same or earlier slot) and its test units (a slot that ends before)."""
    unit_of = {item.pk: index for index, unit in enumerate(units) for item in unit.items}
    needs: list[set[int]] = [set() for _unit in units]
    tests: list[set[int]] = [set() for _unit in units]
    for index, unit in enumerate(units):
        for item in unit.items:
            for pk in item.depends_on:
                other = unit_of.get(pk)
                if other is not None and other != index:
                    needs[index].add(other)
            other = unit_of.get(item.test_counterpart) if item.test_counterpart else None
            if other is not None and item.production:
                tests[index].add(other)
    return needs, tests


class _Room:
    """What is left of each slot's systems, VMs and testers while a plan is filled in."""

    def __init__(self, problem: Problem):
        self.problem = problem
        self.systems = [slot.max_systems - slot.load_systems if slot.max_systems else None for slot in problem.slots]
        self.vms = [slot.max_vms - slot.load_vms if slot.max_vms else None for slot in problem.slots]
        self.testers: list[dict[int, int | None]] = [{} for _slot in problem.slots]

    def tester_room(self, j: int, agency_id: int) -> int | None:
        left = self.testers[j]
        if agency_id not in left:
            slot = self.problem.slots[j]
            capacity = slot.tester_capacity.get(agency_id, self.problem.default_tester_capacity.get(agency_id))
            left[agency_id] = None if capacity is None else capacity - slot.load_by_agency.get(agency_id, 0)
        return left[agency_id]

    def how_many(self, j: int, agency_id: int, vms: int, wanted: int) -> int:
        """How many systems of one agency with `vms` VMs each slot `j` can still take (at most `wanted`)."""
        limits = [wanted, self.systems[j], self.tester_room(j, agency_id)]
        if vms and self.vms[j] is not None:
            limits.append(self.vms[j] // vms)
        return max(min(limit for limit in limits if limit is not None), 0)

    def fits(self, j: int, unit: _Unit) -> bool:
        size, vms = len(unit.items), sum(item.vms for item in unit.items)
        if self.systems[j] is not None and size > self.systems[j]:
            return False
        if vms and self.vms[j] is not None and vms > self.vms[j]:
            return False
        per_agency = defaultdict(int)
        for item in unit.items:
            per_agency[item.agency_id] += 1
        return all(
            (room := self.tester_room(j, agency_id)) is None or count <= room for agency_id, count in per_agency.items()
        )

    def take(self, j: int, items: list[Item]) -> None:
        if self.systems[j] is not None:
            self.systems[j] -= len(items)
        if self.vms[j] is not None:
            self.vms[j] -= sum(item.vms for item in items)
        for item in items:
            if self.tester_room(j, item.agency_id) is not None:
                self.testers[j][item.agency_id] -= 1


def _strong_components(edges: list[set[int]]) -> list[list[int]]:
    """Tarjan's strongly connected components of the graph `index → edges[index]`, iteratively, each
    component after every component it has an edge to."""
    index_of: dict[int, int] = {}
    low: dict[int, int] = {}
    stack: list[int] = []
    on_stack: set[int] = set()
    components: list[list[int]] = []
    for root in range(len(edges)):
        if root in index_of:
            continue
        work = [(root, iter(edges[root]))]
        index_of[root] = low[root] = len(index_of)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index_of:
                    index_of[child] = low[child] = len(index_of)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(edges[child])))
                elif child in on_stack:
                    low[node] = min(low[node], index_of[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index_of[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                components.append(component)
    return components


def _greedy(problem: Problem, units: list[_Unit], classes: dict[tuple, list[Item]], lower: int) -> _Greedy | None:
    """First fit: units in the order their links allow, each in its earliest slot with room (its current draft
    wave when that is possible and no later than `lower`, before which no plan ends), then the counted classes
    from the first slot on. None when this finds no plan (which does not prove there is none).

    Units whose dependencies form a cycle must share a slot, so they are placed together."""
    slots = problem.slots
    needs, tests = _predecessors(problem, units)
    components = _strong_components([needs[index] | tests[index] for index in range(len(units))])
    index_of = {slot.key: j for j, slot in enumerate(slots)}
    room = _Room(problem)
    pos = [-1] * len(units)
    for members in components:  # each after the components it depends on
        inside = set(members)
        if any(tests[index] & inside for index in members):
            return None  # a test system that must move earlier, yet in the same slot
        earliest = max((pos[other] for index in members for other in needs[index] - inside), default=0)
        after = max((slots[pos[other]].end for index in members for other in tests[index]), default=None)
        unit = _Unit([item for index in members for item in units[index].items], [], [])
        if len(members) == 1:
            allowed = units[members[0]].allowed
        else:
            allowed = sorted(set.intersection(*(set(units[index].allowed) for index in members)))

        def suits(j: int, earliest=earliest, after=after, unit=unit) -> bool:
            return j >= earliest and (after is None or slots[j].start >= after) and room.fits(j, unit)

        first = unit.items[0].current_slot
        current = index_of.get(first) if first and all(item.current_slot == first for item in unit.items) else None
        if current is not None and current <= lower and current in allowed and suits(current):
            chosen = current
        else:
            start = bisect.bisect_left(allowed, earliest)
            chosen = next((j for j in allowed[start:] if suits(j)), None)
        if chosen is None:
            return None
        for index in members:
            pos[index] = chosen
        room.take(chosen, unit.items)
    counts: list[dict[int, int]] = []
    # Test systems first: they should move early.
    for members in sorted(classes.values(), key=lambda members: members[0].production):
        placed: dict[int, int] = {}
        left = len(members)
        for j in range(len(slots)):
            if not left:
                break
            n = room.how_many(j, members[0].agency_id, members[0].vms, left)
            if n:
                placed[j] = n
                left -= n
                room.take(j, members[:n])
        if left:
            return None
        counts.append(placed)
    by_class = {id(members): n for n, members in enumerate(sorted(classes.values(), key=lambda m: m[0].production))}
    return _Greedy(pos=pos, counts=[counts[by_class[id(members)]] for members in classes.values()])


def _greedy_plan(problem, units, classes, greedy: _Greedy, reasons, bound: int, started: float) -> Plan:
    slots = problem.slots
    assignment = {}
    for index, unit in enumerate(units):
        for item in unit.items:
            assignment[item.pk] = slots[greedy.pos[index]].key
    for members, placed in zip(classes.values(), greedy.counts, strict=True):
        queue = list(members)
        for j, n in placed.items():
            for _n in range(n):
                assignment[queue.pop().pk] = slots[j].key
    end = greedy.end
    return Plan(
        feasible=True,
        optimal=bound >= end,
        assignment=assignment,
        explanation=reasons,
        objective=float(end),
        bound=float(bound),
        completion=slots[end].start,
        seconds=_since(started),
    )


def _lower_bound(problem: Problem, units: list[_Unit], classes: dict[tuple, list[Item]]) -> int:
    """A last slot no plan can end before: every unit's earliest slot, and enough systems' room for all."""
    earliest = max((min(unit.allowed) for unit in units), default=0)
    total = sum(len(unit.items) for unit in units) + sum(len(members) for members in classes.values())
    room = 0
    for j, slot in enumerate(problem.slots):
        if not slot.max_systems:
            return max(earliest, j)
        room += max(slot.max_systems - slot.load_systems, 0)
        if room >= total:
            return max(earliest, j)
    return max(earliest, len(problem.slots) - 1)


def _horizons(units: list[_Unit], slot_count: int):
    """Ever longer prefixes of the slots to try (last slot index), from the latest first slot any unit can take.

    Minimising the last slot used, the first prefix with a plan holds the optimum: a plan that ends within it
    is a plan of the whole problem, and any better plan ends earlier still. So the large model over every slot
    is built only when the short ones have no plan.
    """
    last = slot_count - 1
    horizon = max((min(unit.allowed) for unit in units), default=0)
    step = 4
    while horizon < last:
        yield horizon
        horizon, step = horizon + step, step * 2
    yield last


#: Above this many (unit, window) choices the model keeps each unit's earliest windows only, at least MIN_WINDOWS
#: (and the first-fit plan's window, so that plan remains a solution).
MAX_CHOICES = 300_000
MIN_WINDOWS = 16
#: Above this many choices a problem without a plan is not solved again to name the conflicting constraints.
MAX_EXPLAIN_CHOICES = 200_000


#: Roughly how long building the model takes per (unit, window) choice; an attempt that cannot be built and
#: solved before the deadline is not started.
BUILD_SECONDS_PER_CHOICE = 5e-5


def _first_stage(problem: Problem, units, classes, greedy: _Greedy | None, seconds: float, workers: int, started):
    """Solve for the earliest completion over the shortest horizon that has a plan (see `_horizons`); a
    first-fit plan bounds that horizon and is the hint of the last attempt.

    Returns the model, its solver and status (None, None, None when there was no time to build it) and the
    last slot index before which no plan ends, as far as the short horizons without a plan prove it."""
    deadline = started + seconds
    proven = 0

    def attempt(horizon: int, share: float, hint: _Greedy | None):
        short = Problem(
            items=problem.items,
            slots=problem.slots[: horizon + 1],
            default_tester_capacity=problem.default_tester_capacity,
        )
        cut = [_Unit(unit.items, [j for j in unit.allowed if j <= horizon], unit.reasons) for unit in units]
        choices = sum(len(unit.allowed) for unit in cut) + len(classes) * len(short.slots)
        keep = None
        if choices > MAX_CHOICES:
            # Too large to model whole: each unit considers only its earliest windows (no longer provably optimal).
            keep = max(MIN_WINDOWS, MAX_CHOICES // (len(cut) + len(classes)))
            cut = [
                _Unit(
                    unit.items,
                    sorted(set(unit.allowed[:keep]) | ({hint.pos[index]} if hint else set())),
                    unit.reasons,
                )
                for index, unit in enumerate(cut)
            ]
        windows = min(len(short.slots), keep or len(short.slots))
        modelled = sum(len(unit.allowed) for unit in cut) + len(classes) * windows
        if time.monotonic() + modelled * BUILD_SECONDS_PER_CHOICE * 2 > deadline:
            return None, None, None
        extra = [set(counts) for counts in hint.counts] if hint and keep else None
        built = _Model(short, cut, classes, explain=False, class_windows=keep, class_extra=extra)
        built.choices = choices
        built.model.minimize(built.end)
        if hint is not None:
            built.hint(hint)
        solver, status = _stage(built.model, max((deadline - time.monotonic()) * share, 0.1), workers)
        return built, solver, status

    last = len(problem.slots) if greedy is None else greedy.end + 1
    *shorter, whole = _horizons(units, last)
    for horizon in shorter:
        built, solver, status = attempt(horizon, 1 / 3, None)
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return built, solver, status, proven
        if status == cp_model.INFEASIBLE and not built.narrowed:
            proven = horizon + 1
    return (*attempt(whole, 1, greedy), proven)


def _since(started: float) -> float:
    return time.monotonic() - started


def _explain(problem: Problem, units, classes, time_limit: float) -> list[str]:
    """Which constraints conflict: solve again with each link and the capacities as assumptions, and name a
    set of them that cannot hold together."""
    built = _Model(problem, units, classes, explain=True)
    built.model.add_assumptions([built.model.get_bool_var_from_proto_index(index) for index in built.assumptions])
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(time_limit / 2, 1.0)
    solver.parameters.num_workers = 1
    if solver.solve(built.model) != cp_model.INFEASIBLE:
        return [_("No plan was found within the time limit; allow the solver more time.")]
    core = [built.assumptions[index] for index in solver.sufficient_assumptions_for_infeasibility()]
    if not core:
        return [_("The constraints cannot all hold together.")]
    explanation = [message for message, _units in core]
    # The bounds from systems the plan does not move are part of the conflict too.
    for _message, unit_indexes in core:
        for index in unit_indexes:
            for item in units[index].items:
                for reason in (item.earliest_reason, item.after_end_reason, item.latest_reason, item.latest_end_reason):
                    if reason and reason not in explanation:
                        explanation.append(reason)
    return explanation
