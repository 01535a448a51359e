"""One django-filter FilterSet per listed model: `q` for free text, `<fk>_id` for relations.

The same FilterSet serves the list page, its CSV/XLSX export, the bulk actions ("all matching the
filter") and the child tables on detail pages (e.g. an agency's systems are SystemFilterSet(agency_id=…)).
"""

import django_filters as filters
from django import forms
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from migportal.forms import yes_no_all
from migportal.search import matching
from migportal.widgets import AutocompleteSelectMultiple
from waves.forms import WaveMultipleChoiceField
from waves.selectors import waves_coming_first

from .choices import AgencyKind, ContactRole, Criticality, Environment, MigrationStatus
from .models import VM, Agency, ContactPerson, System, SystemContact

CHECKBOXES = forms.CheckboxSelectMultiple


class ChoicesFilter(filters.MultipleChoiceFilter):
    """Several values of one column of the listed table: no join, so no DISTINCT (which is slow on big lists)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("distinct", False)
        kwargs.setdefault("widget", CHECKBOXES)
        super().__init__(*args, **kwargs)


class RelatedFilter(filters.NumberFilter):
    """Rows related to one object through a to-many relation, as `pk IN (subquery)`: no DISTINCT needed.

    Used by detail pages' child tables (kept, hidden, in the list's filter form).
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", forms.HiddenInput)
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if value in ([], (), {}, "", None):
            return qs
        model = qs.model
        return qs.filter(pk__in=model._default_manager.filter(**{self.field_name: value}).values("pk"))


class SearchFilterSet(filters.FilterSet):
    """Adds `q`: a case-insensitive search over `search_fields`."""

    q = filters.CharFilter(method="search", label=_("Search"))
    search_fields: tuple[str, ...] = ()

    def search(self, queryset, name, value):
        return queryset.filter(matching(self.search_fields, value))


def _agency_filter(field_name: str = "agency"):
    return filters.ModelMultipleChoiceFilter(
        field_name=field_name,
        queryset=Agency.objects.order_by("code"),
        label=_("agency"),
        distinct=False,
        widget=AutocompleteSelectMultiple(reverse_lazy("systems:agency_autocomplete")),
    )


class WaveFilter(filters.ModelMultipleChoiceFilter):
    """Waves with their dates, found by typing (there are thousands at 100× scale)."""

    field_class = WaveMultipleChoiceField


def _wave_filter(field_name: str = "wave"):
    return WaveFilter(
        field_name=field_name,
        queryset=waves_coming_first(),
        label=_("wave"),
        distinct=False,
        widget=AutocompleteSelectMultiple(reverse_lazy("waves:wave_autocomplete")),
    )


class AgencyFilterSet(SearchFilterSet):
    search_fields = ("code", "name")
    kind = ChoicesFilter(choices=AgencyKind.choices, label=_("kind"))

    class Meta:
        model = Agency
        fields = ["q", "kind"]


class SystemFilterSet(SearchFilterSet):
    search_fields = ("code", "name", "description")
    status = ChoicesFilter(choices=MigrationStatus.choices, label=_("status"))
    environment = filters.ChoiceFilter(choices=Environment.choices, label=_("environment"), empty_label=_("all"))
    criticality = ChoicesFilter(choices=Criticality.choices, label=_("criticality"))
    agency_id = _agency_filter()
    wave_id = _wave_filter()
    has_wave = filters.BooleanFilter(
        field_name="wave", lookup_expr="isnull", exclude=True, label=_("has a wave"), widget=yes_no_all()
    )
    has_primary_contact = filters.BooleanFilter(
        method="filter_primary_contact", label=_("has a primary contact"), widget=yes_no_all()
    )
    contact_id = RelatedFilter(field_name="system_contacts__contact")
    depends_on_id = RelatedFilter(field_name="depends_on")
    dependent_id = RelatedFilter(field_name="dependents")

    class Meta:
        model = System
        fields = ["q", "status", "environment", "criticality", "agency_id", "wave_id", "has_wave"]

    def filter_primary_contact(self, queryset, name, value):
        if value is None:
            return queryset
        with_primary = SystemContact.objects.filter(role=ContactRole.PRIMARY).values("system")
        if value:
            return queryset.filter(pk__in=with_primary)
        return queryset.exclude(pk__in=with_primary)


class VMFilterSet(SearchFilterSet):
    search_fields = ("hostname", "os", "system__code", "system__name")
    status = ChoicesFilter(choices=MigrationStatus.choices, label=_("status"))
    environment = filters.ChoiceFilter(
        field_name="system__environment", choices=Environment.choices, label=_("environment"), empty_label=_("all")
    )
    agency_id = _agency_filter("system__agency")
    wave_id = _wave_filter("system__wave")
    system_id = filters.NumberFilter(field_name="system", widget=forms.HiddenInput)

    class Meta:
        model = VM
        fields = ["q", "status", "environment", "agency_id", "wave_id"]


class ContactPersonFilterSet(SearchFilterSet):
    search_fields = ("name", "email", "phone")
    agency_id = _agency_filter()
    role = ChoicesFilter(choices=ContactRole.choices, label=_("role"), method="filter_role")
    system_id = RelatedFilter(field_name="system_contacts__system")

    class Meta:
        model = ContactPerson
        fields = ["q", "agency_id", "role"]

    def filter_role(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(pk__in=SystemContact.objects.filter(role__in=value).values("contact"))


class SystemContactFilterSet(filters.FilterSet):
    system_id = filters.NumberFilter(field_name="system")
    contact_id = filters.NumberFilter(field_name="contact")
    role = ChoicesFilter(choices=ContactRole.choices, label=_("role"))

    class Meta:
        model = SystemContact
        fields = ["system_id", "contact_id", "role"]
