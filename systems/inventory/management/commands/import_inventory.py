"""python manage.py import_inventory PATH [PATH ...] [--dry-run] [--user USERNAME]"""

import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from systems.inventory.importer import Importer
from systems.inventory.readers import Source
from systems.inventory.schema import KIND_ORDER

SUFFIXES = (".csv", ".txt", ".xlsx")


def sources_for(paths: list[str]) -> list[Source]:
    """Files as given; a directory stands for the CSV and XLSX files in it."""
    sources = []
    for name in paths:
        path = Path(name)
        if path.is_dir():
            sources.extend(
                Source.from_path(child)
                for child in sorted(path.iterdir())
                if child.is_file() and child.suffix.lower() in SUFFIXES
            )
        elif path.is_file():
            sources.append(Source.from_path(path))
        else:
            raise CommandError(_("%(path)s: no such file or directory.") % {"path": name})
    if not sources:
        raise CommandError(_("No CSV or XLSX files found in %(paths)s.") % {"paths": ", ".join(paths)})
    return sources


class ProgressBar:
    """A one-line progress bar, drawn only on a terminal."""

    def __init__(self, stream, width: int = 40):
        self.stream = stream
        self.width = width
        self.shown = -1
        self.active = hasattr(stream, "isatty") and stream.isatty()

    def __call__(self, fraction: float) -> None:
        percent = int(fraction * 100)
        if not self.active or percent == self.shown:
            return
        self.shown = percent
        filled = int(fraction * self.width)
        self.stream.write(f"\r[{'#' * filled}{'.' * (self.width - filled)}] {percent:3d} %")
        self.stream.flush()

    def close(self) -> None:
        if self.active and self.shown >= 0:
            self.stream.write("\r" + " " * (self.width + 8) + "\r")
            self.stream.flush()


class Command(BaseCommand):
    help = "Import agencies, waves, systems, VMs and contact persons from CSV files, a directory or an XLSX workbook."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH", help="CSV or XLSX files, or directories of them")
        parser.add_argument("--dry-run", action="store_true", help="check and count, write nothing")
        parser.add_argument("--user", help="username recorded in the history as the one who imported")

    def handle(self, *args, paths, dry_run, user, verbosity, **options):
        by = None
        if user:
            try:
                by = get_user_model().objects.get_by_natural_key(user)
            except get_user_model().DoesNotExist:
                raise CommandError(_("No user is called “%(user)s”.") % {"user": user}) from None
        bar = ProgressBar(sys.stderr)
        result = Importer(by=by, dry_run=dry_run, max_errors=None, on_progress=bar).run(sources_for(paths))
        bar.close()
        for warning in result.warnings:
            self.stderr.write(self.style.WARNING(str(warning)))
        for problem in result.errors:
            self.stderr.write(str(problem))
        self.stdout.write(f"{'':<10} {_('created'):>9} {_('updated'):>9} {_('unchanged'):>9}")
        for kind in KIND_ORDER:
            counts = result.counts[kind]
            self.stdout.write(f"{kind:<10} {counts.created:9d} {counts.updated:9d} {counts.unchanged:9d}")
        if not result.ok:
            raise CommandError(
                ngettext(
                    "%(count)d error: nothing was written.",
                    "%(count)d errors: nothing was written.",
                    result.error_count,
                )
                % {"count": result.error_count},
                returncode=1,
            )
        if dry_run:
            self.stdout.write(_("Dry run in %(seconds).1f s: nothing was written.") % {"seconds": result.seconds})
        else:
            self.stdout.write(self.style.SUCCESS(_("Imported in %(seconds).1f s.") % {"seconds": result.seconds}))
