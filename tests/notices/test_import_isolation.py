"""With real parts: the import worker of its own (the Procfile's command line) beside the notice worker.

An import that needs more memory than its cap ends `failed` with a reason, once, and the notice published at
the same moment is delivered by the other worker meanwhile.
"""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from notifications.choices import DeliveryState
from notifications.models import Delivery
from systems.inventory import services
from systems.inventory.models import ImportJob
from tests.importing.hostile import zip_bomb

from .conftest import Scene, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

IMPORT_WORKER = [
    "worker",
    "--hostname",
    "importer@%h",
    "--queues",
    "imports",
    "--concurrency",
    "1",
    "--max-tasks-per-child",
    "1",
    "--loglevel",
    "INFO",
    "--without-mingle",
    "--without-gossip",
]


def test_import_over_its_memory_cap_fails_alone_while_a_notice_is_delivered(
    processes,
    smtp_server,
    httpserver,
    editor_user,
    settings,
):
    from waves.services import wave_set_state

    httpserver.expect_request("/hooks/notices").respond_with_data("ok")
    settings.INVENTORY_IMPORT_BACKGROUND_BYTES = 0  # every upload is checked by the import worker
    processes.env.update(
        INVENTORY_IMPORT_WORKER_MEMORY_MB="200",
        # The archive check would refuse the bomb at once; raised here, so the memory cap is what stops it.
        INVENTORY_XLSX_MAX_RATIO="1000000",
        INVENTORY_XLSX_MAX_MEMBER_BYTES=str(1 << 32),
        INVENTORY_XLSX_MAX_UNCOMPRESSED_BYTES=str(1 << 32),
    )
    importer = processes._start(*IMPORT_WORKER, log="importer.log")
    processes.worker(without=("imports",))  # the notice worker, as in the Procfile: imports are not its work
    # Ready means its queue is declared on the broker: a message published before that could be routed nowhere.
    wait_until(lambda: "ready." in processes.log("importer.log"), timeout=60, what="the import worker to start")
    bomb = SimpleUploadedFile("inventar.xlsx", zip_bomb(1 << 30))
    job = services.import_job_create(by=editor_user, files=[bomb], language="nb")
    assert job.state == ImportJob.State.PREVIEWING

    scene = Scene(window_start=(timezone.now() + timedelta(hours=1)).replace(microsecond=0))
    wave_set_state(wave=scene.wave, state="confirmed", by=None)  # short notice: published at once

    def failed() -> bool:
        job.refresh_from_db()
        return job.state == ImportJob.State.FAILED

    try:
        wait_until(failed, timeout=120)
    except AssertionError:
        raise AssertionError(f"the job stayed {job.state}\n{processes.log('importer.log')[-3000:]}") from None
    assert job.failure == (
        "Importen trengte mer minne enn en import får bruke og ble stoppet; ingenting ble skrevet."
    ), processes.log("importer.log")[-3000:]
    assert not job.files.exists()

    try:
        wait_until(
            lambda: Delivery.objects.exists() and not Delivery.objects.exclude(state=DeliveryState.SENT).exists(),
            timeout=60,
        )
    except AssertionError:
        rows = list(Delivery.objects.values_list("channel", "recipient", "state", "attempts", "next_attempt_at"))
        raise AssertionError(f"deliveries not all sent: {rows}\n{processes.log()[-3000:]}") from None
    assert sorted(message["To"] for message in smtp_server.messages) == [
        "kari@kommune.example",
        "ola@kommune.example",
        "per@kommune.example",
    ]
    assert importer.poll() is None, "the import worker lives on for the next import"
