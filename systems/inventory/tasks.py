from datetime import timedelta

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.utils.translation import gettext as _

from . import services


@shared_task(
    acks_late=True,
    soft_time_limit=settings.INVENTORY_IMPORT_TIME_LIMIT,
    time_limit=settings.INVENTORY_IMPORT_TIME_LIMIT + 30,
)
def run_import_job(job_id: int, dry_run: bool) -> None:
    """Check (dry_run) or import the files of ImportJob `job_id`. Idempotent: a finished job is left alone."""
    try:
        services.import_job_run(job_id=job_id, dry_run=dry_run)
    except SoftTimeLimitExceeded:
        services.import_job_fail(
            job_id=job_id, message=_("The import took too long and was stopped; nothing was written.")
        )


@shared_task
def purge_import_files() -> int:
    """Daily: uploaded files (with contact persons' names and e-mails) are not kept for imports left unconfirmed."""
    return services.import_files_purge(older_than=timedelta(hours=settings.INVENTORY_IMPORT_KEEP_FILES_HOURS))
