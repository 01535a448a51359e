import django_filters as filters
from django.utils.translation import gettext_lazy as _

from systems.filters import SearchFilterSet, yes_no_all
from waves.filters import DateInput

from .models import BlackoutPeriod, TesterCapacity


class BlackoutPeriodFilterSet(SearchFilterSet):
    search_fields = ("name",)
    blocking = filters.BooleanFilter(label=_("blocking"), widget=yes_no_all())
    ends_from = filters.DateFilter(field_name="end", lookup_expr="gte", label=_("ends on or after"), widget=DateInput)

    class Meta:
        model = BlackoutPeriod
        fields = ["q", "blocking", "ends_from"]


class TesterCapacityFilterSet(SearchFilterSet):
    search_fields = ("agency__code", "agency__name", "wave__name")

    class Meta:
        model = TesterCapacity
        fields = ["q"]
