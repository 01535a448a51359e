"""If-Match is checked under the row's lock: of two clients that write the same version at once, one wins."""

import threading

import pytest
from django.db import connection, connections, transaction

from systems.models import System
from tests.api.conftest import bearer, make_token
from tests.conftest import wait_until
from tests.factories import AgencyFactory, SystemFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _waiting_for_locks() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


def test_two_clients_patching_the_same_version_get_one_success_and_one_412(editor_user):
    system = SystemFactory(code="S1", name="Sakarkiv", agency=AgencyFactory(code="BYM"))
    clients = [bearer(make_token(editor_user, name=f"client-{n}")) for n in (1, 2)]
    etag = clients[0].get("/api/v1/systems/S1/")["ETag"]
    changes_before = system.history.count()
    answers: dict[str, int] = {}

    def patch(client, name: str) -> None:
        try:
            response = client.patch("/api/v1/systems/S1/", {"name": name}, format="json", HTTP_IF_MATCH=etag)
            answers[name] = response.status_code
        finally:
            connections.close_all()  # this thread's own connection

    pairs = zip(clients, ["A", "B"], strict=True)
    threads = [threading.Thread(target=patch, args=pair) for pair in pairs]
    # Hold the row so that both requests are under way, and waiting for it, before either may write.
    with transaction.atomic():
        System.objects.select_for_update().get(pk=system.pk)
        for thread in threads:
            thread.start()
        wait_until(lambda: _waiting_for_locks() == 2, timeout=20, what="both writes waiting for the row")
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(answers.values()) == [200, 412]
    winner = next(name for name, status in answers.items() if status == 200)
    assert System.objects.get(pk=system.pk).name == winner
    assert system.history.count() == changes_before + 1
    assert system.history.latest().name == winner
