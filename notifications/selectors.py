"""Reads of downtime notices. `notices_for_contact` is what the customer portal builds on."""

from django.db import connection
from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from systems.models import ContactPerson, SystemContact

from .choices import DeliveryState, NoticeState
from .models import Delivery, Notice, WebhookEndpoint

PUBLIC_STATES = [NoticeState.PUBLISHED, NoticeState.SUPERSEDED]


def notices_for_contact(contact: ContactPerson) -> QuerySet[Notice]:
    """The published notices (current and superseded) that concern any system of this contact person."""
    ids = Notice.objects.filter(state__in=PUBLIC_STATES, systems__system_contacts__contact=contact).values("pk")
    return Notice.objects.filter(pk__in=ids).select_related("wave").order_by("-published_at", "-pk")


def notices_for_agency(agency_id: int) -> QuerySet[Notice]:
    """The published notices that concern any system owned by the agency."""
    ids = Notice.objects.filter(state__in=PUBLIC_STATES, systems__agency_id=agency_id).values("pk")
    return Notice.objects.filter(pk__in=ids).select_related("wave").order_by("-published_at", "-pk")


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
