import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from .choices import AttemptOutcome, DeliveryChannel, DeliveryKind, DeliveryState, NoticeKind, NoticeState


class Notice(models.Model):
    """A downtime notice for a wave, kept as it was when published (window, systems, text).

    `systems_snapshot` is the wave's full state when published (what the next change is compared with);
    `systems` are the systems the notice is about (for a change notice, those in `changes`): their contact
    persons receive it and see it in the portal.
    """

    wave = models.ForeignKey("waves.Wave", on_delete=models.PROTECT, related_name="notices", verbose_name=_("wave"))
    kind = models.CharField(_("kind"), max_length=12, choices=NoticeKind.choices)
    state = models.CharField(
        _("state"), max_length=12, choices=NoticeState.choices, default=NoticeState.SCHEDULED, db_index=True
    )
    publish_at = models.DateTimeField(_("publish at"), db_index=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    short_notice = models.BooleanField(
        _("short notice"), default=False, help_text=_("Published later than the agreed lead time.")
    )
    window_start = models.DateTimeField(_("window start"))
    window_end = models.DateTimeField(_("window end"))
    previous_window_start = models.DateTimeField(_("previous window start"), null=True, blank=True)
    previous_window_end = models.DateTimeField(_("previous window end"), null=True, blank=True)
    systems = models.ManyToManyField("systems.System", related_name="notices", blank=True, verbose_name=_("systems"))
    title = models.CharField(_("title"), max_length=300, blank=True)
    body = models.TextField(_("text"), blank=True)
    text_edited = models.BooleanField(
        _("text edited"), default=False, help_text=_("Staff wrote the text; otherwise it comes from the template.")
    )
    systems_snapshot = models.JSONField(
        _("systems as published"),
        default=list,
        blank=True,
        help_text=_("Code, name, agency, environment and own downtime of each system when published."),
    )
    changes = models.JSONField(
        _("changes per system"),
        default=list,
        blank=True,
        help_text=_(
            "For a change notice: each system whose downtime changed (added, removed or moved), with its old and "
            "new time. Only their contact persons are told, each about their own systems."
        ),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-publish_at"]
        verbose_name = _("downtime notice")
        verbose_name_plural = _("downtime notices")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(window_end__gt=models.F("window_start")), name="notice_window_end_after_start"
            ),
            models.CheckConstraint(
                condition=~models.Q(state=NoticeState.PUBLISHED) | models.Q(published_at__isnull=False),
                name="notice_published_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.wave} – {self.get_kind_display()}"


class Delivery(models.Model):
    """Outbox row: one message to one recipient over one channel; written before sending, updated after.

    A downtime notice's deliveries point at the notice; the portal's own e-mails (login links, reminders,
    alerts) have no notice and name what they are about in `reference` (the id of the login link, reminder or
    test report; the day of an escalation alert), so one ledger, one claim and one sweeper serve them all.
    """

    kind = models.CharField(
        _("kind"), max_length=20, choices=DeliveryKind.choices, default=DeliveryKind.NOTICE, db_index=True
    )
    notice = models.ForeignKey(
        Notice, on_delete=models.CASCADE, related_name="deliveries", null=True, blank=True, verbose_name=_("notice")
    )
    reference = models.PositiveBigIntegerField(_("about"), null=True, blank=True)
    channel = models.CharField(_("channel"), max_length=20, choices=DeliveryChannel.choices)
    recipient = models.CharField(_("recipient"), max_length=500)
    contact = models.ForeignKey(
        "systems.ContactPerson",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="deliveries",
        verbose_name=_("contact person"),
    )
    state = models.CharField(
        _("state"), max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    # Stable id: the webhook-id / Idempotency-Key header and the e-mail Message-ID.
    uid = models.UUIDField(_("stable id"), default=uuid.uuid4, unique=True, editable=False)
    # The claim: a worker owns the row until this time, and renews it while it sends.
    locked_until = models.DateTimeField(_("claimed until"), null=True, blank=True)
    # When the task message for the next attempt was put on the broker (None: no message is on its way).
    queued_at = models.DateTimeField(_("queued at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["notice", "channel", "recipient"],
                condition=models.Q(kind=DeliveryKind.NOTICE),
                name="delivery_unique_per_recipient",
            ),
            models.UniqueConstraint(
                fields=["kind", "reference", "recipient"],
                condition=~models.Q(kind=DeliveryKind.NOTICE),
                name="delivery_unique_per_subject",
            ),
            models.CheckConstraint(
                condition=models.Q(kind=DeliveryKind.NOTICE, notice__isnull=False)
                | (~models.Q(kind=DeliveryKind.NOTICE) & models.Q(notice__isnull=True, reference__isnull=False)),
                name="delivery_notice_or_reference",
            ),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"], condition=models.Q(state=DeliveryState.PENDING), name="delivery_pending_due"
            ),
        ]

    def __str__(self) -> str:
        subject = self.notice if self.notice_id else self.get_kind_display()
        return f"{subject} → {self.recipient} ({self.get_channel_display()})"


class DeliveryAttempt(models.Model):
    """Ledger of one try to send a delivery: written before sending, its outcome after."""

    delivery = models.ForeignKey(
        Delivery, on_delete=models.CASCADE, related_name="attempt_log", verbose_name=_("delivery")
    )
    number = models.PositiveSmallIntegerField(_("attempt"))
    started_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=10, choices=AttemptOutcome.choices, default=AttemptOutcome.STARTED
    )
    error = models.TextField(_("error"), blank=True)

    class Meta:
        ordering = ["delivery", "number"]
        verbose_name = _("delivery attempt")
        verbose_name_plural = _("delivery attempts")

    def __str__(self) -> str:
        return f"{self.delivery_id} #{self.number}: {self.get_outcome_display()}"


class WebhookEndpoint(models.Model):
    """State of a webhook URL: a 410 Gone disables it until staff enable it again."""

    url = models.URLField(_("URL"), max_length=500, unique=True)
    disabled_at = models.DateTimeField(_("disabled at"), null=True, blank=True)
    disabled_reason = models.TextField(_("why disabled"), blank=True)

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")

    def __str__(self) -> str:
        return self.url


class Acknowledgement(models.Model):
    """A contact person's confirmation that their agency is informed of a notice."""

    notice = models.ForeignKey(
        Notice, on_delete=models.CASCADE, related_name="acknowledgements", verbose_name=_("notice")
    )
    contact = models.ForeignKey(
        "systems.ContactPerson",
        on_delete=models.CASCADE,
        related_name="acknowledgements",
        verbose_name=_("contact person"),
    )
    acknowledged_at = models.DateTimeField(_("acknowledged at"), auto_now_add=True)

    class Meta:
        ordering = ["-acknowledged_at"]
        verbose_name = _("acknowledgement")
        verbose_name_plural = _("acknowledgements")
        constraints = [
            models.UniqueConstraint(fields=["notice", "contact"], name="acknowledgement_unique_per_contact"),
        ]

    def __str__(self) -> str:
        return f"{self.contact} – {self.notice}"
