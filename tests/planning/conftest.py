from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from tests.factories import SystemContactFactory, SystemFactory, WaveFactory

OSLO = ZoneInfo("Europe/Oslo")


@pytest.fixture(autouse=True)
def confirm_checks(settings):
    """Planning's tests confirm waves with the checks, as every route does outside tests."""
    settings.PLANNING_CONFIRM_CHECKS = True


@pytest.fixture(autouse=True)
def english():
    """Services' messages in English here (pages are asked for in their own language by each request)."""
    with translation.override("en"):
        yield


def evening(day: str, hours: int = 5) -> dict:
    """A window from 18:00 Oslo time on `day` (YYYY-MM-DD), `hours` long."""
    start = datetime.fromisoformat(day).replace(hour=18, tzinfo=OSLO)
    return {"window_start": start, "window_end": start + timedelta(hours=hours)}


def wave_on(day: str, **fields):
    return WaveFactory(**evening(day), **fields)


def covered_system(*, environment: str = "test", tester: bool = True, **fields):
    """A system with a primary contact (and a tester unless told otherwise): no contact findings."""
    system = SystemFactory(environment=environment, **fields)
    SystemContactFactory(system=system, role="primary")
    if tester:
        SystemContactFactory(system=system, role="tester")
    return system
