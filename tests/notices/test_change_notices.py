"""Change notices after the announcement, with the clock fixed: collected for CHANGE_NOTICE_DELAY_MINUTES into
one notice per wave, sent only to the contact persons of the systems whose downtime changed, each told what
changed for their own systems; everybody else keeps their confirmation."""

from datetime import timedelta

import icalendar
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from notifications.choices import DeliveryChannel, NoticeKind, NoticeState
from notifications.models import Delivery, Notice
from notifications.services import delivery_attempt, notices_publish_due
from portal.selectors import acknowledgement_overview, expected_contacts, notice_is_current_for
from portal.services import acknowledgement_create
from systems.services import system_assign_wave, system_update
from tests.factories import ContactPersonFactory, SystemContactFactory, SystemFactory, UserFactory
from waves.services import wave_update

from .conftest import WINDOW_START, publish_announcement

PEOPLE = {"kari@kommune.example", "ola@kommune.example", "per@kommune.example"}


def _changes(wave):
    return list(Notice.objects.filter(wave=wave, kind=NoticeKind.CHANGE).order_by("pk"))


def _emails(notice):
    return set(notice.deliveries.filter(channel=DeliveryChannel.EMAIL).values_list("recipient", flat=True))


def _publish_when_due(clock, notice):
    clock.move_to(notice.publish_at)
    published = notices_publish_due()
    notice.refresh_from_db()
    return published


def _send(notice):
    for delivery_id in notice.deliveries.values_list("pk", flat=True):
        delivery_attempt(delivery_id=delivery_id)


def _mail_to(mailoutbox, address):
    (message,) = [message for message in mailoutbox if message.to == [address]]
    return message


def _calendar_event(mail):
    """The calendar method and the event of an e-mail's .ics attachment."""
    (part,) = [part for part in mail.message().walk() if part.get_content_type() == "text/calendar"]
    calendar = icalendar.Calendar.from_ical(part.get_payload(decode=True))
    (event,) = calendar.walk("VEVENT")
    return str(calendar["METHOD"]), event


def _move_test1_slot(scene):
    """Move TEST-1's own slot from 19:00–20:00 to 21:00–22:00."""
    system_update(
        system=scene.test1,
        by=None,
        downtime_start=WINDOW_START + timedelta(hours=3),
        downtime_end=WINDOW_START + timedelta(hours=4),
    )


def _move_test1_slot_and_publish(scene, clock):
    """Move TEST-1's own slot; returns the change notice, published when due."""
    _move_test1_slot(scene)
    (change,) = _changes(scene.wave)
    _publish_when_due(clock, change)
    return change


def _newcomers(scene, count):
    """Systems outside any wave, each with a contact person of its own."""
    systems = []
    for number in range(count):
        system = SystemFactory(code=f"NY-{number:02d}", name=f"Nytt system {number}", agency=scene.agency)
        SystemContactFactory(system=system, contact=ContactPersonFactory(email=f"ny{number:02d}@kommune.example"))
        systems.append(system)
    return systems


def test_ten_systems_moved_in_one_by_one_make_one_change_notice_for_their_contacts_only(scene, clock, mailoutbox):
    announcement = publish_announcement(scene, clock)
    acknowledgement_create(notice=announcement, contact=scene.kari)
    newcomers = _newcomers(scene, 10)

    for system in newcomers:
        clock.shift(timedelta(minutes=1))
        system_assign_wave(system=system, wave=scene.wave, by=None)

    (change,) = _changes(scene.wave)
    assert change.state == NoticeState.SCHEDULED
    assert change.publish_at == WINDOW_START - timedelta(days=14) + timedelta(minutes=1 + 15)
    assert not Delivery.objects.filter(notice=change).exists()
    assert _publish_when_due(clock, change) == [change.pk]

    assert change.state == NoticeState.PUBLISHED
    assert _emails(change) == {f"ny{number:02d}@kommune.example" for number in range(10)}
    assert not Delivery.objects.filter(notice=change, recipient__in=PEOPLE).exists()
    # Those whose systems did not change keep their confirmation; the announcement is still theirs.
    announcement.refresh_from_db()
    assert announcement.state == NoticeState.PUBLISHED
    assert notice_is_current_for(announcement, scene.kari)
    overview = {notice.pk: notice for notice in acknowledgement_overview()}
    assert (overview[announcement.pk].expected_count, overview[announcement.pk].acknowledged_count) == (3, 1)
    assert (overview[change.pk].expected_count, overview[change.pk].acknowledged_count) == (10, 0)
    # For the newcomers the change is the announcement of their downtime.
    _send(change)
    assert len(mailoutbox) == 10
    mail = _mail_to(mailoutbox, "ny03@kommune.example")
    assert mail.subject == "Varsel om nedetid: Bølge 12, lørdag 6. mars 2021 kl. 18:00–23:00"
    assert "NY-03 Nytt system 3" in mail.body
    assert "NY-04" not in mail.body
    method, event = _calendar_event(mail)
    assert (method, str(event["SUMMARY"]), str(event["STATUS"])) == ("PUBLISH", mail.subject, "CONFIRMED")


