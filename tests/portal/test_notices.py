"""'My notices', the notice page and acknowledging that the agency is informed."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from notifications.choices import NoticeKind, NoticeState
from notifications.models import Acknowledgement
from tests.factories import (
    ContactPersonFactory,
    NoticeFactory,
    SystemContactFactory,
    SystemFactory,
    WaveFactory,
)

OSLO = ZoneInfo("Europe/Oslo")


def test_notice_list_shows_own_notices_newest_first_and_not_other_agencies(client, contact_a, notice_a, notice_b):
    newer = NoticeFactory(
        wave=notice_a.wave,
        kind=NoticeKind.REMINDER,
        systems=list(notice_a.systems.all()),
        title="Påminnelse om kartløsningen",
        published_at=notice_a.published_at + timedelta(days=1),
    )
    client.force_login(contact_a.user)
    page = client.get(reverse("portal:notice_list")).content.decode()
    assert page.index("Påminnelse om kartløsningen") < page.index("Nedetid for kartløsningen")
    assert "Nedetid for skoleadmin" not in page
    assert newer.title in page


def test_notice_list_includes_notices_for_the_agency_systems_where_the_person_is_no_contact(
    client, contact_a, agency_a, wave
):
    colleague_system = SystemFactory(agency=agency_a, wave=wave)
    NoticeFactory(wave=wave, systems=[colleague_system], title="Varsel for en kollegas system")
    client.force_login(contact_a.user)
    assert "Varsel for en kollegas system" in client.get(reverse("portal:notice_list")).content.decode()


def test_notice_list_hides_scheduled_and_silently_cancelled_notices(client, contact_a, system_a, wave):
    NoticeFactory(wave=wave, systems=[system_a], state=NoticeState.SCHEDULED, published_at=None, title="Planlagt")
    NoticeFactory(wave=wave, systems=[system_a], state=NoticeState.CANCELLED, published_at=None, title="Trukket")
    client.force_login(contact_a.user)
    page = client.get(reverse("portal:notice_list")).content.decode()
    assert "Planlagt" not in page
    assert "Trukket" not in page
    assert "Det er ingen varsler for dine systemer ennå." in page


def test_notice_list_highlights_upcoming_windows(client, contact_a, system_a):
    past_wave = WaveFactory(window_start=timezone.now() - timedelta(days=3))
    NoticeFactory(wave=past_wave, systems=[system_a], title="Gammelt vindu")
    NoticeFactory(wave=system_a.wave, systems=[system_a], title="Kommende vindu")
    client.force_login(contact_a.user)
    page = client.get(reverse("portal:notice_list")).content.decode()
    rows = page.split("<tr")
    upcoming_row = next(row for row in rows if "Kommende vindu" in row)
    past_row = next(row for row in rows if "Gammelt vindu" in row)
    assert 'class="upcoming ' in upcoming_row and ">Kommende<" in upcoming_row
    assert "upcoming" not in past_row


def test_notice_detail_shows_window_in_oslo_time_systems_and_chain(client, contact_a, system_a, system_b):
    start = datetime(2026, 12, 5, 18, 0, tzinfo=OSLO)
    wave = WaveFactory(window_start=start, window_end=start + timedelta(hours=5))
    announcement = NoticeFactory(wave=wave, systems=[system_a, system_b], state=NoticeState.SUPERSEDED)
    change = NoticeFactory(
        wave=wave,
        kind=NoticeKind.CHANGE,
        systems=[system_a, system_b],
        window_start=start + timedelta(days=1),
        window_end=start + timedelta(days=1, hours=5),
        previous_window_start=start,
        previous_window_end=start + timedelta(hours=5),
        published_at=announcement.published_at + timedelta(hours=1),
        title="Endret tidspunkt",
    )
    client.force_login(contact_a.user)
    page = client.get(reverse("portal:notice_detail", kwargs={"pk": change.pk})).content.decode()
    assert "06.12.2026 kl. 18:00–23:00" in page
    assert "05.12.2026 kl. 18:00–23:00" in page  # the previous window, struck through
    assert "BYM-KART" in page
    assert "UDE-SKOLE" not in page  # another agency's system in the same notice stays hidden
    assert reverse("portal:notice_detail", kwargs={"pk": announcement.pk}) in page
    assert "Historikk for dette migreringsvinduet" in page


def test_notice_acknowledge_records_who_and_when_and_can_be_undone(client, contact_a, notice_a):
    client.force_login(contact_a.user)
    moment = datetime(2026, 11, 20, 9, 30, tzinfo=OSLO)
    with time_machine.travel(moment, tick=False):
        response = client.post(reverse("portal:notice_acknowledge", kwargs={"pk": notice_a.pk}), follow=True)
    page = response.content.decode()
    assert "Takk. Vi har registrert at virksomheten er informert." in page
    assert "Du bekreftet 20.11.2026 kl. 09:30 at virksomheten er informert." in page
    ack = Acknowledgement.objects.get(notice=notice_a)
    assert ack.contact == contact_a
    assert ack.acknowledged_at == moment

    page = client.post(reverse("portal:notice_unacknowledge", kwargs={"pk": notice_a.pk}), follow=True)
    assert "Bekreftelsen din er trukket tilbake." in page.content.decode()
    assert not Acknowledgement.objects.exists()
    assert "Virksomheten er informert" in page.content.decode()


def test_notice_acknowledge_twice_keeps_one_acknowledgement(client, contact_a, notice_a):
    client.force_login(contact_a.user)
    for _ in range(2):
        client.post(reverse("portal:notice_acknowledge", kwargs={"pk": notice_a.pk}))
    assert Acknowledgement.objects.filter(notice=notice_a, contact=contact_a).count() == 1


def test_notice_undo_removes_only_the_persons_own_acknowledgement(client, contact_a, agency_a, notice_a):
    colleague = ContactPersonFactory(agency=agency_a, name="Kollega Kristiansen")
    Acknowledgement.objects.create(notice=notice_a, contact=colleague)
    client.force_login(contact_a.user)
    page = client.get(reverse("portal:notice_detail", kwargs={"pk": notice_a.pk})).content.decode()
    assert "Kollega Kristiansen" in page  # colleagues' confirmations are shown
    client.post(reverse("portal:notice_unacknowledge", kwargs={"pk": notice_a.pk}))
    assert Acknowledgement.objects.filter(contact=colleague).exists()


def test_notice_acknowledge_refused_for_a_superseded_notice(client, contact_a, notice_a):
    notice_a.state = NoticeState.SUPERSEDED
    notice_a.save()
    client.force_login(contact_a.user)
    page = client.post(reverse("portal:notice_acknowledge", kwargs={"pk": notice_a.pk}), follow=True)
    assert "Dette varselet er erstattet av et nyere; bekreft det nyeste varselet." in page.content.decode()
    assert not Acknowledgement.objects.exists()


def test_notice_acknowledge_of_another_agency_is_404_and_records_nothing(client, contact_b, notice_a):
    client.force_login(contact_b.user)
    assert client.post(reverse("portal:notice_acknowledge", kwargs={"pk": notice_a.pk})).status_code == 404
    assert not Acknowledgement.objects.exists()


def test_notice_text_from_the_notice_is_escaped(client, contact_a, system_a):
    notice = NoticeFactory(wave=system_a.wave, systems=[system_a], title="<b>Tittel</b>", body="<script>x()</script>")
    client.force_login(contact_a.user)
    page = client.get(reverse("portal:notice_detail", kwargs={"pk": notice.pk})).content.decode()
    assert "<script>x()</script>" not in page
    assert "&lt;script&gt;" in page
    assert "<b>Tittel</b>" not in page


def _many_notices(contact, agency, count):
    for _ in range(count):
        wave = WaveFactory()
        system = SystemFactory(agency=agency, wave=wave)
        SystemContactFactory(system=system, contact=contact)
        notice = NoticeFactory(wave=wave, systems=[system])
        Acknowledgement.objects.create(notice=notice, contact=contact)


@pytest.mark.parametrize("count", [2, 20])
def test_notice_list_query_count_does_not_grow(client, contact_a, agency_a, count, django_assert_max_num_queries):
    _many_notices(contact_a, agency_a, count)
    client.force_login(contact_a.user)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("portal:notice_list"))
    assert response.content.decode().count(">Bekreftet<") == count


@pytest.mark.parametrize("count", [2, 20])
def test_notice_detail_query_count_does_not_grow(client, contact_a, agency_a, count, django_assert_max_num_queries):
    wave = WaveFactory()
    systems = [SystemFactory(agency=agency_a, wave=wave) for _ in range(count)]
    notices = [NoticeFactory(wave=wave, systems=systems) for _ in range(count)]
    for notice in notices:
        Acknowledgement.objects.create(notice=notice, contact=ContactPersonFactory(agency=agency_a))
    client.force_login(contact_a.user)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("portal:notice_detail", kwargs={"pk": notices[-1].pk}))
    assert response.status_code == 200


def test_notice_title_and_text_follow_the_readers_language(client, contact_a, notice_a):
    client.force_login(contact_a.user)
    english = {"HTTP_ACCEPT_LANGUAGE": "en"}
    listed = client.get(reverse("portal:notice_list"), **english).content.decode()
    detail = client.get(reverse("portal:notice_detail", kwargs={"pk": notice_a.pk}), **english).content.decode()
    for page in (listed, detail):
        assert "Downtime notice: " in page
        assert "Nedetid for kartløsningen" not in page
    assert "Systemene er utilgjengelige" not in detail
    norwegian = client.get(reverse("portal:notice_detail", kwargs={"pk": notice_a.pk})).content.decode()
    assert "Nedetid for kartløsningen" in norwegian
