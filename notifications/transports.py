"""Channels of a downtime notice. Each transport has one `send(delivery)` that returns when the recipient has
the message and raises PermanentError (stop: the row ends `failed`) or TemporaryError (try again later)."""

import json
import smtplib
from datetime import UTC, datetime

import httpx
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from standardwebhooks.webhooks import Webhook

from .choices import DeliveryChannel
from .models import Delivery


class DeliveryError(Exception):
    """A send failed; `permanent` says whether trying again can help."""

    permanent = False


class PermanentError(DeliveryError):
    permanent = True


class TemporaryError(DeliveryError):
    permanent = False


class EndpointGoneError(PermanentError):
    """The webhook receiver answered 410 Gone: it wants no more calls."""


class EmailTransport:
    """One message per contact person through Django's configured e-mail backend."""

    def send(self, delivery: Delivery) -> None:
        from .messages import build_email

        try:
            validate_email(delivery.recipient)
        except ValidationError as error:
            raise PermanentError(f"Invalid e-mail address: {delivery.recipient!r}") from error
        message = build_email(delivery)
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
            raise PermanentError(f"Webhook endpoint {url} is disabled (it answered 410 Gone); enable it first.")
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
            raise EndpointGoneError(text)
        if status in (408, 429) or status >= 500:
            raise TemporaryError(text)
        raise PermanentError(text)


TRANSPORTS = {DeliveryChannel.EMAIL: EmailTransport, DeliveryChannel.PORTAL_WEBHOOK: WebhookTransport}


def transport_for(channel: str):
    return TRANSPORTS[channel]()
