import django_filters as filters
from django import forms
from django.utils.translation import gettext_lazy as _

from systems.filters import ChoicesFilter, SearchFilterSet

from .choices import WaveState
from .models import Wave


class DateInput(forms.DateInput):
    input_type = "date"


class WaveFilterSet(SearchFilterSet):
    search_fields = ("name", "notes")
    state = ChoicesFilter(choices=WaveState.choices, label=_("state"))
    window_from = filters.DateFilter(
        field_name="window_end", lookup_expr="date__gte", label=_("window ends on or after"), widget=DateInput
    )
    window_to = filters.DateFilter(
        field_name="window_start", lookup_expr="date__lte", label=_("window starts on or before"), widget=DateInput
    )

    class Meta:
        model = Wave
        fields = ["q", "state", "window_from", "window_to"]
