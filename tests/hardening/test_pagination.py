"""Every list pages through one helper: 25, 50 or 100 rows per page, whatever `?per_page=` and `?page=` say."""

from datetime import timedelta

import pytest
from django.utils import timezone

from migportal.pagination import PAGE_SIZES
from tests.factories import NoticeFactory, SystemFactory, WaveFactory

from .sample_data import build_delivery

pytestmark = pytest.mark.django_db
ROWS = 60  # more than two pages of 25, more than one of 50


@pytest.fixture
def long_lists():
    """ROWS of everything the lists show: systems in a wave that starts in two days (escalated, nobody has
    acknowledged), published notices, and deliveries of one notice."""
    wave = WaveFactory(window_start=timezone.now() + timedelta(days=2))
    systems = SystemFactory.create_batch(ROWS, wave=wave)
    notice = NoticeFactory(wave=wave, systems=systems)
    NoticeFactory.create_batch(ROWS - 1)
    for number in range(ROWS):
        build_delivery(notice=notice, recipient=f"kontakt{number}@kommune.example")
    return {"notice": notice}


#: (URL, rows per page when the URL does not say): the lists of the portal, notices and staff pages.
LISTS = [
    ("/portal/", 25),
    ("/portal/systems/", 25),
    ("/notices/", 50),
    ("/notices/{notice}/", 50),
    ("/notices/deliveries/", 50),
    ("/portal/staff/acknowledgements/", 25),
    ("/portal/staff/escalations/", 25),
    ("/systems/", 25),
    ("/waves/", 25),
]


def _table(client, url: str, **query):
    response = client.get(url, query)
    assert response.status_code == 200, (url, query, response.status_code)
    return response.context["table"]


@pytest.mark.parametrize(("url", "default"), LISTS)
def test_lists_page_by_25_50_or_100_only(long_lists, editor_client, url, default):
    url = url.format(notice=long_lists["notice"].pk)
    for asked in ("-1", "0", "7", "1000000", "99999999999999999999", "abc", "", "50.0"):
        table = _table(editor_client, url, per_page=asked)
        assert (asked, table.paginator.per_page) == (asked, default)
        assert len(table.paginated_rows) == min(default, table.paginator.count)
    for size in PAGE_SIZES:
        table = _table(editor_client, url, per_page=size)
        assert table.paginator.per_page == size
        assert len(table.paginated_rows) == min(size, table.paginator.count)
    first = [row.record.pk for row in _table(editor_client, url).paginated_rows]
    for page in ("-1", "0", "abc", "1e3", "99999999999999999999", "\u0661"):  # "١" is a digit to str.isdigit
        assert [row.record.pk for row in _table(editor_client, url, page=page).paginated_rows] == first


def test_a_page_past_the_end_shows_the_last_page(long_lists, editor_client):
    table = _table(editor_client, "/systems/", page="999")
    assert table.paginator.num_pages == 3 and table.page.number == 3
    assert _table(editor_client, "/systems/", page="2").page.number == 2


def test_the_contact_persons_lists_page_the_same_way(long_lists, contact_client, contact_person):
    contact_person.agency = long_lists["notice"].systems.first().agency
    contact_person.save()
    for url in ("/portal/", "/portal/systems/"):
        assert _table(contact_client, url, per_page="-1").paginator.per_page == 25
