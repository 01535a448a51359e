"""Bulk writes for the importer: rows and their django-simple-history records, a few queries per chunk.

Every write is recorded like a form save would be (who, when, reason "import"), but in bulk. On PostgreSQL
new rows get their ids from the table's sequence up front and go in with COPY, and so do the history
rows (one per written row, copied from the object as simple-history would); elsewhere simple-history's
`bulk_create_with_history` / `bulk_update_with_history` do the same job more slowly. The historical m2m
rows of `System.depends_on` and `System.move_with` are written here, as simple-history's m2m signal would
write them one by one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from django.apps import apps
from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, models
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from systems.models import System

REASON = "import"
BATCH = 1000


def create(objs: list[models.Model], *, by: AbstractBaseUser | None) -> list[models.Model]:
    """Insert `objs` (all of one model) with one "+" history record each (reason "import"); they get ids."""
    if not objs:
        return []
    model = type(objs[0])
    if connection.vendor != "postgresql":
        return bulk_create_with_history(objs, model, batch_size=BATCH, default_user=by, default_change_reason=REASON)
    opts = model._meta
    for field in opts.concrete_fields:
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            for obj in objs:
                field.pre_save(obj, add=True)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [opts.db_table, opts.pk.column, len(objs)],
        )
        for obj, (pk,) in zip(objs, cursor.fetchall(), strict=True):
            obj.pk = pk
            obj._state.adding = False
            obj._state.db = connection.alias
    fields = opts.concrete_fields
    _copy(
        opts.db_table, [field.column for field in fields], ([getattr(obj, f.attname) for f in fields] for obj in objs)
    )
    _copy_history(model, objs, "+", by)
    return objs


def update(objs: list[models.Model], fields: Iterable[str], *, by: AbstractBaseUser | None) -> None:
    """Write `fields` of `objs` with one "~" history record each (reason "import")."""
    if not objs:
        return
    model = type(objs[0])
    if connection.vendor != "postgresql":
        bulk_update_with_history(
            objs, model, sorted(set(fields)), batch_size=BATCH, default_user=by, default_change_reason=REASON
        )
        return
    model._default_manager.bulk_update(objs, sorted(set(fields)), batch_size=BATCH)
    _copy_history(model, objs, "~", by)


def _copy(table: str, columns: list[str], rows: Iterable[list]) -> None:
    quoted = ", ".join(connection.ops.quote_name(column) for column in columns)
    statement = f"COPY {connection.ops.quote_name(table)} ({quoted}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)


def _copy_history(
    model: type[models.Model], objs: Sequence[models.Model], kind: str, by: AbstractBaseUser | None
) -> list[int]:
    """One history row per object, as simple-history would write it; returns the new history ids in order."""
    history = model.history.model
    tracked = history.tracked_fields
    now = timezone.now()
    user_id = by.pk if by is not None else None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'history_id')) FROM generate_series(1, %s)",
            [history._meta.db_table, len(objs)],
        )
        ids = [history_id for (history_id,) in cursor.fetchall()]
    columns = [history._meta.get_field(field.name).column for field in tracked]
    columns += ["history_id", "history_date", "history_change_reason", "history_type", "history_user_id"]
    _copy(
        history._meta.db_table,
        columns,
        (
            [*(getattr(obj, field.attname) for field in tracked), history_id, now, REASON, kind, user_id]
            for obj, history_id in zip(objs, ids, strict=True)
        ),
    )
    return ids


def set_dependencies(wanted: dict[int, set[int]], *, by: AbstractBaseUser | None) -> set[int]:
    """Make `depends_on` of each system id in `wanted` exactly the given set; return the ids that changed."""
    return set_links("depends_on", wanted, by=by)


#: The system-to-system links, each with its own history table of m2m snapshots.
LINK_FIELDS = ("depends_on", "move_with")


def set_links(name: str, wanted: dict[int, set[int]], *, by: AbstractBaseUser | None) -> set[int]:
    """Make the link `name` (`depends_on`, `move_with`) of each system id in `wanted` exactly the given set;
    return the ids that changed. For `move_with`, which goes both ways, `wanted` must name both sides.

    Changed systems get a "~" history record whose m2m snapshots list their links afterwards.
    """
    through = getattr(System, name).through
    current: dict[int, dict[int, int]] = defaultdict(dict)  # system id -> {linked id: through row id}
    for row_id, from_id, to_id in through.objects.filter(from_system_id__in=list(wanted)).values_list(
        "id", "from_system_id", "to_system_id"
    ):
        current[from_id][to_id] = row_id
    removed: list[int] = []
    added: list[models.Model] = []
    changed: set[int] = set()
    for system_id, targets in wanted.items():
        have = current.get(system_id, {})
        gone = [row_id for to_id, row_id in have.items() if to_id not in targets]
        new = [to_id for to_id in targets if to_id not in have]
        if gone or new:
            changed.add(system_id)
            removed.extend(gone)
            added.extend(through(from_system_id=system_id, to_system_id=to_id) for to_id in new)
    if not changed:
        return changed
    if removed:
        through.objects.filter(id__in=removed).delete()
    through.objects.bulk_create(added, batch_size=BATCH)
    _record_link_history(changed, by=by)
    return changed


def _record_link_history(changed: set[int], *, by: AbstractBaseUser | None) -> None:
    systems: Sequence[System] = list(System.objects.filter(id__in=changed).order_by("id"))
    if connection.vendor == "postgresql":
        history_ids = _copy_history(System, systems, "~", by)
    else:
        records = System.history.bulk_history_create(
            systems, batch_size=BATCH, update=True, default_user=by, default_change_reason=REASON
        )
        history_ids = [record.history_id for record in records]
    history_of = {system.id: history_id for system, history_id in zip(systems, history_ids, strict=True)}
    for name in LINK_FIELDS:
        m2m_history = apps.get_model("systems", f"HistoricalSystem_{name}")
        rows = getattr(System, name).through.objects.filter(from_system_id__in=list(changed))
        m2m_history.objects.bulk_create(
            [
                m2m_history(history_id=history_of[from_id], id=row_id, from_system_id=from_id, to_system_id=to_id)
                for row_id, from_id, to_id in rows.values_list("id", "from_system_id", "to_system_id")
            ],
            batch_size=BATCH,
        )
