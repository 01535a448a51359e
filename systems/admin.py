"""The Django admin writes through the services, like every other route: the same rules, history and notices.

Fields that carry lifecycle rules (status and what goes with it) are read-only here; a wave is changed through
the system services, which check it like the staff pages do. A refusal is shown as a message and nothing is saved.
"""

from collections.abc import Callable
from typing import Any

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import models
from django.http import HttpResponseRedirect
from simple_history.admin import SimpleHistoryAdmin

from migportal.generic_views import message_errors

from . import services
from .models import VM, Agency, ContactPerson, System, SystemContact


class ServiceAdmin(SimpleHistoryAdmin):
    """Save and delete through `create_service(by=, **fields)`, `update_service(<object_kwarg>=obj, by=, **fields)`
    and `delete_service(<object_kwarg>=obj, by=)`; many-to-many fields go to the service as keyword arguments."""

    object_kwarg: str
    create_service: Callable[..., models.Model]
    update_service: Callable[..., models.Model]
    delete_service: Callable[..., None]

    def changeform_view(self, request, *args, **kwargs):
        try:
            return super().changeform_view(request, *args, **kwargs)
        except ValidationError as error:  # raised inside the admin's transaction: nothing was saved
            message_errors(request, error)
            return HttpResponseRedirect(request.get_full_path())

    def delete_view(self, request, *args, **kwargs):
        try:
            return super().delete_view(request, *args, **kwargs)
        except ValidationError as error:
            message_errors(request, error)
            return HttpResponseRedirect(request.get_full_path())

    def save_model(self, request, obj, form, change) -> None:
        fields: dict[str, Any] = {
            name: form.cleaned_data[name]
            for name in (form.changed_data if change else form.cleaned_data)
            if name in form.cleaned_data
        }
        if change:
            type(self).update_service(**{self.object_kwarg: obj}, by=request.user, **fields)
        else:
            saved = type(self).create_service(by=request.user, **fields)
            obj.pk, obj._state.adding = saved.pk, False

    def save_related(self, request, form, formsets, change) -> None:
        # The form's many-to-many fields went through the service in save_model; only the inlines are left.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def delete_model(self, request, obj) -> None:
        type(self).delete_service(**{self.object_kwarg: obj}, by=request.user)

    def delete_queryset(self, request, queryset) -> None:
        for obj in queryset:
            self.delete_model(request, obj)


class SystemContactInline(admin.TabularInline):
    model = SystemContact
    extra = 0
    autocomplete_fields = ["contact", "system"]


class VMInline(admin.TabularInline):
    """The system's VMs, read here; a VM is added or changed on its own page (through the VM services)."""

    model = VM
    extra = 0
    fields = readonly_fields = ["hostname", "os", "vcpus", "memory_gb", "disk_gb", "status"]
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Agency)
class AgencyAdmin(ServiceAdmin):
    list_display = ["code", "name", "kind"]
    list_filter = ["kind"]
    search_fields = ["code", "name"]
    object_kwarg = "agency"
    create_service = services.agency_create
    update_service = services.agency_update
    delete_service = services.agency_delete


@admin.register(System)
class SystemAdmin(ServiceAdmin):
    list_display = ["code", "name", "agency", "environment", "criticality", "status", "wave"]
    list_filter = ["environment", "criticality", "status", "agency__kind", "wave"]
    list_select_related = ["agency", "wave"]
    search_fields = ["code", "name", "agency__code", "agency__name"]
    autocomplete_fields = ["agency", "wave", "depends_on", "move_with", "test_counterpart"]
    # Status moves only through the lifecycle services (staff pages), never by a free edit here.
    readonly_fields = ["status", "status_before_hold", "migrated_at", "created_at", "updated_at"]
    inlines = [VMInline, SystemContactInline]
    object_kwarg = "system"
    create_service = services.system_create
    update_service = services.system_update
    delete_service = services.system_delete


@admin.register(VM)
class VMAdmin(ServiceAdmin):
    list_display = ["hostname", "system", "os", "vcpus", "memory_gb", "disk_gb", "status", "migrated_at"]
    list_filter = ["status", "system__environment", "os"]
    list_select_related = ["system"]
    search_fields = ["hostname", "system__code", "system__name"]
    autocomplete_fields = ["system"]
    readonly_fields = ["status", "status_before_hold", "migrated_at"]
    object_kwarg = "vm"
    create_service = services.vm_create
    update_service = services.vm_update
    delete_service = services.vm_delete


@admin.register(ContactPerson)
class ContactPersonAdmin(ServiceAdmin):
    list_display = ["name", "email", "phone", "agency", "language"]
    list_filter = ["language", "agency__kind"]
    list_select_related = ["agency"]
    search_fields = ["name", "email", "agency__code"]
    autocomplete_fields = ["agency", "user"]
    inlines = [SystemContactInline]
    object_kwarg = "contact"
    create_service = services.contactperson_create
    update_service = services.contactperson_update
    delete_service = services.contactperson_delete


@admin.register(SystemContact)
class SystemContactAdmin(SimpleHistoryAdmin):
    list_display = ["system", "contact", "role"]
    list_filter = ["role"]
    list_select_related = ["system", "contact"]
    search_fields = ["system__code", "contact__name", "contact__email"]
    autocomplete_fields = ["system", "contact"]
