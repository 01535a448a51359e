"""What a notice says: its default text, the e-mail to one contact person, the .ics and the webhook body.

The customer portal's calendar feed builds its events with `downtime_event`, like the e-mail's .ics.
"""

from dataclasses import dataclass
from datetime import datetime
from email.mime.text import MIMEText

import icalendar
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime

from migportal import formats
from systems.models import ContactPerson, System, SystemContact

from .choices import NoticeKind
from .models import Delivery, Notice


def window_text(start: datetime, end: datetime, language: str | None = None) -> str:
    """A migration window with the day written out: "lørdag 6. mars 2021 kl. 18:00–23:00"."""
    return formats.window_text(start, end, language=language, long=True)


def system_snapshot(system: System, *, removed: bool = False) -> dict:
    """What a notice keeps of a system (the agency must be selected with it)."""
    return {
        "id": system.pk,
        "code": system.code,
        "name": system.name,
        "agency_code": system.agency.code,
        "agency_name": system.agency.name,
        "environment": system.environment,
        "downtime_start": system.downtime_start.isoformat() if system.downtime_start else None,
        "downtime_end": system.downtime_end.isoformat() if system.downtime_end else None,
        "removed": removed,
    }


@dataclass(frozen=True)
class SystemPart:
    """One system's part of a notice: its own slot, or the whole window."""

    code: str
    name: str
    agency_code: str
    agency_name: str
    environment: str
    start: datetime
    end: datetime
    removed: bool
    roles: tuple[str, ...]  # ContactRole values; labels in the reader's language through role_labels

    @property
    def role_labels(self) -> list[str]:
        from systems.choices import ContactRole

        return [str(ContactRole(role).label) if role in ContactRole.values else role for role in self.roles]

    def window(self, language: str | None = None) -> str:
        return window_text(self.start, self.end, language)

    @property
    def environment_label(self) -> str:
        from systems.choices import Environment

        return Environment(self.environment).label if self.environment in Environment.values else self.environment


def notice_parts(notice: Notice, roles_by_system: dict[int, list[str]] | None = None) -> list[SystemPart]:
    """The systems of a notice as it was published, each with its downtime (own slot inside the window)."""
    parts = []
    for item in notice.systems_snapshot:
        if roles_by_system is not None and item["id"] not in roles_by_system:
            continue
        start = parse_datetime(item["downtime_start"]) if item.get("downtime_start") else notice.window_start
        end = parse_datetime(item["downtime_end"]) if item.get("downtime_end") else notice.window_end
        parts.append(
            SystemPart(
                code=item["code"],
                name=item["name"],
                agency_code=item["agency_code"],
                agency_name=item.get("agency_name", ""),
                environment=item["environment"],
                start=start,
                end=end,
                removed=item.get("removed", False),
                roles=tuple((roles_by_system or {}).get(item["id"], ())),
            )
        )
    return sorted(parts, key=lambda part: (part.removed, part.code))


def notice_systems_for_contact(
    notice: Notice, contact: ContactPerson | None, roles: dict[int, list[str]] | None = None
) -> list[SystemPart]:
    """The part of a notice that concerns one contact person: their systems with their roles.

    `roles` (system id → the contact's roles, fetched with the delivery) saves the query.
    """
    if contact is None:
        return notice_parts(notice)
    if roles is not None:
        return notice_parts(notice, roles)
    roles = {}
    system_ids = [item["id"] for item in notice.systems_snapshot]
    links = SystemContact.objects.filter(contact=contact, system_id__in=system_ids).order_by("role")
    for link in links.only("system_id", "role"):
        roles.setdefault(link.system_id, []).append(link.role)
    return notice_parts(notice, roles)


