import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from migportal.tables import BaseTable
from systems.tables import SystemTable

from .models import BlackoutPeriod, TesterCapacity

DATE_FORMAT = "d.m.Y"


class BlackoutPeriodTable(BaseTable):
    name = tables.Column(verbose_name=_("name"), linkify=True)
    start = tables.DateColumn(verbose_name=_("first day"), format=DATE_FORMAT)
    end = tables.DateColumn(verbose_name=_("last day"), format=DATE_FORMAT)
    blocking = tables.BooleanColumn(verbose_name=_("blocking"))

    class Meta(BaseTable.Meta):
        model = BlackoutPeriod
        fields = ("name", "start", "end", "blocking")
        default_columns = fields


class TesterCapacityTable(BaseTable):
    wave = tables.Column(verbose_name=_("wave"), linkify=lambda record: record.get_absolute_url())
    agency = tables.Column(verbose_name=_("agency"), accessor="agency__code", order_by=("agency__code",))
    capacity = tables.Column(verbose_name=_("systems the agency can test"), attrs={"td": {"class": "num"}})

    class Meta(BaseTable.Meta):
        model = TesterCapacity
        fields = ("wave", "agency", "capacity")
        default_columns = fields


class CoverageTable(SystemTable):
    """Systems with a gap in their contacts."""

    has_primary = tables.BooleanColumn(verbose_name=_("primary contact"))
    has_tester = tables.BooleanColumn(verbose_name=_("tester"))

    class Meta(SystemTable.Meta):
        fields = (*SystemTable.Meta.fields, "has_primary", "has_tester")
        default_columns = ("code", "name", "agency", "environment", "wave", "has_primary", "has_tester")
