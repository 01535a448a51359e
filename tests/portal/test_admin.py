"""The portal's rows in Django admin: listed for admins, secrets never shown, nothing added by hand."""

import pytest
from django.urls import reverse

from portal.models import LoginLink
from portal.services import feed_token_regenerate
from tests.factories import UserFactory


@pytest.mark.parametrize("model", ["testreport", "ackreminder", "loginlink", "feedtoken"])
def test_admin_lists_portal_rows_without_secrets(client, contact_a, model):
    token = feed_token_regenerate(contact=contact_a)
    link = LoginLink.objects.create(contact=contact_a, expires_at=token.created_at)
    client.force_login(UserFactory(username="admin", is_staff=True, is_superuser=True))
    changelist = client.get(reverse(f"admin:portal_{model}_changelist"))
    assert changelist.status_code == 200
    if model in ("loginlink", "feedtoken"):
        pk = link.pk if model == "loginlink" else token.pk
        change = client.get(reverse(f"admin:portal_{model}_change", args=[pk])).content.decode()
        assert token.key not in change and link.nonce not in change and link.secret not in change
        assert client.get(reverse(f"admin:portal_{model}_add")).status_code == 403
