"""Login: CSRF enforced, no open redirect after login, throttling with django-axes, fixtures still log in."""

import re
from datetime import timedelta

import pytest
import time_machine
from axes.models import AccessAttempt
from django.test import Client
from django.utils import timezone

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery"


@pytest.fixture
def csrf_client():
    return Client(enforce_csrf_checks=True)


def _csrf_token(client, url="/accounts/login/") -> str:
    html = client.get(url).content.decode()
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def _login(client, username, password, **extra):
    return client.post("/accounts/login/", {"username": username, "password": password, **extra})


# --- CSRF -------------------------------------------------------------------------------------------------
def test_login_without_csrf_token_is_refused(csrf_client):
    user = UserFactory()
    response = _login(csrf_client, user.username, PASSWORD)
    assert response.status_code == 403
    assert "Skjemaet er utløpt" in response.content.decode()  # a clear page, not Django's English one
    assert "_auth_user_id" not in csrf_client.session


def test_login_with_csrf_token_succeeds(csrf_client):
    user = UserFactory()
    response = _login(csrf_client, user.username, PASSWORD, csrfmiddlewaretoken=_csrf_token(csrf_client))
    assert response.status_code == 302
    assert csrf_client.session["_auth_user_id"] == str(user.pk)


@pytest.mark.parametrize(
    ("url", "data"),
    [
        ("/accounts/logout/", {}),
        ("/i18n/setlang/", {"language": "en", "next": "/"}),
        ("/admin/systems/agency/add/", {"code": "X", "name": "Y", "kind": "etat"}),
    ],
)
def test_state_changing_posts_without_csrf_token_are_refused(admin_user, url, data):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    response = client.post(url, data)
    assert response.status_code == 403
    assert "_auth_user_id" in client.session  # still logged in: the logout did not happen


def test_logout_by_get_is_refused(editor_client):
    assert editor_client.get("/accounts/logout/").status_code == 405
    assert "_auth_user_id" in editor_client.session


# --- Open redirects -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example/",
        "https:evil.example",
        "javascript:alert(1)",
        "http://migrering.kommune.example.evil.example/",
    ],
)
def test_login_never_redirects_to_another_site(client, target):
    user = UserFactory()
    response = _login(client, user.username, PASSWORD, next=target)
    assert response.status_code == 302
    assert response["Location"] == "/"  # LOGIN_REDIRECT_URL instead of the foreign target


def test_login_follows_a_local_next(client):
    user = UserFactory()
    response = _login(client, user.username, PASSWORD, next="/tilgjengelighet/")
    assert response["Location"] == "/tilgjengelighet/"


def test_language_switch_never_redirects_to_another_site(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "https://evil.example/"})
    assert response["Location"] == "/"


# --- Throttling ---------------------------------------------------------------------------------------------
def test_login_is_locked_after_repeated_wrong_passwords_with_a_norwegian_page(client, settings):
    user = UserFactory(username="kari")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = _login(client, "kari", "wrong")
        assert response.status_code == 200  # the form again, with its error
    response = _login(client, "kari", "wrong")
    assert response.status_code == 429
    page = response.content.decode()
    assert "For mange innloggingsforsøk" in page
    assert "Prøv igjen om 15 minutter" in page

    # Even the right password is refused while locked.
    response = _login(client, "kari", PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session

    # After the cool-off the right password works again.
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        response = _login(client, "kari", PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_lockout_is_per_user_name_and_address(client, settings):
    """Someone hammering one name does not lock out a colleague on another."""
    UserFactory(username="kari")
    colleague = UserFactory(username="ola")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "kari", "wrong")
    assert AccessAttempt.objects.filter(username="kari").exists()
    colleague_client = Client()
    response = _login(colleague_client, "ola", PASSWORD)
    assert response.status_code == 302
    assert colleague_client.session["_auth_user_id"] == str(colleague.pk)


def test_successful_login_resets_the_failure_count(client, settings):
    UserFactory(username="kari")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _login(client, "kari", "wrong")
    assert _login(client, "kari", PASSWORD).status_code == 302
    client.post("/accounts/logout/")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _login(client, "kari", "wrong").status_code == 200


def test_admin_login_is_throttled_too(client, settings, admin_user):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = client.post("/admin/login/", {"username": admin_user.username, "password": "wrong"})
    assert response.status_code == 429
    assert "For mange innloggingsforsøk" in response.content.decode()


def test_role_fixtures_and_test_client_login_still_work(editor_client, viewer_user):
    """force_login (the fixtures) and Client.login (no request to throttle by) are not blocked by axes."""
    assert editor_client.get("/tilgjengelighet/").context["user"].username == "redaktor"
    client = Client()
    assert client.login(username=viewer_user.username, password=PASSWORD)


def test_public_language_switch_refuses_cross_site_posts(client):
    """The public pages carry no CSRF token (they are cached whole); Fetch Metadata stands in for it."""
    response = client.post("/dashboard/language/", {"language": "en", "next": "/"}, HTTP_SEC_FETCH_SITE="cross-site")
    assert response.status_code == 403
    response = client.post("/dashboard/language/", {"language": "en", "next": "/"}, HTTP_SEC_FETCH_SITE="same-origin")
    assert response.status_code == 302
