"""Create and confirm a wave whose window starts in a few minutes, to watch the notice pipeline run.

DISPATCH_INTERVAL_SECONDS=5 make run
.venv/bin/python manage.py notice_demo_wave --minutes 5

The announcement and the reminder are scheduled --notice-lead and --reminder-lead minutes before the window
(NOTICE_LEAD_DAYS / REMINDER_LEAD_DAYS win when they are set in this command's environment).
"""

import os
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from systems.models import System
from waves.models import Wave
from waves.services import wave_set_state, wave_systems_changed


class Command(BaseCommand):
    help = "Create a wave starting in --minutes with --systems systems that have contact persons, and confirm it."

    def add_arguments(self, parser):
        parser.add_argument("--minutes", type=float, default=5.0)
        parser.add_argument("--systems", type=int, default=3)
        parser.add_argument("--notice-lead", type=float, default=3.0, help="Minutes from announcement to window.")
        parser.add_argument("--reminder-lead", type=float, default=1.5, help="Minutes from reminder to window.")

    def handle(self, *args, minutes: float, systems: int, notice_lead: float, reminder_lead: float, **options):
        minutes_per_day = 24 * 60
        leads = {
            name: value / minutes_per_day
            for name, value in (("NOTICE_LEAD_DAYS", notice_lead), ("REMINDER_LEAD_DAYS", reminder_lead))
            if name not in os.environ
        }
        with override_settings(**leads):
            self._create(minutes=minutes, systems=systems)

    def _create(self, *, minutes: float, systems: int) -> None:
        start = (timezone.now() + timedelta(minutes=minutes)).replace(microsecond=0)
        chosen = list(
            System.objects.filter(wave__isnull=True, system_contacts__isnull=False)
            .distinct()
            .order_by("code")[:systems]
        )
        if not chosen:
            raise CommandError("No system without a wave has contact persons: run `manage.py seed_demo` first.")
        with transaction.atomic():
            wave = Wave.objects.create(
                name=f"Demo {timezone.localtime(start):%d.%m.%Y %H:%M:%S}",
                window_start=start,
                window_end=start + timedelta(hours=1),
            )
            System.objects.filter(pk__in=[system.pk for system in chosen]).update(
                wave=wave, downtime_start=None, downtime_end=None
            )
            wave_systems_changed(waves=[wave], by=None)
            wave_set_state(wave=wave, state="confirmed", by=None)
        people = {link.contact.email for system in chosen for link in system.system_contacts.select_related("contact")}
        for notice in wave.notices.order_by("publish_at"):
            self.stdout.write(
                f"{notice.get_kind_display()}: {notice.get_state_display()}, "
                f"publish at {timezone.localtime(notice.publish_at):%H:%M:%S}"
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Wave {wave.name} (id {wave.pk}) confirmed with {len(chosen)} systems and {len(people)} contact "
                f"persons; window starts {timezone.localtime(start):%H:%M:%S}."
            )
        )
