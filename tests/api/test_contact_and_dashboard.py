"""The customer portal pulls a contact person's notices; anyone reads the dashboard's figures."""

import pytest

from tests.api.conftest import bearer, make_token
from tests.factories import AcknowledgementFactory, NoticeFactory, SystemContactFactory, SystemFactory

pytestmark = pytest.mark.django_db


def test_a_contact_token_reads_only_the_contacts_own_notices_and_confirmations(contact_person):
    own = NoticeFactory(systems=[SystemContactFactory(contact=contact_person).system])
    NoticeFactory(systems=[SystemFactory()])  # another agency's system
    AcknowledgementFactory(notice=own, contact=contact_person)
    client = bearer(make_token(contact_person.user, scope="read"))
    notices = client.get("/api/v1/me/notices/").json()["results"]
    assert [(notice["id"], notice["acknowledged"]) for notice in notices] == [(own.pk, True)]
    acknowledgements = client.get("/api/v1/me/acknowledgements/").json()["results"]
    assert [row["notice"] for row in acknowledgements] == [own.pk]


def test_the_dashboard_has_the_same_figures_as_dashboard_json(client):
    SystemFactory.create_batch(3, status="migrated")
    api = client.get("/api/v1/dashboard/").json()
    page = client.get("/dashboard.json").json()
    # Each is stamped when it was made; the two requests may fall in different seconds.
    assert api.pop("generated_at") and page.pop("generated_at")
    assert api == page
