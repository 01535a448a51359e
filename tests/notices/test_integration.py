"""With real parts: a Celery worker on Redis, an SMTP server, an HTTP receiver that verifies signatures.

Each fault case asserts that nothing is lost (every delivery ends sent, or failed as it should) and nothing is
doubled (one e-mail per person, one webhook id per notice).
"""

import threading
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone
from standardwebhooks.webhooks import Webhook
from werkzeug import Response

from notifications import services
from notifications.choices import AttemptOutcome, DeliveryChannel, DeliveryState, NoticeKind, NoticeState
from notifications.models import Delivery, Notice, WebhookEndpoint
from notifications.tasks import delivery_send
from waves.services import wave_set_state

from .conftest import WEBHOOK_SECRET, Scene, wait_until, worker_drained

# Committed data: a worker in another thread or process must see it.
pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

PEOPLE = {"kari@kommune.example", "ola@kommune.example", "per@kommune.example"}


def _soon_scene() -> Scene:
    """A scene whose window starts in an hour: confirming it publishes the announcement at once (short notice)."""
    return Scene(window_start=(timezone.now() + timedelta(hours=1)).replace(microsecond=0))


def _all_settled() -> bool:
    return Delivery.objects.exists() and not Delivery.objects.filter(state=DeliveryState.PENDING).exists()


def _webhook_ids(httpserver) -> list[str]:
    verifier = Webhook(WEBHOOK_SECRET)
    ids = []
    for request, _response in httpserver.log:
        verifier.verify(request.get_data(), dict(request.headers))  # raises if the signature is wrong
        ids.append(request.headers["webhook-id"])
    return ids


def _assert_each_person_mailed_once(smtp_server, notices: int = 1):
    assert sorted(message["To"] for message in smtp_server.messages) == sorted(list(PEOPLE) * notices)
    assert len({message["Message-ID"] for message in smtp_server.messages}) == len(smtp_server.messages)


def test_confirmed_wave_is_delivered_by_the_worker_by_mail_and_webhook(celery_worker, smtp_server, httpserver):
    httpserver.expect_request("/hooks/notices", method="POST").respond_with_data("ok")
    scene = _soon_scene()

    wave_set_state(wave=scene.wave, state="confirmed", by=None)

    wait_until(_all_settled, what="all deliveries settled")
    assert set(Delivery.objects.values_list("state", flat=True)) == {DeliveryState.SENT}
    _assert_each_person_mailed_once(smtp_server)
    kari = smtp_server.to("kari@kommune.example")[0]
    assert kari["Subject"] and "nedetid.ics" in kari.as_string()
    assert _webhook_ids(httpserver) == [str(Delivery.objects.get(channel=DeliveryChannel.PORTAL_WEBHOOK).uid)]


def test_smtp_451_then_250_delivers_once(celery_worker, smtp_server, httpserver):
    httpserver.expect_request("/hooks/notices").respond_with_data("ok")
    smtp_server.rcpt_answers = ["451 4.3.0 Mailbox busy, try again"]
    scene = _soon_scene()

    wave_set_state(wave=scene.wave, state="confirmed", by=None)

    wait_until(_all_settled, what="all deliveries settled")
    _assert_each_person_mailed_once(smtp_server)
    retried = Delivery.objects.get(attempts=2)
    assert retried.state == DeliveryState.SENT
    assert list(retried.attempt_log.values_list("outcome", flat=True)) == [
        AttemptOutcome.TEMPORARY,
        AttemptOutcome.SENT,
    ]
    assert "451" in retried.attempt_log.first().error


def test_webhook_500_500_200_delivers_once(celery_worker, smtp_server, httpserver):
    for status in (500, 500, 200):
        httpserver.expect_ordered_request("/hooks/notices").respond_with_data("", status=status)
    scene = _soon_scene()

    wave_set_state(wave=scene.wave, state="confirmed", by=None)

    wait_until(_all_settled, what="all deliveries settled")
    hook = Delivery.objects.get(channel=DeliveryChannel.PORTAL_WEBHOOK)
    assert (hook.state, hook.attempts) == (DeliveryState.SENT, 3)
    assert _webhook_ids(httpserver) == [str(hook.uid)] * 3  # one id: the receiver sees one message
    httpserver.check_assertions()


