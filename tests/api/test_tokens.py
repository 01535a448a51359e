"""Tokens as staff make, use and revoke them on /api/tokens/."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from api.models import ApiToken
from api.throttling import TokenRateThrottle
from tests.api.conftest import bearer, make_token

pytestmark = pytest.mark.django_db


def make_on_page(client, **fields) -> str:
    expires = (timezone.localdate() + timedelta(days=30)).isoformat()
    data = {"name": "CMDB", "kind": "service", "scope": "editor", "expires_on": expires, **fields}
    page = client.post("/api/tokens/", data).content.decode()
    return re.search(r"<code>(mp_[\w-]+)</code>", page).group(1)


def test_a_token_made_on_the_page_is_shown_once_stored_hashed_and_works(editor_client):
    key = make_on_page(editor_client)
    token = ApiToken.objects.get()
    assert key not in (token.digest, token.prefix) and token.prefix == key[:12]
    assert key not in editor_client.get("/api/tokens/").content.decode()
    assert bearer(key).get("/api/v1/systems/").status_code == 200
    assert ApiToken.objects.get().last_used_at is not None


def test_a_revoked_token_stops_at_once(editor_client):
    key = make_on_page(editor_client)
    response = editor_client.post(f"/api/tokens/{ApiToken.objects.get().pk}/revoke/")
    assert response.status_code == 302
    assert bearer(key).get("/api/v1/systems/").status_code == 401


def test_a_token_stops_when_it_expires(editor_client):
    key = make_on_page(editor_client)
    with time_machine.travel(timezone.now() + timedelta(days=31)):
        assert bearer(key).get("/api/v1/systems/").status_code == 401


def test_a_viewer_can_only_make_read_only_tokens(viewer_client):
    page = viewer_client.post(
        "/api/tokens/", {"name": "x", "kind": "personal", "scope": "editor", "expires_on": "2099-01-01"}
    )
    assert not ApiToken.objects.exists()
    assert "scope" in page.context["form"].errors


def test_a_read_only_token_of_an_editor_does_not_write(editor_client):
    key = make_on_page(editor_client, scope="read")
    response = bearer(key).post("/api/v1/agencies/", {"code": "X", "name": "X"}, format="json")
    assert response.status_code == 403


def test_each_token_has_its_own_request_budget(editor_user, monkeypatch):
    monkeypatch.setattr(TokenRateThrottle, "THROTTLE_RATES", {"token": "2/minute"})
    first, second = bearer(make_token(editor_user, name="a")), bearer(make_token(editor_user, name="b"))
    assert [first.get("/api/v1/waves/").status_code for _ in range(3)] == [200, 200, 429]
    assert second.get("/api/v1/waves/").status_code == 200
