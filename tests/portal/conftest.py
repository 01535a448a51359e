"""Two agencies, each with a contact person (with a login) and a system; notices are built per test."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from systems.choices import ContactRole
from tests.factories import (
    AgencyFactory,
    ContactPersonFactory,
    NoticeFactory,
    SystemContactFactory,
    SystemFactory,
    UserFactory,
    WaveFactory,
)


@pytest.fixture(autouse=True)
def _empty_cache(db):
    """The login throttle counts in the cache (Redis db N in tests): every test starts from zero."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def agency_a(db):
    return AgencyFactory(code="BYM", name="Bymiljøetaten")


@pytest.fixture
def agency_b(db):
    return AgencyFactory(code="UDE", name="Utdanningsetaten")


@pytest.fixture
def contact_a(agency_a):
    return ContactPersonFactory(
        name="Anne Andersen", email="anne@bym.example", agency=agency_a, user=UserFactory(username="anne")
    )


@pytest.fixture
def contact_b(agency_b):
    return ContactPersonFactory(
        name="Bjørn Berg", email="bjorn@ude.example", agency=agency_b, user=UserFactory(username="bjorn")
    )


@pytest.fixture
def wave(db):
    start = (timezone.now() + timedelta(days=10)).replace(microsecond=0)
    return WaveFactory(name="Bølge Vest", window_start=start, window_end=start + timedelta(hours=6))


@pytest.fixture
def system_a(agency_a, contact_a, wave):
    system = SystemFactory(code="BYM-KART", name="Kartløsning", agency=agency_a, wave=wave)
    SystemContactFactory(system=system, contact=contact_a, role=ContactRole.PRIMARY)
    return system


@pytest.fixture
def system_b(agency_b, contact_b, wave):
    system = SystemFactory(code="UDE-SKOLE", name="Skoleadmin", agency=agency_b, wave=wave)
    SystemContactFactory(system=system, contact=contact_b, role=ContactRole.PRIMARY)
    return system


@pytest.fixture
def notice_a(system_a, wave):
    return NoticeFactory(wave=wave, systems=[system_a], title="Nedetid for kartløsningen")


@pytest.fixture
def notice_b(system_b, wave):
    return NoticeFactory(wave=wave, systems=[system_b], title="Nedetid for skoleadmin")
