"""Logins give nothing away and cannot be hammered: the portal's login link does the same work for every
address, password-reset e-mails are throttled per address and per client, and one client address spraying
passwords over many user names is locked."""

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from portal.models import LoginLink
from portal.tasks import send_login_link
from systems.roles import VIEWER_GROUP
from tests.factories import ContactPersonFactory, UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery"


# --- Portal login link: equal work ---------------------------------------------------------------------------
def _ask_for_link(client, address, django_capture_on_commit_callbacks):
    """The answer to one login-link request, the SQL it ran, and the tasks it sent to the broker."""
    with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks(execute=True):
        response = client.post("/portal/login/", {"email": address}, REMOTE_ADDR="192.0.2.44")
    return response, [query["sql"] for query in queries.captured_queries]


def test_portal_login_does_the_same_work_for_known_and_unknown_addresses(
    client, published_tasks, django_capture_on_commit_callbacks
):
    ContactPersonFactory(email="kjent@kommune.example", user=None)
    staff = UserFactory(username="stab")
    staff.groups.add(Group.objects.get(name=VIEWER_GROUP))
    ContactPersonFactory(email="stab@kommune.example", user=staff)  # a staff account: never a link

    answers = {}
    for address in ("kjent@kommune.example", "ukjent@example.org", "stab@kommune.example"):
        answers[address] = _ask_for_link(client, address, django_capture_on_commit_callbacks)

    statuses = {(response.status_code, response["Location"]) for response, _sql in answers.values()}
    assert statuses == {(302, "/portal/login/sent/")}
    assert len({tuple(sql) for _response, sql in answers.values()}) == 1  # the very same statements
    assert published_tasks == [("portal.tasks.send_login_link", (address, "192.0.2.44"), {}) for address in answers]
    assert not LoginLink.objects.exists()  # nothing looked up or written while the client waits
    assert mail.outbox == []


def test_the_login_link_task_sends_only_to_contact_persons_who_may_use_one():
    contact = ContactPersonFactory(email="kjent@kommune.example", user=None)
    for address in ("kjent@kommune.example", "ukjent@example.org"):
        send_login_link(address, ip="192.0.2.44")
    assert [message.to for message in mail.outbox] == [["kjent@kommune.example"]]
    assert LoginLink.objects.get().contact == contact
    assert LoginLink.objects.get().requested_from == "192.0.2.44"


def test_portal_login_counts_a_forged_forwarded_address_as_no_address(
    client, settings, published_tasks, django_capture_on_commit_callbacks
):
    settings.PORTAL_TRUSTED_PROXY_COUNT = 1
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/portal/login/", {"email": "x@example.org"}, HTTP_X_FORWARDED_FOR="<script>")
        client.post("/portal/login/", {"email": "y@example.org"}, HTTP_X_FORWARDED_FOR="203.0.113.9")
    sent = [args for _name, args, _kwargs in published_tasks]
    assert sent == [("x@example.org", None), ("y@example.org", "203.0.113.9")]


# --- Password reset ------------------------------------------------------------------------------------------
def _reset(client, address, ip):
    return client.post("/accounts/password-reset/", {"email": address}, REMOTE_ADDR=ip)


def test_password_reset_mails_one_address_at_most_three_times_with_the_same_answer(client, settings):
    UserFactory(username="kari", email="kari@kommune.example")
    answers = [_reset(client, "Kari@kommune.example", f"198.51.100.{n}") for n in range(10)]
    assert {(answer.status_code, answer["Location"]) for answer in answers} == {(302, "/accounts/password-reset/sent/")}
    assert len(mail.outbox) == settings.PASSWORD_RESET_THROTTLE_PER_EMAIL == 3


def test_password_reset_refuses_a_client_that_asks_too_often(client, settings):
    settings.PASSWORD_RESET_THROTTLE_PER_IP = 4
    answers = [_reset(client, f"person{n}@example.org", "198.51.100.7") for n in range(5)]
    assert [answer.status_code for answer in answers] == [302, 302, 302, 302, 429]
    assert "For mange forespørsler" in answers[-1].content.decode()
    assert _reset(client, "person9@example.org", "198.51.100.8").status_code == 302  # another client


# --- Password spraying -----------------------------------------------------------------------------------------
def _login(client, username, password, ip):
    return client.post("/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_password_spray_over_many_user_names_locks_the_address(client, settings):
    """28 wrong passwords over 7 user names: 4 each, below the per-name limit of 5, yet the address is locked."""
    names = [UserFactory(username=f"ansatt{n}").username for n in range(7)]
    answers = [_login(client, name, f"gjett{attempt}", "203.0.113.66") for attempt in range(4) for name in names]
    statuses = [answer.status_code for answer in answers]
    limit = settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS
    assert statuses[:limit] == [200] * limit  # the form again, with its error
    assert set(statuses[limit:]) == {429}
    assert "For mange innloggingsforsøk" in answers[-1].content.decode()

    colleague = UserFactory(username="kollega")
    assert _login(Client(), "kollega", PASSWORD, "203.0.113.66").status_code == 429  # locked, even when right
    other = Client()
    assert _login(other, "kollega", PASSWORD, "203.0.113.67").status_code == 302  # another address is not
    assert other.session["_auth_user_id"] == str(colleague.pk)


def test_a_very_long_user_name_is_a_failed_login_not_an_error(client):
    assert _login(client, "x" * 5000, "x", "203.0.113.70").status_code == 200


def test_a_forged_forwarded_address_on_the_staff_login_is_a_failed_login_not_an_error(client, settings):
    settings.PORTAL_TRUSTED_PROXY_COUNT = 1
    UserFactory(username="kari")
    for forwarded in ("<script>", "", "999.1.1.1", "x" * 3000):
        response = client.post(
            "/accounts/login/", {"username": "kari", "password": "feil"}, HTTP_X_FORWARDED_FOR=forwarded
        )
        assert response.status_code in (200, 429)
