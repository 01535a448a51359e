from django.contrib import admin

from .models import AckReminder, FeedToken, LoginLink, TestReport


@admin.register(TestReport)
class TestReportAdmin(admin.ModelAdmin):
    list_display = ["system", "result", "contact", "created_at", "resolved_at"]
    list_filter = ["result", ("resolved_at", admin.EmptyFieldListFilter)]
    search_fields = ["system__code", "system__name", "contact__name", "text"]
    list_select_related = ["system", "contact"]
    readonly_fields = ["system", "contact", "reported_by", "result", "text", "created_at"]

    def has_add_permission(self, request) -> bool:
        return False  # its rows are written by the services, never typed in


@admin.register(AckReminder)
class AckReminderAdmin(admin.ModelAdmin):
    """Who was reminded of which notice; how the e-mail went is on the deliveries page (/notices/deliveries/)."""

    list_display = ["notice", "contact", "created_at"]
    search_fields = ["contact__name", "contact__email"]
    list_select_related = ["notice__wave", "contact"]
    readonly_fields = ["notice", "contact", "created_at"]

    def has_add_permission(self, request) -> bool:
        return False  # written by the daily reminder task, never typed in


@admin.register(LoginLink)
class LoginLinkAdmin(admin.ModelAdmin):
    """Read-only: who asked for a link, when, and whether it was used (the secret is never shown)."""

    list_display = ["contact", "created_at", "expires_at", "used_at", "requested_from"]
    search_fields = ["contact__name", "contact__email"]
    list_select_related = ["contact"]
    exclude = ["nonce"]
    readonly_fields = ["contact", "created_at", "expires_at", "used_at", "requested_from"]

    def has_add_permission(self, request):
        return False


@admin.register(FeedToken)
class FeedTokenAdmin(admin.ModelAdmin):
    """Deleting a row revokes that person's calendar and feed URLs."""

    list_display = ["contact", "created_at"]
    search_fields = ["contact__name", "contact__email"]
    list_select_related = ["contact"]
    exclude = ["key"]
    readonly_fields = ["contact", "created_at"]

    def has_add_permission(self, request):
        return False
