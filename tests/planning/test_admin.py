"""The planning data in the Django admin goes through the planning services; proposals are only looked at."""

import pytest
from django.urls import reverse

from planning.models import BlackoutPeriod, Proposal
from planning.models import TesterCapacity as Capacity
from tests.factories import AgencyFactory, WaveFactory

pytestmark = pytest.mark.django_db


def test_admin_adds_a_blackout_period_with_history_and_refuses_one_ending_before_it_starts(admin_client, admin_user):
    url = reverse("admin:planning_blackoutperiod_add")
    response = admin_client.post(url, {"name": "Fellesferie", "start": "2027-07-05", "end": "2027-07-30"})
    assert response.status_code == 302
    period = BlackoutPeriod.objects.get()
    assert period.history.get().history_user == admin_user

    response = admin_client.post(url, {"name": "Baklengs", "start": "2027-12-30", "end": "2027-12-20"})
    assert "Siste dag kan ikke være før første dag." in response.content.decode()
    assert BlackoutPeriod.objects.count() == 1


def test_admin_changes_a_tester_capacity_and_refuses_a_second_for_the_same_agency_and_wave(admin_client, admin_user):
    agency, wave = AgencyFactory(), WaveFactory()
    capacity = Capacity.objects.create(agency=agency, wave=wave, capacity=3)
    url = reverse("admin:planning_testercapacity_change", args=[capacity.pk])
    assert admin_client.post(url, {"agency": agency.pk, "wave": wave.pk, "capacity": 5}).status_code == 302
    capacity.refresh_from_db()
    assert capacity.capacity == 5 and capacity.history.first().history_user == admin_user

    response = admin_client.post(
        reverse("admin:planning_testercapacity_add"), {"agency": agency.pk, "wave": wave.pk, "capacity": 1}
    )
    assert "Virksomheten har allerede en testkapasitet for denne bølgen." in response.content.decode()
    assert Capacity.objects.count() == 1


def test_proposals_are_read_only_in_the_admin(admin_client):
    proposal = Proposal.objects.create(time_limit_seconds=10)
    assert admin_client.get(reverse("admin:planning_proposal_add")).status_code == 403
    assert admin_client.get(reverse("admin:planning_proposal_change", args=[proposal.pk])).status_code == 200
    admin_client.post(reverse("admin:planning_proposal_change", args=[proposal.pk]), {"state": "ready"})
    proposal.refresh_from_db()
    assert proposal.state == "running"
