"""Reads for the wave pages."""

from collections.abc import Iterable

from django.db.models import Count, QuerySet

from systems.models import VM, System

from .models import Wave


def wave_list() -> QuerySet[Wave]:
    return Wave.objects.order_by("window_start")


def with_counts(waves: Iterable[Wave]) -> list[Wave]:
    """The waves with `system_count` and `vm_count` set, from two grouped queries.

    Waves are few (tens), their systems and VMs many: one GROUP BY over all VMs is much faster at 100×
    than a correlated COUNT per wave, and the lists then sort by these counts in Python.
    """
    waves = list(waves)
    ids = [wave.pk for wave in waves]
    systems = dict(System.objects.filter(wave__in=ids).order_by().values_list("wave").annotate(n=Count("*")))
    vms = dict(VM.objects.filter(system__wave__in=ids).order_by().values_list("system__wave").annotate(n=Count("*")))
    for wave in waves:
        wave.system_count = systems.get(wave.pk, 0)
        wave.vm_count = vms.get(wave.pk, 0)
    return waves
