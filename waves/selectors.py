"""Reads for the wave pages."""

from django.db.models import QuerySet

from systems.models import VM, System
from systems.selectors import count_of

from .models import Wave


def wave_list() -> QuerySet[Wave]:
    return Wave.objects.annotate(
        system_count=count_of(System.objects.all(), "wave"),
        vm_count=count_of(VM.objects.all(), "system__wave"),
    ).order_by("window_start")
