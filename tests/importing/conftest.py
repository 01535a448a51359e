"""Helpers for import/export tests: run the importer on in-memory files, and read the database back."""

import pytest

from systems.inventory.importer import Importer
from systems.inventory.readers import Source
from tests.conftest import ensure_staff_groups, real_celery_worker


def sources(files: dict[str, str | bytes], encoding: str = "utf-8") -> list[Source]:
    return [
        Source.from_bytes(name, content if isinstance(content, bytes) else content.encode(encoding))
        for name, content in files.items()
    ]


@pytest.fixture
def run_import(db):
    """run_import({"systems.csv": "code;name…"}, dry_run=False, by=None) -> ImportResult"""

    def _run(files: dict[str, str | bytes], *, encoding: str = "utf-8", **options):
        return Importer(**options).run(sources(files, encoding))

    return _run


def errors(result) -> list[str]:
    return [str(problem) for problem in result.errors]


def counts(result) -> dict[str, tuple[int, int, int]]:
    return {kind: (c.created, c.updated, c.unchanged) for kind, c in result.counts.items()}


AGENCIES = "code;name;kind\nBYM;Bymiljøetaten;etat\nBSH;Bydel St. Hanshaugen;bydel\n"
WAVES = "name;window_start;window_end;state\nBølge 1;2027-03-06 18:00;2027-03-06 23:00;draft\n"
SYSTEMS = (
    "code;name;agency;environment;criticality;status;wave\n"
    "SAK;Sakarkiv;BYM;production;high;planned;Bølge 1\n"
    "WEB;Nettsider;BSH;test;low;not_planned;\n"
)
VMS = "hostname;system;os;vcpus;memory_gb;disk_gb;status\nsak01.kommune.local;SAK;Linux;2;8;100;planned\n"


@pytest.fixture
def base_files() -> dict[str, str]:
    return {"agencies.csv": AGENCIES, "waves.csv": WAVES, "systems.csv": SYSTEMS, "vms.csv": VMS}


@pytest.fixture
def celery_worker_thread(settings):
    """A real Celery worker (solo pool, in a thread) on the test's Redis database, consuming the import queue too."""
    from migportal.celery import app

    app.conf.broker_url = settings.CELERY_BROKER_URL
    with real_celery_worker(loglevel="WARNING", queues=["celery", "imports"]):
        yield app


@pytest.fixture
def staff_groups(transactional_db):
    ensure_staff_groups()
