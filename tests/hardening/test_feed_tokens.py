"""Calendar and Atom feeds: a malformed token is a 404 before any query, and a feed stops working when the
contact person's login is deactivated or deleted, or the contact person is removed."""

import pytest

from tests.factories import ContactPersonFactory, UserFactory

from .sample_data import build_feed_token

pytestmark = pytest.mark.django_db
FEEDS = ("calendar.ics", "notices.atom")


@pytest.fixture
def token():
    return build_feed_token(contact=ContactPersonFactory(user=UserFactory(username="abonnent")))


@pytest.mark.parametrize("feed", FEEDS)
@pytest.mark.parametrize("bad", ["%00", "a%00b", "x" * 5000, "..%2F..%2Fetc", "%C3%A6%C3%B8", "'", "%25"])
def test_a_malformed_token_is_not_found_without_a_query(client, django_assert_num_queries, feed, bad):
    with django_assert_num_queries(0):
        assert client.get(f"/portal/feeds/{bad}/{feed}").status_code == 404


@pytest.mark.parametrize("feed", FEEDS)
def test_a_feed_works_while_the_login_is_active(client, token, feed):
    assert client.get(f"/portal/feeds/{token.key}/{feed}").status_code == 200


@pytest.mark.parametrize("feed", FEEDS)
def test_a_feed_stops_when_the_contacts_login_is_deactivated(client, token, feed):
    user = token.contact.user
    user.is_active = False
    user.save()
    assert client.get(f"/portal/feeds/{token.key}/{feed}").status_code == 404


@pytest.mark.parametrize("feed", FEEDS)
def test_a_feed_stops_when_the_contacts_login_is_deleted(client, token, feed):
    token.contact.user.delete()
    assert client.get(f"/portal/feeds/{token.key}/{feed}").status_code == 404


@pytest.mark.parametrize("feed", FEEDS)
def test_a_feed_stops_when_the_contact_person_is_removed(client, token, feed):
    token.contact.delete()
    assert client.get(f"/portal/feeds/{token.key}/{feed}").status_code == 404
