import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from migportal.tables import BaseTable, LocalDateTimeColumn

from .models import Delivery, Notice


class NoticeTable(BaseTable):
    """The notice timeline: per wave, in the order the notices go out."""

    wave = tables.Column(verbose_name=_("Wave"), accessor="wave__name", order_by=("wave__window_start", "publish_at"))
    kind = tables.Column(verbose_name=_("Kind"), linkify=("notifications:notice_detail", {"pk": tables.A("pk")}))
    state = tables.Column(verbose_name=_("State"))
    publish_at = LocalDateTimeColumn(verbose_name=_("Scheduled for"))
    published_at = LocalDateTimeColumn(verbose_name=_("Published"))
    short_notice = tables.BooleanColumn(verbose_name=_("Short notice"), yesno=(_("yes"), "–"))
    recipients = tables.Column(verbose_name=_("Recipients"), empty_values=(), orderable=False)
    deliveries = tables.TemplateColumn(
        verbose_name=_("Deliveries"),
        template_name="notifications/columns/delivery_counts.html",
        orderable=False,
        empty_values=(),
    )

    class Meta(BaseTable.Meta):
        model = Notice
        fields = ["wave", "kind", "state", "publish_at", "published_at", "short_notice", "recipients", "deliveries"]
        default_columns = fields
        order_by = ("wave", "publish_at")
        empty_text = _("No downtime notices yet. Confirming a wave schedules them.")

    def render_recipients(self, record: Notice) -> int:
        """People an e-mail goes to: counted from the deliveries once published, from the wave before."""
        return record.email_recipients if record.published_at else record.expected_recipients


class DeliveryTable(BaseTable):
    """Outbox rows: who gets which notice over which channel, and how it went."""

    notice = tables.TemplateColumn(
        verbose_name=_("Notice"),
        template_name="notifications/columns/delivery_subject.html",
        order_by=("notice__publish_at",),
    )
    channel = tables.Column(verbose_name=_("Channel"))
    recipient = tables.Column(verbose_name=_("Recipient"))
    state = tables.TemplateColumn(
        verbose_name=_("State"), template_name="notifications/columns/delivery_state.html", order_by=("state",)
    )
    attempts = tables.Column(verbose_name=_("Attempts"))
    next_attempt_at = LocalDateTimeColumn(verbose_name=_("Next attempt"))
    sent_at = LocalDateTimeColumn(verbose_name=_("Sent"))
    last_error = tables.Column(verbose_name=_("Last error"), orderable=False)
    actions = tables.TemplateColumn(
        verbose_name=_("Action"),
        template_name="notifications/columns/delivery_actions.html",
        orderable=False,
        empty_values=(),
    )

    class Meta(BaseTable.Meta):
        model = Delivery
        fields = [
            "notice",
            "channel",
            "recipient",
            "state",
            "attempts",
            "next_attempt_at",
            "sent_at",
            "last_error",
            "actions",
        ]
        default_columns = fields
        empty_text = _("No deliveries match.")
