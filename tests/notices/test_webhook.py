"""The customer-portal webhook: Standard Webhooks signature, the JSON body, and how each answer is treated."""

import threading
import time
from datetime import timedelta

import pytest
from django.urls import reverse
from standardwebhooks.webhooks import Webhook
from werkzeug import Response

from notifications.choices import DeliveryChannel, DeliveryState
from notifications.models import Delivery, WebhookEndpoint
from notifications.services import delivery_attempt, notices_publish_due

from .conftest import WEBHOOK_SECRET, WINDOW_START, publish_announcement


@pytest.fixture
def hook_scene(scene, webhook_settings):
    return scene


def _webhook_delivery(notice):
    return notice.deliveries.get(channel=DeliveryChannel.PORTAL_WEBHOOK)


def _verified_bodies(httpserver):
    """Every request the receiver got, verified with the standardwebhooks package as a receiver would."""
    verifier = Webhook(WEBHOOK_SECRET)
    return [
        (verifier.verify(request.get_data(), dict(request.headers)), request.headers) for request, _ in httpserver.log
    ]


def test_webhook_is_signed_and_carries_the_notice(hook_scene, clock, httpserver):
    httpserver.expect_request("/hooks/notices", method="POST").respond_with_data("ok")
    notice = publish_announcement(hook_scene, clock)
    delivery = _webhook_delivery(notice)
    clock.move_to(time.time(), tick=False)  # the receiver checks the timestamp against its real clock
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=None)

    assert delivery_attempt(delivery_id=delivery.pk) == DeliveryState.SENT

    ((body, headers),) = _verified_bodies(httpserver)
    assert headers["webhook-id"] == headers["Idempotency-Key"] == str(delivery.uid)
    assert body["type"] == "notice.announcement"
    assert body["notice_id"] == notice.pk
    assert body["wave"] == "Bølge 12"
    assert body["window_start"] == "2021-03-06T18:00:00+01:00"
    assert body["window_end"] == "2021-03-06T23:00:00+01:00"
    assert body["published_at"] == "2021-02-20T18:00:00+01:00"
    assert body["title"].startswith("Varsel om nedetid: Bølge 12")
    assert {"code": "TEST-1", "name": "Testsystem", "agency_code": "BYM", "environment": "test"}.items() <= (
        body["systems"][2].items()
    )
    assert body["systems"][2]["downtime_start"] == "2021-03-06T19:00:00+01:00"
    assert "previous_window" not in body


def test_change_webhook_has_previous_window(hook_scene, clock, httpserver):
    from waves.services import wave_update

    httpserver.expect_request("/hooks/notices").respond_with_data("ok")
    publish_announcement(hook_scene, clock)
    later = WINDOW_START + timedelta(days=7)
    wave_update(wave=hook_scene.wave, by=None, window_start=later, window_end=later + timedelta(hours=5))
    clock.shift(timedelta(minutes=15))  # CHANGE_NOTICE_DELAY_MINUTES
    notices_publish_due()
    change = hook_scene.wave.notices.get(kind="change")
    clock.move_to(time.time(), tick=False)
    Delivery.objects.update(next_attempt_at=None)

    delivery_attempt(delivery_id=_webhook_delivery(change).pk)

    ((body, _headers),) = _verified_bodies(httpserver)
    assert body["type"] == "notice.change"
    assert body["previous_window"] == {"start": "2021-03-06T18:00:00+01:00", "end": "2021-03-06T23:00:00+01:00"}
    assert body["window_start"] == "2021-03-13T18:00:00+01:00"
    moved = {item["code"]: item for item in body["changes"]}
    assert set(moved) == {"ERP", "ARK", "TEST-1"}
    assert moved["ERP"]["change"] == "moved"
    assert moved["ERP"]["previous_downtime_start"] == "2021-03-06T18:00:00+01:00"
    assert moved["ERP"]["downtime_start"] == "2021-03-13T18:00:00+01:00"


@pytest.mark.parametrize(
    ("status", "state"),
    [
        (500, DeliveryState.PENDING),
        (503, DeliveryState.PENDING),
        (408, DeliveryState.PENDING),
        (429, DeliveryState.PENDING),
        (400, DeliveryState.FAILED),
        (401, DeliveryState.FAILED),
        (404, DeliveryState.FAILED),
    ],
)
def test_webhook_answer_decides_retry_or_failure(hook_scene, clock, httpserver, enqueued, status, state):
    httpserver.expect_request("/hooks/notices").respond_with_data("nei", status=status)
    delivery = _webhook_delivery(publish_announcement(hook_scene, clock))

    assert delivery_attempt(delivery_id=delivery.pk) == state

    delivery.refresh_from_db()
    assert f"HTTP {status}" in delivery.last_error
    assert bool(enqueued and enqueued[-1][0] == delivery.pk) == (state == DeliveryState.PENDING)


def test_webhook_500_500_200_is_delivered_on_the_third_attempt(hook_scene, clock, httpserver, enqueued):
    for status in (500, 500, 200):
        httpserver.expect_ordered_request("/hooks/notices").respond_with_data("", status=status)
    delivery = _webhook_delivery(publish_announcement(hook_scene, clock))

    outcomes = []
    for _ in range(3):
        outcomes.append(delivery_attempt(delivery_id=delivery.pk))
        clock.shift(timedelta(minutes=5))

    assert outcomes == [DeliveryState.PENDING, DeliveryState.PENDING, DeliveryState.SENT]
    ids = {request.headers["webhook-id"] for request, _ in httpserver.log}
    assert ids == {str(delivery.uid)}  # the receiver can tell it is one message


