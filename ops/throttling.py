"""Throttles by client: who the client is behind the trusted proxies, and one small counter on the cache.

Used by the portal's login links, the staff password reset and the per-address limit on failed staff logins
(django-axes counts per user name and address; `ThrottledLoginBackend` adds the limit across user names).
"""

import hashlib
import ipaddress

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: REMOTE_ADDR, or the address the last trusted proxy saw (PORTAL_TRUSTED_PROXY_COUNT).

    None when that is not an IP address (a forged header is never stored or counted as one).
    """
    proxies = settings.PORTAL_TRUSTED_PROXY_COUNT
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    address = forwarded[-proxies] if proxies and len(forwarded) >= proxies else request.META.get("REMOTE_ADDR")
    try:
        return str(ipaddress.ip_address(address or ""))
    except ValueError:
        return None


def _key(kind: str, value: str) -> str:
    return f"throttle:{kind}:{hashlib.sha256(value.encode()).hexdigest()}"


def hit(kind: str, value: str, *, window_seconds: float) -> int:
    """Count one event for (kind, value) in a window that starts with the first event; returns the count."""
    key = _key(kind, value)
    timeout = max(1, round(window_seconds))
    cache.add(key, 0, timeout=timeout)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=timeout)
        return 1


def over_limit(kind: str, value: str, limit: int, *, window_seconds: float) -> bool:
    """Count one event for (kind, value); True once more than `limit` happened in the window."""
    return hit(kind, value, window_seconds=window_seconds) > limit


def count(kind: str, value: str) -> int:
    """The events counted for (kind, value) in its current window (nothing counted)."""
    return cache.get(_key(kind, value), 0)
