"""A contact person's subscriptions: an Atom feed of their notices and an iCalendar feed of their windows.

Both are reached by a secret token in the URL (FeedToken); a wrong or revoked token is a 404, and so is the
token of a contact person whose login was deactivated or deleted (removing the contact deletes the token).
"""

from datetime import timedelta
from urllib.parse import urlsplit

import icalendar
from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape, format_html, format_html_join, linebreaks
from django.utils.translation import gettext as _

from migportal.formats import window_text
from notifications.messages import downtime_event, downtime_uid, notice_parts, notice_text
from notifications.models import Notice

from . import selectors
from .emails import absolute
from .models import FeedToken

FEED_SIZE = 50


def _contact_for_token(token: str):
    tokens = FeedToken.objects.select_related("contact").filter(contact__user__is_active=True)
    return get_object_or_404(tokens, key=token).contact


def site_domain() -> str:
    """The host of SITE_URL, for the tag: ids of the feeds (and the staff wave calendar's UIDs)."""
    return urlsplit(settings.SITE_URL).hostname or "migportal.invalid"


class NoticeAtomFeed(Feed):
    """The contact's published notices, newest first (Atom 1.0)."""

    feed_type = Atom1Feed

    def __call__(self, request, *args, **kwargs):
        # Looked up once: the language is needed before Feed.__call__, which then asks get_object for it.
        request.feed_contact = _contact_for_token(kwargs["token"])
        with translation.override(request.feed_contact.language):
            return super().__call__(request, *args, **kwargs)

    def get_object(self, request, token):
        return request.feed_contact

    def title(self, contact):
        return _("Downtime notices for %(name)s") % {"name": contact.name}

    def subtitle(self, contact):
        return _("Downtime notices of the data centre migration for your systems and agency.")

    def link(self, contact):
        return reverse("portal:notice_list")

    def feed_guid(self, contact):
        return f"tag:{site_domain()},2026:portal:contact:{contact.pk}:notices"

    def items(self, contact):
        notices = list(
            selectors.notices_for_contact(contact).select_related("wave").order_by("-published_at", "-pk")[:FEED_SIZE]
        )
        # Each entry lists the systems its text speaks of: those of the notice the contact may see.
        visible = dict.fromkeys(selectors.visible_systems(contact).values_list("pk", flat=True), ())
        for notice in notices:
            notice.feed_title, notice.feed_body = notice_text(notice, contact.language)
            notice.feed_parts = [part for part in notice_parts(notice, visible) if not part.removed]
        return notices

    def item_title(self, notice: Notice):
        return notice.feed_title or f"{notice.get_kind_display().capitalize()}: {notice.wave.name}"

    def item_description(self, notice: Notice):
        window = window_text(notice.window_start, notice.window_end)
        text = linebreaks(escape(f"{_('Migration window')}: {window}\n\n{notice.feed_body}"))
        systems = format_html_join(
            "",
            "<li>{} {} ({}): {}</li>",
            ((part.code, part.name, part.agency_name, window_text(part.start, part.end)) for part in notice.feed_parts),
        )
        return text + format_html("<p>{}:</p><ul>{}</ul>", _("Systems"), systems) if notice.feed_parts else text

    def item_link(self, notice: Notice):
        return reverse("portal:notice_detail", kwargs={"pk": notice.pk})

    def item_guid(self, notice: Notice):
        return f"tag:{site_domain()},2026:portal:notice:{notice.pk}"

    item_guid_is_permalink = False

    def item_pubdate(self, notice: Notice):
        return notice.published_at

    def item_updateddate(self, notice: Notice):
        return notice.published_at


def calendar_for(contact) -> icalendar.Calendar:
    """RFC 5545 calendar: one VEVENT per wave window of the contact's systems, in Europe/Oslo time with its
    VTIMEZONE."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Kommunen//migportal//NO")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", _("Migration windows – %(name)s") % {"name": contact.name})
    calendar.add("x-wr-timezone", "Europe/Oslo")
    events = selectors.calendar_events(contact, now=timezone.now())
    for item in events:
        systems = ", ".join(f"{system.code} {system.name}" for system in item.systems)
        event = downtime_event(
            uid=downtime_uid(item.wave_id),
            sequence=item.sequence,
            stamp=item.last_modified,
            start=timezone.localtime(item.start, timezone.get_default_timezone()),
            end=timezone.localtime(item.end, timezone.get_default_timezone()),
            summary=_("Downtime: %(wave)s") % {"wave": item.wave_name},
            description="\n\n".join(part for part in [item.title, item.body, f"{_('Systems')}: {systems}"] if part),
            cancelled=item.cancelled,
        )
        event.add("last-modified", item.last_modified)
        event.add("url", absolute(reverse("portal:notice_detail", kwargs={"pk": item.notice_id})))
        calendar.add_component(event)
    if events:
        # A VTIMEZONE covering the events' years (with margin), not 1970–2038: clients need only those rules.
        calendar.add_missing_timezones(
            first_date=min(event.start for event in events).date() - timedelta(days=366),
            last_date=max(event.end for event in events).date() + timedelta(days=366),
        )
    return calendar


def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    contact = _contact_for_token(token)
    with translation.override(contact.language):
        body = calendar_for(contact).to_ical()
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="migreringsvinduer.ics"'
    response["Cache-Control"] = "private, max-age=300"
    return response
