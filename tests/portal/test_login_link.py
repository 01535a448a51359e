"""Login for contact persons by a one-time link e-mailed to them."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from portal.models import LoginLink
from portal.tasks import send_login_link
from systems.roles import VIEWER_GROUP
from tests.factories import ContactPersonFactory, UserFactory

LOGIN_URL = "/portal/login/"


def _request_link(client, email, ip="192.0.2.10"):
    return client.post(LOGIN_URL, {"email": email}, REMOTE_ADDR=ip)


def _link_path(message) -> str:
    return re.search(r"https?://[^/\s]+(/portal/login/\d+/\w+/)", message.body).group(1)


def _request_and_send(client, email, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        response = _request_link(client, email)
    assert response.status_code == 302
    assert len(callbacks) == 1  # the link is made and e-mailed by a Celery task after commit
    send_login_link(email)
    return _link_path(mail.outbox[-1])


def test_login_link_request_sends_a_norwegian_email_with_a_working_link(
    client, contact_a, django_capture_on_commit_callbacks
):
    path = _request_and_send(client, "Anne@BYM.example", django_capture_on_commit_callbacks)

    message = mail.outbox[0]
    assert message.to == ["anne@bym.example"]
    assert message.subject == "Din innloggingslenke til Kundeportalen"
    assert "virker én gang og utløper om 15 minutter" in message.body
    page = client.get(path)
    assert page.status_code == 200
    assert "Logg inn" in page.content.decode()
    response = client.post(path)
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:notice_list")
    assert client.get(reverse("portal:notice_list")).wsgi_request.user == contact_a.user


def test_login_link_email_in_english_for_contacts_who_chose_english(
    client, contact_a, django_capture_on_commit_callbacks
):
    contact_a.language = "en"
    contact_a.save()
    _request_and_send(client, "anne@bym.example", django_capture_on_commit_callbacks)
    assert mail.outbox[0].subject == "Your login link for the customer portal"
    assert "expires in 15 minutes" in mail.outbox[0].body


def test_login_link_used_twice_is_refused(client, contact_a, django_capture_on_commit_callbacks):
    path = _request_and_send(client, "anne@bym.example", django_capture_on_commit_callbacks)
    assert client.post(path).status_code == 302
    client.logout()

    second = client.post(path)
    assert second.status_code == 400
    assert "Denne innloggingslenken er ikke gyldig" in second.content.decode()
    assert "_auth_user_id" not in client.session


def test_login_link_expires_after_15_minutes(client, contact_a, django_capture_on_commit_callbacks):
    path = _request_and_send(client, "anne@bym.example", django_capture_on_commit_callbacks)
    with time_machine.travel(timezone.now() + timedelta(minutes=15, seconds=1)):
        assert client.get(path).status_code == 400
        assert client.post(path).status_code == 400
    assert "_auth_user_id" not in client.session


def test_login_link_still_works_just_before_expiry(client, contact_a, django_capture_on_commit_callbacks):
    path = _request_and_send(client, "anne@bym.example", django_capture_on_commit_callbacks)
    with time_machine.travel(timezone.now() + timedelta(minutes=14, seconds=50)):
        assert client.post(path).status_code == 302


def test_login_link_with_wrong_secret_is_refused(client, contact_a, django_capture_on_commit_callbacks):
    path = _request_and_send(client, "anne@bym.example", django_capture_on_commit_callbacks)
    link_id = path.split("/")[3]
    forged = f"/portal/login/{link_id}/{'0' * 64}/"
    assert client.post(forged).status_code == 400
    assert client.post("/portal/login/999999/abc/").status_code == 400
    assert "_auth_user_id" not in client.session
    assert client.post(path).status_code == 302  # the real link still works


def test_login_link_unknown_email_gets_the_same_answer(client, contact_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as unknown_callbacks:
        unknown = _request_link(client, "nobody@example.org")
    with django_capture_on_commit_callbacks() as known_callbacks:
        known = _request_link(client, "anne@bym.example")
    assert unknown.status_code == known.status_code == 302
    assert unknown["Location"] == known["Location"] == reverse("portal:login_sent")
    assert len(unknown_callbacks) == len(known_callbacks) == 1  # one task each: the task finds out who it is
    send_login_link("nobody@example.org")
    assert not LoginLink.objects.exists()
    assert mail.outbox == []
    sent_page = client.get(reverse("portal:login_sent")).content.decode()
    assert "Hvis adressen tilhører en kontaktperson" in sent_page


def test_login_link_is_throttled_per_email_with_the_same_answer(
    client, contact_a, settings, django_capture_on_commit_callbacks
):
    settings.PORTAL_LOGIN_THROTTLE_PER_EMAIL = 3
    with django_capture_on_commit_callbacks() as callbacks:
        answers = [_request_link(client, "anne@bym.example", ip=f"192.0.2.{n}") for n in range(5)]
    assert {answer.status_code for answer in answers} == {302}
    assert len(callbacks) == 3


def test_login_link_is_throttled_per_ip(client, contact_a, settings):
    settings.PORTAL_LOGIN_THROTTLE_PER_IP = 4
    answers = [_request_link(client, f"person{n}@example.org", ip="198.51.100.7") for n in range(5)]
    assert [answer.status_code for answer in answers] == [302, 302, 302, 302, 429]
    assert "For mange forespørsler" in answers[-1].content.decode()
    assert _request_link(client, "anne@bym.example", ip="198.51.100.8").status_code == 302


def test_login_link_never_sent_for_a_staff_account(client, django_capture_on_commit_callbacks):
    staff = UserFactory(username="stab")
    staff.groups.add(Group.objects.get(name=VIEWER_GROUP))
    ContactPersonFactory(email="stab@kommune.example", user=staff)
    assert _request_link(client, "stab@kommune.example").status_code == 302
    send_login_link("stab@kommune.example")
    assert not LoginLink.objects.exists()
    assert mail.outbox == []


def test_login_link_creates_a_login_for_a_contact_without_one(client, db, django_capture_on_commit_callbacks):
    contact = ContactPersonFactory(email="ny@kommune.example", user=None)
    UserFactory(username=f"kontakt-{contact.pk}")  # a name already taken does not stop the login
    path = _request_and_send(client, "ny@kommune.example", django_capture_on_commit_callbacks)
    assert client.post(path).status_code == 302
    contact.refresh_from_db()
    assert contact.user.username == f"kontakt-{contact.pk}-2"
    assert not contact.user.has_usable_password()
    assert client.get(reverse("portal:notice_list")).status_code == 200


def test_login_link_using_one_voids_the_others(client, contact_a, django_capture_on_commit_callbacks):
    first = _request_and_send(client, "anne@bym.example", django_capture_on_commit_callbacks)
    second = _request_and_send(client, "anne@bym.example", django_capture_on_commit_callbacks)
    assert client.post(second).status_code == 302
    client.logout()
    assert client.post(first).status_code == 400


def test_login_link_form_names_the_field_when_the_address_is_invalid(client, db):
    response = client.post(LOGIN_URL, {"email": "ikke-en-adresse"})
    assert response.status_code == 200
    assert "Oppgi en gyldig epost-adresse" in response.content.decode()


@pytest.mark.parametrize("method", ["put", "delete"])
def test_login_link_request_refuses_other_methods(client, db, method):
    assert getattr(client, method)(LOGIN_URL).status_code == 405


def test_login_link_throttle_uses_the_address_the_trusted_proxy_saw(client, db, settings):
    settings.PORTAL_LOGIN_THROTTLE_PER_IP = 2
    settings.PORTAL_TRUSTED_PROXY_COUNT = 1

    def ask(forwarded):
        return client.post(
            LOGIN_URL, {"email": "x@example.org"}, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded
        )

    assert [ask("203.0.113.5").status_code for _ in range(3)] == [302, 302, 429]
    assert ask("spoofed, 203.0.113.6").status_code == 302  # another client behind the same proxy is not blocked


def test_login_link_sets_the_contacts_language(client, contact_a, django_capture_on_commit_callbacks):
    contact_a.language = "en"
    contact_a.save()
    path = _request_and_send(client, "anne@bym.example", django_capture_on_commit_callbacks)
    client.post(path)
    page = client.get(reverse("portal:notice_list")).content.decode()
    assert "My notices" in page


def test_login_links_purged_a_week_after_expiry(contact_a):
    from portal.tasks import purge_login_links

    now = timezone.now()
    old = LoginLink.objects.create(contact=contact_a, expires_at=now - timedelta(days=7, minutes=1))
    recent = LoginLink.objects.create(contact=contact_a, expires_at=now - timedelta(days=6))
    assert purge_login_links() == 1
    assert not LoginLink.objects.filter(pk=old.pk).exists()
    assert LoginLink.objects.filter(pk=recent.pk).exists()