def test_window_moved_tells_everyone_the_old_and_new_time_and_asks_them_again(scene, clock, mailoutbox):
    announcement = publish_announcement(scene, clock)
    acknowledgement_create(notice=announcement, contact=scene.kari)
    later = WINDOW_START + timedelta(days=7)

    wave_update(wave=scene.wave, by=None, window_start=later, window_end=later + timedelta(hours=5))
    (change,) = _changes(scene.wave)
    _publish_when_due(clock, change)
    _send(change)

    assert _emails(change) == PEOPLE
    mail = _mail_to(mailoutbox, "kari@kommune.example")
    assert mail.subject == "Endret nedetid: Bølge 12, nå lørdag 13. mars 2021 kl. 18:00–23:00"
    assert "Det var lørdag 6. mars 2021 kl. 18:00–23:00" in mail.body
    assert "Nedetid: lørdag 13. mars 2021 kl. 18:00–23:00 (var lørdag 6. mars 2021 kl. 18:00–23:00)" in mail.body
    assert not notice_is_current_for(announcement, scene.kari)
    with pytest.raises(ValidationError):
        acknowledgement_create(notice=announcement, contact=scene.kari)
    (kari,) = [contact for contact in expected_contacts(change) if contact.pk == scene.kari.pk]
    assert kari.acknowledged_at is None and kari.earlier_acknowledged_at is not None


def test_system_removed_tells_only_its_contacts_that_it_no_longer_moves(scene, clock, mailoutbox):
    announcement = publish_announcement(scene, clock)

    system_assign_wave(system=scene.test1, wave=None, by=None)
    (change,) = _changes(scene.wave)
    _publish_when_due(clock, change)
    _send(change)

    assert _emails(change) == {"per@kommune.example"}
    mail = _mail_to(mailoutbox, "per@kommune.example")
    assert mail.subject == "Ikke lenger nedetid i Bølge 12, lørdag 6. mars 2021 kl. 18:00–23:00"
    assert "TEST-1 Testsystem" in mail.body
    assert "bekreft" not in mail.body.lower()
    method, event = _calendar_event(mail)  # the event in Per's calendar is cancelled
    assert (method, str(event["STATUS"])) == ("CANCEL", "CANCELLED")
    announcement.refresh_from_db()
    assert announcement.state == NoticeState.PUBLISHED
    assert notice_is_current_for(announcement, scene.ola)


def test_own_slot_moved_tells_only_its_contacts_with_old_and_new_time(scene, clock, mailoutbox):
    publish_announcement(scene, clock)

    change = _move_test1_slot_and_publish(scene, clock)
    _send(change)

    assert _emails(change) == {"per@kommune.example"}
    mail = _mail_to(mailoutbox, "per@kommune.example")
    assert "nå" not in mail.subject  # the wave's window did not move
    assert "lørdag 6. mars 2021 kl. 21:00–22:00 (var lørdag 6. mars 2021 kl. 19:00–20:00)" in mail.body


def test_title_does_not_say_the_time_moved_when_only_systems_joined_and_left(scene, clock, mailoutbox):
    publish_announcement(scene, clock)
    (newcomer,) = _newcomers(scene, 1)

    system_assign_wave(system=newcomer, wave=scene.wave, by=None)
    system_assign_wave(system=scene.test1, wave=None, by=None)
    (change,) = _changes(scene.wave)
    _publish_when_due(clock, change)

    assert change.title == "Endringer i nedetiden for Bølge 12, lørdag 6. mars 2021 kl. 18:00–23:00"
    assert "Endret nedetid" not in change.title


def test_change_undone_within_the_delay_sends_nothing(scene, clock):
    publish_announcement(scene, clock)
    (newcomer,) = _newcomers(scene, 1)

    system_assign_wave(system=newcomer, wave=scene.wave, by=None)
    clock.shift(timedelta(minutes=5))
    system_assign_wave(system=newcomer, wave=None, by=None)
    clock.shift(timedelta(minutes=15))

    (change,) = _changes(scene.wave)
    assert change.state == NoticeState.CANCELLED
    assert notices_publish_due() == []
    assert not Delivery.objects.filter(notice__kind=NoticeKind.CHANGE).exists()


def test_change_less_than_the_delay_before_the_window_is_published_at_once(scene, clock):
    publish_announcement(scene, clock)
    clock.move_to(WINDOW_START - timedelta(minutes=10))
    (newcomer,) = _newcomers(scene, 1)

    system_assign_wave(system=newcomer, wave=scene.wave, by=None)

    (change,) = _changes(scene.wave)
    assert (change.state, change.published_at) == (NoticeState.PUBLISHED, WINDOW_START - timedelta(minutes=10))
    assert _emails(change) == {"ny00@kommune.example"}


