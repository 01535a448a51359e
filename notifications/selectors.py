"""Reads of downtime notices for the staff pages. What a contact person sees is scoped in portal.selectors."""

from django.db import connection
from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from systems.models import SystemContact

from .choices import DeliveryChannel, DeliveryState
from .models import Delivery, Notice, WebhookEndpoint


def notice_list() -> QuerySet[Notice]:
    """Notices for the staff timeline: wave, delivery counts by state and how many people they reach."""
    expected = (
        SystemContact.objects.filter(system__wave=OuterRef("wave"))
        .order_by()
        .values("system__wave")
        .annotate(n=Count("contact", distinct=True))
        .values("n")
    )
    return (
        Notice.objects.select_related("wave")
        .annotate(
            deliveries_total=Count("deliveries"),
            deliveries_sent=Count("deliveries", filter=Q(deliveries__state=DeliveryState.SENT)),
            deliveries_pending=Count("deliveries", filter=Q(deliveries__state=DeliveryState.PENDING)),
            deliveries_failed=Count("deliveries", filter=Q(deliveries__state=DeliveryState.FAILED)),
            deliveries_dead=Count("deliveries", filter=Q(deliveries__state=DeliveryState.DEAD)),
            email_recipients=Count("deliveries", filter=Q(deliveries__channel="email")),
            expected_recipients=Coalesce(Subquery(expected, output_field=IntegerField()), Value(0)),
        )
        .order_by("wave__window_start", "wave_id", "publish_at", "pk")
    )


def delivery_list() -> QuerySet[Delivery]:
    return Delivery.objects.select_related("notice__wave", "contact").order_by("-created_at", "-pk")


def notice_alerts() -> tuple[int, int, bool]:
    """Dead deliveries, held webhook calls and whether a webhook endpoint is disabled, in one query (it runs on
    every staff page)."""
    # Only the models' own table names are formatted in; the states are parameters.
    deliveries, endpoints = Delivery._meta.db_table, WebhookEndpoint._meta.db_table
    sql = (
        f"SELECT COUNT(*) FILTER (WHERE state = %s), COUNT(*) FILTER (WHERE state = %s), "  # noqa: S608
        f"EXISTS (SELECT 1 FROM {endpoints} WHERE disabled_at IS NOT NULL) "
        f"FROM {deliveries} WHERE state IN (%s, %s)"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [DeliveryState.DEAD, DeliveryState.HELD, DeliveryState.DEAD, DeliveryState.HELD])
        dead, held, disabled = cursor.fetchone()
    return int(dead), int(held), bool(disabled)


def disabled_webhook_endpoints() -> QuerySet[WebhookEndpoint]:
    """Disabled webhook endpoints, each with how many of its deliveries are held."""
    held = (
        Delivery.objects.filter(
            channel=DeliveryChannel.PORTAL_WEBHOOK, state=DeliveryState.HELD, recipient=OuterRef("url")
        )
        .order_by()
        .values("recipient")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        WebhookEndpoint.objects.filter(disabled_at__isnull=False)
        .annotate(held=Coalesce(Subquery(held, output_field=IntegerField()), Value(0)))
        .order_by("url")
    )
