"""Create and confirm a wave whose window starts in a few minutes, to watch the notice pipeline run.

NOTICE_LEAD_DAYS=0.002 REMINDER_LEAD_DAYS=0.001 DISPATCH_INTERVAL_SECONDS=5 make run
.venv/bin/python manage.py notice_demo_wave --minutes 5
"""

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from systems.models import System
from systems.services import systems_bulk_assign_wave
from waves.services import wave_create, wave_set_state


class Command(BaseCommand):
    help = "Create a wave starting in --minutes with --systems systems that have contact persons, and confirm it."

    def add_arguments(self, parser):
        parser.add_argument("--minutes", type=float, default=5.0)
        parser.add_argument("--systems", type=int, default=3)

    def handle(self, *args, minutes: float, systems: int, **options):
        start = (timezone.now() + timedelta(minutes=minutes)).replace(microsecond=0)
        chosen = list(
            System.objects.filter(wave__isnull=True, downtime_start__isnull=True, system_contacts__isnull=False)
            .distinct()
            .order_by("code")[:systems]
        )
        if not chosen:
            raise CommandError("No system without a wave has contact persons: run `manage.py seed_demo` first.")
        with transaction.atomic():
            wave = wave_create(
                by=None,
                name=f"Demo {timezone.localtime(start):%d.%m.%Y %H:%M:%S}",
                window_start=start,
                window_end=start + timedelta(hours=1),
            )
            systems_bulk_assign_wave(systems=chosen, wave=wave, by=None)
            wave = wave_set_state(wave=wave, state="confirmed", by=None)
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
