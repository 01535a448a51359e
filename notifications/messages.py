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
from django.utils.timesince import timeuntil

from migportal import formats
from systems.models import ContactPerson, System, SystemContact

from .choices import ChangeKind, NoticeKind
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


def change_record(
    item: dict, change: str, downtime: tuple[datetime, datetime], *, previous: tuple[datetime, datetime] | None = None
) -> dict:
    """What a change notice keeps of one system whose downtime changed (see services._wave_changes)."""
    moved = previous is not None and previous != downtime  # an own slot kept while the window moved: no old time
    return {
        **item,
        "change": change,
        "removed": change == ChangeKind.REMOVED,
        "downtime_start": downtime[0].isoformat(),
        "downtime_end": downtime[1].isoformat(),
        "previous_start": previous[0].isoformat() if moved else None,
        "previous_end": previous[1].isoformat() if moved else None,
    }


@dataclass(frozen=True)
class SystemPart:
    """One system's part of a notice: its own slot, or the whole window; in a change notice, what changed."""

    code: str
    name: str
    agency_code: str
    agency_name: str
    environment: str
    start: datetime
    end: datetime
    removed: bool
    roles: tuple[str, ...]  # ContactRole values; labels in the reader's language through role_labels
    change: str = ""  # ChangeKind in a change notice
    previous_start: datetime | None = None
    previous_end: datetime | None = None

    @property
    def role_labels(self) -> list[str]:
        from systems.choices import ContactRole

        return [str(ContactRole(role).label) if role in ContactRole.values else role for role in self.roles]

    def window(self, language: str | None = None) -> str:
        return window_text(self.start, self.end, language)

    def previous_window(self, language: str | None = None) -> str:
        """The downtime before the change ("" unless the time moved)."""
        if self.previous_start is None or self.previous_end is None:
            return ""
        return window_text(self.previous_start, self.previous_end, language)

    @property
    def environment_label(self) -> str:
        from systems.choices import Environment

        return Environment(self.environment).label if self.environment in Environment.values else self.environment


def notice_parts(notice: Notice, roles_by_system: dict[int, list[str]] | None = None) -> list[SystemPart]:
    """The systems a notice is about, each with its downtime (own slot inside the window): for a change notice
    those whose downtime changed and how, else the wave's systems as published. With `roles_by_system`, only
    the reader's systems."""
    items = notice.changes if notice.kind == NoticeKind.CHANGE else notice.systems_snapshot
    return _parts(notice, items, roles_by_system)


def snapshot_parts(notice: Notice) -> list[SystemPart]:
    """Every system of the wave as the notice was published (for a change notice: after the change)."""
    return _parts(notice, notice.systems_snapshot, None)


def _moment(value: str | None) -> datetime | None:
    return parse_datetime(value) if value else None


def _parts(notice: Notice, items: list[dict], roles_by_system: dict[int, list[str]] | None) -> list[SystemPart]:
    parts = []
    for item in items:
        if roles_by_system is not None and item["id"] not in roles_by_system:
            continue
        start = _moment(item.get("downtime_start")) or notice.window_start
        end = _moment(item.get("downtime_end")) or notice.window_end
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
                change=item.get("change", ""),
                previous_start=_moment(item.get("previous_start")),
                previous_end=_moment(item.get("previous_end")),
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
    system_ids = [item["id"] for item in (notice.changes or notice.systems_snapshot)]
    links = SystemContact.objects.filter(contact=contact, system_id__in=system_ids).order_by("role")
    for link in links.only("system_id", "role"):
        roles.setdefault(link.system_id, []).append(link.role)
    return notice_parts(notice, roles)


def _text_context(notice: Notice, language: str, parts: list[SystemPart] | None = None) -> dict:
    """What the title and body templates need; for a change notice, worded for `parts` (the reader's systems,
    or all of them): added systems read as their announcement, removed ones as no longer moving."""
    changes = set()
    if notice.kind == NoticeKind.CHANGE:
        changes = {part.change for part in (notice_parts(notice) if parts is None else parts)}
    published = notice.published_at or notice.publish_at
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
        "time_left": timeuntil(notice.window_start, published) if published else "",
        "is_announcement": notice.kind == NoticeKind.ANNOUNCEMENT,
        "is_reminder": notice.kind == NoticeKind.REMINDER,
        "is_change": notice.kind == NoticeKind.CHANGE,
        "is_cancellation": notice.kind == NoticeKind.CANCELLATION,
        "only_added": changes == {ChangeKind.ADDED},
        "only_removed": changes == {ChangeKind.REMOVED},
        "only_moved": changes == {ChangeKind.MOVED},
    }


