"""Single sign-on for project staff with the municipality's identity provider (OpenID Connect).

Switched on by setting OIDC_RP_CLIENT_ID (and the endpoints; see .env.example). The IdP's group claim
decides the staff group: a member of one of OIDC_EDITOR_GROUPS becomes "Prosjekt – redaktør", of
OIDC_VIEWER_GROUPS "Prosjekt – lesetilgang"; someone in neither is refused. The mapping is applied at
every login, so removing a person from the IdP group removes their rights here at their next login.
SSO never logs into a superuser: break-glass admins log in with their local password.
"""

import logging
from collections.abc import Iterable
from functools import wraps

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import SuspiciousOperation
from django.db import transaction
from django.http import Http404
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from systems.roles import EDITOR_GROUP, VIEWER_GROUP

logger = logging.getLogger(__name__)
STAFF_GROUPS = (EDITOR_GROUP, VIEWER_GROUP)


def staff_group_for(idp_groups: Iterable[str]) -> str | None:
    """The staff group an IdP group list maps to; the editor group wins when both match."""
    names = {str(name) for name in idp_groups}
    if names & set(settings.OIDC_EDITOR_GROUPS):
        return EDITOR_GROUP
    if names & set(settings.OIDC_VIEWER_GROUPS):
        return VIEWER_GROUP
    return None


def _claimed_groups(claims: dict) -> list[str]:
    value = claims.get(settings.OIDC_GROUPS_CLAIM) or []
    return [value] if isinstance(value, str) else list(value)


class StaffOIDCBackend(OIDCAuthenticationBackend):
    """mozilla-django-oidc's backend with our user matching and group mapping."""

    def verify_claims(self, claims: dict) -> bool:
        if not claims.get("email"):
            logger.warning("SSO refused: the identity provider sent no e-mail claim")
            return False
        if staff_group_for(_claimed_groups(claims)) is None:
            logger.warning("SSO refused: %s is in none of the mapped staff groups", claims.get("email"))
            return False
        return True

    def filter_users_by_claims(self, claims: dict):
        users = super().filter_users_by_claims(claims)
        if any(user.is_superuser for user in users):
            raise SuspiciousOperation("SSO does not log into superuser accounts; they use their local password.")
        return users

    def get_username(self, claims: dict) -> str:
        return str(claims.get(settings.OIDC_USERNAME_CLAIM) or claims["email"])[:150]

    @transaction.atomic
    def create_user(self, claims: dict):
        username = self.get_username(claims)
        if self.UserModel.objects.filter(username=username).exists():
            raise SuspiciousOperation(f"A local user named {username!r} exists with another e-mail address.")
        user = self.UserModel.objects.create_user(username, email=claims["email"])
        return self.update_user(user, claims)

    @transaction.atomic
    def update_user(self, user, claims: dict):
        user.email = claims["email"]
        user.first_name = str(claims.get("given_name", user.first_name))[:150]
        user.last_name = str(claims.get("family_name", user.last_name))[:150]
        user.save(update_fields=["email", "first_name", "last_name"])
        wanted = staff_group_for(_claimed_groups(claims))
        user.groups.remove(*Group.objects.filter(name__in=STAFF_GROUPS).exclude(name=wanted))
        if wanted:
            user.groups.add(Group.objects.get(name=wanted))
        return user


def _only_when_enabled(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not settings.OIDC_ENABLED:
            raise Http404("Single sign-on is not configured.")
        return view(request, *args, **kwargs)

    return wrapped


authenticate_view = _only_when_enabled(OIDCAuthenticationRequestView.as_view())
callback_view = _only_when_enabled(OIDCAuthenticationCallbackView.as_view())
