import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from migportal.tables import BaseTable, LocalDateTimeColumn

from .models import Wave


class WaveTable(BaseTable):
    name = tables.Column(verbose_name=_("name"), linkify=True)
    window_start = LocalDateTimeColumn(verbose_name=_("window start"))
    window_end = LocalDateTimeColumn(verbose_name=_("window end"))
    state = tables.Column(verbose_name=_("state"))
    system_count = tables.Column(verbose_name=_("systems"), attrs={"td": {"class": "num"}})
    vm_count = tables.Column(verbose_name=_("VMs"), attrs={"td": {"class": "num"}})
    max_vms = tables.Column(verbose_name=_("max VMs"), attrs={"td": {"class": "num"}})

    class Meta(BaseTable.Meta):
        model = Wave
        fields = ("select", "name", "window_start", "window_end", "state", "system_count", "vm_count", "max_vms")
        default_columns = ("name", "window_start", "window_end", "state", "system_count", "vm_count")
