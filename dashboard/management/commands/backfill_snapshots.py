"""Rebuild the weekly snapshots of every past week from the change history and the `migrated_at` dates."""

from django.core.management.base import BaseCommand

from dashboard.services import snapshots_backfill


class Command(BaseCommand):
    help = (
        "Rebuild WeeklySnapshot rows for every past ISO week from the systems' and VMs' history and migrated_at "
        "dates, so a new installation shows its whole history. Existing weeks are kept unless --replace."
    )

    def add_arguments(self, parser):
        parser.add_argument("--replace", action="store_true", help="Also rewrite weeks that have a snapshot.")

    def handle(self, *args, replace: bool, **options):
        written = snapshots_backfill(replace=replace)
        if written:
            self.stdout.write(
                self.style.SUCCESS(f"Stored {len(written)} weekly snapshots ({written[0]} to {written[-1]}).")
            )
        else:
            self.stdout.write("No weeks to store (no history yet, or every past week has a snapshot).")
