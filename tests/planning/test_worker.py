"""A large inventory's proposal is solved by a real Celery worker, and the page follows it to the end."""

import pytest
from django.urls import reverse

from planning.models import Proposal
from tests.conftest import ensure_staff_groups, real_celery_worker, wait_until

from .conftest import covered_system


@pytest.fixture
def celery_worker_thread(settings, transactional_db):
    """A real Celery worker (solo pool, in a thread) on the test's Redis database."""
    from migportal.celery import app

    app.conf.broker_url = settings.CELERY_BROKER_URL
    with real_celery_worker(loglevel="WARNING", pool="solo", concurrency=1):
        yield app


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_a_large_proposal_is_solved_by_the_worker_and_shown_when_done(
    client, editor_user, settings, celery_worker_thread
):
    ensure_staff_groups()
    settings.PLANNING_BACKGROUND_SYSTEMS = 0  # every inventory counts as large
    for code in ("A", "B", "C"):
        covered_system(code=code)
    client.force_login(editor_user)
    response = client.post(reverse("planning:proposal_add"))
    proposal = Proposal.objects.get()
    assert response.url == reverse("planning:proposal_detail", args=[proposal.pk])

    wait_until(lambda: Proposal.objects.get().state != "running", timeout=60, what="the worker's proposal")
    proposal.refresh_from_db()
    assert proposal.state == "ready" and proposal.optimal and proposal.progress == 100
    assert sorted(move["code"] for move in proposal.result["moves"]) == ["A", "B", "C"]
    progress = client.get(reverse("planning:proposal_progress", args=[proposal.pk])).json()
    assert progress == {"running": False, "percent": 100}
    page = client.get(response.url).content.decode()
    assert "data-progress-url" not in page  # no longer polling
    for code in ("A", "B", "C"):
        system = proposal.result["moves"][[move["code"] for move in proposal.result["moves"]].index(code)]["system"]
        assert f'<a href="{reverse("systems:system_detail", args=[system])}">{code}</a>' in page
