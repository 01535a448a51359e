"""Reads for the wave pages."""

from collections.abc import Iterable

from django.db.models import BooleanField, Case, Count, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Now

from systems.models import System

from .choices import WaveState
from .models import Wave

DONE_STATES = (WaveState.COMPLETED, WaveState.CANCELLED)


def waves_coming_first() -> QuerySet[Wave]:
    """Waves still to come first (soonest first), then the others (latest first): what people look for.

    "Done" is decided by the database clock (Now()), so a queryset made at import time stays right.
    """
    done = Q(state__in=DONE_STATES) | Q(window_end__lt=Now())
    return Wave.objects.annotate(
        is_done=Case(When(done, then=Value(True)), default=Value(False), output_field=BooleanField())
    ).order_by("is_done", Case(When(is_done=False, then="window_start")).asc(), "-window_start", "pk")


def waves_to_pick(*, keep: int | None = None) -> QuerySet[Wave]:
    """The waves a system can be put into: coming ones only, soonest first (and `keep`, the current one)."""
    return waves_coming_first().filter(Q(is_done=False) | Q(pk=keep))


def wave_list() -> QuerySet[Wave]:
    return waves_coming_first()


def with_counts(waves: Iterable[Wave]) -> list[Wave]:
    """The waves with `system_count` and `vm_count` set, from one grouped query over their systems (each system
    holds its number of VMs, `System.vm_tally`). Sorting the whole list by a count is done in SQL
    (waves.tables.WaveTable)."""
    waves = list(waves)
    counts = {
        wave_id: (systems, vms)
        for wave_id, systems, vms in System.objects.filter(wave__in=[wave.pk for wave in waves])
        .order_by()
        .values_list("wave")
        .annotate(systems=Count("*"), vms=Sum("vm_tally"))
    }
    for wave in waves:
        wave.system_count, wave.vm_count = counts.get(wave.pk, (0, 0))
    return waves
