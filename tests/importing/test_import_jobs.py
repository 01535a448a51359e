"""Browser import jobs that end badly: each ends `failed` once, with a reason, and is never run again by itself."""

import pytest
from django.utils import timezone

from systems.inventory.models import ImportFile, ImportJob
from systems.inventory.tasks import run_import_job
from systems.models import Agency

from .conftest import AGENCIES

pytestmark = pytest.mark.django_db


def _job(user, **fields) -> ImportJob:
    job = ImportJob.objects.create(created_by=user, **fields)
    ImportFile.objects.create(job=job, name="agencies.csv", content=AGENCIES.encode(), size=len(AGENCIES))
    return job


@pytest.mark.parametrize("state", [ImportJob.State.PREVIEWING, ImportJob.State.IMPORTING])
def test_a_run_delivered_again_after_its_worker_died_fails_the_job_instead_of_running(editor_user, state):
    job = _job(editor_user, state=state, run_started_at=timezone.now())  # started, never finished
    run_import_job(job.pk, state == ImportJob.State.PREVIEWING)
    job.refresh_from_db()
    assert job.state == ImportJob.State.FAILED
    assert job.failure.startswith("Importen stoppet prosessen som kjørte den")
    assert not job.files.exists() and not Agency.objects.exists()
    run_import_job(job.pk, state == ImportJob.State.PREVIEWING)  # and once more: nothing changes
    job.refresh_from_db()
    assert job.state == ImportJob.State.FAILED and not Agency.objects.exists()


def test_a_run_claims_its_job_before_it_works(editor_user):
    job = _job(editor_user, state=ImportJob.State.PREVIEWING)
    run_import_job(job.pk, True)
    job.refresh_from_db()
    assert job.state == ImportJob.State.PREVIEWED and job.run_started_at is not None
    assert job.preview["counts"]["agencies"]["created"] == 2


def test_import_runs_go_to_the_import_queue_and_notices_do_not():
    from migportal.celery import app

    def queue(task: str) -> str:
        return app.amqp.router.route({}, task)["queue"].name

    assert queue("systems.inventory.tasks.run_import_job") == "imports"
    assert queue("notifications.tasks.delivery_send") != "imports"
    assert queue("portal.tasks.send_login_link") != "imports"