def test_webhook_timeout_is_retried(celery_worker, smtp_server, httpserver):
    released = threading.Event()

    def slow(_request):
        released.wait(timeout=30)  # answers only after the sender has given up
        return Response("too late")

    httpserver.expect_ordered_request("/hooks/notices").respond_with_handler(slow)
    httpserver.expect_ordered_request("/hooks/notices").respond_with_data("ok")
    scene = _soon_scene()

    wave_set_state(wave=scene.wave, state="confirmed", by=None)

    try:
        wait_until(
            lambda: Delivery.objects.filter(
                channel=DeliveryChannel.PORTAL_WEBHOOK, attempt_log__error__contains="timed out"
            ).exists(),
            what="the first call to time out",
        )
    finally:
        released.set()
    wait_until(_all_settled, what="all deliveries settled")
    hook = Delivery.objects.get(channel=DeliveryChannel.PORTAL_WEBHOOK)
    assert (hook.state, hook.attempts) == (DeliveryState.SENT, 2)
    assert "timed out" in hook.attempt_log.first().error


def test_webhook_410_holds_and_disables_the_endpoint(celery_worker, smtp_server, httpserver, integration_settings):
    httpserver.expect_request("/hooks/notices").respond_with_data("gone", status=410)
    scene = _soon_scene()

    wave_set_state(wave=scene.wave, state="confirmed", by=None)

    wait_until(_all_settled, what="all deliveries settled")
    hook = Delivery.objects.get(channel=DeliveryChannel.PORTAL_WEBHOOK)
    assert (hook.state, hook.attempts) == (DeliveryState.HELD, 1)
    assert WebhookEndpoint.objects.get(url=integration_settings.PORTAL_WEBHOOK_URL).disabled_at
    assert len(httpserver.log) == 1
    _assert_each_person_mailed_once(smtp_server)


def test_same_task_message_delivered_twice_sends_once(celery_worker, smtp_server, httpserver):
    httpserver.expect_request("/hooks/notices").respond_with_data("ok")
    scene = _soon_scene()

    wave_set_state(wave=scene.wave, state="confirmed", by=None)
    for delivery_id in Delivery.objects.values_list("pk", flat=True):
        delivery_send.delay(delivery_id)
        delivery_send.delay(delivery_id)

    wait_until(_all_settled, what="all deliveries settled")
    worker_drained()  # the duplicate messages are consumed too
    _assert_each_person_mailed_once(smtp_server)
    assert len(httpserver.log) == 1
    assert set(Delivery.objects.values_list("attempts", flat=True)) == {1}


def test_two_dispatchers_at_once_publish_each_notice_once(celery_worker, smtp_server, httpserver):
    httpserver.expect_request("/hooks/notices").respond_with_data("ok")
    scenes = []
    for number in range(4):
        start = (timezone.now() + timedelta(days=30 + number)).replace(microsecond=0)
        scene = Scene(window_start=start) if number == 0 else None
        wave = scene.wave if scene else _extra_wave(number, start, scenes[0])
        wave_set_state(wave=wave, state="confirmed", by=None)
        scenes.append(scene or scenes[0])
    Notice.objects.filter(kind=NoticeKind.ANNOUNCEMENT).update(publish_at=timezone.now() - timedelta(minutes=1))
    barrier, results = threading.Barrier(2), []

    def dispatcher():
        try:
            barrier.wait()
            results.append(services.notices_publish_due())
        finally:
            connection.close()

    threads = [threading.Thread(target=dispatcher) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    published = [notice_id for result in results for notice_id in result]
    assert len(published) == len(set(published)) == 4
    assert Notice.objects.filter(kind=NoticeKind.ANNOUNCEMENT, state=NoticeState.PUBLISHED).count() == 4
    wait_until(_all_settled, what="all deliveries settled")
    _assert_each_person_mailed_once(smtp_server, notices=4)
    assert len(httpserver.log) == 4


def _extra_wave(number, start, scene):
    """Another wave holding one more system of each of the scene's contact persons."""
    from tests.factories import SystemContactFactory, SystemFactory, WaveFactory

    wave = WaveFactory(name=f"Bølge {12 + number}", window_start=start, window_end=start + timedelta(hours=4))
    for person in (scene.kari, scene.ola, scene.per):
        SystemContactFactory(system=SystemFactory(wave=wave, agency=scene.agency), contact=person)
    return wave


def test_rolled_back_transaction_sends_nothing(celery_worker, smtp_server, httpserver):
    scene = _soon_scene()

    with pytest.raises(RuntimeError), transaction.atomic():
        wave_set_state(wave=scene.wave, state="confirmed", by=None)
        raise RuntimeError("something after the confirmation failed")

    worker_drained()  # anything the confirmation had enqueued would have run by now
    assert smtp_server.messages == []
    assert httpserver.log == []
    assert not Notice.objects.exists()
