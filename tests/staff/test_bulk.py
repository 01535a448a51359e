"""Bulk actions on the system and VM lists: all selected rows change or none does; refusals named one by one."""

import re

import pytest
from django.urls import reverse

from systems.choices import ContactRole, Criticality, MigrationStatus
from systems.models import VM, System, SystemContact
from tests.factories import (
    ContactPersonFactory,
    SystemFactory,
    VMFactory,
    WaveFactory,
    announced_wave,
    collected_changes,
)
from waves.choices import WaveState


def _messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]] if response.context else []


def _post(client, url_name, data):
    return client.post(reverse(url_name), data, follow=True)


def test_bulk_assign_wave_moves_every_selected_system_and_records_history(editor_client, editor_user):
    systems = SystemFactory.create_batch(3)
    wave = WaveFactory()
    response = _post(
        editor_client,
        "systems:system_bulk",
        {"pk": [s.pk for s in systems], "action": "assign_wave", "wave": wave.pk},
    )
    assert "3 rader endret." in _messages(response)
    for system in systems:
        system.refresh_from_db()
        assert system.wave == wave
        assert system.status == MigrationStatus.PLANNED
        latest = system.history.latest()
        assert latest.history_user == editor_user
        assert latest.wave_id == wave.pk


def test_bulk_change_is_all_or_nothing_and_names_the_refused_row(editor_client):
    movable = SystemFactory(code="OK-1")
    moved = SystemFactory(code="FLYTTET", status=MigrationStatus.MIGRATED)
    wave = WaveFactory()
    history_before = System.history.count()
    response = _post(
        editor_client,
        "systems:system_bulk",
        {"pk": [movable.pk, moved.pk], "action": "assign_wave", "wave": wave.pk},
    )
    messages = _messages(response)
    assert "Ingenting ble endret: 1 av de valgte radene ble avvist." in messages
    assert any(m.startswith("FLYTTET: FLYTTET er allerede flyttet") for m in messages)
    movable.refresh_from_db()
    assert movable.wave is None
    assert movable.status == MigrationStatus.NOT_PLANNED
    assert System.history.count() == history_before


def test_bulk_status_change_refuses_transitions_the_lifecycle_forbids(editor_client):
    planned = SystemFactory(code="A", status=MigrationStatus.PLANNED)
    verified = SystemFactory(code="B", status=MigrationStatus.VERIFIED)
    response = _post(
        editor_client,
        "systems:system_bulk",
        {"pk": [planned.pk, verified.pk], "action": "status", "status": "notified"},
    )
    assert any(m.startswith("B: Kan ikke endre status fra «verifisert» til «varslet»") for m in _messages(response))
    planned.refresh_from_db()
    assert planned.status == MigrationStatus.PLANNED


def test_bulk_status_change_brings_the_vms_along(editor_client):
    system = SystemFactory(status=MigrationStatus.PLANNED)
    vm = VMFactory(system=system, status=MigrationStatus.PLANNED)
    _post(editor_client, "systems:system_bulk", {"pk": [system.pk], "action": "status", "status": "notified"})
    vm.refresh_from_db()
    assert vm.status == MigrationStatus.NOTIFIED


def test_bulk_set_criticality_for_all_rows_matching_the_filter(editor_client, editor_user):
    high = SystemFactory.create_batch(2, environment="test")
    other = SystemFactory(environment="production")
    response = _post(
        editor_client,
        "systems:system_bulk",
        {"_all": "1", "_filter": "environment=test", "action": "criticality", "criticality": Criticality.CRITICAL},
    )
    assert "2 rader endret." in _messages(response)
    assert {s.criticality for s in System.objects.filter(pk__in=[s.pk for s in high])} == {Criticality.CRITICAL}
    other.refresh_from_db()
    assert other.criticality == Criticality.MEDIUM
    assert all(s.history.latest().history_user == editor_user for s in System.objects.filter(environment="test"))


def test_bulk_add_contact_refuses_a_role_already_held(editor_client):
    contact = ContactPersonFactory()
    fresh, taken = SystemFactory(code="NY"), SystemFactory(code="HAR")
    SystemContact.objects.create(system=taken, contact=contact, role=ContactRole.TESTER)
    response = _post(
        editor_client,
        "systems:system_bulk",
        {"pk": [fresh.pk, taken.pk], "action": "add_contact", "contact": contact.email, "role": "tester"},
    )
    assert any(m.startswith("HAR: ") for m in _messages(response))
    assert not SystemContact.objects.filter(system=fresh).exists()
    response = _post(
        editor_client,
        "systems:system_bulk",
        {"pk": [fresh.pk], "action": "add_contact", "contact": contact.email, "role": "tester"},
    )
    assert SystemContact.objects.filter(system=fresh, contact=contact, role="tester").exists()