def _text_context(notice: Notice, language: str) -> dict:
    return {
        "notice": notice,
        "wave_name": notice.wave.name,
        "window": window_text(notice.window_start, notice.window_end, language),
        "previous_window": (
            window_text(notice.previous_window_start, notice.previous_window_end, language)
            if notice.previous_window_start and notice.previous_window_end
            else ""
        ),
        "lead_days": settings.NOTICE_LEAD_DAYS,
        "is_announcement": notice.kind == NoticeKind.ANNOUNCEMENT,
        "is_reminder": notice.kind == NoticeKind.REMINDER,
        "is_change": notice.kind == NoticeKind.CHANGE,
        "is_cancellation": notice.kind == NoticeKind.CANCELLATION,
    }


def default_text(notice: Notice, language: str | None = None) -> tuple[str, str]:
    """The template's title and body for a notice (used until staff edit them)."""
    language = language or settings.LANGUAGE_CODE
    with translation.override(language):
        context = _text_context(notice, language)
        title = " ".join(render_to_string("notifications/notice/title.txt", context).split())
        body = render_to_string("notifications/notice/body.txt", context).strip()
    return title, body


def notice_text(notice: Notice, language: str | None = None) -> tuple[str, str]:
    """Title and body in `language`: what staff wrote, else the template in that language."""
    same_language = (language or settings.LANGUAGE_CODE) == settings.LANGUAGE_CODE
    if notice.text_edited or (same_language and notice.title):
        return notice.title, notice.body
    return default_text(notice, language)


def _mail_domain() -> str:
    return settings.DEFAULT_FROM_EMAIL.rpartition("@")[2] or "migportal.invalid"


def downtime_uid(wave_id: int) -> str:
    """The iCalendar UID of a wave's downtime: the same in every e-mail's .ics and in the calendar feed, so a
    calendar that gets both shows one event. The domain is the sender's (DEFAULT_FROM_EMAIL), not the host the
    request came to."""
    return f"wave-{wave_id}@{_mail_domain()}"


def downtime_event(
    *,
    uid: str,
    sequence: int,
    stamp: datetime,
    start: datetime,
    end: datetime,
    summary: str,
    description: str,
    cancelled: bool,
) -> icalendar.Event:
    """One downtime as a VEVENT: the e-mail's .ics and the portal's calendar feed both write it so."""
    event = icalendar.Event()
    event.add("uid", uid)
    event.add("sequence", sequence)
    event.add("dtstamp", stamp)
    event.add("dtstart", start)
    event.add("dtend", end)
    event.add("summary", summary)
    event.add("description", description)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("transp", "OPAQUE")
    return event


def notice_ics(notice: Notice, parts: list[SystemPart]) -> bytes:
    """An iCalendar object for the downtime; a cancellation cancels the same event (same UID, higher SEQUENCE).

    SEQUENCE is the notice's id: later notices of a wave have higher ones (the calendar feed counts the same way).
    """
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//migportal//downtime notices//NB")
    calendar.add("version", "2.0")
    cancelled = notice.kind == NoticeKind.CANCELLATION
    calendar.add("method", "CANCEL" if cancelled else "PUBLISH")
    live = [part for part in parts if not part.removed] or parts
    event = downtime_event(
        uid=downtime_uid(notice.wave_id),
        sequence=notice.pk,
        stamp=notice.published_at or timezone.now(),
        start=min((part.start for part in live), default=notice.window_start),
        end=max((part.end for part in live), default=notice.window_end),
        summary=notice.title or notice.wave.name,
        description=notice.body,
        cancelled=cancelled,
    )
    calendar.add_component(event)
    return calendar.to_ical()


def contact_language(contact: ContactPerson | None) -> str:
    """The language to write to a contact person in (theirs, else the site's); the portal's e-mails use it too."""
    return (contact.language if contact else "") or settings.LANGUAGE_CODE


@dataclass
class RenderedEmail:
    subject: str
    text: str
    html: str
    language: str


