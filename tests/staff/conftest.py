import pytest
from django.utils import timezone

from systems.choices import ContactRole, Environment, MigrationStatus
from tests.factories import (
    AgencyFactory,
    ContactPersonFactory,
    SystemContactFactory,
    SystemFactory,
    VMFactory,
    WaveFactory,
)


def build_inventory(rows: int) -> dict:
    """`rows` systems, each with a VM and a primary contact, over rows/5 agencies and waves (at least 3 and 2)."""
    agencies = [AgencyFactory() for _ in range(max(3, rows // 5))]
    waves = [WaveFactory() for _ in range(max(2, rows // 5))]
    systems = []
    for i in range(rows):
        system = SystemFactory(
            agency=agencies[i % len(agencies)],
            wave=waves[i % len(waves)] if i % 3 else None,
            environment=Environment.TEST if i % 2 else Environment.PRODUCTION,
            status=MigrationStatus.PLANNED if i % 3 else MigrationStatus.NOT_PLANNED,
        )
        VMFactory(system=system, status=system.status)
        SystemContactFactory(
            system=system, contact=ContactPersonFactory(agency=system.agency), role=ContactRole.PRIMARY
        )
        systems.append(system)
    for first, second in zip(systems, systems[1:], strict=False):
        first.depends_on.add(second)
    return {"agencies": agencies, "waves": waves, "systems": systems, "now": timezone.now()}


@pytest.fixture
def inventory(db):
    return build_inventory(6)