def test_bulk_assign_refuses_a_closed_wave_and_a_full_wave(editor_client):
    system = SystemFactory(code="S1")
    VMFactory.create_batch(3, system=system)
    closed = WaveFactory(state=WaveState.CANCELLED)
    full = WaveFactory(max_vms=2)
    response = _post(
        editor_client, "systems:system_bulk", {"pk": [system.pk], "action": "assign_wave", "wave": closed.pk}
    )
    assert any("tar ikke imot flere systemer" in m for m in _messages(response))
    response = _post(
        editor_client, "systems:system_bulk", {"pk": [system.pk], "action": "assign_wave", "wave": full.pk}
    )
    assert any("ville fått 3 VM-er; grensen er 2" in m for m in _messages(response))
    system.refresh_from_db()
    assert system.wave is None


def test_bulk_action_without_rows_or_field_says_what_is_missing(editor_client):
    system = SystemFactory()
    assert "Velg minst én rad." in _messages(_post(editor_client, "systems:system_bulk", {"action": "status"}))
    response = _post(editor_client, "systems:system_bulk", {"pk": [system.pk], "action": "assign_wave"})
    assert "Bølge: Må fylles ut for denne handlingen." in _messages(response)


def test_bulk_vm_status_change_is_all_or_nothing(editor_client, editor_user):
    ok = VMFactory(hostname="ok01", status=MigrationStatus.IN_PROGRESS)
    refused = VMFactory(hostname="nei01", status=MigrationStatus.NOT_PLANNED)
    response = _post(
        editor_client, "systems:vm_bulk", {"pk": [ok.pk, refused.pk], "status": "migrated", "action": "status"}
    )
    assert any(m.startswith("nei01: ") for m in _messages(response))
    assert VM.objects.get(pk=ok.pk).status == MigrationStatus.IN_PROGRESS
    _post(editor_client, "systems:vm_bulk", {"pk": [ok.pk], "status": "migrated", "action": "status"})
    ok.refresh_from_db()
    assert ok.status == MigrationStatus.MIGRATED
    assert ok.migrated_at is not None
    assert ok.history.latest().history_user == editor_user


@pytest.mark.parametrize("url_name", ["systems:system_bulk", "systems:vm_bulk"])
def test_viewer_cannot_bulk_change(url_name, viewer_client):
    system = SystemFactory()
    response = viewer_client.post(reverse(url_name), {"pk": [system.pk], "action": "criticality", "criticality": "low"})
    assert response.status_code == 403
    system.refresh_from_db()
    assert system.criticality == Criticality.MEDIUM


def test_bulk_assign_collects_one_change_notice_per_wave(editor_client):
    systems = SystemFactory.create_batch(2, status=MigrationStatus.NOT_PLANNED)
    old, new = announced_wave(systems=2), announced_wave()
    _post(
        editor_client, "systems:system_bulk", {"pk": [s.pk for s in systems], "action": "assign_wave", "wave": old.pk}
    )
    moving = list(old.systems.order_by("code"))[:3]
    _post(editor_client, "systems:system_bulk", {"pk": [s.pk for s in moving], "action": "assign_wave", "wave": new.pk})
    codes = [system.code for system in moving]
    # The two systems that joined and left again within the delay are no change for anyone.
    assert collected_changes(old) == {codes[2]: "removed"}
    assert collected_changes(new) == dict.fromkeys(codes, "added")


def test_bulk_all_matching_counts_the_filtered_rows_not_the_page(editor_client):
    SystemFactory.create_batch(27, environment="test")
    SystemFactory(environment="production")
    response = editor_client.get(reverse("systems:system_list"), {"environment": "test"})
    assert "Alle 27 radene som passer filteret" in response.content.decode()


def test_refused_bulk_action_keeps_the_selected_rows_and_the_chosen_action_once(editor_client):
    chosen, other = SystemFactory(code="S1"), SystemFactory(code="S2")
    VMFactory.create_batch(3, system=chosen)
    full = WaveFactory(max_vms=2)
    data = {"pk": [chosen.pk], "action": "assign_wave", "wave": full.pk}
    page = editor_client.post(reverse("systems:system_bulk"), data, follow=True).content.decode()
    assert re.search(rf'name="pk" value="{chosen.pk}"[^>]*checked', page)
    assert not re.search(rf'name="pk" value="{other.pk}"[^>]*checked', page)
    assert '<option value="assign_wave" selected>' in page
    assert re.search(rf'<option value="{full.pk}" selected>', page)
    assert re.search(r'data-bulk-actions="assign_wave">', page)  # the wave field belongs to this action only
    again = editor_client.get(reverse("systems:system_list")).content.decode()
    assert not re.search(r'name="pk" value="\d+"[^>]*checked', again)
