"""Detail pages, forms, delete confirmations, lifecycle actions and the landing page, as an editor sees them."""

import re
from datetime import timedelta

import time_machine
from django.conf import settings
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from systems.choices import ContactRole, MigrationStatus
from systems.models import VM, Agency, System, SystemContact
from systems.services import system_update
from tests.factories import (
    AgencyFactory,
    ContactPersonFactory,
    SystemContactFactory,
    SystemFactory,
    UserFactory,
    VMFactory,
    WaveFactory,
    announced_wave,
    collected_changes,
)
from waves.choices import WaveState
from waves.models import Wave


def _text(response) -> str:
    return response.content.decode()


def test_system_detail_shows_vms_contacts_and_dependencies_both_ways(viewer_client):
    system = SystemFactory(code="KJERNE")
    needed = SystemFactory(code="DATABASE")
    user = SystemFactory(code="PORTAL")
    system.depends_on.add(needed)
    user.depends_on.add(system)
    VMFactory(system=system, hostname="kjerne-app01")
    SystemContactFactory(system=system, contact=ContactPersonFactory(name="Tove Tester"), role=ContactRole.TESTER)
    response = viewer_client.get(system.get_absolute_url())
    tables = {str(child["title"]): child["table"] for child in response.context["child_tables"]}
    assert [row.record.hostname for row in tables["VM-er"].paginated_rows] == ["kjerne-app01"]
    assert [(r.record.contact.name, r.record.get_role_display()) for r in tables["Kontaktpersoner og roller"].rows] == [
        ("Tove Tester", "tester")
    ]
    assert [row.record.code for row in tables["Avhenger av"].rows] == ["DATABASE"]
    assert [row.record.code for row in tables["Trengs av"].rows] == ["PORTAL"]
    assert "Fjern" not in _text(response)  # a viewer gets no remove buttons


def test_agency_detail_reuses_the_system_table_filtered_by_agency(viewer_client):
    agency = AgencyFactory()
    mine = SystemFactory(agency=agency)
    SystemFactory()
    response = viewer_client.get(agency.get_absolute_url())
    systems = response.context["child_tables"][0]
    assert [row.record.pk for row in systems["table"].rows] == [mine.pk]
    assert systems["list_link"] == f"{reverse('systems:system_list')}?agency_id={agency.pk}"


def test_wave_detail_shows_systems_vms_and_totals(viewer_client):
    wave = WaveFactory(max_vms=10)
    system = SystemFactory(wave=wave)
    VMFactory(system=system, vcpus=4, memory_gb=16, disk_gb=200)
    VMFactory(system=system, vcpus=2, memory_gb=8, disk_gb=100)
    SystemFactory()
    response = viewer_client.get(wave.get_absolute_url())
    assert response.context["totals"]["vms"] == 2
    assert response.context["totals"]["vcpus"] == 6
    assert response.context["system_total"] == 1
    assert "2 / 10" in _text(response)


def test_history_shows_who_when_and_which_fields_from_to(editor_client, editor_user):
    editor_user.first_name, editor_user.last_name = "Ragnhild", "Redaktør"
    editor_user.save()
    with time_machine.travel(timezone.make_aware(timezone.datetime(2026, 11, 24, 17, 0)), tick=False):
        system = SystemFactory(name="Gammelt navn")
    with time_machine.travel(timezone.make_aware(timezone.datetime(2026, 11, 24, 18, 0)), tick=False):
        response = editor_client.post(
            reverse("systems:system_edit", args=[system.pk]),
            {
                "code": system.code,
                "name": "Nytt navn",
                "agency": system.agency.pk,
                "environment": "production",
                "criticality": "high",
            },
        )
    assert response.status_code == 302
    page = _text(editor_client.get(system.get_absolute_url()))
    assert "24.11.2026 kl. 18:00" in page
    assert "Ragnhild Redaktør" in page
    assert "<strong>Navn</strong>: Gammelt navn → Nytt navn" in page
    assert "<strong>Kritikalitet</strong>: middels → høy" in page


