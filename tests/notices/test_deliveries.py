"""Delivery tasks: claimed once, sent once, retried with backoff, failed or dead, logged per attempt."""

import time
from datetime import timedelta

import pytest
import redis
from django.core import mail
from django.db import connection

from notifications.choices import AttemptOutcome, DeliveryChannel, DeliveryState
from notifications.models import Delivery
from notifications.services import deliveries_sweep, delivery_attempt, delivery_retry, retry_delay
from notifications.tasks import delivery_send
from systems.choices import ContactRole
from tests.factories import ContactPersonFactory, DeliveryFactory, SystemContactFactory, SystemFactory

from .conftest import publish_announcement


@pytest.fixture
def kari_delivery(scene, clock):
    publish_announcement(scene, clock)
    return Delivery.objects.get(recipient="kari@kommune.example")


class FlakySMTP:
    """An e-mail backend at the very edge: refuses with the given SMTP codes, then accepts."""

    codes: list[int] = []

    def __init__(self, **kwargs):
        pass

    def send_messages(self, messages):
        import smtplib

        if FlakySMTP.codes:
            code = FlakySMTP.codes.pop(0)
            raise smtplib.SMTPRecipientsRefused({messages[0].to[0]: (code, b"mailbox busy or unknown")})
        mail.outbox.extend(messages)
        return len(messages)


@pytest.fixture
def flaky_smtp(notice_settings):
    notice_settings.EMAIL_BACKEND = "tests.notices.test_deliveries.FlakySMTP"
    FlakySMTP.codes = []
    return FlakySMTP


def test_delivery_is_sent_once_however_often_its_task_runs(kari_delivery, mailoutbox):
    assert delivery_send(kari_delivery.pk) == DeliveryState.SENT
    assert delivery_send(kari_delivery.pk) == "skipped"
    delivery_attempt(delivery_id=kari_delivery.pk)

    assert len(mailoutbox) == 1
    kari_delivery.refresh_from_db()
    assert (kari_delivery.state, kari_delivery.attempts) == (DeliveryState.SENT, 1)
    assert kari_delivery.sent_at is not None
    (attempt,) = kari_delivery.attempt_log.all()
    assert attempt.outcome == AttemptOutcome.SENT
    assert attempt.finished_at is not None


@pytest.mark.parametrize("more_systems", [0, 30])
def test_sending_a_delivery_costs_three_queries_at_any_size(
    scene, clock, mailoutbox, django_assert_max_num_queries, more_systems
):
    for n in range(more_systems):
        system = SystemFactory(code=f"EXTRA-{n:02d}", name=f"Ekstra {n}", agency=scene.agency, wave=scene.wave)
        SystemContactFactory(system=system, contact=scene.kari, role=ContactRole.OWNER)
        SystemContactFactory(system=system, contact=ContactPersonFactory(agency=scene.agency))
    notice = publish_announcement(scene, clock)
    kari = Delivery.objects.get(recipient="kari@kommune.example")
    ola = Delivery.objects.get(recipient="ola@kommune.example")

    # PostgreSQL: claim + ledger row; the delivery with its contact person and roles; sent + ledger row; and
    # once per worker process, the notice with its wave. (The embedded SQLite takes more statements.)
    sent_bound, skipped_bound = (3, 1) if connection.vendor == "postgresql" else (11, 3)
    with django_assert_max_num_queries(sent_bound + 1):
        assert delivery_attempt(delivery_id=kari.pk) == DeliveryState.SENT
    with django_assert_max_num_queries(sent_bound):
        assert delivery_attempt(delivery_id=ola.pk) == DeliveryState.SENT
    with django_assert_max_num_queries(skipped_bound):
        assert delivery_attempt(delivery_id=kari.pk) == "skipped"

    kari_mail, ola_mail = mailoutbox
    assert kari_mail.to == ["kari@kommune.example"] and ola_mail.to == ["ola@kommune.example"]
    assert "ERP Økonomisystem" in kari_mail.body and "ARK Sakarkiv" in kari_mail.body
    assert kari_mail.body.count("Ekstra ") == more_systems
    assert "ARK Sakarkiv" in ola_mail.body and "ERP" not in ola_mail.body
    assert notice.title in (kari_mail.subject, ola_mail.subject)
    kari.refresh_from_db()
    assert (kari.state, kari.attempts, kari.attempt_log.get().outcome) == (DeliveryState.SENT, 1, AttemptOutcome.SENT)


