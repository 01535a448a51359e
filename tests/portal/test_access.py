"""Every portal URL × (anonymous, contact of agency A, contact of agency B, staff): another agency's notice or
system is a 404, never a 403 that confirms it exists."""

import pytest
from django.urls import reverse

from portal.services import feed_token_regenerate
from systems.choices import ContactRole, MigrationStatus
from tests.factories import SystemContactFactory, UserFactory

ROLES = ["anonymous", "contact_a", "contact_b", "staff"]
PORTAL_LOGIN = "/portal/login/"
STAFF_LOGIN = "/accounts/login/"

# url name, kwargs builder, method, expected status per role ("login" = redirect to the right login page).
CASES = [
    ("portal:notice_list", None, "get", {"contact_a": 200, "contact_b": 200, "staff": 200}),
    ("portal:notice_detail", "notice", "get", {"contact_a": 200, "contact_b": 404, "staff": 200}),
    ("portal:notice_acknowledge", "notice", "post", {"contact_a": 302, "contact_b": 404, "staff": 403}),
    ("portal:notice_unacknowledge", "notice", "post", {"contact_a": 302, "contact_b": 404, "staff": 403}),
    ("portal:system_list", None, "get", {"contact_a": 200, "contact_b": 200, "staff": 200}),
    ("portal:system_test", "system", "get", {"contact_a": 200, "contact_b": 404, "staff": 403}),
    ("portal:system_test", "system", "post", {"contact_a": 200, "contact_b": 404, "staff": 403}),
    ("portal:subscriptions", None, "get", {"contact_a": 200, "contact_b": 200, "staff": 403}),
    ("portal:subscriptions_regenerate", None, "post", {"contact_a": 302, "contact_b": 302, "staff": 403}),
    ("portal:staff_acknowledgement_list", None, "get", {"contact_a": 403, "contact_b": 403, "staff": 200}),
    ("portal:staff_acknowledgement_detail", "notice", "get", {"contact_a": 403, "contact_b": 403, "staff": 200}),
    ("portal:staff_escalations", None, "get", {"contact_a": 403, "contact_b": 403, "staff": 200}),
]


@pytest.fixture
def world(notice_a, notice_b, system_a, contact_a):
    SystemContactFactory(system=system_a, contact=contact_a, role=ContactRole.TESTER)
    system_a.status = MigrationStatus.MIGRATED
    system_a.save()
    return {"notice": {"pk": notice_a.pk}, "system": {"pk": system_a.pk}}


def _login_as(client, role, request):
    if role == "anonymous":
        return
    if role == "staff":
        client.force_login(request.getfixturevalue("viewer_user"))
    else:
        client.force_login(request.getfixturevalue(role).user)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("name", "kwargs", "method", "expected"), CASES, ids=[f"{c[0]}-{c[2]}" for c in CASES])
def test_portal_url_access_by_role(client, request, world, role, name, kwargs, method, expected):
    _login_as(client, role, request)
    url = reverse(name, kwargs=world[kwargs] if kwargs else None)
    response = getattr(client, method)(url)
    if role == "anonymous":
        login_page = STAFF_LOGIN if "staff_" in name else PORTAL_LOGIN
        assert response.status_code == 302
        assert response["Location"].startswith(login_page + "?next=")
    else:
        assert response.status_code == expected[role]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("feed", ["portal:calendar_feed", "portal:atom_feed"])
def test_portal_feed_access_is_by_token_only(client, request, world, contact_a, role, feed):
    _login_as(client, role, request)
    token = feed_token_regenerate(contact=contact_a)
    assert client.get(reverse(feed, kwargs={"token": token.key})).status_code == 200
    assert client.get(reverse(feed, kwargs={"token": "x" * 43})).status_code == 404


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", ["portal:login", "portal:login_sent"])
def test_portal_login_pages_open_to_everyone(client, request, db, role, name):
    _login_as(client, role, request)
    assert client.get(reverse(name)).status_code == 200


@pytest.mark.parametrize("name", ["portal:notice_list", "portal:system_list"])
def test_portal_refuses_a_user_who_is_neither_contact_nor_staff(client, db, name):
    client.force_login(UserFactory(username="annen"))
    assert client.get(reverse(name)).status_code == 403


@pytest.mark.parametrize(
    "name", ["portal:notice_acknowledge", "portal:notice_unacknowledge", "portal:subscriptions_regenerate"]
)
def test_portal_state_changes_refuse_get(client, world, contact_a, name):
    client.force_login(contact_a.user)
    kwargs = world["notice"] if "notice" in name else None
    assert client.get(reverse(name, kwargs=kwargs)).status_code == 405
