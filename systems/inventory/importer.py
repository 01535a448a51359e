"""Import the inventory: upsert by natural key, all-or-nothing, every problem reported as `file:row: column: message`.

    result = Importer(by=user, dry_run=True).run(sources)

Tables are read as streams and handled in chunks (CHUNK rows): each chunk is parsed and validated,
looked up in one query, and written with a few bulk statements, so time and memory grow with the
chunk, not the file. Everything happens in one transaction; if any problem was found, or on a dry
run, it is rolled back at the end, so nothing is ever half-written. Writing goes on after the first
problem so that one run reports every problem in the files.

Waves go through waves.services (a wave confirmed in an import gets its notices as if confirmed in
the browser); systems, VMs and contact persons are written in bulk with their history (reason "import").
Statuses, wave membership and capacity follow the same rules as every other route (systems.lifecycle,
systems.rules), checked for a whole chunk or file at a time: a new row is loaded in the status it gives
(an inventory already under way), an existing row takes only the steps the lifecycle allows, VMs follow
their system, and `migrated_at` comes from the file or stays as it is (an import never invents one).
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import DatabaseError, models, transaction
from django.db.models import Count, F, Q
from django.db.models.base import ModelState
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from migportal.spreadsheets import unescape_cell
from systems import rules
from systems.choices import AgencyKind, ContactRole, Criticality, Language
from systems.lifecycle import (
    TransitionNotAllowed,
    bring_along,
    check_vm_status,
    set_status,
    transition,
)
from systems.models import VM, Agency, ContactPerson, System, SystemContact
from waves import services as wave_services
from waves.choices import WaveState
from waves.models import Wave

from . import writer
from .readers import FileProblem, Problem, Source, Table, empty_cell, plan
from .schema import KIND_ORDER, CellError, Kind

CHUNK = 2000
DOWNTIME_CONSTRAINT = next(c for c in System._meta.constraints if c.name == "system_downtime_end_after_start")


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class ImportResult:
    """What an import did (or would do, on a dry run) per kind, and every problem it found."""

    counts: dict[str, Counts] = field(default_factory=lambda: {kind: Counts() for kind in KIND_ORDER})
    errors: list[Problem] = field(default_factory=list)
    error_count: int = 0
    warnings: list[Problem] = field(default_factory=list)
    warning_count: int = 0
    dry_run: bool = False
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    @property
    def written(self) -> bool:
        return self.ok and not self.dry_run

    def as_dict(self) -> dict[str, Any]:
        return {
            "counts": {kind: vars(counts) for kind, counts in self.counts.items()},
            "errors": [problem.as_dict() for problem in self.errors],
            "error_count": self.error_count,
            "warnings": [problem.as_dict() for problem in self.warnings],
            "warning_count": self.warning_count,
            "dry_run": self.dry_run,
            "seconds": self.seconds,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ImportResult:
        return cls(
            counts={kind: Counts(**data["counts"].get(kind, {})) for kind in KIND_ORDER},
            errors=[Problem(**problem) for problem in data["errors"]],
            error_count=data["error_count"],
            warnings=[Problem(**problem) for problem in data["warnings"]],
            warning_count=data.get("warning_count", len(data["warnings"])),
            dry_run=data["dry_run"],
            seconds=data.get("seconds", 0.0),
        )


@dataclass
class Row:
    """One data row: where it is, and its parsed cells (only the columns the file has; None = empty cell)."""

    label: str
    number: int
    values: dict[str, Any]
    failed: bool = False


class Importer:
    def __init__(
        self,
        *,
        by: AbstractBaseUser | None = None,
        dry_run: bool = False,
        max_errors: int | None = 1000,  # errors and warnings kept (all are counted); None: keep all
        on_progress: Callable[[float], None] | None = None,
        on_problem: Callable[[Problem], None] | None = None,
        chunk_size: int = CHUNK,
    ):
        self.by = by
        self.dry_run = dry_run
        self.max_errors = max_errors
        self.on_progress = on_progress
        self.on_problem = on_problem
        self.chunk_size = chunk_size
        self.result = ImportResult(dry_run=dry_run)
        self.handlers: dict[str, KindHandler] = {}

    # --- problems ---------------------------------------------------------------------------------

    def error(self, label: str, message: str, *, row: int | None = None, column: str | None = None) -> None:
        problem = Problem(label, message, row=row, column=column)
        self.result.error_count += 1
        if self.max_errors is None or len(self.result.errors) < self.max_errors:
            self.result.errors.append(problem)
        if self.on_problem:
            self.on_problem(problem)

    def row_error(self, row: Row, column: str | None, message: str) -> None:
        row.failed = True
        self.error(row.label, message, row=row.number, column=column)

    def handler(self, kind: str) -> KindHandler:
        if kind not in self.handlers:
            self.handlers[kind] = HANDLERS[kind](self)
        return self.handlers[kind]

    # --- the run ------------------------------------------------------------------------------------

    def run(self, sources: list[Source]) -> ImportResult:
        started = time.monotonic()
        problems: list[Problem] = []
        with transaction.atomic():
            refs = plan(sources, problems)
            self._flush(problems)
            total = sum(ref.weight for ref in refs) or 1
            done = 0
            for ref in refs:

                def fraction(value: float, ref=ref, done=done) -> None:
                    self._progress((done + value * ref.weight) / total)

                try:
                    with ref.open(problems, fraction) as table:
                        self._flush(problems)
                        self.handler(ref.kind.name).consume(table)
                except FileProblem as problem:
                    self.error(ref.label, problem.message)
                self._flush(problems)
                done += ref.weight
            for kind in KIND_ORDER:
                if kind in self.handlers:
                    self.handlers[kind].finish()
            self._after_all()
            if not self.result.ok or self.dry_run:
                transaction.set_rollback(True)
        self._progress(1.0)
        self.result.seconds = round(time.monotonic() - started, 2)
        return self.result

    def _flush(self, problems: list[Problem]) -> None:
        """Sort what the reader found into errors and warnings (unknown columns only warn)."""
        for problem in problems:
            if problem.warning:
                self.result.warning_count += 1
                if self.max_errors is None or len(self.result.warnings) < self.max_errors:
                    self.result.warnings.append(problem)
            else:
                self.error(problem.file, problem.message, row=problem.row, column=problem.column)
        problems.clear()

    def _progress(self, fraction: float) -> None:
        if self.on_progress:
            self.on_progress(min(max(fraction, 0.0), 1.0))

    def _after_all(self) -> None:
        """Wave states through the wave service (after the systems joined), then tell touched waves."""
        if not self.result.ok:
            return
        waves: WaveHandler | None = self.handlers.get("waves")  # type: ignore[assignment]
        systems: SystemHandler | None = self.handlers.get("systems")  # type: ignore[assignment]
        state_set: set[int] = set()
        if waves:
            state_set = waves.apply_states()
        if systems:
            systems.vms_follow()
        self._check_capacity()
        if not self.result.ok:
            return
        touched = (systems.touched_waves if systems else set()) - state_set
        if touched and self.result.ok:
            # Only waves that can have downtime notices are told, found in one query: a wave in draft or done
            # without notices has nothing to follow. In a first import that is nearly every wave, and telling
            # each one (a savepoint, a row lock and a notice query apiece) cost a large part of the import's CPU.
            waves_with_notices = Wave.objects.filter(id__in=touched).filter(
                Q(state__in=(WaveState.CONFIRMED, WaveState.IN_PROGRESS)) | Q(notices__isnull=False)
            )
            wave_services.wave_systems_changed(waves=list(waves_with_notices.distinct()), by=self.by)

    def _check_capacity(self) -> None:
        """Refuse VMs brought into a wave over its max_vms, at the row that takes it over (a few queries in all).

        Rows that brought VMs in: systems that joined the wave (with the VMs they had), then new or moved VMs.
        A wave that was over its limit before the import, and got nothing from it, is left alone; so is a wave
        this import created, which is loaded with its systems as the file gives them (restoring an export of a
        wave whose limit was lowered after it was planned).
        """
        systems: SystemHandler = self.handler("systems")  # type: ignore[assignment]
        vms: VMHandler = self.handler("vms")  # type: ignore[assignment]
        over = (
            Wave.objects.filter(max_vms__isnull=False)
            .exclude(pk__in=self.handler("waves").created_ids)
            .annotate(vm_count=Count("systems__vms"))
            .filter(vm_count__gt=F("max_vms"))
            .order_by("pk")
        )
        for wave in over:
            in_wave = dict(VM.objects.filter(system__wave=wave).values_list("id", "system_id"))
            vm_ids, system_ids = vms.ids(), systems.ids()
            joined_vms = [(vm_ids.get(key), label, number) for key, label, number in vms.joined]
            joined_vms = [(vm_id, label, number) for vm_id, label, number in joined_vms if vm_id in in_wave]
            brought_by_vm_rows = {vm_id for vm_id, _label, _number in joined_vms}
            had = Counter(owner for vm_id, owner in in_wave.items() if vm_id not in brought_by_vm_rows)
            steps = [
                (had[system_ids.get(code)], label, number, "wave")
                for code, wave_id, label, number in systems.joined
                if wave_id == wave.pk
            ]
            steps += [(1, label, number, "system") for _vm, label, number in joined_vms]
            total = wave.vm_count - sum(step[0] for step in steps)
            for added, label, number, column in steps:
                total += added
                if added and total > wave.max_vms:
                    try:
                        rules.check_capacity(name=wave.name, max_vms=wave.max_vms, vm_count=wave.vm_count)
                    except ValidationError as error:
                        self.error(label, error.messages[0], row=number, column=column)
                    break


def maker(model: type[models.Model]) -> Callable[..., models.Model]:
    """A maker of new unsaved `model` rows, every field at its default and `values` set (attribute names).

    It skips Model.__init__, whose per-field work was a tenth of a first import's CPU (hundreds of thousands of
    rows); nothing in the project listens to pre_init/post_init. Callable defaults are still called per row.
    """
    fields = model._meta.concrete_fields
    fixed = {f.attname: f.get_default() for f in fields if not (f.has_default() and callable(f.default))}
    per_row = [f for f in fields if f.has_default() and callable(f.default)]

    def make(**values: Any) -> models.Model:
        obj = model.__new__(model)
        obj.__dict__.update(fixed)
        for f in per_row:
            obj.__dict__[f.attname] = f.get_default()
        obj.__dict__.update(values)
        obj._state = ModelState()
        return obj

    return make


def chunks(iterator: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(iterator)
    while chunk := list(islice(iterator, size)):
        yield chunk


# --- the kinds --------------------------------------------------------------------------------------


class KindHandler:
    """Parse, check and upsert the rows of one kind. Subclasses say how keys, references and fields work."""

    kind: Kind
    model: type[models.Model]
    key_column: str
    case_insensitive = False
    # column -> (model attribute, value for an empty cell)
    plain: dict[str, tuple[str, Any]] = {}
    # the error for an unknown key in a reference to this kind ("%(value)s": the key)
    missing: str = ""

    def __init__(self, importer: Importer):
        self.importer = importer
        self.by = importer.by
        self.new = maker(self.model)
        self.counts = importer.result.counts[self.kind.name]
        self.seen: dict[Any, tuple[str, int]] = {}
        self.failed_keys: set[str] = set()

    # parsing

    def parse(self, table: Table, number: int, cells: list[Any]) -> Row:
        values: dict[str, Any] = {}
        row = Row(table.label, number, values)
        if table.width is not None and len(cells) != table.width:
            # A cell too many or too few: the columns would slide, so no cell of this row can be trusted.
            self.importer.row_error(
                row,
                None,
                _("The row has a different number of cells (%(cells)d) than the header (%(header)d).")
                % {"cells": len(cells), "header": table.width},
            )
            return row
        for index, column in table.columns:
            cell = cells[index] if index < len(cells) else None
            if empty_cell(cell):
                if column.required:
                    self.importer.row_error(row, column.name, _("A value is required."))
                values[column.name] = None
                continue
            if cell.__class__ is str and cell[0] == "'":  # one test per cell, the call only when needed
                cell = unescape_cell(cell)
            try:
                values[column.name] = column.parse(cell)
            except CellError as error:
                self.importer.row_error(row, column.name, str(error))
                values[column.name] = None
        return row

    def key(self, row: Row) -> Any:
        value = row.values.get(self.key_column)
        if value is None:
            return None
        return value.lower() if self.case_insensitive else value

    def dedupe_key(self, row: Row) -> Any:
        return self.key(row)

    def check_duplicate(self, row: Row) -> None:
        key = self.dedupe_key(row)
        if key is None:
            return
        first = self.seen.get(key)
        if first is not None:
            self.importer.row_error(
                row,
                self.key_column,
                _("“%(value)s” appears more than once in this import (first in %(file)s row %(row)d).")
                % {"value": row.values[self.key_column], "file": first[0], "row": first[1]},
            )
        else:
            self.seen[key] = (row.label, row.number)

    def consume(self, table: Table) -> None:
        for raw_chunk in chunks(table.rows, self.importer.chunk_size):
            rows = []
            for number, cells in raw_chunk:
                row = self.parse(table, number, cells)
                self.check_duplicate(row)
                self.validate(row)
                rows.append(row)
            self.write_chunk(rows)

    def validate(self, row: Row) -> None:
        """Checks of one row on its own (after parsing)."""

    def ids(self) -> dict[str, int]:
        """Natural key -> id of every row of this kind (in the database and this import), kept current.

        Loaded once per import: looking keys up in it, rather than in the table chunk by chunk, keeps a first
        import into an empty table linear (the planner's statistics still say "empty" while it fills).
        """
        if not hasattr(self, "id_map"):
            key = Lower(self.key_column) if self.case_insensitive else self.key_column
            self.id_map = dict(self.model.objects.values_list(key, "id"))
        return self.id_map

    def existing(self, keys: list[Any]) -> dict[Any, models.Model]:
        """The rows already there for these natural keys, fetched by primary key (none at all in a first import)."""
        known = self.ids()
        ids = [known[key] for key in keys if key in known]
        if not ids:
            return {}
        return {self.key_of(obj): obj for obj in self.model.objects.filter(pk__in=ids)}

    def key_of(self, obj: models.Model) -> Any:
        value = getattr(obj, self.key_column)
        return value.lower() if self.case_insensitive else value

    def resolve(self, row: Row) -> dict[str, Any]:
        """Model attributes from the row's cells: plain columns, and references (subclasses) as ids."""
        fields = {}
        for column, value in row.values.items():
            if column in self.plain:
                attribute, empty = self.plain[column]
                fields[attribute] = empty if value is None else value
        return fields

    def apply(self, obj: models.Model, fields: dict[str, Any], row: Row, *, new: bool) -> set[str]:
        changed = set()
        for attribute, value in fields.items():
            if getattr(obj, attribute) != value:
                setattr(obj, attribute, value)
                changed.add(attribute)
        return changed

    def write_chunk(self, rows: list[Row]) -> None:
        good = [row for row in rows if not row.failed]
        found = self.existing(list({self.key(row) for row in good})) if good else {}
        creates, updates, fields = [], [], set()
        for row in good:
            resolved = self.resolve(row)
            if row.failed:
                continue
            obj = found.get(self.key(row))
            if obj is None:
                obj = self.new()
                self.apply(obj, resolved, row, new=True)
                if row.failed:
                    continue
                creates.append(obj)
                self.created(obj, row)
            else:
                changed = self.apply(obj, resolved, row, new=False)
                if row.failed:
                    continue
                if changed:
                    updates.append(obj)
                    fields |= changed
                    self.counts.updated += 1
                else:
                    self.counts.unchanged += 1
                self.kept(obj, row, bool(changed))
        for row in rows:
            if row.failed and self.key(row) is not None:
                self.failed_keys.add(self.key(row))
        self.counts.created += len(creates)
        self.save(creates, updates, fields, rows)

    def created(self, obj: models.Model, row: Row) -> None:
        """A new object from `row` (not yet saved)."""

    def kept(self, obj: models.Model, row: Row, changed: bool) -> None:
        """An existing object from `row`, changed or not (not yet saved)."""

    def save(self, creates: list, updates: list, fields: set[str], rows: list[Row]) -> None:
        try:
            with transaction.atomic():
                writer.create(creates, by=self.by)
                writer.update(updates, fields, by=self.by)
                self.saved(creates, updates)
        except DatabaseError as error:
            first, last = rows[0], rows[-1]
            self.importer.error(
                first.label,
                _("The database refused rows %(first)d–%(last)d: %(error)s")
                % {"first": first.number, "last": last.number, "error": error},
            )

    def saved(self, creates: list, updates: list) -> None:
        """After the chunk's rows are written (new objects have ids)."""
        self.ids().update((self.key_of(obj), obj.pk) for obj in creates)

    def finish(self) -> None:
        """After every table is read."""

    def reference(self, row: Row, column: str, kind: str) -> int | None:
        """The id of the `kind` row that `row[column]` names; None when empty; a row error when unknown.

        A key whose own row failed only fails this row: its error is reported once, where it is.
        """
        value = row.values.get(column)
        if value is None:
            return None
        target = self.importer.handler(kind)
        try:
            return target.ids()[value]
        except KeyError:
            if value in target.failed_keys:
                row.failed = True
            else:
                self.importer.row_error(row, column, str(target.missing) % {"value": value})
            return None


class AgencyHandler(KindHandler):
    from .schema import AGENCIES as kind

    model = Agency
    key_column = "code"
    plain = {
        "code": ("code", ""),
        "name": ("name", ""),
        "kind": ("kind", AgencyKind.ETAT),
        "tester_capacity": ("tester_capacity", None),
    }
    missing = gettext_lazy("No agency has the code “%(value)s”.")


class WaveHandler(KindHandler):
    from .schema import WAVES as kind

    model = Wave
    key_column = "name"
    missing = gettext_lazy("No wave is named “%(value)s”.")
    plain = {
        "name": ("name", ""),
        "window_start": ("window_start", None),
        "window_end": ("window_end", None),
        "max_vms": ("max_vms", None),
        "max_systems": ("max_systems", None),
        "notes": ("notes", ""),
    }

    def __init__(self, importer: Importer):
        super().__init__(importer)
        # wave id -> (row label, row number, wanted state), applied through the wave service at the end.
        self.states: dict[int, tuple[str, int, str]] = {}
        self.pending: list[tuple[Wave, Row, str]] = []
        self.created_ids: set[int] = set()
        self.before: dict[int, tuple[str, str]] | None = None

    def state_before(self, wave_id: int) -> tuple[str, str] | None:
        """(name, state) of a wave that was there before this import (None for one it created): what decides
        whether it takes systems. Wave states of the file are applied only at the end, so this is what the
        database has while systems are read."""
        if self.before is None:
            self.before = {
                pk: (name, state)
                for pk, name, state in Wave.objects.values_list("pk", "name", "state")
                if pk not in self.created_ids
            }
        return self.before.get(wave_id)

    def saved(self, creates: list, updates: list) -> None:
        super().saved(creates, updates)
        self.created_ids.update(wave.pk for wave in creates)

    def validate(self, row: Row) -> None:
        start, end = row.values.get("window_start"), row.values.get("window_end")
        if start and end and end <= start:
            self.importer.row_error(row, "window_end", _("The migration window must end after it starts."))

    def apply(self, obj: Wave, fields: dict[str, Any], row: Row, *, new: bool) -> set[str]:
        changed = super().apply(obj, fields, row, new=new)
        obj.import_fields = set(changed)
        obj.import_row = row
        if "state" in row.values:
            wanted = row.values["state"] or WaveState.DRAFT
            if new:
                # Confirming schedules notices: that goes through the service once the systems are in.
                obj.state = WaveState.DRAFT if wanted == WaveState.CONFIRMED else wanted
            if wanted != obj.state:
                self.pending.append((obj, row, wanted))
                changed.add("state")
        return changed

    def save(self, creates: list, updates: list, fields: set[str], rows: list[Row]) -> None:
        # Existing waves go through the wave service, so their notices follow a moved window.
        super().save(creates, [], set(), rows)
        for wave in updates:
            if not wave.import_fields:
                continue
            try:
                wave_services.wave_update(
                    wave=wave,
                    by=self.by,
                    reason=writer.REASON,
                    **{name: getattr(wave, name) for name in wave.import_fields},
                )
            except ValidationError as error:
                row = wave.import_row
                self.importer.row_error(row, None, "; ".join(error.messages))
        for wave, row, wanted in self.pending:
            self.states[wave.pk] = (row.label, row.number, wanted)
        self.pending.clear()

    def apply_states(self) -> set[int]:
        """Give each wave the state its row asks for; return the ids that went through the wave service."""
        through_service: set[int] = set()
        waves = Wave.objects.in_bulk(list(self.states))
        for wave_id, (label, number, wanted) in self.states.items():
            try:
                wave_services.wave_set_state(wave=waves[wave_id], state=wanted, by=self.by, reason=writer.REASON)
            except ValidationError as error:
                self.importer.error(label, "; ".join(error.messages), row=number, column="state")
            else:
                through_service.add(wave_id)
        return through_service

    def finish(self) -> None:
        pass


class _StatusMixin:
    """A row's status through the lifecycle: a new row is loaded in the status it gives (an inventory already
    under way); an existing row takes only a step the lifecycle allows. An empty or absent status keeps the
    status. `migrated_at` comes from the row when it has one, never from the clock."""

    def apply_status(self, obj, row: Row, *, new: bool) -> set[str]:
        status = row.values.get("status")
        changed: set[str] = set()
        if status and status != obj.status:
            try:
                changed = (set_status if new else transition)(obj, status, migrated_at=None)
            except TransitionNotAllowed as error:
                self.importer.row_error(row, "status", error.message)
                return changed
        migrated_at = row.values.get("migrated_at")
        if migrated_at is not None and obj.migrated_at != migrated_at:
            obj.migrated_at = migrated_at
            changed.add("migrated_at")
        return changed


class SystemHandler(_StatusMixin, KindHandler):
    from .schema import SYSTEMS as kind

    model = System
    key_column = "code"
    missing = gettext_lazy("No system has the code “%(value)s”.")
    plain = {
        "code": ("code", ""),
        "name": ("name", ""),
        "environment": ("environment", ""),
        "criticality": ("criticality", Criticality.MEDIUM),
        "description": ("description", ""),
        "source_datacenter": ("source_datacenter", ""),
        "target_datacenter": ("target_datacenter", ""),
        "downtime_start": ("downtime_start", None),
        "downtime_end": ("downtime_end", None),
    }

    def __init__(self, importer: Importer):
        super().__init__(importer)
        self.touched_waves: set[int] = set()
        self.dependencies: dict[str, tuple[str, int, list[str]]] = {}
        self.together: dict[str, tuple[str, int, list[str]]] = {}
        self.counterparts: dict[str, tuple[str, int, str | None]] = {}
        self.unchanged_codes: set[str] = set()
        # systems that joined a wave in this import: (code, wave id, row label, row number), for its capacity
        self.joined: list[tuple[str, int, str, int]] = []
        # existing systems whose status this import changed: id -> the status they had (their VMs follow)
        self.status_was: dict[int, str] = {}
        # id -> (status, migrated_at) of the systems of this import, as written (what their VMs follow)
        self.written: dict[int, tuple[str, Any]] = {}

    def validate(self, row: Row) -> None:
        code, depends_on = row.values.get("code"), row.values.get("depends_on")
        if code and depends_on and code in depends_on:
            self.importer.row_error(row, "depends_on", _("A system cannot depend on itself."))
        if code and code in (row.values.get("move_with") or []):
            self.importer.row_error(row, "move_with", _("A system cannot move together with itself."))
        start, end = row.values.get("downtime_start"), row.values.get("downtime_end")
        if ("downtime_start" in row.values or "downtime_end" in row.values) and (
            (start is None) != (end is None) or (start and end and end <= start)
        ):
            self.importer.row_error(row, "downtime_end", str(DOWNTIME_CONSTRAINT.violation_error_message))
        if code and row.values.get("test_counterpart") == code:
            self.importer.row_error(row, "test_counterpart", _("A system cannot be its own test counterpart."))

    def resolve(self, row: Row) -> dict[str, Any]:
        fields = super().resolve(row)
        if "agency" in row.values:
            fields["agency_id"] = self.reference(row, "agency", "agencies")
        if "wave" in row.values:
            fields["wave_id"] = self.reference(row, "wave", "waves")
        return fields

    def apply(self, obj: System, fields: dict[str, Any], row: Row, *, new: bool) -> set[str]:
        old_wave, was = obj.wave_id, obj.status
        changed = super().apply(obj, fields, row, new=new)
        if obj.wave_id != old_wave:
            if not self._may_move(obj, row, new=new):
                return changed
            self.touched_waves.update(wave for wave in (old_wave, obj.wave_id) if wave)
            if obj.wave_id:
                self.joined.append((obj.code, obj.wave_id, row.label, row.number))
            status = rules.status_for_wave(obj.status, in_wave=obj.wave_id is not None)
            if status:
                changed |= set_status(obj, status, migrated_at=None)
        changed |= self.apply_status(obj, row, new=new)
        if not new and obj.status != was:
            self.status_was[obj.pk] = was
        if changed and not new:
            obj.updated_at = timezone.now()
            changed.add("updated_at")
        return changed

    def _may_move(self, obj: System, row: Row, *, new: bool) -> bool:
        """The wave rules of every route: a moved system keeps its wave, a closed wave takes no more systems.

        A wave loaded by this same import takes its systems as the file gives them (restoring an export)."""
        try:
            if not new:
                rules.check_system_may_move(code=obj.code, status=obj.status)
            before = self.importer.handler("waves").state_before(obj.wave_id) if obj.wave_id else None
            if before:
                rules.check_wave_open(name=before[0], state=before[1])
        except ValidationError as error:
            self.importer.row_error(row, "wave", error.messages[0])
            return False
        return True

    def kept(self, obj: System, row: Row, changed: bool) -> None:
        if not changed:
            self.unchanged_codes.add(obj.code)
        self.written[obj.pk] = (obj.status, obj.migrated_at)
        self._remember_dependencies(row)

    def saved(self, creates: list, updates: list) -> None:
        super().saved(creates, updates)
        self.written.update((system.pk, (system.status, system.migrated_at)) for system in creates)

    def vms_follow(self) -> None:
        """The VMs of systems whose status changed follow them (the lifecycle's rule), except VMs whose status
        the VM file gave; a query and a bulk write per chunk of systems."""
        explicit = self.importer.handler("vms").explicit_ids()
        for chunk in chunks(self.status_was.items(), self.importer.chunk_size):
            was = dict(chunk)
            vms = VM.objects.filter(system_id__in=was).exclude(pk__in=explicit).select_related("system")
            changed = [
                vm
                for vm in vms.order_by("pk")
                if bring_along(vm, vm.system.status, vm.system.migrated_at, system_was=was[vm.system_id])
            ]
            writer.update(changed, ["status", "status_before_hold", "migrated_at"], by=self.by)

    def created(self, obj: System, row: Row) -> None:
        self._remember_dependencies(row)

    def _remember_dependencies(self, row: Row) -> None:
        if "depends_on" in row.values:
            self.dependencies[row.values["code"]] = (row.label, row.number, row.values["depends_on"] or [])
        if "move_with" in row.values:
            self.together[row.values["code"]] = (row.label, row.number, row.values["move_with"] or [])
        if "test_counterpart" in row.values:
            self.counterparts[row.values["code"]] = (row.label, row.number, row.values["test_counterpart"])

    def _count_changed(self, codes: set[str]) -> None:
        """Systems the file left as they were but whose links it changed count as updated."""
        moved = len(codes & self.unchanged_codes)
        self.counts.unchanged -= moved
        self.counts.updated += moved
        self.unchanged_codes -= codes

    def finish(self) -> None:
        """Set `depends_on`, `move_with` and `test_counterpart` now that every system of the import exists."""
        self._set_dependencies()
        self._set_together()
        self._set_counterparts()

    def _set_counterparts(self) -> None:
        if not self.counterparts:
            return
        ids = self.ids()
        for chunk in chunks(self.counterparts.items(), self.importer.chunk_size):
            wanted: dict[int, int | None] = {}
            for code, (label, number, target) in chunk:
                if target and target not in ids:
                    if target not in self.failed_keys:
                        self.importer.row_error(
                            Row(label, number, {}), "test_counterpart", str(self.missing) % {"value": target}
                        )
                elif code in ids:
                    wanted[ids[code]] = ids[target] if target else None
            if not self.importer.result.ok:
                continue
            changed = [
                system
                for system in System.objects.filter(pk__in=wanted)
                if system.test_counterpart_id != wanted[system.pk]
            ]
            for system in changed:
                system.test_counterpart_id = wanted[system.pk]
            writer.update(changed, ["test_counterpart"], by=self.by)
            self._count_changed({system.code for system in changed})
        self.counterparts.clear()

    def _resolve_links(self, row: Row, column: str, targets, ids: dict[str, int]) -> set[int]:
        """The ids of the systems a row links to; an unknown code not refused elsewhere is the row's error."""
        resolved = set()
        for target in targets:
            if target in ids:
                resolved.add(ids[target])
            elif target not in self.failed_keys:
                self.importer.row_error(row, column, str(self.missing) % {"value": target})
        return resolved

    def _set_dependencies(self) -> None:
        if not self.dependencies:
            return
        ids = self.ids()
        for chunk in chunks(self.dependencies.items(), self.importer.chunk_size):
            wanted: dict[int, set[int]] = {}
            codes_by_id: dict[int, str] = {}
            for code, (label, number, targets) in chunk:
                row = Row(label, number, {})
                resolved = self._resolve_links(row, "depends_on", targets, ids)
                if not row.failed and code in ids:
                    wanted[ids[code]] = resolved
                    codes_by_id[ids[code]] = code
            if not self.importer.result.ok:
                continue
            changed = writer.set_dependencies(wanted, by=self.by)
            self._count_changed({codes_by_id[system_id] for system_id in changed})
        self.dependencies.clear()

    def _set_together(self) -> None:
        """Move together goes both ways: a link is kept when either system's row lists it, and a system's row
        without it removes it (unless the other system's row lists it)."""
        if not self.together:
            return
        ids = self.ids()
        listed: dict[int, set[int]] = defaultdict(set)
        with_row: set[int] = set()
        for code, (label, number, targets) in self.together.items():
            row = Row(label, number, {})
            resolved = self._resolve_links(row, "move_with", targets, ids)
            if not row.failed and code in ids:
                with_row.add(ids[code])
                for other in resolved:
                    listed[ids[code]].add(other)
                    listed[other].add(ids[code])
        self.together.clear()
        if not self.importer.result.ok:
            return
        # Every system whose links may change: those with a row, those listed, and the partners of the former.
        current = self._together_now(with_row | set(listed))
        current |= self._together_now({other for pk in with_row for other in current[pk]} - set(current))
        wanted = {
            system_id: {other for other in links if system_id not in with_row and other not in with_row}
            | listed[system_id]
            for system_id, links in current.items()
        }
        changed = writer.set_links("move_with", wanted, by=self.by)
        codes = {pk: code for code, pk in ids.items()}
        self._count_changed({codes[system_id] for system_id in changed if system_id in codes})

    def _together_now(self, system_ids: set[int]) -> dict[int, set[int]]:
        current: dict[int, set[int]] = {pk: set() for pk in system_ids}
        for chunk in chunks(system_ids, self.importer.chunk_size):
            pairs = System.move_with.through.objects.filter(from_system_id__in=chunk)
            for source, target in pairs.values_list("from_system_id", "to_system_id"):
                current[source].add(target)
        return current


class VMHandler(_StatusMixin, KindHandler):
    from .schema import VMS as kind

    model = VM
    key_column = "hostname"
    case_insensitive = True
    plain = {
        "hostname": ("hostname", ""),
        "os": ("os", ""),
        "vcpus": ("vcpus", None),
        "memory_gb": ("memory_gb", None),
        "disk_gb": ("disk_gb", None),
    }

    def __init__(self, importer: Importer):
        super().__init__(importer)
        # new VMs and VMs moved to another system: (hostname key, row label, row number), for wave capacity
        self.joined: list[tuple[str, str, int]] = []
        # VMs whose status the file gives (their system's change does not override it)
        self.explicit: set[str] = set()

    def explicit_ids(self) -> set[int]:
        ids = self.ids()
        return {ids[key] for key in self.explicit if key in ids}

    def resolve(self, row: Row) -> dict[str, Any]:
        fields = super().resolve(row)
        fields["system_id"] = self.reference(row, "system", "systems")
        return fields

    def write_chunk(self, rows: list[Row]) -> None:
        """Know the status of every system of the chunk first (one query for those this import did not write)."""
        systems: SystemHandler = self.importer.handler("systems")  # type: ignore[assignment]
        codes = {row.values.get("system") for row in rows if not row.failed}
        missing = {systems.ids()[code] for code in codes if code in systems.ids()} - systems.written.keys()
        if missing:
            systems.written.update(
                (pk, (status, migrated_at))
                for pk, status, migrated_at in System.objects.filter(pk__in=missing).values_list(
                    "pk", "status", "migrated_at"
                )
            )
        super().write_chunk(rows)

    def apply(self, obj: VM, fields: dict[str, Any], row: Row, *, new: bool) -> set[str]:
        old_system = obj.system_id
        changed = super().apply(obj, fields, row, new=new)
        system_status, system_migrated_at = self.importer.handler("systems").written[obj.system_id]
        status = row.values.get("status")
        if status:
            self.explicit.add(self.key(row))
            # A status the file sets may not leave the VM behind its system; one it keeps is check_inventory's business.
            try:
                if new or status != obj.status:
                    check_vm_status(status, system_status, vm=obj.hostname, system=row.values["system"])
            except TransitionNotAllowed as error:
                self.importer.row_error(row, "status", error.message)
                return changed
        else:
            changed |= bring_along(obj, system_status, system_migrated_at)
        changed |= self.apply_status(obj, row, new=new)
        if new or obj.system_id != old_system:
            self.joined.append((self.key(row), row.label, row.number))
        return changed


PERSON = ("name", "phone", "agency", "language")


class ContactHandler(KindHandler):
    """One row per (person, system, role); the same e-mail on several rows is one person."""

    from .schema import CONTACTS as kind

    model = ContactPerson
    key_column = "email"
    case_insensitive = True
    plain = {
        "email": ("email", ""),
        "name": ("name", ""),
        "phone": ("phone", ""),
        "language": ("language", Language.NB),
    }

    def __init__(self, importer: Importer):
        super().__init__(importer)
        self.new_link = maker(SystemContact)
        # e-mail -> first row and the person's cells there, to catch rows that disagree about one person
        self.people: dict[str, Row] = {}
        self.outcome: dict[str, str] = {}

    def dedupe_key(self, row: Row) -> Any:
        email = self.key(row)
        if email is None:
            return None
        system = row.values.get("system")
        return (email, system, (row.values.get("role") or ContactRole.PRIMARY) if system else None)

    def check_duplicate(self, row: Row) -> None:
        key = self.dedupe_key(row)
        if key is None:
            return
        first = self.seen.get(key)
        if first is not None:
            self.importer.row_error(
                row,
                "email",
                _(
                    "“%(value)s” appears more than once in this import with the same system and role "
                    "(first in %(file)s row %(row)d)."
                )
                % {"value": row.values["email"], "file": first[0], "row": first[1]},
            )
            return
        self.seen[key] = (row.label, row.number)
        first_row = self.people.get(key[0])
        if first_row is None:
            self.people[key[0]] = Row(row.label, row.number, {k: row.values[k] for k in PERSON if k in row.values})
            return
        for column in PERSON:
            if column in row.values and column in first_row.values and row.values[column] != first_row.values[column]:
                self.importer.row_error(
                    row,
                    column,
                    _("“%(value)s” differs from %(file)s row %(row)d for the same e-mail (“%(first)s”).")
                    % {
                        "value": row.values[column] or "",
                        "file": first_row.label,
                        "row": first_row.number,
                        "first": first_row.values[column] or "",
                    },
                )

    def validate(self, row: Row) -> None:
        if row.values.get("role") and not row.values.get("system"):
            self.importer.row_error(row, "role", _("A role needs a system in the column “system”."))

    def resolve(self, row: Row) -> dict[str, Any]:
        fields = super().resolve(row)
        if "agency" in row.values:
            fields["agency_id"] = self.reference(row, "agency", "agencies")
        if row.values.get("system"):
            self.reference(row, "system", "systems")
        return fields

    def write_chunk(self, rows: list[Row]) -> None:
        """People first (one per e-mail), then their links to systems."""
        good = [row for row in rows if not row.failed]
        emails = list(dict.fromkeys(self.key(row) for row in good))
        found = self.existing(emails) if emails else {}
        creates, updates, fields = [], [], set()
        people: dict[str, ContactPerson] = {}
        links: list[tuple[str, int, str]] = []
        for row in good:
            resolved = self.resolve(row)
            if row.failed:
                continue
            email = self.key(row)
            person = people.get(email)
            if person is None:
                person = found.get(email)
                if person is None:
                    person = self.new()
                    self.apply(person, resolved, row, new=True)
                    creates.append(person)
                    self.outcome[email] = "created"
                else:
                    changed = self.apply(person, resolved, row, new=False)
                    if changed:
                        updates.append(person)
                        fields |= changed
                        self.outcome[email] = "updated" if self.outcome.get(email) != "created" else "created"
                    else:
                        self.outcome.setdefault(email, "unchanged")
                people[email] = person
            if row.values.get("system"):
                system_id = self.importer.handler("systems").ids()[row.values["system"]]
                links.append((email, system_id, row.values.get("role") or ContactRole.PRIMARY))
        for row in rows:
            if row.failed and self.key(row) is not None:
                self.failed_keys.add(self.key(row))
        self.chunk_links = (people, links)
        self.save(creates, updates, fields, rows)

    def saved(self, creates: list, updates: list) -> None:
        """Then the chunk's links to systems, in the same savepoint as the people."""
        super().saved(creates, updates)
        people, links = self.chunk_links
        if links:
            self._link(people, links)

    def _link(self, people: dict[str, ContactPerson], links: list[tuple[str, int, str]]) -> None:
        contact_ids = {people[email].pk for email, _system, _role in links}
        have = set(
            SystemContact.objects.filter(contact_id__in=contact_ids).values_list("contact_id", "system_id", "role")
        )
        new = []
        for email, system_id, role in dict.fromkeys(links):
            person = people[email]
            if (person.pk, system_id, role) not in have:
                new.append(self.new_link(contact_id=person.pk, system_id=system_id, role=role))
                if self.outcome.get(email) == "unchanged":
                    self.outcome[email] = "updated"
        writer.create(new, by=self.by)

    def finish(self) -> None:
        for outcome in self.outcome.values():
            setattr(self.counts, outcome, getattr(self.counts, outcome) + 1)
        self.outcome.clear()


HANDLERS: dict[str, type[KindHandler]] = {
    "agencies": AgencyHandler,
    "waves": WaveHandler,
    "systems": SystemHandler,
    "vms": VMHandler,
    "contacts": ContactHandler,
}