def test_delivery_claimed_by_another_worker_is_not_sent(kari_delivery, clock, mailoutbox):
    Delivery.objects.filter(pk=kari_delivery.pk).update(locked_until=kari_delivery.created_at + timedelta(minutes=2))

    assert delivery_attempt(delivery_id=kari_delivery.pk) == "skipped"
    assert mailoutbox == []


def test_temporary_smtp_error_retries_with_backoff_then_sends(kari_delivery, clock, flaky_smtp, enqueued):
    flaky_smtp.codes = [451]

    assert delivery_attempt(delivery_id=kari_delivery.pk) == DeliveryState.PENDING

    kari_delivery.refresh_from_db()
    assert "451" in kari_delivery.last_error
    wait = (kari_delivery.next_attempt_at - kari_delivery.attempt_log.get().finished_at).total_seconds()
    assert 15 <= wait <= 30
    assert enqueued[-1][0] == kari_delivery.pk
    assert 15 <= enqueued[-1][1] <= 30
    assert delivery_attempt(delivery_id=kari_delivery.pk) == "skipped"  # too early: a stray duplicate message

    clock.shift(timedelta(seconds=30))
    assert delivery_attempt(delivery_id=kari_delivery.pk) == DeliveryState.SENT
    assert len(mail.outbox) == 1
    outcomes = list(kari_delivery.attempt_log.values_list("outcome", flat=True))
    assert outcomes == [AttemptOutcome.TEMPORARY, AttemptOutcome.SENT]


def test_temporary_errors_end_dead_after_the_last_attempt(kari_delivery, clock, flaky_smtp, enqueued):
    flaky_smtp.codes = [421, 450, 452]

    states = []
    for _ in range(3):
        states.append(delivery_attempt(delivery_id=kari_delivery.pk))
        clock.shift(timedelta(hours=1))

    assert states == [DeliveryState.PENDING, DeliveryState.PENDING, DeliveryState.DEAD]
    kari_delivery.refresh_from_db()
    assert kari_delivery.next_attempt_at is None
    assert kari_delivery.attempt_log.count() == 3
    assert mail.outbox == []


def test_rejected_address_fails_at_once(kari_delivery, flaky_smtp, enqueued):
    flaky_smtp.codes = [550]

    assert delivery_attempt(delivery_id=kari_delivery.pk) == DeliveryState.FAILED

    kari_delivery.refresh_from_db()
    assert "550" in kari_delivery.last_error
    assert enqueued == []


def test_invalid_address_fails_at_once_without_sending(kari_delivery, mailoutbox):
    Delivery.objects.filter(pk=kari_delivery.pk).update(recipient="kari(at)kommune")

    assert delivery_attempt(delivery_id=kari_delivery.pk) == DeliveryState.FAILED

    assert mailoutbox == []
    assert "Invalid e-mail address" in Delivery.objects.get(pk=kari_delivery.pk).last_error


def test_staff_retry_brings_dead_delivery_back_with_fresh_attempts(kari_delivery, enqueued, mailoutbox):
    Delivery.objects.filter(pk=kari_delivery.pk).update(state=DeliveryState.DEAD, attempts=3)

    assert delivery_retry(delivery=kari_delivery, by=None)

    kari_delivery.refresh_from_db()
    assert (kari_delivery.state, kari_delivery.attempts) == (DeliveryState.PENDING, 0)
    assert delivery_attempt(delivery_id=kari_delivery.pk) == DeliveryState.SENT
    assert not delivery_retry(delivery=kari_delivery, by=None)


@pytest.fixture
def delivery_queue(settings):
    """The delivery queue on this test's Redis (the unit tests' broker), emptied before and after. Without
    REDIS_URL the broker is the filesystem transport and the test is skipped."""
    from migportal.celery import app

    if not app.conf.broker_url.startswith(("redis://", "rediss://")):
        pytest.skip("needs the Redis broker (REDIS_URL): the sweeper reads the length of its queue")
    client = redis.Redis.from_url(app.conf.broker_url)
    client.delete(settings.CELERY_TASK_DEFAULT_QUEUE)
    yield lambda: client.lpush(settings.CELERY_TASK_DEFAULT_QUEUE, "a message waiting in line")
    client.delete(settings.CELERY_TASK_DEFAULT_QUEUE)
    client.close()


