import secrets

from django.conf import settings
from django.db import models
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from .choices import TestResult


def _new_nonce() -> str:
    return secrets.token_hex(16)


def _new_feed_key() -> str:
    return secrets.token_urlsafe(32)


class LoginLink(models.Model):
    """A one-time login link e-mailed to a contact person: single use, short-lived.

    The secret in the link is an HMAC of the row's id and nonce under SECRET_KEY, so the table alone
    (a backup, a read replica) does not let anyone log in.
    """

    contact = models.ForeignKey(
        "systems.ContactPerson", on_delete=models.CASCADE, related_name="login_links", verbose_name=_("contact person")
    )
    nonce = models.CharField(_("nonce"), max_length=64, default=_new_nonce, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)
    requested_from = models.GenericIPAddressField(_("requested from"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("login link")
        verbose_name_plural = _("login links")

    def __str__(self) -> str:
        return f"{self.contact} – {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def secret(self) -> str:
        return salted_hmac("portal.LoginLink", f"{self.pk}:{self.nonce}", algorithm="sha256").hexdigest()


class FeedToken(models.Model):
    """A contact person's secret for the calendar and Atom feed URLs; regenerating it revokes the old URLs."""

    contact = models.OneToOneField(
        "systems.ContactPerson", on_delete=models.CASCADE, related_name="feed_token", verbose_name=_("contact person")
    )
    key = models.CharField(_("key"), max_length=64, unique=True, default=_new_feed_key)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("feed token")
        verbose_name_plural = _("feed tokens")

    def __str__(self) -> str:
        return str(self.contact)


class TestReport(models.Model):
    """A tester's result for a migrated system: OK (the system becomes verified) or problems (staff are alerted)."""

    __test__ = False  # not a pytest test class

    system = models.ForeignKey(
        "systems.System", on_delete=models.CASCADE, related_name="test_reports", verbose_name=_("system")
    )
    contact = models.ForeignKey(
        "systems.ContactPerson", on_delete=models.CASCADE, related_name="test_reports", verbose_name=_("tester")
    )
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="test_reports",
        verbose_name=_("reported by"),
    )
    result = models.CharField(_("result"), max_length=10, choices=TestResult.choices)
    text = models.TextField(_("description"), blank=True)
    created_at = models.DateTimeField(_("reported at"), auto_now_add=True)
    resolved_at = models.DateTimeField(
        _("resolved at"), null=True, blank=True, help_text=_("Set when a later test of the system is OK.")
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("test report")
        verbose_name_plural = _("test reports")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(result=TestResult.PROBLEMS) | ~models.Q(text=""),
                name="testreport_problems_have_text",
                violation_error_message=_("Describe the problems you found."),
            ),
            models.CheckConstraint(condition=models.Q(result__in=TestResult.values), name="testreport_result_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.system.code} – {self.get_result_display()}"


class AckReminder(models.Model):
    """That one contact person was reminded to acknowledge one notice (never twice); the e-mail itself is a
    delivery in the notices' ledger (kind "acknowledgement reminder", about this row)."""

    notice = models.ForeignKey(
        "notifications.Notice", on_delete=models.CASCADE, related_name="ack_reminders", verbose_name=_("notice")
    )
    contact = models.ForeignKey(
        "systems.ContactPerson",
        on_delete=models.CASCADE,
        related_name="ack_reminders",
        verbose_name=_("contact person"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("acknowledgement reminder")
        verbose_name_plural = _("acknowledgement reminders")
        constraints = [
            models.UniqueConstraint(fields=["notice", "contact"], name="ackreminder_unique_per_contact"),
        ]

    def __str__(self) -> str:
        return f"{self.contact} – {self.notice}"
