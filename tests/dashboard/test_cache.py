"""The two-tier cache of the public pages: hits from process memory, shared through Redis, never older than asked."""

import pytest
from django.core.cache import cache, caches
from django.urls import reverse


def test_tiered_cache_serves_hits_from_memory_without_redis(demo, client, monkeypatch):
    client.get(reverse("home"))
    monkeypatch.setattr(cache, "get", lambda *args, **kwargs: (_ for _ in ()).throw(AssertionError("Redis asked")))

    response = client.get(reverse("home"))

    assert response.status_code == 200
    assert "105 av 392 systemer" in response.content.decode()


def test_tiered_cache_shares_one_rendering_between_processes(demo, client, monkeypatch):
    client.get(reverse("home"))
    caches["dashboard"].clear_local()  # another web process: empty memory, same Redis
    monkeypatch.setattr("dashboard.views.dashboard_report", lambda: pytest.fail("computed again"))

    assert "105 av 392 systemer" in client.get(reverse("home")).content.decode()


def test_tiered_cache_splits_the_timeout_so_nothing_outlives_it(db):
    tiered = caches["dashboard"]
    tiered.set("probe", "value", 60)

    assert tiered.get("probe") == "value"
    assert 40 < cache._cache.get_client().ttl(cache.make_and_validate_key("probe")) <= 50
    assert tiered._timeouts(60) == (50, 10)
    assert tiered._timeouts(5) == (1, 5)
