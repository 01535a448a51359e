"""Recovery with real parts: worker and beat as processes, Redis, an SMTP server on loopback.

A worker killed in the middle of a run, or a broker that restarts and forgets its queue: every delivery still ends
sent exactly once, and the ones in flight are on their way again within 60 s of the worker's or the broker's return
(a claim's lease runs out, the sweeper hands the row to a worker); how long the rest takes is the queue's length.
The lease and the sweeper run with their default settings; the times are printed (and kept in docs/benchmarks.md;
RECOVERY_TEST_DELIVERIES sets the run's size).
"""

import os
import signal
import threading
import time
from collections import Counter
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from notifications import services
from notifications.choices import AttemptOutcome, DeliveryChannel, DeliveryState, NoticeKind, NoticeState
from notifications.models import Delivery, Notice
from notifications.tasks import notices_publish_due
from systems.models import ContactPerson, SystemContact
from tests.factories import AgencyFactory, NoticeFactory, SystemFactory, WaveFactory
from waves.services import wave_set_state, wave_update

from .conftest import Processes, Scene, purge_queue, use_broker, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

PEOPLE = int(os.environ.get("RECOVERY_TEST_DELIVERIES", "300"))  # more for a benchmark run
RECOVERY_LIMIT = 60.0  # seconds from the worker's or the broker's return


def _wave_with_contacts(count: int, *, hours_ahead: float = 1):
    """A wave starting soon (confirming it publishes at once) with one system and `count` contact persons."""
    start = (timezone.now() + timedelta(hours=hours_ahead)).replace(microsecond=0)
    wave = WaveFactory(window_start=start, window_end=start + timedelta(hours=4))
    agency = AgencyFactory()
    system = SystemFactory(wave=wave, agency=agency)
    people = ContactPerson.objects.bulk_create(
        ContactPerson(name=f"Kontakt {n}", email=f"kontakt{n}@kommune.example", agency=agency) for n in range(count)
    )
    SystemContact.objects.bulk_create(SystemContact(system=system, contact=person, role="primary") for person in people)
    return wave


def _email_sent_count() -> int:
    return Delivery.objects.filter(channel=DeliveryChannel.EMAIL, state=DeliveryState.SENT).count()


def _all_sent() -> bool:
    return not Delivery.objects.exclude(state=DeliveryState.SENT).exists()


def _assert_each_mailed_once(smtp_server, count: int) -> None:
    recipients = Counter(message["To"] for message in smtp_server.messages)
    assert len(recipients) == count
    assert set(recipients.values()) == {1}


