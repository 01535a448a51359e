from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from systems.admin import ServiceAdmin

from . import services
from .models import Wave


@admin.register(Wave)
class WaveAdmin(ServiceAdmin):
    """Waves are saved through the wave services, so a moved window moves the wave's notices too."""

    list_display = ["name", "window_start", "window_end", "state", "system_count", "max_vms"]
    list_filter = ["state"]
    search_fields = ["name", "notes"]
    date_hierarchy = "window_start"
    # The state changes through the wave services (staff pages), which also schedule the downtime notices.
    readonly_fields = ["state"]
    object_kwarg = "wave"
    create_service = services.wave_create
    update_service = services.wave_update
    delete_service = services.wave_delete

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(system_count=Count("systems"))

    @admin.display(description=_("systems"), ordering="system_count")
    def system_count(self, wave: Wave) -> int:
        return wave.system_count
