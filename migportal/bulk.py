"""Bulk actions, all or nothing: every selected row changes, or none does and each refusal is named.

Services apply a change to the rows with `apply_to_all`; `migportal.generic_views.BulkActionView` reports a
`BulkActionRefused` row by row.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import models, transaction


@dataclass(frozen=True)
class RefusedRow:
    """One row a bulk action could not change, and why."""

    label: str
    reason: str


class BulkActionRefused(Exception):
    """Raised (after rolling back) when at least one selected row could not change."""

    def __init__(self, refused: list[RefusedRow]):
        self.refused = refused
        super().__init__("; ".join(f"{row.label}: {row.reason}" for row in refused))


def apply_to_all(
    objects: Iterable[models.Model], change: Callable[[models.Model], object], *, label: Callable[..., str]
) -> int:
    """Apply `change(obj)` to every object in one transaction; collect refusals and roll back if any."""
    refused: list[RefusedRow] = []
    count = 0
    with transaction.atomic():
        for obj in objects:
            try:
                with transaction.atomic():
                    change(obj)
            except ValidationError as error:
                refused.append(RefusedRow(label(obj), " ".join(error.messages)))
            else:
                count += 1
        if refused:
            raise BulkActionRefused(refused)
    return count
