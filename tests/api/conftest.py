"""Token holders for the API tests: one client per role of the access matrix."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from api.choices import TokenKind, TokenScope
from api.services import apitoken_create, apitoken_revoke
from notifications.choices import DeliveryState
from tests.factories import (
    AcknowledgementFactory,
    AgencyFactory,
    ContactPersonFactory,
    DeliveryFactory,
    NoticeFactory,
    SystemContactFactory,
    SystemFactory,
    VMFactory,
    WaveFactory,
)


def bearer(key: str | None) -> APIClient:
    client = APIClient()
    if key:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


def make_token(user, *, scope=TokenScope.EDITOR, kind=TokenKind.PERSONAL, days=30, name="script") -> str:
    return apitoken_create(
        user=user, name=name, scope=scope, kind=kind, expires_at=timezone.now() + timedelta(days=days)
    )[1]


@pytest.fixture
def editor_api(editor_user):
    return bearer(make_token(editor_user, name="cmdb-sync"))


@pytest.fixture
def token_clients(editor_user, viewer_user, contact_user):
    """Every kind of caller the access matrix names, as an API client."""
    revoked_token, revoked_key = apitoken_create(
        user=editor_user, name="old", scope=TokenScope.EDITOR, expires_at=timezone.now() + timedelta(days=1)
    )
    apitoken_revoke(token=revoked_token)
    return {
        "anonymous": bearer(None),
        "viewer": bearer(make_token(viewer_user)),
        "editor": bearer(make_token(editor_user)),
        "service_read": bearer(make_token(editor_user, scope=TokenScope.READ, kind=TokenKind.SERVICE)),
        "service_editor": bearer(make_token(editor_user, scope=TokenScope.EDITOR, kind=TokenKind.SERVICE)),
        "contact": bearer(make_token(contact_user)),
        "expired": bearer(make_token(editor_user, days=-1)),
        "revoked": bearer(revoked_key),
        "wrong": bearer("mp_not-a-token"),
    }


def one_of_each() -> dict:
    """One row of every kind the API serves, related to each other; returns each row's key in its URL."""
    agency = AgencyFactory(code="BYM")
    wave = WaveFactory(name="B1")
    system = SystemFactory(code="S1", agency=agency)
    VMFactory(system=system, hostname="s1-app01")
    contact = ContactPersonFactory(email="ola@kommune.example", agency=agency)
    role = SystemContactFactory(system=system, contact=contact)
    notice = NoticeFactory(wave=wave, systems=[system])
    delivery = DeliveryFactory(notice=notice, contact=contact, state=DeliveryState.DEAD)
    acknowledgement = AcknowledgementFactory(notice=notice, contact=contact)
    return {
        "agencies": "BYM",
        "systems": "S1",
        "vms": "s1-app01",
        "contacts": "ola@kommune.example",
        "system-contacts": str(role.pk),
        "waves": "B1",
        "notices": str(notice.pk),
        "deliveries": str(delivery.pk),
        "acknowledgements": str(acknowledgement.pk),
    }
