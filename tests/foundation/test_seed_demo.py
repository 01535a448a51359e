"""seed_demo makes the seed article's inventory: exact totals, realistic shape, the same data for the same seed."""

import io
import os
import subprocess
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from notifications.choices import NoticeKind
from notifications.models import Acknowledgement, Notice
from portal.selectors import notices_for_contact
from systems.choices import ContactRole, MigrationStatus
from systems.management.commands.demo_logins import pass_through
from systems.models import VM, Agency, ContactPerson, System
from tests.factories import SystemContactFactory
from waves.choices import WaveState
from waves.models import Wave

pytestmark = pytest.mark.django_db

MIGRATED = [MigrationStatus.MIGRATED, MigrationStatus.VERIFIED]


def inventory_fingerprint():
    systems = list(
        System.objects.order_by("code").values_list(
            "code", "name", "agency__code", "environment", "status", "wave__name"
        )
    )
    vms = list(VM.objects.order_by("hostname").values_list("hostname", "system__code", "os", "status"))
    contacts = list(ContactPerson.objects.order_by("email").values_list("email", "name", "phone", "agency__code"))
    return systems, vms, contacts


def test_seed_demo_scale_one_matches_the_programme_figures():
    call_command("seed_demo", "--seed", "7", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert System.objects.count() == 392
    assert VM.objects.count() == 1349
    assert System.objects.filter(status__in=MIGRATED).count() == 105
    assert VM.objects.filter(status__in=MIGRATED).count() == 514
    assert System.objects.filter(status=MigrationStatus.EXCLUDED).count() == 0
    test_systems = System.objects.filter(environment="test").count()
    assert 100 <= test_systems <= 140
    migrated_test = System.objects.filter(environment="test", status__in=MIGRATED).count()
    assert migrated_test > 105 / 2, "mostly test systems have moved"
    assert 40 <= Agency.objects.count() <= 60
    assert Agency.objects.filter(kind="bydel").count() == 15
    assert 550 <= ContactPerson.objects.count() <= 650
    assert 35 <= Wave.objects.count() <= 45
    without_primary = System.objects.annotate(
        primaries=Count("system_contacts", filter=Q(system_contacts__role=ContactRole.PRIMARY))
    ).filter(primaries=0)
    assert not without_primary.exists()
    with_tester = System.objects.filter(system_contacts__role=ContactRole.TESTER).distinct().count()
    assert with_tester > 392 / 2, "most systems have a tester"
    # Every done wave moved something (the dashboard lists the recent ones with their counts).
    assert not Wave.objects.filter(state=WaveState.COMPLETED, systems__isnull=True).exists()
    # VMs move with their system: every migrated VM belongs to a migrated system.
    assert not VM.objects.filter(status__in=MIGRATED).exclude(system__status__in=MIGRATED).exists()


def test_seed_demo_same_seed_gives_the_same_data():
    call_command("seed_demo", "--seed", "11", "--no-users", stdout=open("/dev/null", "w"))  # noqa: SIM115
    first = inventory_fingerprint()
    for model in (Notice, VM, System, ContactPerson, Wave, Agency):
        model.objects.all().delete()
    call_command("seed_demo", "--seed", "11", "--no-users", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert inventory_fingerprint() == first


def test_seed_demo_creates_demo_users_with_printed_passwords(capsys):
    call_command("seed_demo")
    output = capsys.readouterr().out
    User = get_user_model()
    for username in ["admin", "redaktor", "leser", "kontakt"]:
        password = next(line.split()[1] for line in output.splitlines() if line.strip().startswith(username + " "))
        assert User.objects.get(username=username).check_password(password)
    assert User.objects.get(username="kontakt").contact_person.system_contacts.exists()
    assert User.objects.get(username="redaktor").has_perm("systems.change_system")
    assert not User.objects.get(username="leser").has_perm("systems.change_system")


def test_seed_demo_refuses_a_database_with_data_unless_if_empty(capsys):
    call_command("seed_demo", "--no-users")
    with pytest.raises(CommandError, match="not empty"):
        call_command("seed_demo", "--no-users")
    call_command("seed_demo", "--if-empty", "--no-users")
    assert "nothing created" in capsys.readouterr().out
    assert System.objects.count() == 392


def test_seed_demo_refuses_to_run_in_production(settings):
    settings.MIGPORTAL_PRODUCTION = True
    with pytest.raises(CommandError, match="never runs in production"):
        call_command("seed_demo")
    assert not System.objects.exists()


def test_seed_demo_gives_the_demo_contact_person_something_to_do(client, capsys):
    call_command("seed_demo")
    line = next(line for line in capsys.readouterr().out.splitlines() if line.strip().startswith("kontakt "))
    _username, password, email, start_page = line.split()[:4]
    contact = ContactPerson.objects.get(user__username="kontakt")
    assert email == contact.email  # the portal's login link asks for it
    assert start_page == "http://127.0.0.1:8000/portal/"

    response = client.post(reverse("login"), {"username": "kontakt", "password": password})
    assert response["Location"] == "/portal/"
    waiting = [notice for notice in notices_for_contact(contact) if notice.window_start > timezone.now()]
    assert waiting, "a published notice of a coming window"
    assert not Acknowledgement.objects.filter(contact=contact).exists()
    notice_page = client.get(reverse("portal:notice_detail", kwargs={"pk": waiting[0].pk})).content.decode()
    assert reverse("portal:notice_acknowledge", kwargs={"pk": waiting[0].pk}) in notice_page
    to_test = System.objects.filter(
        status=MigrationStatus.MIGRATED, system_contacts__contact=contact, system_contacts__role=ContactRole.TESTER
    )
    assert to_test.exists(), "a migrated system waiting for their test report"
    systems_page = client.get(reverse("portal:system_list")).content.decode()
    assert reverse("portal:system_test", kwargs={"pk": to_test[0].pk}) in systems_page


def test_notice_demo_wave_schedules_its_notices_minutes_ahead_without_environment(monkeypatch):
    monkeypatch.delenv("NOTICE_LEAD_DAYS", raising=False)
    monkeypatch.delenv("REMINDER_LEAD_DAYS", raising=False)
    SystemContactFactory()
    started = timezone.now()
    call_command("notice_demo_wave", "--minutes", "5", stdout=open("/dev/null", "w"))  # noqa: SIM115
    announcement, reminder = Notice.objects.order_by("publish_at")
    assert (announcement.kind, reminder.kind) == (NoticeKind.ANNOUNCEMENT, NoticeKind.REMINDER)
    assert not announcement.short_notice and announcement.published_at is None
    assert timedelta(minutes=1.5) < announcement.publish_at - started < timedelta(minutes=2.5)
    assert timedelta(minutes=3) < reminder.publish_at - started < timedelta(minutes=4)


def test_demo_logins_come_after_the_worker_start_up():
    """`make run` pipes honcho through demo_logins: start-up lines pass, the logins follow the worker's ready."""
    read, write = os.pipe()
    os.write(write, b"web.1 | Listening at: http://127.0.0.1:8000\nworker.1 | celery@host ready.\n")
    sink = io.BytesIO()

    def show():
        sink.write(b"LOGINS\n")
        os.close(write)  # the processes stop: the copy ends

    pass_through(read, sink, marker=b" ready.", show=show, quiet_seconds=0.1, deadline=time.monotonic() + 30)
    os.close(read)
    assert sink.getvalue().decode().splitlines()[-2:] == ["worker.1 | celery@host ready.", "LOGINS"]


def test_make_run_points_links_at_the_port_it_serves():
    # The suite itself may run under make (`make test`): its variables must not leak into this `make run`.
    environment = {
        name: value for name, value in os.environ.items() if name not in {"SITE_URL", "MAKEFLAGS", "MAKELEVEL"}
    }
    result = subprocess.run(
        ["make", "--dry-run", "run", "PORT=8101"],
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
        env=environment,
        check=True,
    )
    assert "http://127.0.0.1:8101/" in result.stdout
    assert "TZ=Europe/Oslo" in result.stdout  # honcho's timestamps in the app's time zone
