"""Concurrent writes on PostgreSQL: a system moved into a wave while the wave's window is moved. Both paths lock
the wave before the system and the notices, so whichever comes second waits, neither deadlocks, and the
notices end up as one consistent change."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, transaction

from notifications.choices import NoticeKind, NoticeState
from notifications.models import Notice
from systems.services import system_assign_wave
from tests.factories import ContactPersonFactory, SystemContactFactory, SystemFactory
from waves.services import wave_update

from .conftest import WINDOW_START, Scene, publish_announcement, wait_until

pytestmark = pytest.mark.django_db(transaction=True)

LATER = WINDOW_START + timedelta(days=7)


def _someone_waits_for_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


def _in_thread(work, errors: list, *, hold: threading.Event | None = None, holding: threading.Event | None = None):
    """Run `work` in its own transaction and connection; with `hold`, keep the transaction open until it is set."""

    def run():
        try:
            with transaction.atomic():
                work()
                if hold is not None:
                    holding.set()
                    hold.wait(timeout=30)
        except Exception as error:  # reported to the test
            errors.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


@pytest.mark.parametrize("first", ["system_moved", "window_moved"])
def test_system_moved_in_while_window_moves_gives_one_consistent_change(first, clock, notice_settings, enqueued):
    scene = Scene()
    publish_announcement(scene, clock)
    newcomer = SystemFactory(code="NY", agency=scene.agency)
    SystemContactFactory(system=newcomer, contact=ContactPersonFactory(email="ny@kommune.example"))
    work = {
        "system_moved": lambda: system_assign_wave(system=newcomer, wave=scene.wave, by=None),
        "window_moved": lambda: wave_update(
            wave=scene.wave, by=None, window_start=LATER, window_end=LATER + timedelta(hours=5)
        ),
    }
    second = next(name for name in work if name != first)
    errors: list[Exception] = []
    hold, holding = threading.Event(), threading.Event()

    one = _in_thread(work[first], errors, hold=hold, holding=holding)
    assert holding.wait(timeout=30), errors
    other = _in_thread(work[second], errors)
    wait_until(_someone_waits_for_a_lock, timeout=30, what="the second writer to wait for the first")
    hold.set()
    one.join(timeout=30)
    other.join(timeout=30)

    assert errors == []
    assert not one.is_alive() and not other.is_alive()
    (change,) = Notice.objects.filter(wave=scene.wave, kind=NoticeKind.CHANGE)
    assert change.state == NoticeState.SCHEDULED
    assert (change.previous_window_start, change.window_start) == (WINDOW_START, LATER)
    assert {item["code"]: item["change"] for item in change.changes} == {
        "ARK": "moved",
        "ERP": "moved",
        "NY": "added",
        "TEST-1": "moved",
    }
    (reminder,) = Notice.objects.filter(wave=scene.wave, kind=NoticeKind.REMINDER, state=NoticeState.SCHEDULED)
    assert reminder.publish_at == LATER - timedelta(days=2)
