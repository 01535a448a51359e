"""Writes of the API's own data: tokens are made (the key returned once) and revoked here."""

import secrets
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from .choices import TokenKind, TokenScope
from .models import PREFIX_LENGTH, ApiToken, token_digest

KEY_START = "mp_"


def apitoken_create(
    *,
    user: AbstractBaseUser,
    name: str,
    expires_at: datetime,
    scope: str = TokenScope.READ,
    kind: str = TokenKind.PERSONAL,
) -> tuple[ApiToken, str]:
    """Make a token for `user`; returns it with its key, which is stored only as a digest and never shown again."""
    key = KEY_START + secrets.token_urlsafe(32)
    token = ApiToken(
        user=user,
        name=name,
        kind=kind,
        scope=scope,
        expires_at=expires_at,
        prefix=key[:PREFIX_LENGTH],
        digest=token_digest(key),
    )
    token.full_clean()
    token.save()
    return token, key


def apitoken_revoke(*, token: ApiToken) -> ApiToken:
    """Stop a token at once (kept, revoked, so the history of its writes still names it)."""
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token
