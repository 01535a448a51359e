from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import VM, Agency, ContactPerson, System, SystemContact


class SystemContactInline(admin.TabularInline):
    model = SystemContact
    extra = 0
    autocomplete_fields = ["contact", "system"]


class VMInline(admin.TabularInline):
    model = VM
    extra = 0
    fields = ["hostname", "os", "vcpus", "memory_gb", "disk_gb", "status"]
    readonly_fields = ["status"]
    show_change_link = True


@admin.register(Agency)
class AgencyAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "kind"]
    list_filter = ["kind"]
    search_fields = ["code", "name"]


@admin.register(System)
class SystemAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "agency", "environment", "criticality", "status", "wave"]
    list_filter = ["environment", "criticality", "status", "agency__kind", "wave"]
    list_select_related = ["agency", "wave"]
    search_fields = ["code", "name", "agency__code", "agency__name"]
    autocomplete_fields = ["agency", "wave", "depends_on"]
    # Status moves only through the lifecycle services (staff pages), never by a free edit here.
    readonly_fields = ["status", "status_before_hold", "migrated_at", "created_at", "updated_at"]
    inlines = [VMInline, SystemContactInline]


@admin.register(VM)
class VMAdmin(SimpleHistoryAdmin):
    list_display = ["hostname", "system", "os", "vcpus", "memory_gb", "disk_gb", "status", "migrated_at"]
    list_filter = ["status", "system__environment", "os"]
    list_select_related = ["system"]
    search_fields = ["hostname", "system__code", "system__name"]
    autocomplete_fields = ["system"]
    readonly_fields = ["status", "status_before_hold", "migrated_at"]


@admin.register(ContactPerson)
class ContactPersonAdmin(SimpleHistoryAdmin):
    list_display = ["name", "email", "phone", "agency", "language"]
    list_filter = ["language", "agency__kind"]
    list_select_related = ["agency"]
    search_fields = ["name", "email", "agency__code"]
    autocomplete_fields = ["agency", "user"]
    inlines = [SystemContactInline]


@admin.register(SystemContact)
class SystemContactAdmin(SimpleHistoryAdmin):
    list_display = ["system", "contact", "role"]
    list_filter = ["role"]
    list_select_related = ["system", "contact"]
    search_fields = ["system__code", "contact__name", "contact__email"]
    autocomplete_fields = ["system", "contact"]
