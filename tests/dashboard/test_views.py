"""The public pages: Norwegian numbers, no cookies, no personal data, open data formats, cached for at most 60 s."""

import csv
import io
import struct
from datetime import timedelta

import jsonschema
import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from dashboard.schema import DASHBOARD_JSON_SCHEMA
from systems.choices import MigrationStatus
from systems.models import VM, ContactPerson, System
from systems.services import system_transition
from tests.factories import SystemFactory, VMFactory, WaveFactory
from waves.choices import WaveState

PUBLIC_URLS = ["home", "dashboard:json", "dashboard:png", "dashboard:history_csv"]


def test_home_shows_the_headline_in_norwegian(demo, client):
    page = client.get(reverse("home")).content.decode()

    assert "105 av 392 systemer, 514 av 1\xa0349 VM-er migrert" in page
    assert "26,8\xa0%" in page  # 105 of 392
    assert "38,1\xa0%" in page  # 514 of 1 349
    assert "Ukentlig status for flyttingen" in page
    assert "Tilbakerullet (skal flyttes på nytt): 3 systemer" in page


def migrated_systems(client) -> int:
    return client.get(reverse("dashboard:json")).json()["systems"]["migrated"]


def test_a_change_shows_on_the_public_pages_within_60_seconds(demo, client, caches_in_memory, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    assert "105 av 392 systemer" in client.get(reverse("home")).content.decode()
    assert migrated_systems(client) == 105
    system = System.objects.filter(status=MigrationStatus.PLANNED).first()
    for step in (MigrationStatus.IN_PROGRESS, MigrationStatus.MIGRATED):
        system_transition(system=system, to=step, by=None)

    time_machine.shift(30)
    assert "105 av 392 systemer" in client.get(reverse("home")).content.decode()  # served from the cache
    assert migrated_systems(client) == 105
    time_machine.shift(31)
    assert "106 av 392 systemer" in client.get(reverse("home")).content.decode()
    assert migrated_systems(client) == 106


@pytest.mark.parametrize("name", PUBLIC_URLS)
def test_public_pages_tell_browsers_and_proxies_to_keep_them_60_seconds(demo, client, name):
    response = client.get(reverse(name))

    assert response.status_code == 200
    assert response["Cache-Control"] in ("max-age=60, public", "public, max-age=60")


@pytest.mark.parametrize("name", PUBLIC_URLS)
def test_public_pages_set_no_cookie_for_anonymous_visitors(demo, client, name):
    for _ in range(2):  # the uncached and the cached response
        response = client.get(reverse(name))
        assert response.status_code == 200
        assert not response.cookies
        assert "Set-Cookie" not in response.headers
    assert "csrfmiddlewaretoken" not in response.content.decode(errors="replace")


@pytest.mark.parametrize("role", [None, "contact_user", "viewer_user", "editor_user"])
@pytest.mark.parametrize("name", PUBLIC_URLS)
def test_public_pages_are_readable_by_everyone_and_the_same_for_all(demo, client, request, role, name):
    """The dashboard is public. Nothing on it depends on who asks (no name, no logout form)."""
    if role:
        user = request.getfixturevalue(role)
        client.force_login(user)

    response = client.get(reverse(name))

    assert response.status_code == 200
    if role and name == "home":
        assert user.username not in response.content.decode()
        assert "Logg ut" not in response.content.decode()


@pytest.mark.parametrize("name", PUBLIC_URLS)
def test_public_pages_refuse_writes(db, client, name):
    assert client.post(reverse(name)).status_code == 405


def test_public_pages_show_no_personal_data(demo, client):
    bodies = [
        client.get(reverse(name)).content.decode(errors="replace") for name in PUBLIC_URLS if name != "dashboard:png"
    ]
    texts = "\n".join(bodies).lower()
    forbidden = set()
    for name, email, phone in ContactPerson.objects.values_list("name", "email", "phone"):
        forbidden.update({name.lower(), email.lower(), phone.lower()})
    forbidden.update(hostname.lower() for hostname in VM.objects.values_list("hostname", flat=True))
    assert len(forbidden) > 1900  # the demo's 600 contacts and 1 349 VMs
    leaked = sorted(value for value in forbidden if value and value in texts)
    assert leaked == []
    assert "@" not in texts.replace("@media", "")


def test_dashboard_json_follows_the_documented_schema(demo, client):
    data = client.get(reverse("dashboard:json")).json()

    jsonschema.validate(data, DASHBOARD_JSON_SCHEMA, format_checker=jsonschema.FormatChecker())
    assert (
        data["systems"]["by_environment"]["test"]["total"] + data["systems"]["by_environment"]["production"]["total"]
        == data["systems"]["total"]
    )
    assert data["history"][-1]["week"] == data["week"]


def test_dashboard_png_is_a_png_of_cover_size(demo, client):
    response = client.get(reverse("dashboard:png"))

    assert response["Content-Type"] == "image/png"
    content = response.content
    assert content[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", content[16:24])  # the IHDR chunk
    assert (width, height) == (1640, 856)
    from PIL import Image

    image = Image.open(io.BytesIO(content))
    image.verify()


def test_history_csv_has_one_row_per_week(demo, client):
    response = client.get(reverse("dashboard:history_csv"))

    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert response["Content-Type"].startswith("text/csv")
    assert rows[-1] == {
        "week": client.get(reverse("dashboard:json")).json()["week"],
        "systems_migrated": "105",
        "systems_total": "392",
        "vms_migrated": "514",
        "vms_total": "1349",
    }


def test_language_switch_works_without_csrf_token_from_this_site_only(demo, client):
    url = reverse("dashboard:set_language")

    refused = client.post(url, {"language": "en", "next": "/"}, HTTP_SEC_FETCH_SITE="cross-site")
    refused_origin = client.post(url, {"language": "en", "next": "/"}, HTTP_ORIGIN="https://evil.example")
    accepted = client.post(url, {"language": "en", "next": "/"}, HTTP_SEC_FETCH_SITE="same-origin")

    assert refused.status_code == 403
    assert refused_origin.status_code == 403
    assert accepted.status_code == 302
    assert accepted.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    english = client.get(reverse("home")).content.decode()
    assert "105 of 392 systems, 514 of 1,349 VMs migrated" in english
    assert client.get(url).status_code == 405


@pytest.mark.django_db
def test_counts_meet_their_nouns_in_singular_and_plural(client):
    wave = WaveFactory(state=WaveState.CONFIRMED, window_start=timezone.now() + timedelta(days=7))
    system = SystemFactory(wave=wave, status=MigrationStatus.PLANNED)
    VMFactory(system=system, status=MigrationStatus.PLANNED)
    page = client.get(reverse("home")).content.decode()
    assert "Planlagt neste uke: 1 system, 1 VM" in page
    assert "1 systemer" not in page and "1 VM-er" not in page
    english = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Planned for next week: 1 system, 1 VM" in english
    assert "Rolled back (to be moved again): 0 systems, 0 VMs" in english
