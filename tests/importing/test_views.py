"""/import/ (upload → preview → confirm) and /export/ in the browser's HTTP terms: access, flow, background runs."""

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from systems.inventory.models import ImportJob
from systems.models import VM, Agency, System
from tests.conftest import wait_until
from tests.factories import SystemFactory, UserFactory

from .conftest import AGENCIES, SYSTEMS, VMS, WAVES

ROLES = ["anonymous", "contact", "viewer", "editor"]


def _client(role, client, request):
    if role != "anonymous":
        client.force_login(request.getfixturevalue(f"{role}_user"))
    return client


def _upload(name: str, content: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content.encode("utf-8"), content_type="text/csv")


GOOD = {"agencies.csv": AGENCIES, "waves.csv": WAVES, "systems.csv": SYSTEMS, "vms.csv": VMS}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        (reverse("inventory:import"), {"editor"}),
        (reverse("inventory:export"), {"viewer", "editor"}),
        (reverse("inventory:export_csv", args=["systems"]), {"viewer", "editor"}),
        (reverse("inventory:export_file", args=["xlsx"]), {"viewer", "editor"}),
        (reverse("inventory:export_file", args=["zip"]), {"viewer", "editor"}),
    ],
)
@pytest.mark.parametrize("role", ROLES)
def test_inventory_pages_access_by_role(client, request, url, allowed, role):
    response = _client(role, client, request).get(url)
    if role == "anonymous":
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))
    else:
        assert response.status_code == (200 if role in allowed else 403)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_import_job_pages_are_only_for_their_uploader(client, request, role):
    owner = UserFactory(username="eier")
    owner.groups.add(*request.getfixturevalue("editor_user").groups.all())
    job = ImportJob.objects.create(created_by=owner, state=ImportJob.State.PREVIEWED, preview=None)
    urls = [reverse("inventory:import_job", args=[job.pk]), reverse("inventory:import_progress", args=[job.pk])]
    for url in urls:
        response = _client(role, client, request).get(url)
        expected = {"anonymous": 302, "contact": 403, "viewer": 403, "editor": 404}[role]
        assert response.status_code == expected, url
    response = client.post(reverse("inventory:import_confirm", args=[job.pk]))
    assert response.status_code == {"anonymous": 302, "contact": 403, "viewer": 403, "editor": 404}[role]


@pytest.mark.django_db
def test_import_confirm_refuses_get(editor_client, editor_user):
    job = ImportJob.objects.create(created_by=editor_user, state=ImportJob.State.PREVIEWED)
    assert editor_client.get(reverse("inventory:import_confirm", args=[job.pk])).status_code == 405


@pytest.mark.django_db
def test_import_upload_preview_confirm(editor_client, editor_user):
    response = editor_client.post(
        reverse("inventory:import"), {"files": [_upload(name, content) for name, content in GOOD.items()]}
    )
    job = ImportJob.objects.get()
    assert response.url == reverse("inventory:import_job", args=[job.pk])
    page = editor_client.get(response.url).content.decode()
    assert "Ingen feil. Ingenting er skrevet ennå" in page
    assert '<tr><th scope="row">systems</th><td>2</td><td>0</td><td>0</td></tr>' in page
    assert "Bekreft og importer" in page
    assert not System.objects.exists(), "the preview writes nothing"

    response = editor_client.post(reverse("inventory:import_confirm", args=[job.pk]))
    assert response.url == reverse("inventory:import_job", args=[job.pk])
    page = editor_client.get(response.url).content.decode()
    assert "Inventaret er importert." in page
    assert "Bekreft og importer" not in page
    assert System.objects.count() == 2 and VM.objects.count() == 1
    assert System.objects.get(code="SAK").history.get().history_user == editor_user
    job.refresh_from_db()
    assert job.state == "done" and not job.files.exists(), "uploaded files are not kept once imported"
    # A second click on the (stale) confirm button does not import twice.
    editor_client.post(reverse("inventory:import_confirm", args=[job.pk]))
    assert System.objects.get(code="SAK").history.count() == 1


@pytest.mark.django_db
def test_import_preview_lists_the_first_100_errors_and_offers_no_confirm(editor_client):
    rows = "".join(f"AG{number};\n" for number in range(130))
    editor_client.post(reverse("inventory:import"), {"files": [_upload("agencies.csv", "code;name\n" + rows)]})
    job = ImportJob.objects.get()
    page = editor_client.get(reverse("inventory:import_job", args=[job.pk])).content.decode()
    assert "130 feil: ingenting ble skrevet. Rett filene og last dem opp igjen." in page
    assert "<code>agencies.csv:2: name: Feltet må fylles ut.</code>" in page
    assert page.count("Feltet må fylles ut.") == 100
    assert "… og 30 feil til." in page
    assert "Bekreft og importer" not in page
    assert editor_client.post(reverse("inventory:import_confirm", args=[job.pk])).status_code == 302
    assert not Agency.objects.exists()


