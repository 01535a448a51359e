import django_tables2 as tables
from django.db.models import IntegerField, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from migportal.tables import BaseTable, LocalDateTimeColumn
from systems.models import System
from systems.selectors import count_of

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

    # The list counts the shown page's rows only (waves.selectors.with_counts); sorting by a count needs it in SQL.
    def order_system_count(self, queryset, is_descending):
        return _order_by_count(queryset, "system_count", count_of(System.objects.all(), "wave"), is_descending)

    def order_vm_count(self, queryset, is_descending):
        return _order_by_count(queryset, "vm_count", _vms_of_wave(), is_descending)


def _vms_of_wave() -> Coalesce:
    """The VMs of the outer wave: the sum of its systems' stored counts (no VM is read)."""
    systems = System.objects.filter(wave=OuterRef("pk")).order_by().values("wave").annotate(n=Sum("vm_tally"))
    return Coalesce(Subquery(systems.values("n"), output_field=IntegerField()), 0)


def _order_by_count(queryset, name: str, count, is_descending: bool):
    ordered = queryset.annotate(**{name: count}).order_by(f"-{name}" if is_descending else name, "pk")
    return ordered, True
