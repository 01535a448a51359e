import django_filters
from django.db.models import Q
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from migportal.forms import yes_no_all
from migportal.widgets import AutocompleteSelect
from waves.forms import WaveChoiceField
from waves.selectors import waves_coming_first

from .choices import DeliveryChannel, DeliveryKind, DeliveryState, NoticeKind, NoticeState
from .models import Delivery, Notice


class WaveChoiceFilter(django_filters.ModelChoiceFilter):
    field_class = WaveChoiceField


class NoticeFilterSet(django_filters.FilterSet):
    wave_id = WaveChoiceFilter(
        field_name="wave",
        queryset=waves_coming_first(),
        label=_("Wave"),
        widget=AutocompleteSelect(reverse_lazy("waves:wave_autocomplete")),
    )
    kind = django_filters.ChoiceFilter(choices=NoticeKind.choices, label=_("Kind"), empty_label=_("all"))
    state = django_filters.ChoiceFilter(choices=NoticeState.choices, label=_("State"), empty_label=_("all"))
    short_notice = django_filters.BooleanFilter(label=_("Short notice"), widget=yes_no_all())

    class Meta:
        model = Notice
        fields = ["wave_id", "kind", "state", "short_notice"]


class DeliveryFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    state = django_filters.ChoiceFilter(choices=DeliveryState.choices, label=_("State"))
    channel = django_filters.ChoiceFilter(choices=DeliveryChannel.choices, label=_("Channel"))
    kind = django_filters.ChoiceFilter(choices=DeliveryKind.choices, label=_("Kind"))
    notice_id = django_filters.NumberFilter(field_name="notice_id", label=_("Notice number"))

    class Meta:
        model = Delivery
        fields = ["q", "state", "channel", "kind", "notice_id"]

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(recipient__icontains=value) | Q(contact__name__icontains=value) | Q(notice__wave__name__icontains=value)
        )
