"""Every list and detail page runs a constant number of SQL queries: the same bound at 5 and at 50 rows (a query
per row would add 45 at the larger size, far over any bound; more rows would only make the test slower)."""

import pytest
from django.urls import reverse

from .conftest import build_inventory

# Every staff page also runs the nav badge of the notices area (notifications.context_processors.notice_alerts:
# one query for dead deliveries and disabled webhooks); the bounds below include it.
# The system page also reads the open problems testers reported (portal.selectors.open_test_problems).
LIST_PAGES = {
    "systems:agency_list": 7,
    "systems:system_list": 11,
    "systems:vm_list": 10,
    "systems:contactperson_list": 8,
    # A COUNT, the page's waves and two grouped counts for that page (it no longer loads every wave).
    "waves:wave_list": 9,
    # With the two contact-coverage counts, and the inventory's version (the whole-table figures are cached).
    "systems:staff_home": 17,
}
DETAIL_PAGES = {
    "systems:agency_detail": ("agencies", 15),
    "systems:system_detail": ("systems", 23),  # with "moves together with" and its history
    "systems:vm_detail": ("vms", 9),
    "systems:contactperson_detail": ("contacts", 10),
    "waves:wave_detail": ("waves", 20),  # with the planning checks
}


@pytest.fixture(params=[5, 50], ids=["5-rows", "50-rows"])
def sized_inventory(request, db):
    return build_inventory(request.param)


@pytest.mark.parametrize(("url_name", "bound"), LIST_PAGES.items(), ids=list(LIST_PAGES))
def test_list_page_query_count_is_constant(
    url_name, bound, sized_inventory, editor_client, django_assert_max_num_queries
):
    with django_assert_max_num_queries(bound):
        response = editor_client.get(reverse(url_name), {"per_page": 100, "columns": _all_columns(url_name)})
    assert response.status_code == 200


@pytest.mark.parametrize(("url_name", "spec"), DETAIL_PAGES.items(), ids=list(DETAIL_PAGES))
def test_detail_page_query_count_is_constant(
    url_name, spec, sized_inventory, editor_client, django_assert_max_num_queries
):
    kind, bound = spec
    obj = _pick(kind, sized_inventory)
    with django_assert_max_num_queries(bound):
        response = editor_client.get(reverse(url_name, args=[obj.pk]))
    assert response.status_code == 200


def _pick(kind, inventory):
    system = inventory["systems"][1]
    return {
        "agencies": inventory["agencies"][0],
        "systems": system,
        "vms": system.vms.first(),
        "contacts": system.system_contacts.first().contact,
        "waves": inventory["waves"][0],
    }[kind]


def _all_columns(url_name) -> list[str]:
    """Ask for every column, so the bound covers the widest table."""
    from systems.tables import AgencyTable, ContactPersonTable, SystemTable, VMTable
    from waves.tables import WaveTable

    table = {
        "systems:agency_list": AgencyTable,
        "systems:system_list": SystemTable,
        "systems:vm_list": VMTable,
        "systems:contactperson_list": ContactPersonTable,
        "waves:wave_list": WaveTable,
    }.get(url_name)
    return [name for name in table.base_columns if name != "select"] if table else []
