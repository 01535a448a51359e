"""Import tasks run on a queue of their own (`imports`), consumed by the import worker only.

Each import runs in a fresh worker process (`--max-tasks-per-child 1`) whose address space is capped
(INVENTORY_IMPORT_WORKER_MEMORY_MB, see `systems.inventory.apps`), so an import that needs too much memory
fails alone; notice deliveries and login links run on another worker and never wait for it. A run that
ends any other way than by finishing — time limit, out of memory, its process killed — marks the job
failed; nothing re-runs it (`import_job_run` refuses a run that was started before).
"""

import resource
from datetime import timedelta
from pathlib import Path

from billiard.exceptions import WorkerLostError
from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded, TimeLimitExceeded
from celery.signals import celeryd_after_setup, task_failure, worker_process_init
from django.conf import settings

from . import services

IMPORT_QUEUE = "imports"
_worker = {"imports_only": False}


@shared_task(
    acks_late=True,
    # A lost worker acknowledges the message (the job is failed below), so it never comes back to kill another.
    reject_on_worker_lost=False,
    soft_time_limit=settings.INVENTORY_IMPORT_TIME_LIMIT,
    time_limit=settings.INVENTORY_IMPORT_TIME_LIMIT + 30,
)
def run_import_job(job_id: int, dry_run: bool) -> None:
    """Check (dry_run) or import the files of ImportJob `job_id`. Idempotent: a finished job is left alone."""
    try:
        services.import_job_run(job_id=job_id, dry_run=dry_run)
    except SoftTimeLimitExceeded:
        services.import_job_fail(job_id=job_id, message=services.TOOK_TOO_LONG)
    except MemoryError:
        # Caught here: a MemoryError that reaches Celery stops the whole worker ("Unrecoverable error").
        services.import_job_fail(job_id=job_id, message=services.OUT_OF_MEMORY)


@task_failure.connect(sender=run_import_job)
def _run_failed(*, args=(), kwargs=None, exception=None, **_extra) -> None:
    """A run that raised, lost its process or hit the hard time limit (reported by the worker's main process):
    fail the job at once, with the reason."""
    job_id = (kwargs or {}).get("job_id", args[0] if args else None)
    if job_id is None:
        return
    if isinstance(exception, TimeLimitExceeded):
        message = services.TOOK_TOO_LONG
    elif isinstance(exception, WorkerLostError):
        message = services.STOPPED_ITS_WORKER
    else:
        message = services.FAILED_UNEXPECTEDLY
    services.import_job_fail(job_id=job_id, message=message)


@shared_task
def purge_import_files() -> int:
    """Daily: uploaded files (with contact persons' names and e-mails) are not kept for imports left unconfirmed."""
    return services.import_files_purge(older_than=timedelta(hours=settings.INVENTORY_IMPORT_KEEP_FILES_HOURS))


@celeryd_after_setup.connect
def _note_queues(*, instance, **_extra) -> None:
    """Remember (in the main process, before it forks) whether this worker consumes the import queue only."""
    _worker["imports_only"] = set(instance.app.amqp.queues.consume_from) == {IMPORT_QUEUE}


@worker_process_init.connect
def _cap_memory(**_extra) -> None:
    """In the import worker's processes: at most INVENTORY_IMPORT_WORKER_MEMORY_MB more than at start.

    Beyond it allocations fail with MemoryError, which the task turns into a failed job.
    """
    extra = settings.INVENTORY_IMPORT_WORKER_MEMORY_MB
    if not (_worker["imports_only"] and extra):
        return
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = address_space_bytes() + extra * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit if hard == resource.RLIM_INFINITY else min(limit, hard), hard))


def address_space_bytes() -> int:
    """This process's virtual memory size (Linux: VmSize in /proc/self/status)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmSize:"):
            return int(line.split()[1]) * 1024
    return 0
