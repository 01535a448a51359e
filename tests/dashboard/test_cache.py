"""The two-tier cache of the public pages: hits from process memory, shared through Redis, never older than asked."""

import pytest
from django.conf import settings
from django.core.cache import cache, caches
from django.urls import reverse
from django.utils import timezone


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


def test_tiered_cache_never_serves_a_value_older_than_its_timeout(db, caches_in_memory, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    tiered = caches["dashboard"]
    tiered.set("probe", "value", 60)

    time_machine.shift(49)
    tiered.clear_local()  # another web process
    assert tiered.get("probe") == "value"  # from the shared tier, now also in this process's memory
    time_machine.shift(9)
    assert tiered.get("probe") == "value"  # 58 s old, from this process's memory
    time_machine.shift(2)
    assert tiered.get("probe") is None

    tiered.set("probe", "value", 60)
    time_machine.shift(50.5)
    tiered.clear_local()
    assert tiered.get("probe") is None  # the shared tier keeps it no longer than a process may still serve it


@pytest.mark.skipif(not settings.REDIS_URL, reason="needs Redis (REDIS_URL)")
def test_redis_keeps_a_public_page_at_most_the_timeout_less_the_process_tier(demo, client):
    client.get(reverse("home"))

    redis = cache._cache.get_client()
    ttls = [redis.ttl(key) for key in redis.keys("*cache_page.dashboard.*")]
    assert ttls, "the page was not cached"
    assert all(40 < ttl <= 50 for ttl in ttls)
