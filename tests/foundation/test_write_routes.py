"""One rule path: the same change made through every write route gives the same result.

Routes: the staff pages (the system's "Flytt til bølge" and status forms, the edit forms), the bulk actions of
the system list, the Django admin, the import page (upload → preview → confirm), `manage.py import_inventory` and the
REST API (with an editor's token).
Each case makes one change through each route that offers it and compares what a user would notice: the same
refusal (in the words of the rule, with file, row and column for an import), the same rows afterwards, the same
number of history records, the same downtime notices.
"""

import html
import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.forms import MultiWidget
from django.urls import reverse
from django.utils import timezone

from notifications.models import Notice
from systems.choices import MigrationStatus as S
from systems.inventory.models import ImportJob
from systems.models import VM, System
from systems.services import system_assign_wave
from tests.api.conftest import bearer, make_token
from tests.factories import AgencyFactory, SystemContactFactory, SystemFactory, VMFactory, WaveFactory
from waves import services as wave_services
from waves.choices import WaveState
from waves.models import Wave

pytestmark = pytest.mark.django_db

OSLO = ZoneInfo("Europe/Oslo")
NOW = datetime(2031, 1, 6, 9, 0, tzinfo=OSLO)
WINDOW = datetime(2031, 3, 8, 18, 0, tzinfo=OSLO)
MOVED_WINDOW = datetime(2031, 3, 15, 18, 0, tzinfo=OSLO)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def setup(settings):
    """S1 (two VMs, one excluded on purpose) and a draft wave B1 with room for both of S1's moving VMs."""
    settings.NOTICE_LEAD_DAYS, settings.REMINDER_LEAD_DAYS = 14, 2
    agency = AgencyFactory(code="BYM")
    system = SystemFactory(code="S1", name="Sakarkiv", agency=agency, environment="test")
    VMFactory(system=system, hostname="s1-app01")
    VMFactory(system=system, hostname="s1-db01")
    wave = WaveFactory(name="B1", window_start=WINDOW, window_end=WINDOW.replace(hour=23))
    return system, wave


# --- the routes -------------------------------------------------------------------------------------------


def _text(response) -> str:
    return html.unescape(response.content.decode())


def _post(client, url: str, data: dict) -> str:
    return _text(client.post(url, data, follow=True))


