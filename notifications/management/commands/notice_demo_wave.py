"""Create and confirm a wave whose window starts in a few minutes, to watch the notice pipeline run.

DISPATCH_INTERVAL_SECONDS=5 make run
.venv/bin/python manage.py notice_demo_wave --minutes 5 --moves 3

Lead times and the change delay come from the environment when it sets them (NOTICE_LEAD_DAYS,
REMINDER_LEAD_DAYS, CHANGE_NOTICE_DELAY_MINUTES), else from this command's options: they are read where a
notice is scheduled, which is this command's process.
"""

import os
import time
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from notifications.choices import NoticeKind, NoticeState
from systems.choices import MigrationStatus
from systems.models import ContactPerson, System
from systems.services import system_assign_wave, system_update
from waves.models import Wave
from waves.services import wave_create, wave_set_state

MINUTES_PER_DAY = 24 * 60


class Command(BaseCommand):
    help = (
        "Create a wave starting in --minutes with --systems systems that have contact persons, and confirm it; "
        "with --moves, move that many more systems into it one by one once its announcement is out."
    )

    def add_arguments(self, parser):
        parser.add_argument("--minutes", type=float, default=5.0, help="the window starts this many minutes from now")
        parser.add_argument("--systems", type=int, default=3)
        parser.add_argument("--moves", type=int, default=0, help="systems to move in one by one after the announcement")
        parser.add_argument("--notice-lead-minutes", type=float, default=3.0, help="unless NOTICE_LEAD_DAYS is set")
        parser.add_argument("--reminder-lead-minutes", type=float, default=1.5, help="unless REMINDER_LEAD_DAYS is set")
        parser.add_argument(
            "--change-delay-minutes", type=float, default=1.0, help="unless CHANGE_NOTICE_DELAY_MINUTES is set"
        )

    def handle(self, *args, **options):
        # Scoped to this command, so a caller in the same process (a test, a shell) keeps its own settings.
        with override_settings(**self._lead_times(options)):
            self._create_wave(**options)

    def _create_wave(self, *, minutes: float, systems: int, moves: int, **options):
        start = (timezone.now() + timedelta(minutes=minutes)).replace(microsecond=0)
        candidates = (
            System.objects.filter(wave__isnull=True, status=MigrationStatus.NOT_PLANNED, system_contacts__isnull=False)
            .distinct()
            .order_by("code")
        )
        chosen = list(candidates[:systems])
        if not chosen:
            raise CommandError("No system without a wave has contact persons: run `manage.py seed_demo` first.")
        # Systems to move in later: none of their contact persons is told of the wave by the announcement.
        told = ContactPerson.objects.filter(system_contacts__system__in=chosen)
        others = candidates.exclude(pk__in=[system.pk for system in chosen])
        later = list(others.exclude(system_contacts__contact__in=told)[:moves])
        with transaction.atomic():
            wave = wave_create(
                by=None,
                name=f"Demo {timezone.localtime(start):%d.%m.%Y %H:%M:%S}",
                window_start=start,
                window_end=start + timedelta(hours=1),
            )
            for system in chosen:
                system_update(system=system, by=None, wave=wave, downtime_start=None, downtime_end=None)
            wave_set_state(wave=wave, state="confirmed", by=None)
        for notice in wave.notices.order_by("publish_at"):
            self.stdout.write(
                f"{notice.get_kind_display()}: {notice.get_state_display()}, "
                f"publish at {timezone.localtime(notice.publish_at):%H:%M:%S}"
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Wave {wave.name} (id {wave.pk}) confirmed with {len(chosen)} systems and {told.distinct().count()} "
                f"contact persons; window starts {timezone.localtime(start):%H:%M:%S}."
            )
        )
        if later:
            self._move_in(wave, later)

    def _lead_times(self, options: dict) -> dict:
        """This process schedules the notices: use the options where the environment says nothing."""
        overrides = {}
        for variable, option, per_unit in (
            ("NOTICE_LEAD_DAYS", "notice_lead_minutes", MINUTES_PER_DAY),
            ("REMINDER_LEAD_DAYS", "reminder_lead_minutes", MINUTES_PER_DAY),
            ("CHANGE_NOTICE_DELAY_MINUTES", "change_delay_minutes", 1),
        ):
            if variable not in os.environ:
                overrides[variable] = options[option] / per_unit
        return overrides

    def _move_in(self, wave: Wave, systems: list[System]) -> None:
        """Wait for the announcement (beat publishes it), then move the systems in one by one."""
        self.stdout.write("Waiting for beat to publish the announcement …")
        announced = wave.notices.filter(kind=NoticeKind.ANNOUNCEMENT, state=NoticeState.PUBLISHED)
        while not announced.exists():
            time.sleep(1)
        for system in systems:
            system_assign_wave(system=system, wave=wave, by=None)
            self.stdout.write(f"Moved {system.code} into {wave.name}.")
            time.sleep(1)
        change = wave.notices.get(kind=NoticeKind.CHANGE, state__in=[NoticeState.SCHEDULED, NoticeState.PUBLISHED])
        affected = ContactPerson.objects.filter(system_contacts__system__in=systems).distinct().order_by("email")
        self.stdout.write(
            self.style.SUCCESS(
                f"One change notice, publish at {timezone.localtime(change.publish_at):%H:%M:%S}, to the "
                f"{affected.count()} contact persons of the moved systems ({', '.join(c.email for c in affected)}); "
                "the contact persons told by the announcement get nothing more."
            )
        )
