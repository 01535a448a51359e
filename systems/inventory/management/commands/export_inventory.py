"""python manage.py export_inventory DIR [--format csv|xlsx] [--csv rfc4180|excel]"""

from pathlib import Path

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from migportal.spreadsheets import DIALECTS, RFC4180
from systems.inventory.exporter import export_directory


class Command(BaseCommand):
    help = (
        "Export the inventory as agencies.csv … contacts.csv (or inventory.xlsx) in the format import_inventory reads."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", metavar="DIR")
        parser.add_argument("--format", choices=["csv", "xlsx"], default="csv")
        parser.add_argument(
            "--csv",
            choices=list(DIALECTS),
            default=RFC4180.name,
            help="CSV dialect: rfc4180 (comma, UTF-8) or excel (Norwegian Excel: semicolon, BOM, decimal comma)",
        )

    def handle(self, *args, directory, format, csv, **options):
        for path in export_directory(Path(directory), fmt=format, dialect=DIALECTS[csv]):
            self.stdout.write(_("Wrote %(path)s") % {"path": path})
