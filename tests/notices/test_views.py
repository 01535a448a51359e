"""Staff pages: the notice timeline, one notice, its text, publish now, deliveries and retries; who may see what."""

from datetime import timedelta

import pytest
from django.urls import reverse

from notifications.choices import DeliveryState, NoticeState
from notifications.models import Delivery, Notice
from tests.factories import ContactPersonFactory, SystemContactFactory, SystemFactory, UserFactory, WaveFactory
from waves.services import wave_set_state

from .conftest import Scene


@pytest.fixture
def confirmed(db, clock, notice_settings, enqueued):
    scene = Scene()
    wave_set_state(wave=scene.wave, state="confirmed", by=None)
    scene.announcement = scene.wave.notices.get(kind="announcement")
    return scene


def _published(scene):
    from notifications.services import notice_publish

    return notice_publish(notice=scene.announcement)


PAGES = [
    ("get", "notifications:notice_list", False),
    ("get", "notifications:delivery_list", False),
    ("get", "notifications:notice_detail", True),
    ("get", "notifications:notice_edit", True),
    ("post", "notifications:notice_edit", True),
    ("post", "notifications:notice_publish", True),
]


def _url(name, scene, needs_pk):
    return reverse(name, kwargs={"pk": scene.announcement.pk}) if needs_pk else reverse(name)


@pytest.mark.parametrize(("method", "name", "needs_pk"), PAGES)
def test_anonymous_is_sent_to_login(client, confirmed, method, name, needs_pk):
    response = getattr(client, method)(_url(name, confirmed, needs_pk))

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize(("method", "name", "needs_pk"), PAGES)
def test_contact_person_without_staff_rights_is_refused(contact_client, confirmed, method, name, needs_pk):
    assert getattr(contact_client, method)(_url(name, confirmed, needs_pk)).status_code == 403


@pytest.mark.parametrize(("method", "name", "needs_pk"), [page for page in PAGES if page[0] == "post"])
def test_viewer_cannot_change_notices(viewer_client, confirmed, method, name, needs_pk):
    assert viewer_client.post(_url(name, confirmed, needs_pk), {"title": "x", "body": "y"}).status_code == 403
    assert Notice.objects.get(pk=confirmed.announcement.pk).state == NoticeState.SCHEDULED


def test_viewer_cannot_retry_delivery(viewer_client, confirmed):
    _published(confirmed)
    delivery = Delivery.objects.first()
    Delivery.objects.filter(pk=delivery.pk).update(state=DeliveryState.DEAD)

    assert viewer_client.post(reverse("notifications:delivery_retry", args=[delivery.pk])).status_code == 403
    assert viewer_client.post(reverse("notifications:webhook_enable"), {"url": "http://x"}).status_code == 403
    assert Delivery.objects.get(pk=delivery.pk).state == DeliveryState.DEAD


def test_publish_and_retry_refuse_get(editor_client, confirmed):
    assert (
        editor_client.get(reverse("notifications:notice_publish", args=[confirmed.announcement.pk])).status_code == 405
    )
    assert editor_client.get(reverse("notifications:delivery_retry", args=[1])).status_code == 405


def test_timeline_shows_scheduled_notices_of_a_wave_with_recipients(viewer_client, confirmed):
    page = viewer_client.get(reverse("notifications:notice_list"), {"wave_id": confirmed.wave.pk}).content.decode()

    assert "Varsler om nedetid" in page
    assert page.index(">varsel<") < page.index(">påminnelse<")
    assert "20.02.2021 kl. 18:00" in page  # the announcement, 14 days before 06.03.2021 kl. 18:00
    assert "04.03.2021 kl. 18:00" in page
    assert ">3<" in page  # Kari, Ola and Per


def test_timeline_shows_delivery_states_after_publication(viewer_client, confirmed):
    _published(confirmed)
    Delivery.objects.filter(recipient="per@kommune.example").update(state=DeliveryState.DEAD)

    page = viewer_client.get(reverse("notifications:notice_list")).content.decode()

    assert "2 venter" in page
    assert "1 gitt opp" in page