def test_sweeper_re_enqueues_only_lost_pending_deliveries(scene, clock, notice_settings, enqueued, delivery_queue):
    notice_settings.NOTICE_SWEEP_AFTER_SECONDS = 30
    publish_announcement(scene, clock)
    kari, ola, per = (Delivery.objects.get(recipient=f"{name}@kommune.example") for name in ("kari", "ola", "per"))
    delivery_attempt(delivery_id=kari.pk)
    Delivery.objects.filter(pk=ola.pk).update(locked_until=kari.created_at + timedelta(hours=1))

    assert deliveries_sweep() == []  # per's message was queued just now
    clock.shift(timedelta(seconds=31))
    assert deliveries_sweep() == [per.pk]  # the queue is empty: lost; kari is sent, ola held by a live worker
    assert deliveries_sweep() == []  # just re-enqueued: not again for another 30 s


def test_sweeper_leaves_queued_messages_in_line_but_takes_expired_claims_at_once(
    scene, clock, notice_settings, enqueued, delivery_queue
):
    """A long queue: a message queued long ago may still wait in it, so only rows whose worker died (an expired
    lease) and rows no message was ever queued for are enqueued again."""
    notice_settings.NOTICE_SWEEP_AFTER_SECONDS = 30
    notice_settings.NOTICE_DELIVERY_LEASE_SECONDS = 20
    publish_announcement(scene, clock)
    kari, ola, per = (Delivery.objects.get(recipient=f"{name}@kommune.example") for name in ("kari", "ola", "per"))
    now = kari.created_at
    Delivery.objects.filter(pk=kari.pk).update(locked_until=now + timedelta(seconds=20), attempts=1)  # worker died
    Delivery.objects.filter(pk=ola.pk).update(queued_at=None)  # a retry due later than a countdown reaches
    delivery_queue()

    clock.shift(timedelta(minutes=5))
    assert sorted(deliveries_sweep()) == sorted([kari.pk, ola.pk])
    per.refresh_from_db()
    assert per.queued_at == now  # still in line


def test_sweeper_ends_a_delivery_dead_when_its_worker_died_on_the_last_attempt(scene, clock, notice_settings, enqueued):
    publish_announcement(scene, clock)
    kari = Delivery.objects.get(recipient="kari@kommune.example")
    last = notice_settings.NOTICE_DELIVERY_MAX_ATTEMPTS
    Delivery.objects.filter(pk=kari.pk).update(locked_until=kari.created_at + timedelta(seconds=20), attempts=last)

    clock.shift(timedelta(minutes=1))
    assert kari.pk not in deliveries_sweep()
    kari.refresh_from_db()
    assert (kari.state, kari.last_error) == (DeliveryState.DEAD, "Worker lost while sending")


class SlowBackend:
    """An e-mail backend at the very edge that takes a while, noting the delivery's claim as it goes."""

    claims: list = []

    def __init__(self, **kwargs):
        pass

    def send_messages(self, messages):
        for _ in range(4):
            time.sleep(0.2)
            SlowBackend.claims.append(Delivery.objects.values_list("locked_until", flat=True).get())
        return len(messages)


@pytest.mark.django_db(transaction=True)
def test_claim_is_renewed_while_a_slow_send_runs(notice_settings):
    """A send that takes longer than the lease keeps its claim, renewed by another connection as it runs."""
    notice_settings.NOTICE_DELIVERY_LEASE_SECONDS = 0.3
    notice_settings.EMAIL_BACKEND = "tests.notices.test_deliveries.SlowBackend"
    SlowBackend.claims = []
    delivery = DeliveryFactory()

    assert delivery_attempt(delivery_id=delivery.pk) == DeliveryState.SENT

    claims = SlowBackend.claims
    assert len(set(claims)) >= 2 and claims == sorted(claims)  # renewed, later each time
    assert all(claim > delivery.created_at for claim in claims)


def test_retry_delay_grows_exponentially_with_jitter_up_to_the_cap(notice_settings):
    notice_settings.NOTICE_RETRY_BASE_SECONDS = 30
    notice_settings.NOTICE_RETRY_MAX_SECONDS = 1800

    delays = {attempt: [retry_delay(attempt) for _ in range(50)] for attempt in (1, 2, 3, 10)}

    assert all(15 <= delay <= 30 for delay in delays[1])
    assert all(30 <= delay <= 60 for delay in delays[2])
    assert all(60 <= delay <= 120 for delay in delays[3])
    assert all(900 <= delay <= 1800 for delay in delays[10])
    assert len(set(delays[3])) > 1


def test_each_contact_person_gets_one_delivery_per_notice(scene, clock):
    notice = publish_announcement(scene, clock)

    assert sorted(notice.deliveries.values_list("channel", "recipient")) == [
        (DeliveryChannel.EMAIL, "kari@kommune.example"),
        (DeliveryChannel.EMAIL, "ola@kommune.example"),
        (DeliveryChannel.EMAIL, "per@kommune.example"),
    ]
