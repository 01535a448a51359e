from django.db import models
from django.utils.translation import gettext_lazy as _


class NoticeKind(models.TextChoices):
    ANNOUNCEMENT = "announcement", _("announcement")
    REMINDER = "reminder", _("reminder")
    CHANGE = "change", _("change")
    CANCELLATION = "cancellation", _("cancellation")


class NoticeState(models.TextChoices):
    SCHEDULED = "scheduled", _("scheduled")
    PUBLISHED = "published", _("published")
    SUPERSEDED = "superseded", _("superseded")
    CANCELLED = "cancelled", _("cancelled")


class DeliveryChannel(models.TextChoices):
    EMAIL = "email", _("e-mail")
    PORTAL_WEBHOOK = "portal_webhook", _("customer portal webhook")


class DeliveryKind(models.TextChoices):
    """What an outgoing message is: a downtime notice, or one of the portal's own e-mails."""

    NOTICE = "notice", _("downtime notice")
    LOGIN_LINK = "login_link", _("login link")
    ACK_REMINDER = "ack_reminder", _("acknowledgement reminder")
    ESCALATION = "escalation", _("escalation alert")
    TEST_PROBLEM = "test_problem", _("test problem alert")


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("pending")
    HELD = "held", _("held (webhook disabled)")
    SENT = "sent", _("sent")
    SKIPPED = "skipped", _("not needed any more")
    FAILED = "failed", _("failed")
    DEAD = "dead", _("dead")


class AttemptOutcome(models.TextChoices):
    STARTED = "started", _("started (outcome unknown)")
    SENT = "sent", _("sent")
    TEMPORARY = "temporary", _("temporary error")
    PERMANENT = "permanent", _("permanent error")


class ChangeKind(models.TextChoices):
    """What a change notice says happened to one system's downtime."""

    ADDED = "added", _("added to the wave")
    REMOVED = "removed", _("no longer in the wave")
    MOVED = "moved", _("downtime moved")
