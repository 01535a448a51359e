"""The subscriptions: iCalendar and Atom feeds parsed by real parsers, and revocable token URLs."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import feedparser
import icalendar
import pytest
from django.urls import reverse

from notifications.choices import NoticeKind, NoticeState
from notifications.messages import notice_ics, notice_systems_for_contact, render_email, system_snapshot
from portal.models import FeedToken
from portal.services import feed_token_regenerate
from tests.factories import NoticeFactory, SystemContactFactory, SystemFactory, WaveFactory

OSLO = ZoneInfo("Europe/Oslo")
# Ten days ahead at 18:00 Oslo time (the calendar leaves out windows that ended long ago).
START = datetime.now(OSLO).replace(hour=18, minute=0, second=0, microsecond=0) + timedelta(days=10)


@pytest.fixture
def token(contact_a):
    return feed_token_regenerate(contact=contact_a).key


def _calendar(client, token) -> icalendar.Calendar:
    response = client.get(reverse("portal:calendar_feed", kwargs={"token": token}))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = icalendar.Calendar.from_ical(response.content)
    for component in calendar.walk():
        assert not component.errors, (component.name, component.errors)
    return calendar


def _events(calendar) -> list:
    return calendar.walk("VEVENT")


@pytest.fixture
def oslo_wave(system_a):
    wave = WaveFactory(name="Bølge Nord", window_start=START, window_end=START + timedelta(hours=5))
    system_a.wave = wave
    system_a.save()
    return wave


def test_calendar_feed_has_one_event_in_oslo_time_with_vtimezone(client, token, system_a, oslo_wave):
    announcement = NoticeFactory(wave=oslo_wave, systems=[system_a], title="Nedetid for kartløsningen")
    NoticeFactory(  # a reminder of the same window adds no event and changes nothing
        wave=oslo_wave, systems=[system_a], kind=NoticeKind.REMINDER, published_at=START - timedelta(days=2)
    )
    calendar = _calendar(client, token)
    (event,) = _events(calendar)
    assert event["DTSTART"].params["TZID"] == "Europe/Oslo"
    assert event.decoded("DTSTART") == START
    assert event.decoded("DTEND") == START + timedelta(hours=5)
    assert event["STATUS"] == "CONFIRMED"
    assert event["SEQUENCE"] == announcement.pk  # as in the announcement's e-mail
    assert "BYM-KART" in event["DESCRIPTION"]
    assert str(event["SUMMARY"]) == "Nedetid: Bølge Nord"
    (timezone_component,) = calendar.walk("VTIMEZONE")
    assert timezone_component["TZID"] == "Europe/Oslo"
    assert {sub.name for sub in timezone_component.subcomponents} == {"STANDARD", "DAYLIGHT"}


def test_calendar_feed_keeps_uid_and_bumps_sequence_across_reschedule_and_cancellation(
    client, token, system_a, oslo_wave
):
    announcement = NoticeFactory(wave=oslo_wave, systems=[system_a], published_at=START - timedelta(days=14))
    (first,) = _events(_calendar(client, token))

    announcement.state = NoticeState.SUPERSEDED
    announcement.save()
    moved = START + timedelta(days=7)
    change = NoticeFactory(
        wave=oslo_wave,
        kind=NoticeKind.CHANGE,
        systems=[system_a],
        window_start=moved,
        window_end=moved + timedelta(hours=5),
        previous_window_start=START,
        previous_window_end=START + timedelta(hours=5),
        published_at=START - timedelta(days=10),
    )
    (second,) = _events(_calendar(client, token))

    change.state = NoticeState.SUPERSEDED
    change.save()
    cancellation = NoticeFactory(
        wave=oslo_wave,
        kind=NoticeKind.CANCELLATION,
        systems=[system_a],
        window_start=moved,
        window_end=moved + timedelta(hours=5),
        published_at=START - timedelta(days=5),
    )
    (third,) = _events(_calendar(client, token))

    assert first["UID"] == second["UID"] == third["UID"]
    assert [first["SEQUENCE"], second["SEQUENCE"], third["SEQUENCE"]] == [announcement.pk, change.pk, cancellation.pk]
    assert [first["STATUS"], second["STATUS"], third["STATUS"]] == ["CONFIRMED", "CONFIRMED", "CANCELLED"]
    assert second.decoded("DTSTART") == moved
    assert third.decoded("LAST-MODIFIED") > second.decoded("LAST-MODIFIED") > first.decoded("LAST-MODIFIED")


def _change_notice(wave, system, change):
    """A change notice five days after the announcement that names `system` as added, removed or moved."""
    return NoticeFactory(
        wave=wave,
        kind=NoticeKind.CHANGE,
        systems=[system],
        changes=[{"id": system.pk, "code": system.code, "change": change}],
        published_at=START - timedelta(days=9),
    )


def test_calendar_feed_cancels_the_event_when_a_change_removes_the_contacts_system(
    client, token, agency_b, system_a, oslo_wave
):
    other = SystemFactory(agency=agency_b, wave=oslo_wave)
    NoticeFactory(wave=oslo_wave, systems=[system_a, other], published_at=START - timedelta(days=14))
    change = _change_notice(oslo_wave, system_a, "removed")
    (event,) = _events(_calendar(client, token))
    assert event["STATUS"] == "CANCELLED"
    assert event["SEQUENCE"] == change.pk


def test_calendar_feed_keeps_the_event_when_a_change_concerns_only_other_systems(
    client, token, agency_b, system_a, oslo_wave
):
    NoticeFactory(wave=oslo_wave, systems=[system_a], published_at=START - timedelta(days=14))
    other = SystemFactory(agency=agency_b, wave=oslo_wave)
    _change_notice(oslo_wave, other, "added")
    (event,) = _events(_calendar(client, token))
    assert event["STATUS"] == "CONFIRMED"


def test_calendar_feed_shows_only_the_contacts_windows(client, token, system_a, system_b, oslo_wave):
    other_wave = WaveFactory(window_start=START + timedelta(days=30), window_end=START + timedelta(days=30, hours=2))
    NoticeFactory(wave=oslo_wave, systems=[system_a])
    NoticeFactory(wave=other_wave, systems=[system_b])
    events = _events(_calendar(client, token))
    assert len(events) == 1
    assert "UDE-SKOLE" not in events[0]["DESCRIPTION"]


def test_calendar_feed_follows_own_systems_and_leaves_out_old_windows(client, token, agency_a, system_a, settings):
    settings.PORTAL_CALENDAR_PAST_DAYS = 60
    colleagues = SystemFactory(agency=agency_a, code="BYM-LØNN")
    colleague_wave = WaveFactory(window_start=START, window_end=START + timedelta(hours=1))
    NoticeFactory(wave=colleague_wave, systems=[colleagues], title="Kollegas system")
    old = WaveFactory(window_start=START - timedelta(days=80), window_end=START - timedelta(days=79))
    NoticeFactory(wave=old, systems=[system_a])
    recent = WaveFactory(window_start=START - timedelta(days=50), window_end=START - timedelta(days=49))
    NoticeFactory(wave=recent, systems=[system_a])
    (event,) = _events(_calendar(client, token))
    assert event.decoded("DTSTART") == recent.window_start
    atom = feedparser.parse(client.get(reverse("portal:atom_feed", kwargs={"token": token})).content)
    assert "Kollegas system" in [entry.title for entry in atom.entries]  # the agency's notices stay in the feed


@pytest.mark.parametrize("count", [2, 15])
def test_calendar_feed_query_count_does_not_grow(
    client, token, contact_a, agency_a, count, django_assert_max_num_queries
):
    for n in range(count):
        wave = WaveFactory(window_start=START + timedelta(days=n), window_end=START + timedelta(days=n, hours=3))
        system = SystemFactory(agency=agency_a, wave=wave)
        SystemContactFactory(system=system, contact=contact_a)
        NoticeFactory(wave=wave, systems=[system])
        NoticeFactory(wave=wave, systems=[system], kind=NoticeKind.CHANGE)
    with django_assert_max_num_queries(5):
        calendar = _calendar(client, token)
    assert len(_events(calendar)) == count


def test_atom_feed_is_valid_and_lists_the_contacts_notices(client, token, notice_a, notice_b):
    response = client.get(reverse("portal:atom_feed", kwargs={"token": token}))
    assert response.status_code == 200
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.bozo_exception
    assert feed.feed.title == "Nedetidsvarsler for Anne Andersen"
    assert [entry.title for entry in feed.entries] == ["Nedetid for kartløsningen"]
    entry = feed.entries[0]
    assert entry.link.endswith(reverse("portal:notice_detail", kwargs={"pk": notice_a.pk}))
    assert "Migreringsvindu" in entry.summary


def test_atom_feed_in_english_for_contacts_who_chose_english(client, token, contact_a, notice_a):
    contact_a.language = "en"
    contact_a.save()
    feed = feedparser.parse(client.get(reverse("portal:atom_feed", kwargs={"token": token})).content)
    assert not feed.bozo
    assert feed.feed.title == "Downtime notices for Anne Andersen"


def test_feed_token_regenerate_revokes_the_old_urls(client, contact_a, token, notice_a):
    client.force_login(contact_a.user)
    response = client.post(reverse("portal:subscriptions_regenerate"), follow=True)
    page = response.content.decode()
    assert "Nye abonnementslenker er laget. De gamle lenkene virker ikke lenger." in page
    for feed in ["portal:calendar_feed", "portal:atom_feed"]:
        assert client.get(reverse(feed, kwargs={"token": token})).status_code == 404
    new_token = FeedToken.objects.get(contact=contact_a).key
    assert new_token != token
    assert reverse("portal:calendar_feed", kwargs={"token": new_token}) in page


def test_subscriptions_page_offers_to_make_links_first(client, contact_a, settings):
    client.force_login(contact_a.user)
    page = client.get(reverse("portal:subscriptions")).content.decode()
    assert "Lag abonnementslenkene mine" in page
    assert "calendar.ics" not in page
    page = client.post(reverse("portal:subscriptions_regenerate"), follow=True).content.decode()
    assert "Abonnementslenkene dine er klare." in page
    assert f"{settings.SITE_URL}/portal/feeds/" in page


def test_mailed_ics_and_calendar_feed_describe_the_same_event(client, token, contact_a, system_a, oslo_wave, settings):
    settings.SITE_URL = "http://127.0.0.1:8101"  # the host people browse to does not change the UID
    notice = NoticeFactory(wave=oslo_wave, systems=[system_a])
    parts = notice_systems_for_contact(notice, contact_a)
    mailed = icalendar.Calendar.from_ical(notice_ics(notice, parts, rendered=render_email(notice, contact_a, parts)))
    (mail_event,) = mailed.walk("VEVENT")
    (feed_event,) = _events(_calendar(client, token))
    assert feed_event["UID"] == mail_event["UID"] == f"wave-{oslo_wave.pk}@kommune.example"
    assert feed_event["SEQUENCE"] == mail_event["SEQUENCE"]


def test_atom_entry_lists_the_systems_its_text_speaks_of(client, token, system_a, system_b, oslo_wave):
    NoticeFactory(
        wave=oslo_wave,
        systems=[system_a, system_b],
        systems_snapshot=[system_snapshot(system) for system in (system_a, system_b)],
    )
    (entry,) = feedparser.parse(client.get(reverse("portal:atom_feed", kwargs={"token": token})).content).entries
    assert f"<li>{system_a.code} {system_a.name}" in entry.summary
    assert system_b.code not in entry.summary  # another agency's system: not the contact's to see
