"""Fixtures of the dashboard tests: the demo inventory (seed_demo) and an empty cache per test."""

from pathlib import Path

import pytest
from django.core.cache import caches
from django.core.management import call_command
from django.db import transaction

HERE = Path(__file__).resolve().parent


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with empty caches: this process's tier and the shared one (with Redis, this run's own
    database only)."""
    caches["dashboard"].clear()
    yield
    caches["dashboard"].clear()


@pytest.fixture
def caches_in_memory(settings):
    """Both tiers of the dashboard's cache in this process's memory, where they follow the test's clock (Redis
    expires keys by its own)."""
    settings.CACHES = {
        **settings.CACHES,
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "dashboard-tests"},
    }


@pytest.fixture
def seed(db):
    """Build the demo inventory at a scale: 1 = 392 systems, 1,349 VMs, 105 and 514 migrated."""

    def _seed(scale: int = 1):
        call_command("seed_demo", "--no-users", "--scale", str(scale), verbosity=0)

    return _seed


@pytest.fixture(scope="module")
def demo_inventory(django_db_setup, django_db_blocker):
    """The demo inventory at scale 1, seeded once per module inside a transaction that is rolled back when the
    module is done. Each test runs in a savepoint within it (`db`), so what one test changes the next never sees."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_demo", "--no-users", "--scale", "1", verbosity=0)
        yield
        transaction.set_rollback(True)


@pytest.fixture
def demo(demo_inventory, db):
    """The demo inventory (392 systems, 1,349 VMs, 105 and 514 migrated) for one test."""


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """In each dashboard module the tests on the demo inventory run after the others (in the order they had among
    themselves, random or not): the inventory stays in the database from the first of them to the module's end,
    and the tests that build their own data must not find it there."""
    module_order = {}
    for item in items:
        module_order.setdefault(item.path, len(module_order))

    def key(item):
        on_demo = item.path.parent == HERE and "demo" in getattr(item, "fixturenames", ())
        return module_order[item.path], on_demo

    items.sort(key=key)
