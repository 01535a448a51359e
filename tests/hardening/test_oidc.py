"""Staff single sign-on over OpenID Connect against a fake identity provider (pytest-httpserver)."""

import time
from urllib.parse import parse_qs, urlparse

import jwt
import pytest
from django.contrib.auth import get_user_model
from django.test import override_settings

from systems.roles import EDITOR_GROUP, VIEWER_GROUP
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
CLIENT_ID = "migportal"
CLIENT_SECRET = "test-client-secret-for-hs256-signing"


@pytest.fixture
def idp(httpserver):
    """Settings that point SSO at the fake IdP; `issue(claims)` arms it for one login."""
    backends = [
        "ops.auth.ThrottledLoginBackend",
        "django.contrib.auth.backends.ModelBackend",
        "ops.oidc.StaffOIDCBackend",
    ]
    with override_settings(
        OIDC_ENABLED=True,
        AUTHENTICATION_BACKENDS=backends,
        OIDC_RP_CLIENT_ID=CLIENT_ID,
        OIDC_RP_CLIENT_SECRET=CLIENT_SECRET,
        OIDC_RP_SIGN_ALGO="HS256",
        OIDC_OP_AUTHORIZATION_ENDPOINT=httpserver.url_for("/authorize"),
        OIDC_OP_TOKEN_ENDPOINT=httpserver.url_for("/token"),
        OIDC_OP_USER_ENDPOINT=httpserver.url_for("/userinfo"),
        OIDC_OP_JWKS_ENDPOINT=None,
        OIDC_EDITOR_GROUPS=["migrering-redaktor"],
        OIDC_VIEWER_GROUPS=["migrering-lesetilgang"],
    ):
        yield httpserver


def _sso_login(client, idp, claims: dict, next_url: str = "/"):
    """Walk the code flow: start at our /oidc/authenticate/, 'log in' at the IdP, come back to the callback."""
    start = client.get("/oidc/authenticate/", {"next": next_url})
    assert start.status_code == 302
    params = parse_qs(urlparse(start["Location"]).query)
    assert params["client_id"] == [CLIENT_ID] and params["code_challenge_method"] == ["S256"]
    now = int(time.time())
    id_token = jwt.encode(
        {"iss": idp.url_for("/"), "sub": claims["sub"], "aud": CLIENT_ID, "iat": now, "exp": now + 300,
         "nonce": params["nonce"][0]},
        CLIENT_SECRET,
        algorithm="HS256",
    )  # fmt: skip
    idp.clear()
    idp.expect_request("/token", method="POST").respond_with_json({"id_token": id_token, "access_token": "at-1"})
    idp.expect_request("/userinfo").respond_with_json(claims)
    return client.get("/oidc/callback/", {"code": "code-1", "state": params["state"][0]})


def _claims(**extra):
    return {"sub": "s-1", "email": "nina@kommune.example", "preferred_username": "nina", "given_name": "Nina",
            "family_name": "Nilsen", "groups": ["migrering-redaktor"], **extra}  # fmt: skip


def test_sso_is_off_without_configuration(client):
    assert client.get("/oidc/authenticate/").status_code == 404
    assert "kommunal konto" not in client.get("/accounts/login/").content.decode()


def test_login_page_offers_sso_when_configured(client, idp):
    page = client.get("/accounts/login/").content.decode()
    assert "Logg inn med kommunal konto" in page
    assert 'name="password"' in page  # local password login stays for break-glass admins


def test_sso_editor_group_claim_makes_an_editor(client, idp):
    response = _sso_login(client, idp, _claims(), next_url="/tilgjengelighet/")
    assert response.status_code == 302 and response["Location"] == "/tilgjengelighet/"
    user = get_user_model().objects.get(username="nina")
    assert client.session["_auth_user_id"] == str(user.pk)
    assert list(user.groups.values_list("name", flat=True)) == [EDITOR_GROUP]
    assert user.get_full_name() == "Nina Nilsen" and not user.is_staff and not user.is_superuser
    assert user.has_perm("systems.change_system")


def test_sso_moves_user_between_groups_when_the_claim_changes(client, idp):
    _sso_login(client, idp, _claims())
    client.post("/accounts/logout/")
    _sso_login(client, idp, _claims(groups=["migrering-lesetilgang", "andre"]))
    user = get_user_model().objects.get(username="nina")
    assert list(user.groups.values_list("name", flat=True)) == [VIEWER_GROUP]
    assert not user.has_perm("systems.change_system")


def test_sso_refuses_someone_in_no_mapped_group(client, idp):
    response = _sso_login(client, idp, _claims(groups=["ansatte"]))
    assert response["Location"] == "/accounts/login/"
    assert "_auth_user_id" not in client.session
    assert not get_user_model().objects.filter(username="nina").exists()


def test_sso_never_logs_into_a_superuser(client, idp):
    UserFactory(username="breakglass", email="nina@kommune.example", is_superuser=True, is_staff=True)
    response = _sso_login(client, idp, _claims())
    assert response["Location"] == "/accounts/login/"
    assert "_auth_user_id" not in client.session


def test_sso_links_an_existing_local_user_by_email(client, idp):
    existing = UserFactory(username="nnilsen", email="NINA@kommune.example")
    _sso_login(client, idp, _claims())
    assert client.session["_auth_user_id"] == str(existing.pk)
    assert existing.groups.filter(name=EDITOR_GROUP).exists()


def test_sso_refuses_a_foreign_next_url(client, idp):
    response = _sso_login(client, idp, _claims(), next_url="https://evil.example/")
    assert response.status_code == 302 and "evil.example" not in response["Location"]
