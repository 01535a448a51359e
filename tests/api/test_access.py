"""Every API endpoint × every kind of caller: allowed, or 401/403/404, as the access matrix says."""

import pytest

from tests.api.conftest import one_of_each

pytestmark = pytest.mark.django_db

CALLERS = ["anonymous", "viewer", "editor", "service_read", "service_editor", "contact", "expired", "revoked", "wrong"]
READERS = {"viewer", "editor", "service_read", "service_editor"}
WRITERS = {"editor", "service_editor"}
UNAUTHENTICATED = {"anonymous", "expired", "revoked", "wrong"}

COLLECTIONS = [
    "agencies",
    "systems",
    "vms",
    "contacts",
    "system-contacts",
    "waves",
    "notices",
    "deliveries",
    "acknowledgements",
]


@pytest.fixture
def rows(db):
    return one_of_each()


def expected_read(caller: str) -> int:
    if caller in UNAUTHENTICATED:
        return 401
    return 200 if caller in READERS else 403


def expected_write(caller: str, allowed: int) -> int:
    if caller in UNAUTHENTICATED:
        return 401
    return allowed if caller in WRITERS else 403


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("collection", COLLECTIONS)
def test_reading_a_list_and_a_row_follows_the_access_matrix(token_clients, rows, collection, caller):
    client = token_clients[caller]
    assert client.get(f"/api/v1/{collection}/").status_code == expected_read(caller)
    assert client.get(f"/api/v1/{collection}/{rows[collection]}/").status_code == expected_read(caller)


@pytest.mark.parametrize("caller", CALLERS)
def test_only_editor_tokens_write(token_clients, rows, caller):
    client = token_clients[caller]
    response = client.patch("/api/v1/systems/S1/", {"name": "Nytt navn"}, format="json")
    assert response.status_code == expected_write(caller, 200)
    response = client.post("/api/v1/systems/S1/transition/", {"to": "on_hold"}, format="json")
    assert response.status_code == expected_write(caller, 200)
    response = client.post("/api/v1/waves/B1/state/", {"state": "confirmed"}, format="json")
    assert response.status_code == expected_write(caller, 200)
    response = client.delete("/api/v1/vms/s1-app01/")
    assert response.status_code == expected_write(caller, 204)
    response = client.post(f"/api/v1/deliveries/{rows['deliveries']}/retry/")
    assert response.status_code == expected_write(caller, 200)


@pytest.mark.parametrize("caller", ["expired", "revoked", "wrong"])
def test_a_refused_token_is_told_why_in_a_problem_body(token_clients, caller):
    response = token_clients[caller].get("/api/v1/systems/")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response["WWW-Authenticate"] == "Bearer"
    assert response.json()["status"] == 401


def test_an_unknown_natural_key_is_404(token_clients, rows):
    assert token_clients["viewer"].get("/api/v1/systems/NO-SUCH/").status_code == 404


@pytest.mark.parametrize("path", ["/api/schema/", "/api/docs/"])
def test_schema_and_docs_are_public(client, path):
    assert client.get(path).status_code == 200


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("path", ["/api/v1/me/notices/", "/api/v1/me/acknowledgements/"])
def test_a_contacts_own_endpoints_answer_only_contact_persons(token_clients, caller, path):
    expected = 401 if caller in UNAUTHENTICATED else 200 if caller == "contact" else 403
    assert token_clients[caller].get(path).status_code == expected


@pytest.mark.parametrize("caller", CALLERS)
def test_the_dashboard_figures_are_public(token_clients, caller):
    assert token_clients[caller].get("/api/v1/dashboard/").status_code == 200
