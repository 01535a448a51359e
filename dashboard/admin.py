from django.contrib import admin

from .models import WeeklySnapshot


@admin.register(WeeklySnapshot)
class WeeklySnapshotAdmin(admin.ModelAdmin):
    list_display = ["__str__", "taken_at"]
    list_filter = ["iso_year"]
    search_fields = ["iso_year", "iso_week"]
    readonly_fields = ["taken_at"]
