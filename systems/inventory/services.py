"""Browser imports: upload → preview (a dry run) → confirm (the real run), small ones at once, large ones in Celery.

Progress lives in the cache, not in the job row: the import runs in one transaction, so a row update
would stay invisible to the page that polls it until the very end.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from .importer import Importer, ImportResult
from .models import ImportFile, ImportJob
from .readers import Source

PROGRESS_TIMEOUT = 6 * 3600
StrOrPromise = str | Promise
# Why a run failed, in the words of the job's page (translated into the uploader's language).
STOPPED_ITS_WORKER = gettext_lazy(
    "The import stopped the worker that ran it (it may need more memory than an import may use). "
    "It is not run again by itself; nothing was written."
)
OUT_OF_MEMORY = gettext_lazy(
    "The import needed more memory than an import may use and was stopped; nothing was written."
)
TOOK_TOO_LONG = gettext_lazy("The import took too long and was stopped; nothing was written.")
FAILED_UNEXPECTEDLY = gettext_lazy("The import failed unexpectedly and was stopped; nothing was written.")
#: Errors and warnings a browser import keeps for its preview (all are counted: "… and N more").
PREVIEW_PROBLEMS = 100


def progress_key(job_id: int) -> str:
    return f"inventory:import:{job_id}:progress"


def import_progress_percent(job: ImportJob) -> int:
    """How far a running job is (from the cache); 100 once it stopped running."""
    return int(cache.get(progress_key(job.pk), 0.0) * 100) if job.running else 100


def _runs_in_background(job: ImportJob) -> bool:
    size = job.files.aggregate(size=Sum("size"))["size"] or 0  # not the files' contents, only their sizes
    return size > settings.INVENTORY_IMPORT_BACKGROUND_BYTES


def import_job_create(*, by: AbstractBaseUser, files: Iterable[UploadedFile], language: str) -> ImportJob:
    """Store the uploaded files and check them (a dry run): at once if small, else in a Celery task."""
    with transaction.atomic():
        job = ImportJob.objects.create(created_by=by, language=language, state=ImportJob.State.PREVIEWING)
        ImportFile.objects.bulk_create(
            ImportFile(job=job, name=upload.name, content=b"".join(upload.chunks()), size=upload.size)
            for upload in files
        )
    _start(job, dry_run=True)
    job.refresh_from_db()
    return job


def import_job_confirm(*, job: ImportJob) -> bool:
    """Start the real import of a checked job without errors; False if it was started already (or cannot be)."""
    if not (job.preview and job.preview["error_count"] == 0 and job.files.exists()):
        return False
    claimed = ImportJob.objects.filter(pk=job.pk, state=ImportJob.State.PREVIEWED).update(
        state=ImportJob.State.IMPORTING, run_started_at=None
    )
    if claimed:
        cache.set(progress_key(job.pk), 0.0, PROGRESS_TIMEOUT)
        _start(job, dry_run=False)
    return bool(claimed)


def _start(job: ImportJob, *, dry_run: bool) -> None:
    if _runs_in_background(job):
        from .tasks import run_import_job

        transaction.on_commit(lambda: run_import_job.delay(job.pk, dry_run))
    else:
        import_job_run(job_id=job.pk, dry_run=dry_run)


def import_job_run(*, job_id: int, dry_run: bool) -> None:
    """Run the preview or the import of a job; idempotent (does nothing unless the job waits for exactly this).

    The run is claimed (and the claim committed) before any work. A message delivered again after its
    worker died finds the claim and fails the job instead of running it again: an import that kills its
    worker never does so twice.
    """
    wanted = ImportJob.State.PREVIEWING if dry_run else ImportJob.State.IMPORTING
    waiting = ImportJob.objects.filter(pk=job_id, state=wanted)
    claimed = waiting.filter(run_started_at__isnull=True).update(run_started_at=timezone.now())
    if not claimed:
        if waiting.exists():
            import_job_fail(job_id=job_id, message=STOPPED_ITS_WORKER)
        return
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    shown = {"value": -1}

    def on_progress(fraction: float) -> None:
        percent = int(fraction * 100)
        if percent != shown["value"]:
            shown["value"] = percent
            cache.set(progress_key(job_id), fraction, PROGRESS_TIMEOUT)

    sources = [Source.from_bytes(file.name, bytes(file.content)) for file in job.files.all()]
    with translation.override(job.language), transaction.atomic():
        result: ImportResult = Importer(
            by=job.created_by, dry_run=dry_run, max_errors=PREVIEW_PROBLEMS, on_progress=on_progress
        ).run(sources)
        if dry_run:
            job.preview = result.as_dict()
            job.state = ImportJob.State.PREVIEWED
            if not result.ok:
                job.files.all().delete()  # cannot be confirmed; the user fixes the files and uploads again
        else:
            job.result = result.as_dict()
            job.state = ImportJob.State.DONE if result.ok else ImportJob.State.FAILED
            job.finished_at = timezone.now()
            # The files (with contact persons' names and e-mails) are not kept once imported.
            job.files.all().delete()
        job.save()
    cache.set(progress_key(job_id), 1.0, PROGRESS_TIMEOUT)


def import_files_purge(*, older_than: timedelta) -> int:
    """Delete the uploaded files of imports started longer ago than `older_than` and never confirmed."""
    deleted, _per_model = ImportFile.objects.filter(job__created_at__lt=timezone.now() - older_than).delete()
    return deleted


def import_job_fail(*, job_id: int, message: StrOrPromise) -> None:
    """A run that could not finish (time or memory limit, a dead worker): say so on the job's page, drop its files.

    A failed job is final: nothing runs it again by itself; the user uploads the files again.
    """
    running = ImportJob.objects.filter(pk=job_id, state__in=[ImportJob.State.PREVIEWING, ImportJob.State.IMPORTING])
    language = running.values_list("language", flat=True).first()
    if language is None:
        return
    with translation.override(language):
        text = str(message)
    with transaction.atomic():
        failed = running.update(state=ImportJob.State.FAILED, failure=text, finished_at=timezone.now())
        if failed:
            ImportFile.objects.filter(job_id=job_id).delete()
    cache.set(progress_key(job_id), 1.0, PROGRESS_TIMEOUT)