def test_notice_pages_query_count_does_not_grow_with_rows(viewer_client, confirmed, django_assert_max_num_queries):
    _published(confirmed)
    list_url, delivery_url = reverse("notifications:notice_list"), reverse("notifications:delivery_list")
    detail_url = reverse("notifications:notice_detail", args=[confirmed.announcement.pk])
    for url in (list_url, delivery_url, detail_url):
        with django_assert_max_num_queries(12):
            assert viewer_client.get(url).status_code == 200

    _grow(confirmed, waves=8, people=40)

    for url in (list_url, delivery_url, detail_url):
        with django_assert_max_num_queries(12):
            assert viewer_client.get(url).status_code == 200


def _grow(scene, *, waves: int, people: int):
    from notifications.services import notice_publish

    for number in range(waves):
        wave = WaveFactory(window_start=scene.wave.window_start + timedelta(days=number + 1))
        system = SystemFactory(wave=wave)
        for _ in range(people // waves):
            SystemContactFactory(system=system, contact=ContactPersonFactory())
        wave_set_state(wave=wave, state="confirmed", by=None)
        notice_publish(notice=wave.notices.get(kind="announcement"))


def test_editor_edits_text_of_scheduled_notice(editor_client, confirmed):
    url = reverse("notifications:notice_edit", args=[confirmed.announcement.pk])
    form = editor_client.get(url).content.decode()
    assert "Varsel om nedetid: Bølge 12, lørdag 6. mars 2021 kl. 18:00–23:00" in form  # the template's text

    response = editor_client.post(url, {"title": "Nedetid for økonomisystemet", "body": "Egen <b>tekst</b>."})

    assert response.status_code == 302
    notice = Notice.objects.get(pk=confirmed.announcement.pk)
    assert (notice.title, notice.body, notice.text_edited) == (
        "Nedetid for økonomisystemet",
        "Egen <b>tekst</b>.",
        True,
    )
    detail = editor_client.get(response["Location"]).content.decode()
    assert "Egen &lt;b&gt;tekst&lt;/b&gt;." in detail


def test_text_cannot_be_edited_after_publication(editor_client, confirmed):
    _published(confirmed)

    response = editor_client.post(
        reverse("notifications:notice_edit", args=[confirmed.announcement.pk]), {"title": "Ny", "body": "Ny tekst"}
    )

    assert "Teksten kan bare endres til varselet er publisert." in response.content.decode()
    assert Notice.objects.get(pk=confirmed.announcement.pk).title != "Ny"


def test_editor_publishes_now(editor_client, confirmed, enqueued, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(reverse("notifications:notice_publish", args=[confirmed.announcement.pk]))

    assert response.status_code == 302
    notice = Notice.objects.get(pk=confirmed.announcement.pk)
    assert notice.state == NoticeState.PUBLISHED
    assert len(enqueued) == 3
    page = editor_client.get(response["Location"]).content.decode()
    assert "Varselet er publisert" in page
    assert "kari@kommune.example" in page


def test_deliveries_filter_by_state_and_retry_dead(
    editor_client, confirmed, enqueued, django_capture_on_commit_callbacks
):
    _published(confirmed)
    dead = Delivery.objects.get(recipient="per@kommune.example")
    Delivery.objects.filter(pk=dead.pk).update(state=DeliveryState.DEAD, attempts=8, last_error="SMTP 421 busy")

    page = editor_client.get(reverse("notifications:delivery_list"), {"state": "dead"}).content.decode()
    assert "per@kommune.example" in page
    assert "kari@kommune.example" not in page
    assert "SMTP 421 busy" in page
    assert "1 utsending gitt opp" in page  # the navigation badge

    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(reverse("notifications:delivery_retry", args=[dead.pk]))

    assert response.status_code == 302
    assert Delivery.objects.get(pk=dead.pk).state == DeliveryState.PENDING
    assert enqueued == [(dead.pk, None)]
    assert "utsending gitt opp" not in editor_client.get(reverse("notifications:notice_list")).content.decode()


def test_retry_refuses_delivery_that_is_not_failed_or_dead(editor_client, confirmed, enqueued):
    _published(confirmed)
    delivery = Delivery.objects.first()

    response = editor_client.post(reverse("notifications:delivery_retry", args=[delivery.pk]), follow=True)

    assert "Bare feilede utsendinger" in response.content.decode()
    assert enqueued == []


def test_nav_badge_is_not_shown_to_users_without_staff_rights(client, confirmed):
    _published(confirmed)
    Delivery.objects.update(state=DeliveryState.DEAD)
    client.force_login(UserFactory())

    assert "gitt opp" not in client.get("/").content.decode()
