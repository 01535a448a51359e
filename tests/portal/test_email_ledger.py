"""The portal's own e-mails go through the deliveries' ledger: a temporary SMTP error is retried, a permanent one
ends the row failed at once, and staff see and retry them on /notices/deliveries/ like any delivery."""

import time_machine
from django.urls import reverse

from notifications.choices import AttemptOutcome, DeliveryKind, DeliveryState
from notifications.models import Delivery
from portal.models import LoginLink
from portal.tasks import send_login_link


def _login_link_delivery() -> Delivery:
    return Delivery.objects.get(kind=DeliveryKind.LOGIN_LINK)


def test_login_link_refused_for_now_is_retried_with_the_same_message_id(contact_a, smtp_server, enqueued):
    smtp_server.rcpt_answers = ["451 4.3.0 Mailbox busy, try again"]

    assert send_login_link("Anne@BYM.example") is True

    delivery = _login_link_delivery()
    assert (delivery.state, delivery.attempts, delivery.reference) == (
        DeliveryState.PENDING,
        1,
        LoginLink.objects.get().pk,
    )
    assert "451" in delivery.last_error
    assert smtp_server.messages == []
    assert enqueued == [(delivery.pk, enqueued[0][1])] and 0 < enqueued[0][1] <= 30  # the retry, soon
    with time_machine.travel(delivery.next_attempt_at, tick=False):
        assert enqueued.run() == [DeliveryState.SENT]
    (message,) = smtp_server.messages
    assert message["To"] == "anne@bym.example"
    assert message["Subject"] == "Din innloggingslenke til Kundeportalen"
    assert message["Message-ID"] == f"<{delivery.uid}@kommune.example>"
    assert list(delivery.attempt_log.values_list("outcome", flat=True)) == [
        AttemptOutcome.TEMPORARY,
        AttemptOutcome.SENT,
    ]


def test_login_link_refused_for_good_fails_at_once_and_staff_can_retry_it(
    contact_a, smtp_server, enqueued, editor_client, django_capture_on_commit_callbacks
):
    smtp_server.rcpt_answers = ["550 5.1.1 No such user here"]

    send_login_link("anne@bym.example")

    delivery = _login_link_delivery()
    assert (delivery.state, delivery.attempts) == (DeliveryState.FAILED, 1)
    assert enqueued == []  # no retry of a permanent error
    page = editor_client.get(reverse("notifications:delivery_list") + "?kind=login_link").content.decode()
    assert "Innloggingslenke" in page and "anne@bym.example" in page and "550 5.1.1" in page

    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(reverse("notifications:delivery_retry", args=[delivery.pk]))
    assert response.status_code == 302
    assert enqueued.run() == [DeliveryState.SENT]
    (message,) = smtp_server.messages
    assert message["To"] == "anne@bym.example"


def test_login_link_used_before_its_e_mail_went_out_is_not_sent(contact_a, smtp_server, enqueued):
    smtp_server.rcpt_answers = ["451 4.3.0 Mailbox busy, try again"]
    send_login_link("anne@bym.example")
    delivery = _login_link_delivery()
    LoginLink.objects.update(expires_at=delivery.created_at)  # expired (or used) meanwhile

    with time_machine.travel(delivery.next_attempt_at, tick=False):
        assert enqueued.run() == [DeliveryState.SKIPPED]
    assert smtp_server.messages == []
