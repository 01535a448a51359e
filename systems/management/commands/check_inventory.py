"""python manage.py check_inventory [--repair]"""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from systems.selectors import vms_behind_their_system
from systems.services import vms_bring_in_step

REPAIR_REASON = "check_inventory --repair"


class Command(BaseCommand):
    help = (
        "List VMs that are behind their system's status (left behind when their system moved on); with --repair, "
        "bring them along as the lifecycle does now. Exits with status 1 when it finds some and does not repair."
    )

    def add_arguments(self, parser):
        parser.add_argument("--repair", action="store_true", help="Bring the VMs listed along with their system.")

    def handle(self, *args, repair: bool, **options):
        behind = list(vms_behind_their_system())
        for vm in behind:
            self.stdout.write(
                _("%(system)s (%(system_status)s): %(vm)s is %(status)s")
                % {
                    "system": vm.system.code,
                    "system_status": vm.system.get_status_display(),
                    "vm": vm.hostname,
                    "status": vm.get_status_display(),
                }
            )
        if not behind:
            self.stdout.write(_("Every VM is in step with its system."))
            return
        if not repair:
            raise CommandError(
                ngettext(
                    "%(count)d VM is behind its system; run with --repair to bring it along.",
                    "%(count)d VMs are behind their system; run with --repair to bring them along.",
                    len(behind),
                )
                % {"count": len(behind)}
            )
        count = vms_bring_in_step(vms=behind, by=None, reason=REPAIR_REASON)
        self.stdout.write(
            ngettext(
                "Brought %(count)d VM along with its system.", "Brought %(count)d VMs along with their system.", count
            )
            % {"count": count}
        )