@pytest.mark.django_db
def test_import_upload_without_file_shows_the_form_error(editor_client):
    response = editor_client.post(reverse("inventory:import"), {})
    assert response.status_code == 200
    assert "Dette feltet er påkrevd." in response.content.decode()


@pytest.mark.django_db
def test_import_upload_over_the_limit_is_refused_by_the_form(editor_client, settings):
    settings.INVENTORY_IMPORT_MAX_BYTES = 10
    response = editor_client.post(reverse("inventory:import"), {"files": [_upload("agencies.csv", AGENCIES)]})
    assert "For stor (grensen er 10\xa0byte): agencies.csv" in response.content.decode()
    assert not ImportJob.objects.exists()


@pytest.mark.django_db
def test_export_downloads_the_inventory(viewer_client):
    SystemFactory(code="S1", name="Sakarkiv")
    response = viewer_client.get(reverse("inventory:export_csv", args=["systems"]))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert lines[0].startswith("\ufeffcode;name;agency;environment"), "Norwegian users get Norwegian Excel's CSV"
    assert lines[1].startswith("S1;Sakarkiv;")
    response = viewer_client.get(reverse("inventory:export_csv", args=["systems"]), {"csv": "rfc4180"})
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert lines[0].startswith("code,name,agency,environment") and lines[1].startswith("S1,Sakarkiv,")
    response = viewer_client.get(reverse("inventory:export_file", args=["xlsx"]))
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    assert workbook.sheetnames == ["agencies", "waves", "systems", "vms", "contacts"]
    page = viewer_client.get(reverse("inventory:export")).content.decode()
    assert "Alt som én XLSX-arbeidsbok" in page


def _wait_for(job, state, timeout=30):
    def reached():
        job.refresh_from_db()
        return job.state == state

    wait_until(reached, timeout=timeout, what=f"the import job to be {state}")


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("staff_groups")
def test_import_large_upload_runs_in_celery_with_progress(client, editor_user, settings, celery_worker_thread):
    settings.INVENTORY_IMPORT_BACKGROUND_BYTES = 0  # every upload counts as large
    client.force_login(editor_user)
    client.post(reverse("inventory:import"), {"files": [_upload(name, content) for name, content in GOOD.items()]})
    job = ImportJob.objects.get()
    page = client.get(reverse("inventory:import_job", args=[job.pk])).content.decode()
    if job.state == "previewing":  # the worker may already be done
        assert 'data-progress-url="' in page and "<progress" in page
    _wait_for(job, "previewed")
    progress = client.get(reverse("inventory:import_progress", args=[job.pk])).json()
    assert progress == {"state": "previewed", "running": False, "percent": 100}
    assert job.preview["counts"]["systems"]["created"] == 2
    assert not System.objects.exists()

    client.post(reverse("inventory:import_confirm", args=[job.pk]))
    _wait_for(job, "done")
    assert System.objects.count() == 2
    assert "Inventaret er importert." in client.get(reverse("inventory:import_job", args=[job.pk])).content.decode()


@pytest.mark.django_db
def test_import_files_of_unconfirmed_imports_are_purged_after_a_day(editor_client, time_machine):
    from systems.inventory.tasks import purge_import_files

    time_machine.move_to("2026-11-20 10:00 +01:00")
    editor_client.post(reverse("inventory:import"), {"files": [_upload("agencies.csv", AGENCIES)]})
    job = ImportJob.objects.get()
    assert job.state == "previewed" and job.files.count() == 1
    time_machine.move_to("2026-11-21 09:00 +01:00")
    assert purge_import_files() == 0
    time_machine.move_to("2026-11-21 11:00 +01:00")
    assert purge_import_files() == 1
    assert not job.files.exists()
    # Without its files the import can no longer be confirmed; the preview is still there to read.
    editor_client.post(reverse("inventory:import_confirm", args=[job.pk]))
    job.refresh_from_db()
    assert job.state == "previewed" and job.preview["counts"]["agencies"]["created"] == 2
    page = editor_client.get(reverse("inventory:import_job", args=[job.pk])).content.decode()
    assert "De opplastede filene er ikke lenger lagret" in page
    assert "Bekreft og importer" not in page
