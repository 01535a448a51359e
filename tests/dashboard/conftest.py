"""Fixtures of the dashboard tests: the demo inventory (seed_demo) and an empty cache per test."""

import pytest
from django.core.cache import caches
from django.core.management import call_command


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with empty caches: this process's tier and Redis (FLUSHDB of this run's own database only)."""
    caches["dashboard"].clear()
    yield
    caches["dashboard"].clear()


@pytest.fixture
def seed(db):
    """Build the demo inventory at a scale: 1 = 392 systems, 1,349 VMs, 105 and 514 migrated."""

    def _seed(scale: int = 1):
        call_command("seed_demo", "--no-users", "--scale", str(scale), verbosity=0)

    return _seed


@pytest.fixture
def demo(seed):
    seed(1)
