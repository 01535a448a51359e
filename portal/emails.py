"""The portal's own e-mails: login link, acknowledgement reminder, test-problem alert to the editors.

Contact persons get their language (bokmål by default, English if they chose it); staff get bokmål.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from notifications.messages import contact_language
from systems.roles import EDITOR_GROUP

from .models import AckReminder, LoginLink, TestReport


def absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _send(*, template: str, context: dict, to: list[str], language: str) -> int:
    with translation.override(language):
        subject = " ".join(render_to_string(f"portal/email/{template}_subject.txt", context).split())
        body = render_to_string(f"portal/email/{template}.txt", context)
    return send_mail(subject, body, None, to)


def send_login_link(link: LoginLink) -> int:
    contact = link.contact
    url = absolute(reverse("portal:login_link", kwargs={"pk": link.pk, "secret": link.secret}))
    return _send(
        template="login_link",
        context={"contact": contact, "url": url, "minutes": settings.PORTAL_LOGIN_LINK_MAX_AGE_MINUTES},
        to=[contact.email],
        language=contact_language(contact),
    )


def send_ack_reminder(reminder: AckReminder) -> int:
    contact, notice = reminder.contact, reminder.notice
    return _send(
        template="ack_reminder",
        context={
            "contact": contact,
            "notice": notice,
            "url": absolute(reverse("portal:notice_detail", kwargs={"pk": notice.pk})),
        },
        to=[contact.email],
        language=contact_language(contact),
    )


def editor_addresses() -> list[str]:
    users = get_user_model().objects.filter(groups__name=EDITOR_GROUP, is_active=True).exclude(email="")
    return sorted(set(users.values_list("email", flat=True)))


def send_test_problem_alert(report: TestReport) -> int:
    recipients = editor_addresses()
    if not recipients:
        return 0
    return _send(
        template="test_problem",
        context={"report": report, "system": report.system, "url": absolute(f"/systems/{report.system_id}/")},
        to=recipients,
        language=settings.LANGUAGE_CODE,
    )


def send_escalation_alert(systems: list, *, more: bool) -> int:
    recipients = editor_addresses()
    if not recipients:
        return 0
    return _send(
        template="escalation",
        context={
            "systems": systems,
            "more": more,
            "days": settings.PORTAL_ESCALATION_DAYS,
            "url": absolute(reverse("portal:staff_escalations")),
        },
        to=recipients,
        language=settings.LANGUAGE_CODE,
    )