def _local(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


def _system_csv(system: System, **changes) -> dict[str, str]:
    row = {"code": system.code, "name": system.name, "agency": system.agency.code, "environment": system.environment}
    row.update(changes)
    return {"systems.csv": ";".join(row) + "\n" + ";".join(row.values()) + "\n"}


def _wave_csv(wave: Wave, **changes) -> dict[str, str]:
    row = {"name": wave.name, "window_start": _local(wave.window_start), "window_end": _local(wave.window_end)}
    row.update(changes)
    return {"waves.csv": ";".join(row) + "\n" + ";".join(row.values()) + "\n"}


def _import_page(client, files: dict[str, str]) -> str:
    uploads = [SimpleUploadedFile(name, content.encode(), content_type="text/csv") for name, content in files.items()]
    client.post(reverse("inventory:import"), {"files": uploads})
    job = ImportJob.objects.latest("pk")
    page = _text(client.get(reverse("inventory:import_job", args=[job.pk])))
    if "Bekreft og importer" in page:
        client.post(reverse("inventory:import_confirm", args=[job.pk]))
        page = _text(client.get(reverse("inventory:import_job", args=[job.pk])))
    return page


def _import_command(tmp_path, files: dict[str, str], user) -> str:
    folder = tmp_path / f"files{len(list(tmp_path.iterdir()))}"
    folder.mkdir()
    for name, content in files.items():
        (folder / name).write_text(content)
    out = io.StringIO()
    try:
        call_command("import_inventory", str(folder), "--user", user.username, stdout=out, stderr=out)
    except CommandError as error:
        out.write(str(error))
    return out.getvalue()


def _admin_post(client, url: str, changes: dict) -> str:
    """Submit an admin change page as the browser would: every field as shown, with `changes` on top."""
    page = client.get(url)
    data = {}
    formsets = [inline.formset for inline in page.context["inline_admin_formsets"]]
    for formset in formsets:
        management = formset.management_form
        data.update({management.add_prefix(name): management[name].value() for name in management.fields})
    for form in [page.context["adminform"].form, *(form for formset in formsets for form in formset.forms)]:
        for name, field in form.fields.items():
            value, key = form[name].value(), form.add_prefix(name)
            widget = getattr(field.widget, "widget", field.widget)  # the admin wraps relation widgets
            if value in (None, False):
                continue
            if isinstance(widget, MultiWidget):
                data.update({f"{key}_{index}": part for index, part in enumerate(widget.decompress(value))})
            else:
                data[key] = "on" if value is True else value
    data.update(changes)
    return _post(client, url, data)


def _system_form(client, system: System, changes: dict) -> str:
    url = reverse("systems:system_edit", args=[system.pk])
    form = client.get(url).context["form"]
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data["depends_on"] = ""
    data.update(changes)
    return _post(client, url, data)


def _wave_form(client, wave: Wave, changes: dict) -> str:
    url = reverse("waves:wave_edit", args=[wave.pk])
    data = {
        "name": wave.name,
        "window_start": timezone.localtime(wave.window_start).strftime("%Y-%m-%dT%H:%M"),
        "window_end": timezone.localtime(wave.window_end).strftime("%Y-%m-%dT%H:%M"),
        "max_vms": wave.max_vms or "",
        "notes": wave.notes,
    }
    data.update(changes)
    return _post(client, url, data)


def _import(request, name: str, files: dict[str, str]) -> str:
    """The import page (name "import") or `manage.py import_inventory` (name "command")."""
    if name == "import":
        return _import_page(request.getfixturevalue("editor_client"), files)
    return _import_command(request.getfixturevalue("tmp_path"), files, request.getfixturevalue("editor_user"))


def _api(request):
    """The REST API as a script with an editor's personal token uses it."""
    return bearer(make_token(request.getfixturevalue("editor_user")))


def _api_call(request, method: str, url: str, data: dict) -> str:
    return _text(getattr(_api(request), method)(url, data, format="json"))


def move_route(name: str):
    """The change "S1 into wave W" through route `name`; returns what the user saw."""

    def move(request, system: System, wave: Wave) -> str:
        editor = request.getfixturevalue("editor_client")
        if name == "detail":
            return _post(editor, reverse("systems:system_assign_wave", args=[system.pk]), {"wave": wave.pk})
        if name == "form":
            return _system_form(editor, system, {"wave": wave.pk})
        if name == "bulk":
            data = {"pk": [system.pk], "action": "assign_wave", "wave": wave.pk}
            return _post(editor, reverse("systems:system_bulk"), data)
        if name == "admin":
            url = reverse("admin:systems_system_change", args=[system.pk])
            return _admin_post(request.getfixturevalue("admin_client"), url, {"wave": wave.pk})
        if name == "api":
            return _api_call(request, "patch", f"/api/v1/systems/{system.code}/", {"wave": wave.name})
        return _import(request, name, _system_csv(system, wave=wave.name))

    return move


def status_route(name: str):
    """The change "S1 to status `to`" through route `name` (the admin shows status read-only)."""

    def step(request, system: System, to: str) -> str:
        editor = request.getfixturevalue("editor_client")
        if name == "detail":
            return _post(editor, reverse("systems:system_transition", args=[system.pk]), {"to": to})
        if name == "bulk":
            return _post(editor, reverse("systems:system_bulk"), {"pk": [system.pk], "action": "status", "status": to})
        if name == "api":
            return _api_call(request, "post", f"/api/v1/systems/{system.code}/transition/", {"to": to})
        return _import(request, name, _system_csv(system, status=to))

    return step


def window_route(name: str):
    """The change "wave W's window starts at `start`" through route `name`."""

    def move_window(request, wave: Wave, start: datetime) -> str:
        end = start.replace(hour=23)
        if name == "form":
            changes = {"window_start": start.strftime("%Y-%m-%dT%H:%M"), "window_end": end.strftime("%Y-%m-%dT%H:%M")}
            return _wave_form(request.getfixturevalue("editor_client"), wave, changes)
        if name == "admin":
            url = reverse("admin:waves_wave_change", args=[wave.pk])
            changes = {
                "window_start_0": start.date().isoformat(),
                "window_start_1": "18:00:00",
                "window_end_0": end.date().isoformat(),
                "window_end_1": "23:00:00",
            }
            return _admin_post(request.getfixturevalue("admin_client"), url, changes)
        if name == "api":
            changes = {"window_start": start.isoformat(), "window_end": end.isoformat()}
            return _api_call(request, "patch", f"/api/v1/waves/{wave.name}/", changes)
        return _import(request, name, _wave_csv(wave, window_start=_local(start), window_end=_local(end)))

    return move_window


MOVE_ROUTES = ["detail", "form", "bulk", "admin", "import", "command", "api"]
STATUS_ROUTES = ["detail", "bulk", "import", "command", "api"]  # the admin shows status read-only
WINDOW_ROUTES = ["form", "admin", "import", "command", "api"]


# --- what a user would notice -------------------------------------------------------------------------------


def outcome(system: System) -> dict:
    system.refresh_from_db()
    return {
        "wave": system.wave.name if system.wave else None,
        "status": system.status,
        "vms": dict(VM.objects.filter(system=system).values_list("hostname", "status")),
        "system history": system.history.count(),
        "vm history": VM.history.filter(system_id=system.pk).count(),
        "notices": sorted(Notice.objects.values_list("wave__name", "kind", "state", "publish_at")),
    }


def assert_refused(seen: str, route: str, message: str, column: str) -> None:
    if route in ("import", "command"):
        assert f"systems.csv:2: {column}: {message}" in seen, seen
    else:
        assert message in seen, seen


# --- the cases ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("route", MOVE_ROUTES)
def test_moving_a_system_into_a_wave_brings_its_vms_and_is_recorded_once(request, setup, route):
    system, wave = setup
    VM.objects.filter(hostname="s1-db01").update(status=S.EXCLUDED)
    before = outcome(system)
    move_route(route)(request, system, wave)
    after = outcome(system)
    assert (after["wave"], after["status"]) == ("B1", S.PLANNED)
    assert after["vms"] == {"s1-app01": S.PLANNED, "s1-db01": S.EXCLUDED}
    assert after["system history"] == before["system history"] + 1
    assert after["vm history"] == before["vm history"] + 1
    assert after["notices"] == []  # a draft wave has no notices


def _full(system: System, wave: Wave) -> None:
    Wave.objects.filter(pk=wave.pk).update(max_vms=1)


def _completed(system: System, wave: Wave) -> None:
    Wave.objects.filter(pk=wave.pk).update(state=WaveState.COMPLETED)


def _migrated(system: System, wave: Wave) -> None:
    done = WaveFactory(name="B0", state=WaveState.COMPLETED)
    System.objects.filter(pk=system.pk).update(wave=done, status=S.MIGRATED, migrated_at=NOW)
    VM.objects.filter(system=system).update(status=S.MIGRATED, migrated_at=NOW)


REFUSED_MOVES = {
    "into a wave over its VM limit": (_full, "Bølgen «B1» ville fått 2 VM-er; grensen er 1."),
    "into a completed wave": (_completed, "Bølgen «B1» er fullført og tar ikke imot flere systemer."),
    "of a migrated system": (_migrated, "S1 er allerede flyttet og kan ikke bytte bølge."),
}


@pytest.mark.parametrize("route", MOVE_ROUTES)
@pytest.mark.parametrize("case", REFUSED_MOVES)
def test_a_move_the_wave_rules_forbid_is_refused_and_changes_nothing(request, setup, case, route):
    system, wave = setup
    prepare, message = REFUSED_MOVES[case]
    prepare(system, wave)
    wave.refresh_from_db()
    before = outcome(system)
    seen = move_route(route)(request, system, wave)
    assert_refused(seen, route, message, "wave")
    assert outcome(system) == before


@pytest.mark.parametrize("route", STATUS_ROUTES)
def test_a_status_step_brings_the_vms_along(request, setup, route):
    system, wave = setup
    system.wave, system.status = wave, S.IN_PROGRESS
    system.save()
    VM.objects.filter(hostname="s1-app01").update(status=S.IN_PROGRESS)  # the other one was left behind
    before = outcome(system)
    status_route(route)(request, system, S.MIGRATED)
    after = outcome(system)
    assert after["status"] == S.MIGRATED
    assert after["vms"] == {"s1-app01": S.MIGRATED, "s1-db01": S.MIGRATED}
    assert (after["system history"], after["vm history"]) == (before["system history"] + 1, before["vm history"] + 2)
    system.refresh_from_db()
    assert set(VM.objects.filter(system=system).values_list("migrated_at", flat=True)) == {system.migrated_at}


@pytest.mark.parametrize("route", STATUS_ROUTES)
def test_a_status_step_the_lifecycle_forbids_is_refused(request, setup, route):
    system, _wave = setup
    before = outcome(system)
    seen = status_route(route)(request, system, S.MIGRATED)
    message = "Kan ikke endre status fra «ikke planlagt» til «migrert». Tillatt: planlagt, satt på vent, utgår."
    assert_refused(seen, route, message, "status")
    assert outcome(system) == before


@pytest.mark.parametrize("route", WINDOW_ROUTES)
def test_moving_a_confirmed_waves_window_moves_its_notices(request, setup, route, editor_user):
    system, wave = setup
    system_assign_wave(system=system, wave=wave, by=editor_user)
    wave = wave_services.wave_set_state(wave=wave, state=WaveState.CONFIRMED, by=editor_user)
    scheduled = {kind: publish_at for _wave, kind, _state, publish_at in outcome(system)["notices"]}
    assert scheduled["announcement"] == WINDOW - timezone.timedelta(days=14)
    window_route(route)(request, wave, MOVED_WINDOW)
    wave.refresh_from_db()
    assert wave.window_start == MOVED_WINDOW
    assert outcome(system)["notices"] == [
        ("B1", "announcement", "scheduled", MOVED_WINDOW - timezone.timedelta(days=14)),
        ("B1", "reminder", "scheduled", MOVED_WINDOW - timezone.timedelta(days=2)),
    ]
    assert wave.history.count() == 3  # created, confirmed, window moved


# --- VMs never stay behind a migrated system --------------------------------------------------------------


LIFECYCLE_ROUTES = ["detail", "bulk", "import", "command", "api"]


@pytest.mark.parametrize("route", LIFECYCLE_ROUTES)
def test_every_lifecycle_route_leaves_no_migrated_system_with_unplanned_vms(request, setup, route):
    system, wave = setup
    move_route(route)(request, system, wave)
    VM.objects.filter(hostname="s1-db01").update(status=S.NOT_PLANNED)  # drift from before the rule
    for step in (S.IN_PROGRESS, S.MIGRATED, S.VERIFIED):
        status_route(route)(request, System.objects.get(pk=system.pk), step)
        assert System.objects.get(pk=system.pk).status == step
        assert not VM.objects.filter(system=system, status__in=[S.NOT_PLANNED, S.PLANNED]).exists()


def test_the_admin_deletes_through_the_services(request, setup):
    system, wave = setup
    admin = request.getfixturevalue("admin_client")
    system_assign_wave(system=system, wave=wave, by=None)
    Wave.objects.filter(pk=wave.pk).update(state=WaveState.CONFIRMED)
    seen = _post(admin, reverse("admin:waves_wave_delete", args=[wave.pk]), {"post": "yes"})
    assert "Bare utkast og avlyste bølger kan slettes; denne bølgen er bekreftet." in seen
    assert Wave.objects.filter(pk=wave.pk).exists()
    Wave.objects.filter(pk=wave.pk).update(state=WaveState.DRAFT)
    admin.post(reverse("admin:waves_wave_delete", args=[wave.pk]), {"post": "yes"})
    assert not Wave.objects.filter(pk=wave.pk).exists()
    after = outcome(system)  # its systems left the wave through the system services, their VMs with them
    assert (after["wave"], after["status"], after["vms"]) == (
        None,
        S.NOT_PLANNED,
        {"s1-app01": S.NOT_PLANNED, "s1-db01": S.NOT_PLANNED},
    )


def test_the_notice_demo_command_moves_its_systems_through_the_services(setup):
    system, _wave = setup
    SystemContactFactory(system=system)
    call_command(
        "notice_demo_wave", "--minutes", "30", "--systems", "1", "--notice-lead-minutes", "60", stdout=io.StringIO()
    )
    system.refresh_from_db()
    # The window is closer than the announcement's lead, so the announcement went out at once:
    # the system and its VMs are notified.
    assert (system.wave.state, system.status) == (WaveState.CONFIRMED, S.NOTIFIED)
    assert set(VM.objects.filter(system=system).values_list("status", flat=True)) == {S.NOTIFIED}
    assert list(system.history.order_by("history_id").values_list("status", "wave__name")) == [
        (S.NOT_PLANNED, None),
        (S.PLANNED, system.wave.name),
        (S.NOTIFIED, system.wave.name),
    ]
    assert Notice.objects.filter(wave=system.wave, kind="announcement", state="published").exists()


@pytest.mark.parametrize("route", ["form", "import"])
def test_a_new_system_cannot_be_created_in_a_completed_wave(request, setup, route):
    system, wave = setup
    Wave.objects.filter(pk=wave.pk).update(state=WaveState.COMPLETED)
    new = System(code="S2", name="Arkiv", agency=system.agency, environment="test")
    if route == "form":
        data = {"code": "S2", "name": "Arkiv", "agency": system.agency.pk, "environment": "test", "wave": wave.pk}
        data["criticality"] = "medium"
        seen = _post(request.getfixturevalue("editor_client"), reverse("systems:system_add"), data)
    else:
        seen = _import(request, route, _system_csv(new, wave=wave.name))
    assert_refused(seen, route, "Bølgen «B1» er fullført og tar ikke imot flere systemer.", "wave")
    assert not System.objects.filter(code="S2").exists()
