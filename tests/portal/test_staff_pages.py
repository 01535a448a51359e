"""Staff side: who has and has not acknowledged each notice, and the escalation list."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from notifications.models import Acknowledgement
from systems.choices import MigrationStatus
from tests.factories import (
    ContactPersonFactory,
    NoticeFactory,
    SystemContactFactory,
    SystemFactory,
    WaveFactory,
)
from waves.choices import WaveState

OSLO = ZoneInfo("Europe/Oslo")
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=OSLO)


def test_acknowledgement_detail_lists_who_has_and_has_not_acknowledged(viewer_client, contact_a, notice_a, system_a):
    silent = ContactPersonFactory(name="Stille Solberg", agency=contact_a.agency)
    SystemContactFactory(system=system_a, contact=silent)
    with time_machine.travel(datetime(2026, 11, 18, 10, 15, tzinfo=OSLO), tick=False):
        Acknowledgement.objects.create(notice=notice_a, contact=contact_a)
    page = viewer_client.get(reverse("portal:staff_acknowledgement_detail", kwargs={"pk": notice_a.pk}))
    html = page.content.decode()
    missing, acknowledged = html.split("Bekreftet (1 person)")
    assert "Ikke bekreftet (1 person)" in missing
    assert "Stille Solberg" in missing and "Anne Andersen" not in missing
    assert "Anne Andersen" in acknowledged and "18.11.2026 kl. 10:15" in acknowledged


def test_acknowledgement_list_counts_acknowledged_of_expected(viewer_client, contact_a, notice_a, system_a):
    SystemContactFactory(system=system_a, contact=ContactPersonFactory(agency=contact_a.agency))
    Acknowledgement.objects.create(notice=notice_a, contact=contact_a)
    html = viewer_client.get(reverse("portal:staff_acknowledgement_list")).content.decode()
    row = next(row for row in html.split("<tr") if "Nedetid for kartløsningen" in row)
    cells = [cell.split("</td>")[0].rsplit(">", 1)[-1].strip() for cell in row.split("<td")[1:]]
    assert cells[-2:] == ["1", "2"]


def _system_in_window(agency, starts_in: timedelta, **wave_fields):
    wave = WaveFactory(window_start=NOW + starts_in, window_end=NOW + starts_in + timedelta(hours=4), **wave_fields)
    system = SystemFactory(agency=agency, wave=wave, status=MigrationStatus.NOTIFIED)
    contact = ContactPersonFactory(agency=agency)
    SystemContactFactory(system=system, contact=contact)
    notice = NoticeFactory(wave=wave, systems=[system], published_at=NOW - timedelta(days=10))
    return system, contact, notice


def test_escalation_list_shows_near_windows_nobody_acknowledged(viewer_client, agency_a):
    near, _, _ = _system_in_window(agency_a, timedelta(days=4))
    near_acked, contact, notice = _system_in_window(agency_a, timedelta(days=3))
    Acknowledgement.objects.create(notice=notice, contact=contact)
    far, _, _ = _system_in_window(agency_a, timedelta(days=6))
    cancelled, _, _ = _system_in_window(agency_a, timedelta(days=2), state=WaveState.CANCELLED)
    past, _, _ = _system_in_window(agency_a, -timedelta(hours=1))
    unnoticed = SystemFactory(agency=agency_a, wave=WaveFactory(window_start=NOW + timedelta(days=1)))
    with time_machine.travel(NOW, tick=False):
        html = viewer_client.get(reverse("portal:staff_escalations")).content.decode()
    assert near.code in html
    assert unnoticed.code in html and "Ikke varslet" in html
    for system in (near_acked, far, cancelled, past):
        assert system.code not in html
    assert "innen 5 dager" in html


@pytest.mark.parametrize("count", [2, 20])
def test_escalation_list_query_count_does_not_grow(viewer_client, agency_a, count, django_assert_max_num_queries):
    for n in range(count):
        _system_in_window(agency_a, timedelta(days=1, hours=n))
    with time_machine.travel(NOW, tick=False), django_assert_max_num_queries(8):
        html = viewer_client.get(reverse("portal:staff_escalations")).content.decode()
    assert html.count(">SYS-") == count


@pytest.mark.parametrize("count", [2, 20])
def test_acknowledgement_pages_query_count_does_not_grow(viewer_client, agency_a, count, django_assert_max_num_queries):
    wave = WaveFactory()
    systems = [SystemFactory(agency=agency_a, wave=wave) for _ in range(count)]
    contacts = [ContactPersonFactory(agency=agency_a) for _ in range(count)]
    for system, contact in zip(systems, contacts, strict=True):
        SystemContactFactory(system=system, contact=contact)
    notices = [NoticeFactory(wave=wave, systems=systems) for _ in range(count)]
    for contact in contacts[::2]:
        Acknowledgement.objects.create(notice=notices[0], contact=contact)
    with django_assert_max_num_queries(8):
        detail = viewer_client.get(reverse("portal:staff_acknowledgement_detail", kwargs={"pk": notices[0].pk}))
    with django_assert_max_num_queries(8):
        listing = viewer_client.get(reverse("portal:staff_acknowledgement_list"))
    assert detail.content.decode().count("@kommune.example</a>") == count
    assert listing.status_code == 200


def test_escalation_alert_mails_the_editors_once_a_day(
    agency_a, editor_user, django_capture_on_commit_callbacks, enqueued
):
    from django.core import mail

    from portal.tasks import send_escalation_alert

    near, _, _ = _system_in_window(agency_a, timedelta(days=2))
    with time_machine.travel(NOW, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            assert send_escalation_alert() == 1
            assert send_escalation_alert() == 0  # beat ran twice the same day
        enqueued.run()
    (message,) = mail.outbox
    assert message.to == [editor_user.email]
    assert message.subject == "Oppfølging: 1 system nær migreringsvinduet uten bekreftelse"
    assert f"{near.code} {near.name} (Bymiljøetaten) – 22.11.2026 kl. 12:00" in message.body
    assert "/portal/staff/escalations/" in message.body
    with time_machine.travel(NOW + timedelta(days=1), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            assert send_escalation_alert() == 1
        enqueued.run()
    assert len(mail.outbox) == 2


def test_escalation_alert_sends_nothing_when_all_is_acknowledged(agency_a, editor_user):
    from django.core import mail

    from portal.tasks import send_escalation_alert

    _system, contact, notice = _system_in_window(agency_a, timedelta(days=2))
    Acknowledgement.objects.create(notice=notice, contact=contact)
    with time_machine.travel(NOW, tick=False):
        assert send_escalation_alert() == 0
    assert mail.outbox == []


@pytest.mark.parametrize(
    "url_name", ["portal:staff_acknowledgement_list", "portal:staff_escalations", "portal:staff_acknowledgement_detail"]
)
def test_staff_overviews_refuse_post(client, editor_user, url_name):
    kwargs = {"pk": NoticeFactory().pk} if url_name.endswith("detail") else {}
    client.force_login(editor_user)
    assert client.post(reverse(url_name, kwargs=kwargs)).status_code == 405
