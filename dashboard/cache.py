"""A two-tier cache for the public pages: each process's memory in front of the shared cache (Redis).

A cached dashboard request must be about as cheap as a trivial view. With Redis alone every hit costs two
network round trips (cache_page reads the header list, then the page); with this tier a hit within
LOCAL_TIMEOUT seconds is a dictionary lookup, and processes still share one rendering through Redis.

Freshness: a value written with timeout T lives T − LOCAL_TIMEOUT seconds in the shared cache and at most
LOCAL_TIMEOUT seconds in a process, so nobody sees it more than T seconds after it was computed.
"""

from django.core.cache import caches
from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache
from django.core.cache.backends.locmem import LocMemCache

_MISSING = object()


class TieredCache(BaseCache):
    """OPTIONS: SHARED (alias of the shared cache, default "default"), LOCAL_TIMEOUT (seconds, default 10)."""

    def __init__(self, location: str, params: dict):
        options = dict(params.get("OPTIONS") or {})
        self._shared_alias = options.pop("SHARED", "default")
        self.local_timeout = int(options.pop("LOCAL_TIMEOUT", 10))
        super().__init__({**params, "OPTIONS": options})
        self._local = LocMemCache(f"tiered-{location}", {"TIMEOUT": self.local_timeout, "OPTIONS": options})

    @property
    def _shared(self) -> BaseCache:
        return caches[self._shared_alias]

    def _timeouts(self, timeout) -> tuple[float | None, float | None]:
        if timeout is DEFAULT_TIMEOUT:
            timeout = self.default_timeout
        if timeout is None:  # forever
            return None, self.local_timeout
        local = min(self.local_timeout, timeout)
        return max(timeout - local, 1) if timeout > 0 else timeout, local

    def get(self, key, default=None, version=None):
        value = self._local.get(key, _MISSING, version=version)
        if value is _MISSING:
            value = self._shared.get(key, _MISSING, version=version)
            if value is _MISSING:
                return default
            self._local.set(key, value, self.local_timeout, version=version)
        return value

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        shared, local = self._timeouts(timeout)
        self._shared.set(key, value, shared, version=version)
        self._local.set(key, value, local, version=version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        shared, local = self._timeouts(timeout)
        added = self._shared.add(key, value, shared, version=version)
        if added:
            self._local.set(key, value, local, version=version)
        return added

    def delete(self, key, version=None):
        self._local.delete(key, version=version)
        return self._shared.delete(key, version=version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        self._local.delete(key, version=version)
        return self._shared.touch(key, self._timeouts(timeout)[0], version=version)

    def has_key(self, key, version=None):
        return self._local.has_key(key, version=version) or self._shared.has_key(key, version=version)

    def clear(self):
        """Empty this process's tier and the shared cache."""
        self._local.clear()
        self._shared.clear()

    def clear_local(self):
        self._local.clear()
