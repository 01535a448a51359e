"""Planning data in the Django admin: blackout periods and tester capacities are written through the planning
services (the same validation and history as the staff pages); proposals are only looked at here, since they are
made and accepted on /planning/."""

from django.contrib import admin

from systems.admin import ServiceAdmin

from . import services
from .models import BlackoutPeriod, Proposal, TesterCapacity


@admin.register(BlackoutPeriod)
class BlackoutPeriodAdmin(ServiceAdmin):
    list_display = ["name", "start", "end", "blocking"]
    list_filter = ["blocking"]
    search_fields = ["name"]
    date_hierarchy = "start"
    object_kwarg = "blackoutperiod"
    create_service = services.blackoutperiod_create
    update_service = services.blackoutperiod_update
    delete_service = services.blackoutperiod_delete


@admin.register(TesterCapacity)
class TesterCapacityAdmin(ServiceAdmin):
    list_display = ["wave", "agency", "capacity"]
    list_select_related = ["wave", "agency"]
    search_fields = ["agency__code", "agency__name", "wave__name"]
    autocomplete_fields = ["agency", "wave"]
    object_kwarg = "testercapacity"
    create_service = services.testercapacity_create
    update_service = services.testercapacity_update
    delete_service = services.testercapacity_delete


@admin.register(Proposal)
class ProposalAdmin(admin.ModelAdmin):
    """Read-only: a proposal is made by the solver and accepted on /planning/, where the moves are checked."""

    list_display = ["pk", "created_at", "created_by", "state", "progress", "objective", "bound", "optimal"]
    list_filter = ["state", "optimal"]
    list_select_related = ["created_by"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
