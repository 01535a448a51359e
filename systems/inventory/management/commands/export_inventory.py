"""python manage.py export_inventory DIR [--format csv|xlsx]"""

from pathlib import Path

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from systems.inventory.exporter import export_directory


class Command(BaseCommand):
    help = (
        "Export the inventory as agencies.csv … contacts.csv (or inventory.xlsx) in the format import_inventory reads."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", metavar="DIR")
        parser.add_argument("--format", choices=["csv", "xlsx"], default="csv")

    def handle(self, *args, directory, format, **options):
        for path in export_directory(Path(directory), fmt=format):
            self.stdout.write(_("Wrote %(path)s") % {"path": path})
