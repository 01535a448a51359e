"""Move groups and dependency cycles, contact coverage, the wave calendar and its feed, the wave page's checks."""

import datetime

import icalendar
import pytest
import time_machine
from django.core import signing
from django.urls import reverse

from planning.views import CALENDAR_SALT
from tests.factories import ContactPersonFactory, SystemFactory, VMFactory

from .conftest import covered_system, wave_on

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel("2021-03-01 09:00 +01:00", tick=False) as traveller:
        yield traveller


def test_move_groups_show_components_and_dependency_cycles(viewer_client):
    first, second = wave_on("2021-04-06"), wave_on("2021-04-13")
    a, b, c = (covered_system(code=code) for code in ("A", "B", "C"))
    lone = covered_system(code="LONE")
    a.move_with.add(b)
    b.move_with.add(c)
    VMFactory.create_batch(2, system=a)
    a.wave, c.wave = first, second
    a.save(), c.save()
    # A cycle: X → Y → Z → X.
    x, y, z = (SystemFactory(code=code) for code in ("X", "Y", "Z"))
    x.depends_on.add(y), y.depends_on.add(z), z.depends_on.add(x)
    response = viewer_client.get(reverse("planning:move_groups"))
    groups = response.context["groups"]
    assert [[system.code for system in group.systems] for group in groups] == [["A", "B", "C"]]
    assert groups[0].vm_count == 2 and groups[0].split
    assert lone.code not in response.content.decode()
    (cycle,) = response.context["cycles"]
    assert sorted(cycle) == ["X", "Y", "Z"]
    assert "→" in response.content.decode()


def test_assign_group_to_wave_moves_every_member(editor_client):
    wave = wave_on("2021-04-06")
    a, b = covered_system(code="A"), covered_system(code="B")
    a.move_with.add(b)
    response = editor_client.post(reverse("planning:move_group_assign", args=[b.pk]), {"wave": wave.pk})
    assert response.status_code == 302
    assert set(wave.systems.values_list("code", flat=True)) == {"A", "B"}


def test_coverage_lists_gaps_and_staff_home_counts_them(viewer_client):
    covered_system(code="FINE", environment="production")
    covered_system(code="NOTEST", environment="production", tester=False)
    SystemFactory(code="NOBODY", environment="test")
    ContactPersonFactory(name="Ulenket Person")
    systems = viewer_client.get(reverse("planning:coverage_systems")).content.decode()
    assert "NOTEST" in systems and "NOBODY" in systems and "FINE" not in systems
    contacts = viewer_client.get(reverse("planning:coverage_contacts")).content.decode()
    assert "Ulenket Person" in contacts
    export = viewer_client.get(reverse("planning:coverage_systems") + "?_export=csv").content.decode()
    assert "NOTEST" in export
    home = viewer_client.get(reverse("systems:staff_home"))
    assert home.context["coverage"] == {"no_tester": 1, "contacts": 1}


def test_calendar_month_and_list_and_feed(viewer_client, viewer_user, client):
    wave_on("2021-04-06", name="Bølge påske")
    wave_on("2021-05-04", name="Bølge mai")
    page = viewer_client.get(reverse("planning:calendar") + "?month=2021-04")
    assert [wave.name for wave in page.context["month_waves"]] == ["Bølge påske"]
    token = signing.dumps(viewer_user.pk, salt=CALENDAR_SALT)
    feed = icalendar.Calendar.from_ical(client.get(reverse("planning:calendar_feed", args=[token])).content)
    events = {str(event["summary"]): event.decoded("dtstart") for event in feed.walk("VEVENT")}
    assert set(events) == {"Bølge påske", "Bølge mai"}
    assert events["Bølge påske"].astimezone(datetime.UTC) == datetime.datetime(2021, 4, 6, 16, tzinfo=datetime.UTC)
    assert client.get(reverse("planning:calendar_feed", args=[token + "x"])).status_code == 404


def test_wave_page_shows_blockers_and_warnings(viewer_client):
    wave = wave_on("2021-04-05")
    SystemFactory(code="NOBODY", wave=wave, status="planned")
    content = viewer_client.get(reverse("waves:wave_detail", args=[wave.pk])).content.decode()
    assert "Hinder:</strong> NOBODY har ingen primærkontakt: ingen kan varsles." in content
    assert "Advarsel:</strong> Vinduet berører 05.04.2021, Andre påskedag." in content