def test_create_form_shows_errors_next_to_fields(editor_client):
    SystemFactory(code="FINNES")
    response = editor_client.post(reverse("systems:system_add"), {"code": "FINNES", "name": ""})
    assert response.status_code == 200
    form = response.context["form"]
    assert "code" in form.errors and "name" in form.errors and "agency" in form.errors
    page = _text(response)
    assert 'id="id_name_error"' in page
    assert "Rett opp feilene nedenfor." in page


def test_create_system_through_the_form_records_the_editor(editor_client, editor_user):
    agency = AgencyFactory()
    wave = WaveFactory()
    response = editor_client.post(
        reverse("systems:system_add"),
        {
            "code": "NYTT",
            "name": "Nytt system",
            "agency": agency.pk,
            "environment": "test",
            "criticality": "low",
            "wave": wave.pk,
        },
    )
    system = System.objects.get(code="NYTT")
    assert response["Location"] == system.get_absolute_url()
    assert system.status == MigrationStatus.PLANNED
    assert system.history.get().history_user == editor_user


def test_edit_refusal_from_the_service_is_shown_on_the_field(editor_client):
    system = SystemFactory(status=MigrationStatus.MIGRATED)
    wave = WaveFactory()
    response = editor_client.post(
        reverse("systems:system_edit", args=[system.pk]),
        {
            "code": system.code,
            "name": system.name,
            "agency": system.agency.pk,
            "environment": "production",
            "criticality": "medium",
            "wave": wave.pk,
        },
    )
    assert response.status_code == 200
    assert "er allerede flyttet" in str(response.context["form"].errors["wave"])


