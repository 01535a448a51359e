"""The portal's own e-mails: login link, acknowledgement reminder, test-problem and escalation alerts to the editors.

They go out through the delivery ledger of the notices (notifications.services.emails_queue writes one row per
address; the same worker claims, sends, retries and sweeps them). Here is what each says: a builder per kind,
registered with the e-mail transport, that renders the message when it is sent, or returns None when it is not
needed any more. Contact persons get their language (bokmål by default, English if they chose it); staff get bokmål.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from migportal.formats import plural_count
from notifications.choices import DeliveryKind
from notifications.messages import contact_language
from notifications.models import Acknowledgement, Delivery
from notifications.transports import EMAIL_BUILDERS
from systems.roles import EDITOR_GROUP

from . import selectors
from .models import AckReminder, LoginLink, TestReport

# Systems listed in one escalation e-mail; the page behind its link lists them all.
ESCALATION_MAIL_LIMIT = 100


def absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _message(*, template: str, context: dict, language: str) -> EmailMessage:
    with translation.override(language):
        subject = " ".join(render_to_string(f"portal/email/{template}_subject.txt", context).split())
        body = render_to_string(f"portal/email/{template}.txt", context)
    return EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL)


def login_link_email(delivery: Delivery) -> EmailMessage | None:
    """The one-time login link, unless it was used or expired meanwhile (then it is useless)."""
    link = LoginLink.objects.select_related("contact").filter(pk=delivery.reference).first()
    if link is None or link.used_at is not None or link.expires_at <= timezone.now():
        return None
    url = absolute(reverse("portal:login_link", kwargs={"pk": link.pk, "secret": link.secret}))
    return _message(
        template="login_link",
        context={"contact": link.contact, "url": url, "minutes": settings.PORTAL_LOGIN_LINK_MAX_AGE_MINUTES},
        language=contact_language(link.contact),
    )


def ack_reminder_email(delivery: Delivery) -> EmailMessage | None:
    """A reminder to acknowledge a notice, unless the contact acknowledged it meanwhile."""
    reminder = AckReminder.objects.select_related("notice__wave", "contact").filter(pk=delivery.reference).first()
    if reminder is None or Acknowledgement.objects.filter(notice=reminder.notice, contact=reminder.contact).exists():
        return None
    return _message(
        template="ack_reminder",
        context={
            "contact": reminder.contact,
            "notice": reminder.notice,
            "url": absolute(reverse("portal:notice_detail", kwargs={"pk": reminder.notice_id})),
        },
        language=contact_language(reminder.contact),
    )


def problems_found_email(delivery: Delivery) -> EmailMessage | None:
    """Tell an editor that a tester found problems with a migrated system."""
    report = TestReport.objects.select_related("system__agency", "contact").filter(pk=delivery.reference).first()
    if report is None:
        return None
    return _message(
        template="test_problem",
        context={"report": report, "system": report.system, "url": absolute(f"/systems/{report.system_id}/")},
        language=settings.LANGUAGE_CODE,
    )


def escalation_email(delivery: Delivery) -> EmailMessage | None:
    """The systems close to their window with no acknowledgement, as they are when the e-mail is sent."""
    systems = list(selectors.escalation_systems(now=timezone.now())[: ESCALATION_MAIL_LIMIT + 1])
    if not systems:
        return None
    return _message(
        template="escalation",
        context={
            "systems": systems[:ESCALATION_MAIL_LIMIT],
            "more": len(systems) > ESCALATION_MAIL_LIMIT,
            "days": settings.PORTAL_ESCALATION_DAYS,
            "plural_days": plural_count(settings.PORTAL_ESCALATION_DAYS),
            "url": absolute(reverse("portal:staff_escalations")),
        },
        language=settings.LANGUAGE_CODE,
    )


def register() -> None:
    """Tell the e-mail transport how to write each of the portal's e-mails (called from PortalConfig.ready)."""
    EMAIL_BUILDERS.update(
        {
            DeliveryKind.LOGIN_LINK: login_link_email,
            DeliveryKind.ACK_REMINDER: ack_reminder_email,
            DeliveryKind.TEST_PROBLEM: problems_found_email,
            DeliveryKind.ESCALATION: escalation_email,
        }
    )


def editor_recipients(*, about: int) -> list[tuple[int, str, None]]:
    """The editors as recipients of a portal e-mail about `about` (a report's id, a day): (about, address, None),
    since editors are no contact persons."""
    users = get_user_model().objects.filter(groups__name=EDITOR_GROUP, is_active=True).exclude(email="")
    return [(about, address, None) for address in sorted(set(users.values_list("email", flat=True)))]