def default_text(notice: Notice, language: str | None = None, parts: list[SystemPart] | None = None) -> tuple[str, str]:
    """The template's title and body for a notice (used until staff edit them); `parts` words a change notice
    for one reader's systems."""
    language = language or settings.LANGUAGE_CODE
    with translation.override(language):
        context = _text_context(notice, language, parts)
        title = " ".join(render_to_string("notifications/notice/title.txt", context).split())
        body = render_to_string("notifications/notice/body.txt", context).strip()
    return title, body


def notice_text(notice: Notice, language: str | None = None, parts: list[SystemPart] | None = None) -> tuple[str, str]:
    """Title and body in `language`: what staff wrote, else the template in that language (a change notice
    worded for the reader's `parts` when given)."""
    if notice.text_edited:
        return notice.title, notice.body
    if parts is not None and notice.kind == NoticeKind.CHANGE:
        return default_text(notice, language, parts)
    if (language or settings.LANGUAGE_CODE) == settings.LANGUAGE_CODE and notice.title:
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


def notice_ics(notice: Notice, parts: list[SystemPart], *, rendered: "RenderedEmail") -> bytes:
    """An iCalendar object for the reader's downtime, titled as their e-mail; a cancellation (or a change that
    takes all their systems out) cancels the same event (same UID, higher SEQUENCE).

    SEQUENCE is the notice's id: later notices of a wave have higher ones (the calendar feed counts the same way).
    """
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//migportal//downtime notices//NB")
    calendar.add("version", "2.0")
    cancelled = notice.kind == NoticeKind.CANCELLATION
    live = [part for part in parts if not part.removed]
    cancelled = cancelled or not live  # a change that takes all the reader's systems out cancels their event
    live = live or parts
    calendar.add("method", "CANCEL" if cancelled else "PUBLISH")
    event = downtime_event(
        uid=downtime_uid(notice.wave_id),
        sequence=notice.pk,
        stamp=notice.published_at or timezone.now(),
        start=min((part.start for part in live), default=notice.window_start),
        end=max((part.end for part in live), default=notice.window_end),
        summary=rendered.subject or notice.wave.name,
        description=rendered.body,
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
    body: str  # the notice's text as this reader gets it
    text: str
    html: str
    language: str


def render_email(notice: Notice, contact: ContactPerson | None, parts: list[SystemPart] | None = None) -> RenderedEmail:
    """The e-mail for one contact person, in their language, listing all their systems in the notice."""
    if parts is None:
        parts = notice_systems_for_contact(notice, contact)
    language = contact_language(contact)
    with translation.override(language):
        title, body = notice_text(notice, language, parts)
        context = {
            **_text_context(notice, language, parts),
            "title": title,
            "body": body,
            "contact": contact,
            "parts": parts,
            "language": language,
            "portal_url": settings.SITE_URL.rstrip("/") + "/portal/",
        }
        text = render_to_string("notifications/email/notice.txt", context)
        html = render_to_string("notifications/email/notice.html", context)
    return RenderedEmail(subject=" ".join(title.split()), body=body, text=text, html=html, language=language)


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
    ics = notice_ics(notice, parts, rendered=rendered)
    calendar_part = MIMEText(ics.decode(), "calendar", "utf-8")
    calendar_part.set_param("method", "CANCEL" if b"METHOD:CANCEL" in ics else "PUBLISH")
    calendar_part.add_header("Content-Disposition", "attachment", filename="nedetid.ics")
    message.attach(calendar_part)
    return message


def _local_iso(moment: datetime | None) -> str | None:
    return timezone.localtime(moment).isoformat() if moment else None


def webhook_payload(notice: Notice) -> dict:
    """The JSON body of the customer-portal webhook (docs/webhook.md)."""
    parts = snapshot_parts(notice)

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
        "systems": [system(part) for part in parts if not part.removed],  # the wave's systems, after any change
        "title": notice.title,
        "body": notice.body,
        "short_notice": notice.short_notice,
        "published_at": _local_iso(notice.published_at),
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
        changes = notice_parts(notice)
        payload["removed_systems"] = [system(part) for part in changes if part.removed]
        payload["changes"] = [
            {
                **system(part),
                "change": part.change,
                "previous_downtime_start": _local_iso(part.previous_start),
                "previous_downtime_end": _local_iso(part.previous_end),
            }
            for part in changes
        ]
    return payload
