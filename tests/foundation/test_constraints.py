"""Each database constraint of the domain model refuses the bad row (on PostgreSQL, as in production)."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from dashboard.models import WeeklySnapshot
from notifications.models import Acknowledgement, Delivery, Notice
from systems.models import VM, Agency, ContactPerson, SystemContact
from tests.factories import (
    AgencyFactory,
    ContactPersonFactory,
    SystemContactFactory,
    SystemFactory,
    VMFactory,
    WaveFactory,
)
from waves.models import Wave

pytestmark = pytest.mark.django_db


def assert_refused(create):
    with pytest.raises(IntegrityError), transaction.atomic():
        create()


def test_agency_code_is_unique():
    AgencyFactory(code="BYM")
    assert_refused(lambda: Agency.objects.create(code="BYM", name="Another"))


def test_system_code_is_unique():
    system = SystemFactory(code="CI000001")
    assert_refused(lambda: SystemFactory(code="CI000001", agency=system.agency))


def test_vm_hostname_is_unique_ignoring_case():
    vm = VMFactory(hostname="bym-pwin000001")
    assert_refused(lambda: VM.objects.create(hostname="BYM-PWIN000001", system=vm.system))


@pytest.mark.parametrize("field", ["vcpus", "memory_gb", "disk_gb"])
@pytest.mark.parametrize("value", [0, -1])
def test_vm_sizes_must_be_positive(field, value):
    system = SystemFactory()
    assert_refused(lambda: VM.objects.create(hostname="vm1", system=system, **{field: value}))


def test_vm_status_must_be_a_lifecycle_state():
    system = SystemFactory()
    assert_refused(lambda: VM.objects.create(hostname="vm1", system=system, status="teleported"))


def test_contact_email_is_unique_ignoring_case():
    ContactPersonFactory(email="kari.nordmann@bym.kommune.example")
    assert_refused(lambda: ContactPerson.objects.create(name="Kari", email="Kari.Nordmann@BYM.kommune.example"))


def test_system_contact_role_is_unique_per_system_and_person():
    link = SystemContactFactory(role="primary")
    assert_refused(lambda: SystemContact.objects.create(system=link.system, contact=link.contact, role="primary"))
    # The same person may hold another role for the same system.
    SystemContact.objects.create(system=link.system, contact=link.contact, role="tester")


def test_wave_window_must_end_after_it_starts():
    start = timezone.now()
    assert_refused(lambda: Wave.objects.create(name="Bølge 1", window_start=start, window_end=start))
    assert_refused(
        lambda: Wave.objects.create(name="Bølge 2", window_start=start, window_end=start - timedelta(hours=1))
    )


def test_wave_name_is_unique():
    WaveFactory(name="Bølge 12")
    assert_refused(lambda: WaveFactory(name="Bølge 12"))


def test_wave_max_vms_must_be_positive():
    assert_refused(lambda: WaveFactory(max_vms=0))


def test_system_downtime_needs_both_ends_and_must_end_after_start():
    now = timezone.now()
    assert_refused(lambda: SystemFactory(downtime_start=now, downtime_end=None))
    assert_refused(lambda: SystemFactory(downtime_start=now, downtime_end=now - timedelta(minutes=1)))
    SystemFactory(downtime_start=now, downtime_end=now + timedelta(hours=1))


def _notice(wave, **fields):
    defaults = {"kind": "announcement", "publish_at": wave.window_start - timedelta(days=14)}
    defaults |= {"window_start": wave.window_start, "window_end": wave.window_end}
    return Notice.objects.create(wave=wave, **(defaults | fields))


def test_notice_window_must_end_after_it_starts():
    wave = WaveFactory()
    assert_refused(lambda: _notice(wave, window_end=wave.window_start))


def test_published_notice_must_have_a_publication_time():
    wave = WaveFactory()
    assert_refused(lambda: _notice(wave, state="published", published_at=None))


def test_delivery_is_unique_per_notice_channel_and_recipient():
    notice = _notice(WaveFactory())
    Delivery.objects.create(notice=notice, channel="email", recipient="a@kommune.example")
    assert_refused(lambda: Delivery.objects.create(notice=notice, channel="email", recipient="a@kommune.example"))


def test_acknowledgement_is_unique_per_notice_and_contact():
    notice, contact = _notice(WaveFactory()), ContactPersonFactory()
    Acknowledgement.objects.create(notice=notice, contact=contact)
    assert_refused(lambda: Acknowledgement.objects.create(notice=notice, contact=contact))


def test_weekly_snapshot_is_unique_per_week_and_week_is_valid():
    WeeklySnapshot.objects.create(iso_year=2021, iso_week=10, taken_at=timezone.now())
    assert_refused(lambda: WeeklySnapshot.objects.create(iso_year=2021, iso_week=10, taken_at=timezone.now()))
    assert_refused(lambda: WeeklySnapshot.objects.create(iso_year=2021, iso_week=54, taken_at=timezone.now()))
