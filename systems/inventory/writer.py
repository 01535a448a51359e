"""Bulk writes for the importer: rows and their django-simple-history records, a few queries per chunk.

Every write is recorded like a form save would be (who, when, reason "import"), but in bulk:
`bulk_create_with_history` / `bulk_update_with_history` for rows, and the historical m2m rows of
`System.depends_on` written here, as simple-history's own m2m signal would write them one by one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from django.apps import apps
from django.contrib.auth.models import AbstractBaseUser
from django.db import models
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from systems.models import System

REASON = "import"
BATCH = 1000


def create(objs: list[models.Model], *, by: AbstractBaseUser | None) -> list[models.Model]:
    """Insert `objs` with one "+" history record each (reason "import")."""
    if not objs:
        return []
    return bulk_create_with_history(
        objs, type(objs[0]), batch_size=BATCH, default_user=by, default_change_reason=REASON
    )


def update(objs: list[models.Model], fields: Iterable[str], *, by: AbstractBaseUser | None) -> None:
    """Write `fields` of `objs` with one "~" history record each (reason "import")."""
    if not objs:
        return
    bulk_update_with_history(
        objs,
        type(objs[0]),
        sorted(set(fields)),
        batch_size=BATCH,
        default_user=by,
        default_change_reason=REASON,
    )


def set_dependencies(wanted: dict[int, set[int]], *, by: AbstractBaseUser | None) -> set[int]:
    """Make `depends_on` of each system id in `wanted` exactly the given set; return the ids that changed.

    Changed systems get a "~" history record whose m2m snapshot lists their dependencies afterwards.
    """
    through = System.depends_on.through
    current: dict[int, dict[int, int]] = defaultdict(dict)  # system id -> {dependency id: through row id}
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
    for row in through.objects.bulk_create(added, batch_size=BATCH):
        current[row.from_system_id][row.to_system_id] = row.id
    _record_dependency_history(changed, {sid: current[sid] for sid in changed}, wanted, by=by)
    return changed


def _record_dependency_history(
    changed: set[int], rows: dict[int, dict[int, int]], wanted: dict[int, set[int]], *, by: AbstractBaseUser | None
) -> None:
    systems: Sequence[System] = list(System.objects.filter(id__in=changed).order_by("id"))
    now = timezone.now()
    history = System.history.model.objects.bulk_create(
        [
            System.history.model(
                history_date=now,
                history_user=by,
                history_change_reason=REASON,
                history_type="~",
                **{field.attname: getattr(system, field.attname) for field in System.history.model.tracked_fields},
            )
            for system in systems
        ],
        batch_size=BATCH,
    )
    m2m_history = apps.get_model("systems", "HistoricalSystem_depends_on")
    m2m_history.objects.bulk_create(
        [
            m2m_history(history=record, id=rows[record.id][to_id], from_system_id=record.id, to_system_id=to_id)
            for record in history
            for to_id in wanted[record.id]
        ],
        batch_size=BATCH,
    )
