"""Proposals on the database: confirmed waves stay as they are, staff accept a part, pages stay cheap."""

from datetime import time

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from planning import services
from planning.models import Proposal
from planning.selectors import Cadence
from systems.models import System
from tests.factories import SystemFactory, VMFactory
from waves.models import Wave

from .conftest import covered_system, wave_on

pytestmark = pytest.mark.django_db
TUESDAYS = Cadence(weekdays=(1,), start=time(18), hours=5, per_week=1, weeks=10, max_systems=2)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel("2027-02-01 09:00 +01:00", tick=False) as traveller:
        yield traveller


def propose(**kwargs) -> Proposal:
    proposal = Proposal.objects.create(time_limit_seconds=10)
    services.proposal_run(proposal_id=proposal.pk, cadence=TUESDAYS, **kwargs)
    proposal.refresh_from_db()
    return proposal


def test_proposal_plans_every_unplanned_system_on_the_cadence_after_the_notice_lead():
    for code in ("A", "B", "C"):
        covered_system(code=code)
    proposal = propose()
    assert proposal.state == "ready" and proposal.optimal
    # 14 days' notice from Monday 1 February: the first Tuesday is 16 February; two a window.
    targets = {move["code"]: proposal.result["slots"][move["to"]]["name"] for move in proposal.result["moves"]}
    assert sorted(targets) == ["A", "B", "C"]
    assert sorted(set(targets.values())) == ["Wave 16.02.2027", "Wave 23.02.2027"]


def test_confirmed_waves_are_never_changed_nor_filled():
    confirmed = wave_on("2027-02-16", state="confirmed")
    kept = covered_system(code="KEEP", wave=confirmed, status="planned")
    draft = wave_on("2027-02-18")
    covered_system(code="NEW")
    proposal = propose()
    touched = {move["to"] for move in proposal.result["moves"]} | {move["from"] for move in proposal.result["moves"]}
    assert f"wave:{confirmed.pk}" not in touched
    assert [move["code"] for move in proposal.result["moves"]] == ["NEW"]
    assert proposal.result["moves"][0]["to"] == f"wave:{draft.pk}"
    services.proposal_accept(
        proposal=proposal, system_ids=[move["system"] for move in proposal.result["moves"]], by=None
    )
    kept.refresh_from_db()
    assert kept.wave == confirmed and confirmed.systems.count() == 1


def test_accepting_part_of_a_proposal_moves_only_those_and_their_move_group(editor_client, editor_user):
    a, b, c = (covered_system(code=code) for code in ("A", "B", "C"))
    a.move_with.add(b)
    proposal = propose()
    response = editor_client.post(reverse("planning:proposal_accept", args=[proposal.pk]), {"systems": [a.pk]})
    assert response.status_code == 302
    a.refresh_from_db(), b.refresh_from_db(), c.refresh_from_db()
    assert a.wave is not None and a.wave == b.wave and c.wave is None
    assert a.status == "planned"
    assert a.wave.name == "Wave 16.02.2027" and a.wave.state == "draft"  # named when the proposal was made
    record = a.history.first()
    assert record.history_user == editor_user and record.history_change_reason == f"planforslag {proposal.pk}"
    # Accepting the rest later uses the wave made the first time.
    services.proposal_accept(proposal=proposal, system_ids=[c.pk], by=editor_user)
    assert Wave.objects.count() == len({move["to"] for move in proposal.result["moves"]})


def test_a_system_without_primary_contact_is_left_out_and_explained():
    SystemFactory(code="NOBODY")
    covered_system(code="OK")
    proposal = propose()
    assert [move["code"] for move in proposal.result["moves"]] == ["OK"]
    assert proposal.explanation == ["NOBODY has no primary contact: nobody can be told."]


def _add_inventory(size: int) -> None:
    """`size` systems with a VM each, linked in pairs (move together, depends on), some without a tester."""
    systems = [covered_system(environment="production", tester=n % 2 == 0) for n in range(size)]
    for system in systems:
        VMFactory(system=system)
    for first, second in zip(systems[::2], systems[1::2], strict=False):
        first.move_with.add(second)
        first.depends_on.add(second)


def _query_counts(client) -> dict[str, int]:
    proposal = propose()
    wave = Wave.objects.order_by("pk").first()
    pages = [
        reverse("planning:home"),
        reverse("planning:proposal_detail", args=[proposal.pk]),
        reverse("planning:move_groups"),
        reverse("planning:coverage_systems"),
        reverse("planning:coverage_contacts"),
        reverse("planning:calendar") + "?month=2027-02",
        reverse("waves:wave_detail", args=[wave.pk]),
    ]
    counts = {}
    for url in pages:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts[url.split("/")[2] or url] = len(queries)
    return counts


def test_planning_pages_cost_the_same_queries_at_two_sizes(viewer_client):
    _add_inventory(4)
    wave = wave_on("2027-02-18")
    services.proposal_accept(proposal=propose(), system_ids=list(System.objects.values_list("pk", flat=True)), by=None)
    small = _query_counts(viewer_client)
    _add_inventory(16)
    for system in System.objects.filter(wave=None)[:6]:
        system.wave = wave
        system.save()
    large = _query_counts(viewer_client)
    assert all(large[page] <= small[page] for page in small), (small, large)
