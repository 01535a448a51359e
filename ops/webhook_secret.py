"""The form of the webhook signing secret, checked when the settings load (a wrong one fails at start-up)."""

import base64
import binascii

PREFIX = "whsec_"
MIN_BYTES, MAX_BYTES = 24, 64


def webhook_secret_problem(secret: str) -> str | None:
    """What is wrong with a Standard Webhooks signing secret ("whsec_" + base64 of 24–64 random bytes), or None."""
    if not secret.startswith(PREFIX):
        return f'must start with "{PREFIX}"'
    try:
        key = base64.b64decode(secret.removeprefix(PREFIX), validate=True)
    except (binascii.Error, ValueError):
        return f'must be "{PREFIX}" followed by base64'
    if not MIN_BYTES <= len(key) <= MAX_BYTES:
        return f"must hold {MIN_BYTES}–{MAX_BYTES} random bytes after {PREFIX}, not {len(key)}"
    return None
