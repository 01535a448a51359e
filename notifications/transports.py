"""Channels of a delivery. Each transport has one `send(delivery)` that returns when the recipient has the message
and raises PermanentError (stop: the row ends `failed`), TemporaryError (try again later), HeldError (keep it until
the channel is enabled again) or NotNeededError (the message has no purpose any more)."""

import json
import smtplib
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from standardwebhooks.webhooks import Webhook

from .choices import DeliveryChannel, DeliveryKind
from .models import Delivery

# A Retry-After longer than this is treated as this (a receiver must not park a delivery for weeks).
RETRY_AFTER_MAX_SECONDS = 24 * 3600


class DeliveryError(Exception):
    """A send failed; `permanent` says whether trying again can help, `retry_after` how long to wait at least."""

    permanent = False

    def __init__(self, message: str, *, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class PermanentError(DeliveryError):
    permanent = True


class TemporaryError(DeliveryError):
    permanent = False


class HeldError(PermanentError):
    """The channel is disabled (the webhook answered 410 Gone, or staff disabled it): keep the row until it is
    enabled again."""


class NotNeededError(PermanentError):
    """The message has lost its purpose before it was sent (a login link used or expired, a notice acknowledged)."""


# The e-mail of each kind of delivery other than a downtime notice, registered by the app that owns that kind
# (portal.apps): a function of the delivery that returns the message, or None when it is not needed any more.
EMAIL_BUILDERS: dict[str, Callable[[Delivery], EmailMessage | None]] = {}


def message_id(delivery: Delivery) -> str:
    """The e-mail Message-ID of a delivery: the same on every retry, so mail systems can drop a second copy."""
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2] or "migportal.invalid"
    return f"<{delivery.uid}@{domain}>"


def _email_for(delivery: Delivery) -> EmailMessage:
    if delivery.kind == DeliveryKind.NOTICE:
        from .messages import build_email

        message = build_email(delivery)
    else:
        message = EMAIL_BUILDERS[delivery.kind](delivery)
    if message is None:
        raise NotNeededError(f"No longer needed: {delivery.get_kind_display()}")
    message.to = [delivery.recipient]
    message.extra_headers.setdefault("Message-ID", message_id(delivery))
    return message


class EmailTransport:
    """One message per recipient through Django's configured e-mail backend (its timeout is EMAIL_TIMEOUT)."""

    def send(self, delivery: Delivery) -> None:
        try:
            validate_email(delivery.recipient)
        except ValidationError as error:
            raise PermanentError(f"Invalid e-mail address: {delivery.recipient!r}") from error
        message = _email_for(delivery)
        try:
            message.send(fail_silently=False)
        except smtplib.SMTPRecipientsRefused as error:
            codes = [code for code, _text in error.recipients.values()]
            text = "; ".join(f"{code} {msg.decode(errors='replace')}" for code, msg in error.recipients.values())
            if all(400 <= code < 500 for code in codes):
                raise TemporaryError(f"SMTP recipient refused for now: {text}") from error
            raise PermanentError(f"SMTP recipient refused: {text}") from error
        except smtplib.SMTPResponseException as error:
            text = f"SMTP {error.smtp_code} {_decode(error.smtp_error)}"
            if error.smtp_code >= 500:
                raise PermanentError(text) from error
            raise TemporaryError(text) from error
        except (smtplib.SMTPException, OSError) as error:
            raise TemporaryError(f"SMTP unavailable: {error.__class__.__name__}: {error}") from error


def _decode(value: bytes | str) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)


def webhook_headers(*, msg_id: str, body: str, secret: str, now: datetime | None = None) -> dict[str, str]:
    """Standard Webhooks headers for `body` (webhook-id, -timestamp, -signature) plus Idempotency-Key."""
    timestamp = (now or datetime.now(tz=UTC)).astimezone(UTC)
    signature = Webhook(secret).sign(msg_id=msg_id, timestamp=timestamp, data=body)
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(timestamp.timestamp())),
        "webhook-signature": signature,
        "Idempotency-Key": msg_id,
        "Content-Type": "application/json",
    }


class WebhookTransport:
    """A signed JSON POST to the external customer portal (Standard Webhooks)."""

    def send(self, delivery: Delivery) -> None:
        from .messages import webhook_payload
        from .services import webhook_endpoint_disable, webhook_endpoint_is_disabled

        url = delivery.recipient
        if webhook_endpoint_is_disabled(url):
            raise HeldError(f"Webhook endpoint {url} is disabled; held until staff enable it.")
        body = json.dumps(webhook_payload(delivery.notice), ensure_ascii=False, separators=(",", ":"))
        headers = webhook_headers(msg_id=str(delivery.uid), body=body, secret=settings.PORTAL_WEBHOOK_SECRET)
        try:
            response = httpx.post(
                url,
                content=body.encode(),
                headers=headers,
                timeout=settings.PORTAL_WEBHOOK_TIMEOUT_SECONDS,
                follow_redirects=False,
            )
        except httpx.TimeoutException as error:
            raise TemporaryError(f"Webhook timed out after {settings.PORTAL_WEBHOOK_TIMEOUT_SECONDS} s") from error
        except httpx.HTTPError as error:
            raise TemporaryError(f"Webhook unreachable: {error.__class__.__name__}: {error}") from error
        status = response.status_code
        if 200 <= status < 300:
            return
        text = f"Webhook answered HTTP {status}: {response.text[:200]}"
        if status == 410:
            webhook_endpoint_disable(url=url, reason=text)
            raise HeldError(text)
        if status in (408, 429) or status >= 500:
            raise TemporaryError(text, retry_after=retry_after_seconds(response.headers.get("Retry-After")))
        raise PermanentError(text)


def retry_after_seconds(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from an HTTP Retry-After header (delay in seconds, or an HTTP date); None if absent or bad."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        seconds = float(value)
    else:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            return None
        seconds = (when - (now or datetime.now(tz=UTC))).total_seconds()
    return min(max(seconds, 0.0), RETRY_AFTER_MAX_SECONDS)


TRANSPORTS = {DeliveryChannel.EMAIL: EmailTransport, DeliveryChannel.PORTAL_WEBHOOK: WebhookTransport}


def transport_for(channel: str):
    return TRANSPORTS[channel]()
