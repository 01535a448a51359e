"""History of API writes names the token: its user as the history's user, its name in the change reason.

Most services take a `reason`, and the API passes it. Creations, deletions, the bulk transition and the bulk upsert
(the importer writes "import") record none of their own, so `recorded_as` runs the write in one transaction and,
before it commits, gives every history row the write added for the caller the API's reason.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

from django.apps import apps
from django.db import models, transaction
from django.db.models import Case, Max, Q, Value, When
from simple_history.models import HistoricalChanges

from systems.inventory.writer import REASON as IMPORT_REASON

from .models import ApiToken

REASON_LENGTH = 100  # django-simple-history's history_change_reason


def history_reason(request) -> str:
    """What history says of an API write: the route and, for a token, its name (the user is recorded as such)."""
    return f"API ({request.auth.name})"[:REASON_LENGTH] if isinstance(request.auth, ApiToken) else "API"


@cache
def _history_models() -> list[type[models.Model]]:
    """Every model's history table that records a user and a reason (not the many-to-many link tables')."""
    return [
        model
        for model in apps.get_models()
        if issubclass(model, HistoricalChanges)
        and {"history_user", "history_change_reason"} <= {field.name for field in model._meta.get_fields()}
    ]


@contextmanager
def recorded_as(request) -> Iterator[None]:
    """One transaction for an API write whose history rows (by the caller, with no reason or the importer's)
    name the token when it commits.

    The rows are those added after the write began: a change the same user makes elsewhere in the very same
    moment could be named as well, which says no more than that the user made it.
    """
    reason = history_reason(request)
    user_id = request.user.pk
    with transaction.atomic():
        before = {model: model.objects.aggregate(last=Max("history_id"))["last"] or 0 for model in _history_models()}
        yield
        imported = f"{reason}: {IMPORT_REASON}"[:REASON_LENGTH]
        for model, last in before.items():
            model.objects.filter(
                Q(history_change_reason=None) | Q(history_change_reason__in=["", IMPORT_REASON]),
                history_id__gt=last,
                history_user_id=user_id,
            ).update(
                history_change_reason=Case(
                    When(history_change_reason=IMPORT_REASON, then=Value(imported)), default=Value(reason)
                )
            )