def test_webhook_timeout_is_temporary(hook_scene, clock, httpserver, enqueued):
    released, answered = threading.Event(), threading.Event()

    def slow(_request):
        released.wait(timeout=30)  # answers only after the sender has given up
        answered.set()
        return Response("late")

    httpserver.expect_request("/hooks/notices").respond_with_handler(slow)
    delivery = _webhook_delivery(publish_announcement(hook_scene, clock))

    try:
        assert delivery_attempt(delivery_id=delivery.pk) == DeliveryState.PENDING
    finally:
        released.set()
        answered.wait(timeout=30)  # the server is free again (and its log complete) for the next test

    delivery.refresh_from_db()
    assert "timed out" in delivery.last_error


def test_webhook_410_disables_endpoint_holds_later_notices_and_tells_staff(
    hook_scene, clock, httpserver, webhook_settings, client, editor_user
):
    httpserver.expect_request("/hooks/notices").respond_with_data("gone", status=410)
    delivery = _webhook_delivery(publish_announcement(hook_scene, clock))

    assert delivery_attempt(delivery_id=delivery.pk) == DeliveryState.HELD

    endpoint = WebhookEndpoint.objects.get(url=webhook_settings.PORTAL_WEBHOOK_URL)
    assert endpoint.disabled_at is not None
    # Later notices still get their webhook row, held: nothing calls the endpoint until staff enable it again.
    reminder_time = WINDOW_START - timedelta(days=2)
    clock.move_to(reminder_time)
    from notifications.services import notices_publish_due

    (reminder_id,) = notices_publish_due()
    reminder_call = Delivery.objects.get(notice_id=reminder_id, channel=DeliveryChannel.PORTAL_WEBHOOK)
    assert reminder_call.state == DeliveryState.HELD
    assert delivery_attempt(delivery_id=reminder_call.pk) == "skipped"
    assert len(httpserver.log) == 1
    client.force_login(editor_user)  # after moving the clock, so the session is fresh
    for page in ("/notices/", "/notices/deliveries/"):
        content = client.get(page).content.decode()
        assert "er slått av" in content
        assert "2 utsendinger holdes tilbake" in content
    assert "webhook slått av: 2 holdt tilbake" in content  # the navigation badge


def test_webhook_disabled_while_pending_is_held_without_calling(hook_scene, clock, httpserver, webhook_settings):
    delivery = _webhook_delivery(publish_announcement(hook_scene, clock))
    WebhookEndpoint.objects.create(url=webhook_settings.PORTAL_WEBHOOK_URL, disabled_at=delivery.created_at)

    assert delivery_attempt(delivery_id=delivery.pk) == DeliveryState.HELD
    assert httpserver.log == []


@pytest.mark.parametrize("retry_after", ["120", "Sat, 20 Feb 2021 17:02:00 GMT"])
def test_webhook_429_is_not_retried_before_its_retry_after(hook_scene, clock, httpserver, enqueued, retry_after):
    """Retry-After as seconds or as an HTTP date (two minutes after the clock's 18:00 Oslo time)."""
    httpserver.expect_ordered_request("/hooks/notices").respond_with_data(
        "slow down", status=429, headers={"Retry-After": retry_after}
    )
    httpserver.expect_ordered_request("/hooks/notices").respond_with_data("ok")
    delivery = _webhook_delivery(publish_announcement(hook_scene, clock))
    published = delivery.created_at

    assert delivery_attempt(delivery_id=delivery.pk) == DeliveryState.PENDING
    delivery.refresh_from_db()
    assert delivery.next_attempt_at >= published + timedelta(seconds=120)

    clock.move_to(published + timedelta(seconds=110))  # the retry message arriving early changes nothing
    assert delivery_attempt(delivery_id=delivery.pk) == "skipped"
    assert len(httpserver.log) == 1
    clock.move_to(published + timedelta(seconds=121))
    assert delivery_attempt(delivery_id=delivery.pk) == DeliveryState.SENT
    assert len(httpserver.log) == 2


def test_no_webhook_delivery_without_url(scene, clock):
    notice = publish_announcement(scene, clock)

    assert not notice.deliveries.filter(channel=DeliveryChannel.PORTAL_WEBHOOK).exists()


def test_staff_hold_the_webhook_then_enable_it_and_the_live_notice_goes_out(
    hook_scene, clock, httpserver, webhook_settings, enqueued, client, editor_user, viewer_user,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    httpserver.expect_request("/hooks/notices").respond_with_data("ok")
    delivery = _webhook_delivery(publish_announcement(hook_scene, clock))
    disable, enable = reverse("notifications:webhook_disable"), reverse("notifications:webhook_enable")
    url = webhook_settings.PORTAL_WEBHOOK_URL
    client.force_login(viewer_user)
    assert client.post(disable).status_code == 403  # viewers only look
    client.force_login(editor_user)

    assert client.post(disable).status_code == 302
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.HELD
    assert WebhookEndpoint.objects.get(url=url).disabled_reason == "Slått av av redaktor"

    enqueued.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(enable, {"url": url, "next": "/notices/"}, follow=True)
    assert response.redirect_chain[-1][0] == "/notices/"
    assert "1 tilbakeholdt utsending sendes nå" in response.content.decode()
    assert [delivery_id for delivery_id, _countdown in enqueued] == [delivery.pk]
    assert enqueued.run() == [DeliveryState.SENT]
    assert len(httpserver.log) == 1