def test_no_delay_publishes_each_change_at_once(scene, clock, notice_settings):
    notice_settings.CHANGE_NOTICE_DELAY_MINUTES = 0
    publish_announcement(scene, clock)
    first, second = _newcomers(scene, 2)

    system_assign_wave(system=first, wave=scene.wave, by=None)
    clock.shift(timedelta(minutes=1))
    system_assign_wave(system=second, wave=scene.wave, by=None)

    changes = _changes(scene.wave)
    assert [notice.state for notice in changes] == [NoticeState.PUBLISHED, NoticeState.PUBLISHED]
    assert [_emails(notice) for notice in changes] == [{"ny00@kommune.example"}, {"ny01@kommune.example"}]


def test_reminder_reflects_the_latest_state_and_says_how_long_is_left(scene, clock, mailoutbox):
    publish_announcement(scene, clock)
    (newcomer,) = _newcomers(scene, 1)
    system_assign_wave(system=newcomer, wave=scene.wave, by=None)
    system_assign_wave(system=scene.test1, wave=None, by=None)

    clock.move_to(WINDOW_START - timedelta(days=2))
    published = notices_publish_due()

    assert sorted(Notice.objects.filter(pk__in=published).values_list("kind", flat=True)) == ["change", "reminder"]
    reminder = Notice.objects.get(pk__in=published, kind=NoticeKind.REMINDER)
    assert _emails(reminder) == {"kari@kommune.example", "ola@kommune.example", "ny00@kommune.example"}
    assert reminder.body.startswith("Dette er en påminnelse: Bølge 12 starter om 2\xa0dager.")
    assert reminder.title == "Påminnelse om nedetid: Bølge 12, lørdag 6. mars 2021 kl. 18:00–23:00"


def test_portal_words_the_change_for_the_contact_and_marks_the_notice_it_replaced(scene, clock, client):
    announcement = publish_announcement(scene, clock)
    change = _move_test1_slot_and_publish(scene, clock)
    scene.per.user = UserFactory()
    scene.per.save()

    client.force_login(scene.per.user)
    change_page = client.get(reverse("portal:notice_detail", args=[change.pk])).content.decode()
    list_page = client.get(reverse("portal:notice_list")).content.decode()
    announcement_page = client.get(reverse("portal:notice_detail", args=[announcement.pk])).content.decode()

    assert "<h1>Ny nedetid for systemer i Bølge 12</h1>" in change_page
    assert "06.03.2021 kl. 21:00–22:00 <del>(var 06.03.2021 kl. 19:00–20:00)</del>" in change_page
    assert list_page.count("Erstattet av et nyere varsel") == 1
    assert "Virksomheten er informert" not in announcement_page  # confirm the change instead
    assert "Virksomheten er informert" in change_page


def test_staff_acknowledgement_pages_show_who_was_asked_again(scene, clock, client, viewer_user):
    announcement = publish_announcement(scene, clock)
    acknowledgement_create(notice=announcement, contact=scene.per)
    change = _move_test1_slot_and_publish(scene, clock)

    client.force_login(viewer_user)
    announcement_page = client.get(reverse("portal:staff_acknowledgement_detail", args=[announcement.pk]))
    change_page = client.get(reverse("portal:staff_acknowledgement_detail", args=[change.pk]))

    asked_before, asked_again = announcement_page.content.decode().split("Spurt på nytt i et senere varsel (1 person)")
    assert "Per Test" in asked_again and "Per Test" not in asked_before
    assert "Kari Nordmann" in asked_before and "Ola English" in asked_before
    missing = change_page.content.decode().split("Bekreftet (")[0]
    assert "Per Test" in missing and "Kari Nordmann" not in missing


@pytest.mark.parametrize("wave_size", [3, 40])
def test_moving_a_system_in_costs_the_same_queries_whatever_the_wave_size(
    scene, clock, wave_size, django_assert_max_num_queries
):
    for number in range(wave_size - 3):
        SystemFactory(code=f"EKSTRA-{number:02d}", agency=scene.agency, wave=scene.wave)
    publish_announcement(scene, clock)
    first, second = _newcomers(scene, 2)
    system_assign_wave(system=first, wave=scene.wave, by=None)  # creates the change notice

    with django_assert_max_num_queries(40):
        system_assign_wave(system=second, wave=scene.wave, by=None)  # updates it


def test_staff_see_the_collected_change_and_whom_it_will_reach(scene, clock, client, viewer_user):
    publish_announcement(scene, clock)
    (newcomer,) = _newcomers(scene, 1)
    system_assign_wave(system=newcomer, wave=scene.wave, by=None)
    _move_test1_slot(scene)
    (change,) = _changes(scene.wave)

    client.force_login(viewer_user)
    page = client.get(reverse("notifications:notice_detail", args=[change.pk])).content.decode()

    systems = page.split("Systemer der nedetiden er endret (kontaktpersonene deres varsles)")[1].split("</table>")[0]
    assert "NY-00 Nytt system 0" in systems and "(lagt til i denne bølgen)" in systems
    assert "TEST-1 Testsystem" in systems and "<del>(var 06.03.2021 kl. 19:00–20:00)</del>" in systems
    assert "ERP" not in systems and "ARK" not in systems
