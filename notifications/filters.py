import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from waves.models import Wave

from .choices import DeliveryChannel, DeliveryKind, DeliveryState, NoticeKind, NoticeState
from .models import Delivery, Notice


class NoticeFilterSet(django_filters.FilterSet):
    wave_id = django_filters.ModelChoiceFilter(
        field_name="wave", queryset=Wave.objects.order_by("window_start"), label=_("Wave")
    )
    kind = django_filters.ChoiceFilter(choices=NoticeKind.choices, label=_("Kind"))
    state = django_filters.ChoiceFilter(choices=NoticeState.choices, label=_("State"))
    short_notice = django_filters.BooleanFilter(label=_("Short notice"))

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
