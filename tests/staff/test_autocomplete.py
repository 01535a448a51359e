"""The search boxes that replace long filter selects: their endpoints and the list pages that use them."""

import json

import pytest
from django.urls import reverse
from django.utils.timezone import localtime

from tests.factories import AgencyFactory, SystemFactory, WaveFactory

pytestmark = pytest.mark.django_db

WAVES = reverse("waves:wave_autocomplete")
AGENCIES = reverse("systems:agency_autocomplete")


def test_autocomplete_sends_anonymous_users_to_the_login_page(client):
    response = client.get(WAVES, {"q": "Bølge"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_autocomplete_refuses_users_without_the_view_permission(contact_client):
    WaveFactory(name="Bølge 7")
    assert contact_client.get(WAVES, {"q": "Bølge"}).status_code == 403
    assert contact_client.get(AGENCIES, {"q": "B"}).status_code == 403


def test_wave_autocomplete_finds_waves_by_name_labelled_with_their_date(viewer_client):
    wanted = WaveFactory(name="Bølge 12")
    WaveFactory(name="Bølge 3")
    results = viewer_client.get(WAVES, {"q": "ge 12"}).json()["results"]
    assert results == [{"id": wanted.pk, "text": f"Bølge 12 – {localtime(wanted.window_start):%d.%m.%Y}"}]


def test_agency_autocomplete_matches_code_or_name_ignoring_case(viewer_client):
    bym = AgencyFactory(code="BYM", name="Bymiljøetaten")
    uke = AgencyFactory(code="UKE", name="Utviklings- og kompetanseetaten")
    assert {row["id"] for row in viewer_client.get(AGENCIES, {"q": "bym"}).json()["results"]} == {bym.pk}
    assert {row["id"] for row in viewer_client.get(AGENCIES, {"q": "KOMPETANSE"}).json()["results"]} == {uke.pk}


def test_autocomplete_answer_is_inert_markup(viewer_client):
    name = '<script>alert("x")</script> & <img src=x onerror=alert(1)>'
    WaveFactory(name=name)
    response = viewer_client.get(WAVES, {"q": "script"})
    assert response["Content-Type"] == "application/json"
    body = response.content.decode()
    assert "<" not in body and ">" not in body and "&" not in body
    assert json.loads(body)["results"][0]["text"].startswith(name)


def test_autocomplete_costs_the_same_queries_for_many_waves_and_sends_at_most_twenty(
    viewer_client, django_assert_max_num_queries
):
    WaveFactory.create_batch(3)
    with django_assert_max_num_queries(5) as few:
        viewer_client.get(WAVES, {"q": "Bølge"})
    WaveFactory.create_batch(60)
    with django_assert_max_num_queries(len(few)):
        results = viewer_client.get(WAVES, {"q": "Bølge"}).json()["results"]
    assert len(results) == 20


def test_system_list_sends_no_option_per_wave_and_filters_by_the_chosen_one(viewer_client):
    waves = WaveFactory.create_batch(30)
    chosen = waves[7]
    SystemFactory(code="IN-WAVE", wave=chosen)
    SystemFactory(code="ELSEWHERE", wave=waves[8])
    html = viewer_client.get(reverse("systems:system_list"), {"wave_id": chosen.pk}).content.decode()
    assert html.count(f'name="wave_id" value="{chosen.pk}" id="id_wave_id_{chosen.pk}" checked') == 1
    assert f'value="{waves[8].pk}"' not in html  # only the chosen wave is on the page
    assert "IN-WAVE" in html and "ELSEWHERE" not in html
    assert f'data-autocomplete-url="{WAVES}"' in html
