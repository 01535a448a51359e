from django.contrib import admin

from .models import Acknowledgement, Delivery, DeliveryAttempt, Notice, WebhookEndpoint


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    list_display = ["wave", "kind", "state", "publish_at", "published_at", "short_notice"]
    list_filter = ["kind", "state", "short_notice"]
    list_select_related = ["wave"]
    search_fields = ["wave__name", "title"]
    autocomplete_fields = ["wave", "systems"]
    date_hierarchy = "publish_at"
    # Scheduling and publication follow the wave through notifications.services; the admin only reads them.
    readonly_fields = [
        "wave",
        "kind",
        "state",
        "publish_at",
        "published_at",
        "short_notice",
        "window_start",
        "window_end",
        "previous_window_start",
        "previous_window_end",
        "systems",
        "systems_snapshot",
        "text_edited",
    ]

    def has_add_permission(self, request) -> bool:
        return False  # its rows are written by the services, never typed in


class DeliveryAttemptInline(admin.TabularInline):
    """The ledger of a delivery: one row per try (time, outcome, error)."""

    model = DeliveryAttempt
    extra = 0
    can_delete = False
    fields = readonly_fields = ["number", "started_at", "finished_at", "outcome", "error"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    inlines = [DeliveryAttemptInline]
    list_display = ["notice", "kind", "channel", "recipient", "state", "attempts", "next_attempt_at", "sent_at"]
    list_filter = ["kind", "channel", "state"]
    list_select_related = ["notice__wave"]
    search_fields = ["recipient", "notice__wave__name"]
    autocomplete_fields = ["notice", "contact"]
    # State changes go through notifications.services (retry on /notices/deliveries/).
    readonly_fields = [
        "kind",
        "notice",
        "reference",
        "channel",
        "recipient",
        "contact",
        "state",
        "attempts",
        "next_attempt_at",
        "locked_until",
        "queued_at",
        "uid",
        "sent_at",
        "last_error",
    ]


@admin.register(Acknowledgement)
class AcknowledgementAdmin(admin.ModelAdmin):
    list_display = ["notice", "contact", "acknowledged_at"]
    list_select_related = ["notice__wave", "contact"]
    search_fields = ["contact__name", "contact__email", "notice__wave__name"]
    autocomplete_fields = ["notice", "contact"]


@admin.register(DeliveryAttempt)
class DeliveryAttemptAdmin(admin.ModelAdmin):
    """The delivery ledger, read-only: written by the delivery task before and after each try."""

    list_display = ["delivery", "number", "started_at", "finished_at", "outcome"]
    list_filter = ["outcome"]
    list_select_related = ["delivery__notice__wave"]
    readonly_fields = ["delivery", "number", "started_at", "finished_at", "outcome", "error"]

    def has_add_permission(self, request) -> bool:
        return False  # its rows are written by the services, never typed in


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    """A webhook URL that answered 410 Gone is disabled here until staff enable it (also on /notices/deliveries/)."""

    list_display = ["url", "disabled_at"]
    readonly_fields = ["disabled_at", "disabled_reason"]