def render_email(notice: Notice, contact: ContactPerson | None, parts: list[SystemPart] | None = None) -> RenderedEmail:
    """The e-mail for one contact person, in their language, listing all their systems in the notice."""
    if parts is None:
        parts = notice_systems_for_contact(notice, contact)
    language = contact_language(contact)
    with translation.override(language):
        title, body = notice_text(notice, language)
        context = {
            **_text_context(notice, language),
            "title": title,
            "body": body,
            "contact": contact,
            "parts": parts,
            "language": language,
            "portal_url": settings.SITE_URL.rstrip("/") + "/portal/",
        }
        text = render_to_string("notifications/email/notice.txt", context)
        html = render_to_string("notifications/email/notice.html", context)
    return RenderedEmail(subject=" ".join(title.split()), text=text, html=html, language=language)


# Many people share the same systems and language: a published notice renders the same for all of them.
_RENDERED: dict[tuple, RenderedEmail] = {}
_RENDERED_MAX = 512


def _render_published(notice: Notice, contact: ContactPerson | None, parts: list[SystemPart]) -> RenderedEmail:
    language = contact_language(contact)
    key = (notice.pk, notice.published_at, language, contact is None, tuple(parts))
    rendered = _RENDERED.get(key)
    if rendered is None:
        rendered = render_email(notice, contact, parts)
        if len(_RENDERED) >= _RENDERED_MAX:
            _RENDERED.clear()
        _RENDERED[key] = rendered
    return rendered


def build_email(delivery: Delivery) -> EmailMultiAlternatives:
    """The message of an e-mail delivery, with a Message-ID that stays the same on every retry."""
    notice, contact = delivery.notice, delivery.contact
    parts = notice_systems_for_contact(notice, contact, getattr(delivery, "roles_by_system", None))
    rendered = (
        _render_published(notice, contact, parts) if notice.published_at else render_email(notice, contact, parts)
    )
    message = EmailMultiAlternatives(
        subject=rendered.subject,
        body=rendered.text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[delivery.recipient],
        headers={
            "Message-ID": f"<{delivery.uid}@{_mail_domain()}>",
            "Content-Language": rendered.language,
            "Auto-Submitted": "auto-generated",
        },
    )
    message.attach_alternative(rendered.html, "text/html")
    ics = notice_ics(notice, parts)
    calendar_part = MIMEText(ics.decode(), "calendar", "utf-8")
    calendar_part.set_param("method", "CANCEL" if notice.kind == NoticeKind.CANCELLATION else "PUBLISH")
    calendar_part.add_header("Content-Disposition", "attachment", filename="nedetid.ics")
    message.attach(calendar_part)
    return message


def webhook_payload(notice: Notice) -> dict:
    """The JSON body of the customer-portal webhook (docs/webhook.md)."""
    parts = notice_parts(notice)

    def system(part: SystemPart) -> dict:
        return {
            "code": part.code,
            "name": part.name,
            "agency_code": part.agency_code,
            "environment": part.environment,
            "downtime_start": timezone.localtime(part.start).isoformat(),
            "downtime_end": timezone.localtime(part.end).isoformat(),
        }

    payload = {
        "type": f"notice.{notice.kind}",
        "notice_id": notice.pk,
        "wave": notice.wave.name,
        "wave_id": notice.wave_id,
        "window_start": timezone.localtime(notice.window_start).isoformat(),
        "window_end": timezone.localtime(notice.window_end).isoformat(),
        "systems": [system(part) for part in parts if not part.removed],
        "title": notice.title,
        "body": notice.body,
        "short_notice": notice.short_notice,
        "published_at": timezone.localtime(notice.published_at).isoformat() if notice.published_at else None,
    }
    if notice.kind == NoticeKind.CHANGE:
        payload["previous_window"] = (
            {
                "start": timezone.localtime(notice.previous_window_start).isoformat(),
                "end": timezone.localtime(notice.previous_window_end).isoformat(),
            }
            if notice.previous_window_start and notice.previous_window_end
            else None
        )
        payload["removed_systems"] = [system(part) for part in parts if part.removed]
    return payload
