"""The e-mail a contact person gets: one per person, their systems, their language, the window written out."""

import re
from datetime import timedelta

import icalendar
from django.utils import translation

from notifications.messages import build_email, window_text
from notifications.models import Delivery
from notifications.services import delivery_attempt, notice_update_text
from systems.choices import ContactRole, Environment
from waves.services import wave_set_state

from .conftest import OSLO, WINDOW_END, WINDOW_START, publish_announcement


def _send_all(notice):
    for delivery in notice.deliveries.all():
        delivery_attempt(delivery_id=delivery.pk)


def _mail_to(mailoutbox, address):
    (message,) = [message for message in mailoutbox if message.to == [address]]
    return message


def _calendar(message):
    (part,) = [part for part in message.message().walk() if part.get_content_type() == "text/calendar"]
    return icalendar.Calendar.from_ical(part.get_payload(decode=True)), part


def test_window_is_written_out_in_oslo_time():
    assert window_text(WINDOW_START, WINDOW_END, "nb") == "lørdag 6. mars 2021 kl. 18:00–23:00"
    assert window_text(WINDOW_START, WINDOW_END, "en") == "Saturday 6 March 2021, 18:00–23:00"
    overnight = WINDOW_START.replace(hour=22).astimezone(OSLO)
    assert window_text(overnight, overnight + timedelta(hours=8), "nb") == (
        "lørdag 6. mars 2021 kl. 22:00 – søndag 7. mars 2021 kl. 06:00"
    )


def test_one_norwegian_email_per_person_lists_all_their_systems(scene, clock, mailoutbox):
    _send_all(publish_announcement(scene, clock))

    assert len(mailoutbox) == 3
    kari = _mail_to(mailoutbox, "kari@kommune.example")
    assert kari.subject == "Varsel om nedetid: Bølge 12, lørdag 6. mars 2021 kl. 18:00–23:00"
    with translation.override("nb"):  # the labels come from the systems app's catalog
        labels = Environment.PRODUCTION.label, ContactRole.PRIMARY.label, ContactRole.TESTER.label
        production, primary, tester = (str(label) for label in labels)  # lazy: translated here, not when used
    assert f"ERP Økonomisystem (BYM, {production}) – din rolle: {primary}" in kari.body
    assert f"ARK Sakarkiv (BYM, {production}) – din rolle: {tester}" in kari.body
    assert "TEST-1" not in kari.body
    assert "Informer virksomheten som eier systemet, og be den informere sine brukere." in kari.body
    html, mimetype = kari.alternatives[0]
    assert mimetype == "text/html"
    assert re.search(r'<th scope="row"[^>]*>ERP Økonomisystem</th>', html)
    assert kari.extra_headers["Content-Language"] == "nb"


def test_english_for_contact_persons_who_chose_it(scene, clock, mailoutbox):
    _send_all(publish_announcement(scene, clock))

    ola = _mail_to(mailoutbox, "ola@kommune.example")
    assert ola.subject == "Downtime notice: Bølge 12, Saturday 6 March 2021, 18:00–23:00"
    assert "ARK Sakarkiv (BYM, production) – your role: system owner" in ola.body
    assert "Inform the agency that owns the system" in ola.body


def test_systems_own_downtime_slot_is_used_in_its_part(scene, clock, mailoutbox):
    _send_all(publish_announcement(scene, clock))

    per = _mail_to(mailoutbox, "per@kommune.example")
    assert "Nedetid: lørdag 6. mars 2021 kl. 19:00–20:00" in per.body
    calendar, _part = _calendar(per)
    (event,) = calendar.walk("VEVENT")
    assert event.decoded("dtstart") == WINDOW_START.replace(hour=19)
    assert event.decoded("dtend") == WINDOW_START.replace(hour=20)


def test_ics_attachment_and_cancellation_cancels_the_same_event(scene, clock, mailoutbox):
    _send_all(publish_announcement(scene, clock))
    calendar, part = _calendar(_mail_to(mailoutbox, "kari@kommune.example"))
    (event,) = calendar.walk("VEVENT")
    assert part.get_filename() == "nedetid.ics"
    assert calendar["method"] == "PUBLISH"
    assert event.decoded("dtstart") == WINDOW_START
    mailoutbox.clear()

    wave_set_state(wave=scene.wave, state="cancelled", by=None)
    for delivery in Delivery.objects.filter(state="pending"):
        delivery_attempt(delivery_id=delivery.pk)

    cancel_calendar, _part = _calendar(_mail_to(mailoutbox, "kari@kommune.example"))
    (cancelled,) = cancel_calendar.walk("VEVENT")
    assert cancel_calendar["method"] == "CANCEL"
    assert cancelled["uid"] == event["uid"]
    assert cancelled["sequence"] > event["sequence"]
    assert cancelled["status"] == "CANCELLED"


def test_message_id_is_stable_across_retries(scene, clock):
    publish_announcement(scene, clock)
    delivery = Delivery.objects.select_related("notice__wave", "contact").get(recipient="kari@kommune.example")

    first, second = build_email(delivery), build_email(delivery)

    assert first.message()["Message-ID"] == second.message()["Message-ID"] == f"<{delivery.uid}@kommune.example>"


def test_text_edited_by_staff_is_what_recipients_read(scene, clock, mailoutbox):
    wave_set_state(wave=scene.wave, state="confirmed", by=None)
    announcement = scene.wave.notices.get(kind="announcement")
    notice_update_text(notice=announcement, title="Viktig: nedetid i mars", body="Egen tekst fra prosjektet.", by=None)

    _send_all(publish_announcement_from(announcement, clock))

    assert _mail_to(mailoutbox, "kari@kommune.example").subject == "Viktig: nedetid i mars"
    assert "Egen tekst fra prosjektet." in _mail_to(mailoutbox, "ola@kommune.example").body


def publish_announcement_from(announcement, clock):
    from notifications.services import notices_publish_due

    clock.move_to(announcement.publish_at)
    notices_publish_due()
    announcement.refresh_from_db()
    return announcement


def test_html_mail_is_styled_for_mail_programs(scene, clock, mailoutbox):
    _send_all(publish_announcement(scene, clock))
    html = next(content for content, kind in mailoutbox[0].alternatives if kind == "text/html")
    assert 'style="' in html.split("<body", 1)[1].split(">", 1)[0]  # inline: mail programs drop <style> blocks
    assert re.search(r'<h1 style="[^"]*font-size:22px', html)
    assert "font-family:system-ui" in html