def test_downtime_outside_the_wave_window_is_refused_on_the_field(editor_client):
    wave = WaveFactory()
    system = SystemFactory(wave=wave, status=MigrationStatus.PLANNED)
    outside = (wave.window_end + timedelta(days=1)).astimezone(timezone.get_current_timezone())
    response = editor_client.post(
        reverse("systems:system_edit", args=[system.pk]),
        {
            "code": system.code,
            "name": system.name,
            "agency": system.agency.pk,
            "environment": "production",
            "criticality": "medium",
            "wave": wave.pk,
            "downtime_start": outside.strftime("%Y-%m-%dT%H:%M"),
            "downtime_end": (outside + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert "innenfor bølgens migreringsvindu" in str(response.context["form"].errors["downtime_start"])


def test_wave_form_creates_and_edits_through_wave_services(editor_client, editor_user):
    response = editor_client.post(
        reverse("waves:wave_add"),
        {"name": "Bølge 99", "window_start": "2026-12-05T18:00", "window_end": "2026-12-05T12:00"},
    )
    assert "Migreringsvinduet må slutte etter at det starter." in _text(response)
    response = editor_client.post(
        reverse("waves:wave_add"),
        {"name": "Bølge 99", "window_start": "2026-12-05T18:00", "window_end": "2026-12-06T02:00"},
    )
    wave = Wave.objects.get(name="Bølge 99")
    assert response["Location"] == wave.get_absolute_url()
    assert timezone.localtime(wave.window_start).strftime("%d.%m.%Y %H:%M") == "05.12.2026 18:00"
    assert wave.history.get().history_user == editor_user


def test_wave_state_change_offers_only_allowed_states(editor_client):
    wave = WaveFactory()
    page = _text(editor_client.get(wave.get_absolute_url()))
    assert 'value="confirmed"' in page and 'value="completed"' not in page
    editor_client.post(reverse("waves:wave_set_state", args=[wave.pk]), {"state": "completed"})
    wave.refresh_from_db()
    assert wave.state == WaveState.DRAFT
    editor_client.post(reverse("waves:wave_set_state", args=[wave.pk]), {"state": "confirmed"})
    wave.refresh_from_db()
    assert wave.state == WaveState.CONFIRMED


def test_delete_confirmation_lists_what_goes_with_it(editor_client):
    system = SystemFactory(code="BORT")
    VMFactory(system=system, hostname="bort-vm01")
    SystemContactFactory(system=system)
    page = _text(editor_client.get(reverse("systems:system_delete", args=[system.pk])))
    assert "bort-vm01" in page
    assert "Systemkontakter" in page
    response = editor_client.post(reverse("systems:system_delete", args=[system.pk]))
    assert response["Location"] == reverse("systems:system_list")
    assert not System.objects.filter(pk=system.pk).exists()
    assert not VM.objects.filter(hostname="bort-vm01").exists()


def test_protected_delete_is_explained_never_a_500(editor_client):
    agency = AgencyFactory()
    SystemFactory(agency=agency, code="EIER")
    page = _text(editor_client.get(reverse("systems:agency_delete", args=[agency.pk])))
    assert "Dette kan ikke slettes" in page and "EIER" in page
    response = editor_client.post(reverse("systems:agency_delete", args=[agency.pk]))
    assert response.status_code == 200
    assert "kan ikke slettes" in _text(response)
    assert Agency.objects.filter(pk=agency.pk).exists()


def test_confirmed_wave_cannot_be_deleted_and_draft_wave_releases_its_systems(editor_client):
    confirmed = WaveFactory(state=WaveState.CONFIRMED)
    response = editor_client.post(reverse("waves:wave_delete", args=[confirmed.pk]))
    assert response.status_code == 200
    assert "Bare utkast og avlyste bølger kan slettes" in _text(response)
    draft = WaveFactory()
    system = SystemFactory(wave=draft, status=MigrationStatus.PLANNED)
    editor_client.post(reverse("waves:wave_delete", args=[draft.pk]))
    system.refresh_from_db()
    assert system.wave is None and system.status == MigrationStatus.NOT_PLANNED
    assert not Wave.objects.filter(pk=draft.pk).exists()


def test_system_detail_offers_only_allowed_transitions(editor_client):
    system = SystemFactory(status=MigrationStatus.IN_PROGRESS)
    form = editor_client.get(system.get_absolute_url()).context["transition_form"]
    assert [value for _group, options in form.fields["to"].choices[1:] for value, _ in options] == [
        "migrated",
        "on_hold",
        "rolled_back",
    ]


def test_vm_detail_offers_no_step_that_would_leave_it_behind_its_system(editor_client):
    vm = VMFactory(system=SystemFactory(status=MigrationStatus.MIGRATED), status=MigrationStatus.ROLLED_BACK)
    form = editor_client.get(vm.get_absolute_url()).context["transition_form"]
    assert [value for _group, options in form.fields["to"].choices[1:] for value, _ in options] == [
        "on_hold",
        "excluded",
    ]


def test_system_transition_brings_its_vms_along_but_not_an_excluded_one(editor_client, editor_user):
    system = SystemFactory(status=MigrationStatus.IN_PROGRESS)
    vm = VMFactory(system=system, status=MigrationStatus.IN_PROGRESS)
    excluded = VMFactory(system=system, status=MigrationStatus.EXCLUDED)
    editor_client.post(reverse("systems:system_transition", args=[system.pk]), {"to": "migrated"})
    vm.refresh_from_db()
    excluded.refresh_from_db()
    assert vm.status == MigrationStatus.MIGRATED and vm.history.latest().history_user == editor_user
    assert excluded.status == MigrationStatus.EXCLUDED


def test_refused_transition_is_reported_and_changes_nothing(editor_client):
    system = SystemFactory(status=MigrationStatus.NOT_PLANNED)
    response = editor_client.post(
        reverse("systems:system_transition", args=[system.pk]), {"to": "verified"}, follow=True
    )
    assert "Kan ikke endre status fra «ikke planlagt» til «verifisert»" in _text(response)
    system.refresh_from_db()
    assert system.status == MigrationStatus.NOT_PLANNED


def test_vm_transition_from_its_page(editor_client):
    vm = VMFactory(status=MigrationStatus.PLANNED)
    editor_client.post(reverse("systems:vm_transition", args=[vm.pk]), {"to": "on_hold"})
    vm.refresh_from_db()
    assert vm.status == MigrationStatus.ON_HOLD
    form = editor_client.get(vm.get_absolute_url()).context["transition_form"]
    assert [value for _group, options in form.fields["to"].choices[1:] for value, _ in options] == ["planned"]


def test_move_system_to_wave_from_its_page(editor_client):
    system = SystemFactory()
    wave = announced_wave(name="Bølge 7")
    response = editor_client.post(
        reverse("systems:system_assign_wave", args=[system.pk]), {"wave": wave.pk}, follow=True
    )
    assert f"{system.code} er flyttet til Bølge 7." in _text(response)
    system.refresh_from_db()
    assert system.wave == wave and system.status == MigrationStatus.PLANNED
    assert collected_changes(wave) == {system.code: "added"}


def test_add_and_remove_a_contact_role_on_the_system_page(editor_client):
    system = SystemFactory()
    contact = ContactPersonFactory()
    editor_client.post(
        reverse("systems:systemcontact_add", args=[system.pk]), {"contact": contact.email.upper(), "role": "owner"}
    )
    role = SystemContact.objects.get(system=system, contact=contact, role=ContactRole.OWNER)
    response = editor_client.post(
        reverse("systems:systemcontact_add", args=[system.pk]),
        {"contact": contact.email.upper(), "role": "owner"},
        follow=True,
    )
    assert "Personen har allerede denne rollen for dette systemet." in _text(response)
    editor_client.post(reverse("systems:systemcontact_delete", args=[role.pk]))
    assert not SystemContact.objects.filter(pk=role.pk).exists()


def test_staff_home_shows_counts_upcoming_waves_and_systems_without_primary_contact(editor_client):
    soon = WaveFactory(
        name="Snart",
        window_start=timezone.now() + timedelta(days=10),
        window_end=timezone.now() + timedelta(days=10, hours=4),
    )
    WaveFactory(
        name="Senere",
        window_start=timezone.now() + timedelta(days=45),
        window_end=timezone.now() + timedelta(days=45, hours=4),
    )
    covered = SystemFactory(wave=soon, status=MigrationStatus.PLANNED)
    SystemContactFactory(system=covered, role=ContactRole.PRIMARY)
    lonely = SystemFactory(code="ALENE")
    SystemContactFactory(system=lonely, role=ContactRole.TESTER)
    response = editor_client.get(reverse("systems:staff_home"))
    context = response.context
    assert [w.name for w in context["upcoming_waves"]] == ["Snart"]
    assert context["upcoming_waves"][0].system_count == 1
    assert [s.code for s in context["without_contact"]] == ["ALENE"]
    rows = {value: (systems, vms) for value, _, systems, vms in context["status_rows"]}
    assert rows["planned"] == (1, 0) and rows["not_planned"] == (1, 0)
    assert "1 system mangler primærkontakt." in _text(response)


def test_staff_login_lands_on_the_staff_home(client, editor_user):
    response = client.post(reverse("login"), {"username": editor_user.username, "password": "correct-horse-battery"})
    assert response["Location"] == reverse("systems:staff_home")


def test_contact_person_login_lands_on_the_portal(client, contact_user):
    response = client.post(reverse("login"), {"username": contact_user.username, "password": "correct-horse-battery"})
    assert response["Location"] == "/portal/"


def test_login_of_someone_neither_staff_nor_contact_lands_on_the_default_page(client, contact_user):
    contact_user.contact_person.delete()
    response = client.post(reverse("login"), {"username": contact_user.username, "password": "correct-horse-battery"})
    assert response["Location"] == "/"


def test_password_reset_sends_a_norwegian_link_that_works(client, db):
    user = UserFactory(username="glemsk", email="glemsk@kommune.example")
    response = client.post(reverse("password_reset"), {"email": "glemsk@kommune.example"}, follow=True)
    assert "Sjekk e-posten din" in _text(response)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject == "Nytt passord til migreringsportalen"
    assert "Brukernavnet ditt er glemsk." in message.body
    link = next(line for line in message.body.splitlines() if "/accounts/reset/" in line)
    response = client.get(link.split("://", 1)[1].split("/", 1)[1].join(["/", ""]), follow=True)
    assert "Velg nytt passord" in _text(response)
    form_url = response.redirect_chain[-1][0]
    response = client.post(
        form_url, {"new_password1": "Fjellvann-og-bris-42", "new_password2": "Fjellvann-og-bris-42"}, follow=True
    )
    assert "Passordet er endret" in _text(response)
    user.refresh_from_db()
    assert user.check_password("Fjellvann-og-bris-42")


def test_anonymous_user_is_sent_to_login_with_next(client, db):
    response = client.get(reverse("systems:system_list"))
    assert response["Location"] == f"{reverse('login')}?next={reverse('systems:system_list')}"


def test_vm_form_takes_the_system_code_and_names_an_unknown_one(editor_client):
    system = SystemFactory(code="BYM-PARK")
    page = editor_client.get(reverse("systems:vm_add"), {"system": "BYM-PARK"}).content.decode()
    assert 'value="BYM-PARK"' in page
    data = {"hostname": "park01", "system": "BYM-PAKR", "vcpus": 2}
    response = editor_client.post(reverse("systems:vm_add"), data)
    assert "Ingen system har koden «BYM-PAKR»." in str(response.context["form"].errors["system"])
    response = editor_client.post(reverse("systems:vm_add"), {**data, "system": "bym-park"})
    vm = VM.objects.get(hostname="park01")
    assert vm.system == system
    page = editor_client.get(reverse("systems:vm_edit", args=[vm.pk])).content.decode()
    assert 'value="BYM-PARK"' in page


def test_system_form_takes_dependencies_as_codes(editor_client):
    system, database, network = SystemFactory(code="APP"), SystemFactory(code="DB"), SystemFactory(code="NETT")
    base = {"code": "APP", "name": system.name, "agency": system.agency.pk, "environment": "test", "criticality": "low"}
    response = editor_client.post(
        reverse("systems:system_edit", args=[system.pk]), {**base, "depends_on": "DB, FINNESIKKE"}
    )
    assert "FINNESIKKE" in str(response.context["form"].errors["depends_on"])
    editor_client.post(reverse("systems:system_edit", args=[system.pk]), {**base, "depends_on": "DB, NETT"})
    assert set(system.depends_on.values_list("code", flat=True)) == {"DB", "NETT"}
    page = editor_client.get(reverse("systems:system_edit", args=[system.pk])).content.decode()
    assert 'value="DB, NETT"' in page or 'value="NETT, DB"' in page
    for dependency in (database, network):  # dependencies show both ways
        assert system.get_absolute_url() in editor_client.get(dependency.get_absolute_url()).content.decode()


def test_history_shows_dependency_changes(editor_client):
    system, database = SystemFactory(code="APP"), SystemFactory(code="DB")
    base = {"code": "APP", "name": system.name, "agency": system.agency.pk, "environment": "test", "criticality": "low"}
    editor_client.post(reverse("systems:system_edit", args=[system.pk]), {**base, "depends_on": "DB"})
    page = _text(editor_client.get(system.get_absolute_url()))
    assert "<strong>Avhenger av</strong>: – → DB" in page
    assert database.get_absolute_url() in page


def test_history_lists_only_the_objects_own_changes(viewer_client):
    mine, other = SystemFactory(name="Mitt system"), SystemFactory(name="Et annet system")
    page = _text(viewer_client.get(mine.get_absolute_url()))
    history = page[page.index("Endringshistorikk") :]
    assert "Mitt system" in history and "Et annet system" not in history
    assert other.name not in history


def test_staff_home_lists_each_system_i_changed_once(editor_client, editor_user):
    system = SystemFactory(code="KART-01")
    for name in ["Kart 1", "Kart 2", "Kart 3", "Kart 4"]:
        system_update(system=system, by=editor_user, name=name)
    page = editor_client.get(reverse("systems:staff_home")).content.decode()
    mine = page.split("Systemer jeg har endret nylig", 1)[1].split("</ul>", 1)[0]
    assert mine.count(">KART-01</a>") == 1


def test_every_page_has_a_favicon(client, db):
    page = client.get(reverse("home")).content.decode()
    assert '<link rel="icon" href="/static/favicon.svg"' in page
    assert client.get("/favicon.ico")["Location"] == "/static/favicon.svg"
    assert (settings.BASE_DIR / "static" / "favicon.svg").read_text().startswith("<svg")


def test_header_names_the_contact_person_not_the_user_name(client, contact_user):
    contact_user.first_name = contact_user.last_name = ""
    contact_user.save()
    client.force_login(contact_user)
    page = client.get(reverse("portal:notice_list")).content.decode()
    assert f'<span class="user-name">{contact_user.contact_person.name}</span>' in page


def test_status_and_state_pickers_choose_nothing_and_set_backward_steps_apart(editor_client):
    wave = WaveFactory(state=WaveState.CONFIRMED)
    system = SystemFactory(status=MigrationStatus.PLANNED, wave=wave)
    page = editor_client.get(reverse("systems:system_detail", kwargs={"pk": system.pk})).content.decode()
    picker = page.split('name="to"', 1)[1].split("</select>", 1)[0]
    assert re.search(r'<option value="" selected>— velg —</option>', picker)
    forward, back = picker.split('<optgroup label="Tilbake til et tidligere steg">')
    assert 'value="notified"' in forward and 'value="not_planned"' not in forward
    assert 'value="not_planned"' in back
    page = editor_client.get(reverse("waves:wave_detail", kwargs={"pk": wave.pk})).content.decode()
    picker = page.split('name="state"', 1)[1].split("</select>", 1)[0]
    assert re.search(r'<option value="" selected>— velg —</option>', picker)
    assert re.search(r'<optgroup label="Tilbake til et tidligere steg">\s*<option value="draft"', picker)


def test_staff_home_counts_again_after_a_change_and_says_when_it_counted(editor_client):
    system = SystemFactory(code="ALENE")
    first = editor_client.get(reverse("systems:staff_home"))
    assert "1 system mangler primærkontakt." in _text(first)
    assert re.search(r"Talt kl\. \d\d:\d\d:\d\d", _text(first)), "the page says when its figures were counted"

    SystemContactFactory(system=system, role=ContactRole.PRIMARY)
    VMFactory(system=system)
    second = editor_client.get(reverse("systems:staff_home"))
    assert "Alle systemer har primærkontakt." in _text(second)
    assert second.context["vm_total"] == 1


def test_staff_home_shows_the_first_ten_coming_waves_and_links_to_all(editor_client):
    for day in range(1, 13):
        start = timezone.now() + timedelta(days=day)
        WaveFactory(name=f"Bølge {day:02d}", window_start=start, window_end=start + timedelta(hours=4))
    response = editor_client.get(reverse("systems:staff_home"))
    assert [wave.name for wave in response.context["upcoming_waves"]] == [f"Bølge {day:02d}" for day in range(1, 11)]
    assert "De første 10 av 12 bølger." in _text(response)
    link = re.search(r'href="(/waves/\?window_from=[^"]+)"', response.content.decode()).group(1).replace("&amp;", "&")
    listed = editor_client.get(link).context["table"]
    assert listed.paginator.count == 12


def test_header_names_a_staff_user_without_a_full_name_by_user_name_without_asking_the_contact_register(
    client, viewer_user
):
    viewer_user.first_name = viewer_user.last_name = ""
    viewer_user.save()
    client.force_login(viewer_user)
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("systems:staff_home")).content.decode()
    assert f'<span class="user-name">{viewer_user.username}</span>' in page
    assert not [query for query in queries if "systems_contactperson" in query["sql"] and "user_id" in query["sql"]]
