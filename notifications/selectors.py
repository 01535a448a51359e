"""Reads of downtime notices for the staff pages. What a contact person sees is scoped in portal.selectors."""

from collections.abc import Iterable

from django.db import connection
from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from systems.models import SystemContact

from .choices import DeliveryChannel, DeliveryState
from .models import Delivery, Notice, WebhookEndpoint


def notice_list() -> QuerySet[Notice]:
    """Notices for the staff timeline, each wave's in the order they go out (counts: with_delivery_counts)."""
    return Notice.objects.select_related("wave").order_by("wave__window_start", "wave_id", "publish_at", "pk")


DELIVERY_COUNTS = {
    "deliveries_total": Q(),
    "deliveries_sent": Q(state=DeliveryState.SENT),
    "deliveries_pending": Q(state=DeliveryState.PENDING),
    "deliveries_failed": Q(state=DeliveryState.FAILED),
    "deliveries_dead": Q(state=DeliveryState.DEAD),
    "email_recipients": Q(channel="email"),
}


def with_delivery_counts(notices: Iterable[Notice]) -> list[Notice]:
    """A page of notices with their deliveries counted by state and the people they reach: two grouped queries,
    whatever the number of notices and deliveries in the database."""
    notices = list(notices)
    counts = {
        row.pop("notice"): row
        for row in Delivery.objects.filter(notice__in=[notice.pk for notice in notices])
        .order_by()
        .values("notice")
        .annotate(**{name: Count("pk", filter=condition or None) for name, condition in DELIVERY_COUNTS.items()})
    }
    expected = dict(
        SystemContact.objects.filter(system__wave__in={notice.wave_id for notice in notices})
        .order_by()
        .values_list("system__wave")
        .annotate(n=Count("contact", distinct=True))
    )
    for notice in notices:
        for name in DELIVERY_COUNTS:
            setattr(notice, name, counts.get(notice.pk, {}).get(name, 0))
        notice.expected_recipients = expected.get(notice.wave_id, 0)
    return notices


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
