"""Reads of downtime notices for the staff pages. What a contact person sees is scoped in portal.selectors."""

from django.db import connection
from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from systems.models import SystemContact

from .choices import DeliveryState
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


def notice_alerts() -> tuple[int, bool]:
    """Dead deliveries and whether a webhook endpoint is disabled, in one query (it runs on every staff page)."""
    # Only the models' own table names are formatted in; the state is a parameter.
    deliveries, endpoints = Delivery._meta.db_table, WebhookEndpoint._meta.db_table
    sql = f"SELECT (SELECT COUNT(*) FROM {deliveries} WHERE state = %s), EXISTS (SELECT 1 FROM {endpoints} WHERE disabled_at IS NOT NULL)"  # noqa: E501, S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [DeliveryState.DEAD])
        dead, disabled = cursor.fetchone()
    return int(dead), bool(disabled)


def disabled_webhook_endpoints() -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.filter(disabled_at__isnull=False).order_by("url")