def test_worker_killed_mid_run_delivers_everything_once_within_a_minute_of_its_return(processes, smtp_server, settings):
    settings.PORTAL_WEBHOOK_URL = ""
    worker = processes.worker()
    processes.beat()
    wave_set_state(wave=_wave_with_contacts(PEOPLE), state="confirmed", by=None)
    wait_until(lambda: len(smtp_server.messages) >= PEOPLE // 3, timeout=60, what="a third sent")

    hold = smtp_server.hold = threading.Event()
    assert smtp_server.holding.wait(timeout=30), processes.log()
    os.kill(worker.pid, signal.SIGKILL)  # in the middle of an SMTP conversation, with the rest still queued
    worker.wait(timeout=10)
    hold.set()
    (held,) = Delivery.objects.filter(attempt_log__outcome=AttemptOutcome.STARTED)
    assert held.state == DeliveryState.PENDING

    back, back_at = time.monotonic(), timezone.now()
    processes.worker()
    wait_until(_all_sent, timeout=180, what="every delivery sent")
    drained = time.monotonic() - back
    held.refresh_from_db()
    recovered = (held.sent_at - back_at).total_seconds()

    print(
        f"\nSIGKILL: {PEOPLE} deliveries; the one killed mid-send sent again {recovered:.1f} s "
        f"after the worker's return, all sent after {drained:.1f} s"
    )
    assert recovered < RECOVERY_LIMIT
    _assert_each_mailed_once(smtp_server, PEOPLE)
    assert held.attempts == 2
    assert list(held.attempt_log.values_list("outcome", flat=True)) == [AttemptOutcome.STARTED, AttemptOutcome.SENT]


def test_redis_restart_mid_run_delivers_everything_once_within_a_minute_of_its_return(
    transactional_db, tmp_path, own_redis, smtp_server, process_env, settings
):
    from migportal.celery import app

    settings.PORTAL_WEBHOOK_URL = ""
    previous = app.conf.broker_url
    settings.CELERY_BROKER_URL = own_redis.url
    use_broker(own_redis.url)
    running = Processes(tmp_path, own_redis.url, process_env)
    try:
        running.worker()
        running.beat()
        wave_set_state(wave=_wave_with_contacts(PEOPLE), state="confirmed", by=None)
        wait_until(lambda: _email_sent_count() >= PEOPLE // 3, timeout=60, what="a third sent")

        own_redis.restart()  # no persistence: every queued message is gone
        back, back_at = time.monotonic(), timezone.now()
        lost = Delivery.objects.filter(state=DeliveryState.PENDING, queued_at__lt=back_at)
        wait_until(lambda: not lost.exists(), timeout=120, what="every lost delivery queued again")
        recovered = time.monotonic() - back
        wait_until(_all_sent, timeout=180, what="every delivery sent")
        drained = time.monotonic() - back
        connection.close()
    finally:
        running.stop_all()
        purge_queue(own_redis.url)
        use_broker(previous)

    print(
        f"\nRedis restart: {PEOPLE} deliveries; every lost one queued again {recovered:.1f} s after the broker's "
        f"return, all sent after {drained:.1f} s"
    )
    assert recovered < RECOVERY_LIMIT
    _assert_each_mailed_once(smtp_server, PEOPLE)


def test_dispatch_runs_on_time_while_two_thousand_deliveries_are_queued(processes, smtp_server, settings):
    settings.PORTAL_WEBHOOK_URL = ""
    agency = AgencyFactory()
    people = ContactPerson.objects.bulk_create(
        ContactPerson(name=f"Kontakt {n}", email=f"mange{n}@kommune.example", agency=agency) for n in range(2000)
    )
    notice = NoticeFactory()
    backlog = Delivery.objects.bulk_create(
        Delivery(notice=notice, channel=DeliveryChannel.EMAIL, recipient=person.email, contact=person)
        for person in people
    )
    services.deliveries_enqueue([delivery.pk for delivery in backlog])
    due = Scene(window_start=(timezone.now() + timedelta(days=30)).replace(microsecond=0))
    wave_set_state(wave=due.wave, state="confirmed", by=None)
    announcement = Notice.objects.get(wave=due.wave, kind=NoticeKind.ANNOUNCEMENT)
    Notice.objects.filter(pk=announcement.pk).update(publish_at=timezone.now() - timedelta(minutes=1))
    processes.worker()
    wait_until(lambda: len(smtp_server.messages) >= 50, timeout=60, what="the backlog being worked on")

    started = time.monotonic()
    notices_publish_due.delay()  # what beat does every DISPATCH_INTERVAL_SECONDS
    wait_until(
        lambda: Notice.objects.filter(pk=announcement.pk, state=NoticeState.PUBLISHED).exists(),
        timeout=60,
        what="the due notice published",
    )
    waited = time.monotonic() - started

    still_queued = Delivery.objects.filter(notice=notice, state=DeliveryState.PENDING).count()
    print(f"\nDispatch behind a backlog: published after {waited:.2f} s with {still_queued} deliveries still queued")
    assert waited < 5
    assert still_queued > 1000  # it did not wait for the backlog


def test_webhook_410_then_two_notices_then_enabled_sends_the_live_notices_in_order(
    celery_worker, smtp_server, httpserver, integration_settings
):
    """A 410 disables the endpoint; a change of that wave and another wave's announcement are held; enabling it
    sends what is live now, in publication order: the change (not the announcement it replaced), then the other
    wave's announcement."""
    url = integration_settings.PORTAL_WEBHOOK_URL
    integration_settings.CHANGE_NOTICE_DELAY_MINUTES = 0  # a change notice goes out at once
    httpserver.expect_oneshot_request("/hooks/notices").respond_with_data("gone", status=410)
    httpserver.expect_request("/hooks/notices").respond_with_data("ok")
    first = Scene(window_start=(timezone.now() + timedelta(hours=1)).replace(microsecond=0))
    wave_set_state(wave=first.wave, state="confirmed", by=None)
    wait_until(lambda: Delivery.objects.filter(state=DeliveryState.HELD).exists(), what="the 410")

    moved = first.wave.window_start + timedelta(hours=1)
    wave_update(wave=first.wave, by=None, window_start=moved, window_end=moved + timedelta(hours=5))
    other = _wave_with_contacts(2, hours_ahead=2)
    wave_set_state(wave=other, state="confirmed", by=None)
    wait_until(lambda: not Delivery.objects.filter(state=DeliveryState.PENDING).exists(), what="e-mails sent")
    assert len(httpserver.log) == 1  # only the call that answered 410
    live = list(
        Notice.objects.filter(state=NoticeState.PUBLISHED).order_by("published_at", "pk").values_list("pk", flat=True)
    )
    assert Notice.objects.get(pk=live[0]).kind == NoticeKind.CHANGE and len(live) == 2

    assert services.webhook_endpoint_enable(url=url, by=None) == 2
    wait_until(lambda: len(httpserver.log) == 3, what="the held calls")
    time.sleep(0.5)  # nothing more arrives

    received = [request.get_json()["notice_id"] for request, _response in httpserver.log[1:]]
    assert received == live
    assert len(httpserver.log) == 3
    replaced = Delivery.objects.get(
        channel=DeliveryChannel.PORTAL_WEBHOOK, notice__kind=NoticeKind.ANNOUNCEMENT, notice__wave=first.wave
    )
    assert replaced.state == DeliveryState.SKIPPED
