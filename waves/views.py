"""Staff pages for waves. Writes go through waves.services (wave_create, wave_update, wave_set_state)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Sum
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import View

from migportal.generic_views import (
    AutocompleteView,
    ChildTable,
    ObjectDeleteView,
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
    StaffPermissionMixin,
    message_errors,
)
from planning.checks import wave_findings
from systems import selectors as system_selectors
from systems.filters import SystemFilterSet, VMFilterSet
from systems.inventory.views import list_export
from systems.models import VM
from systems.tables import SystemTable, VMTable

from . import services
from .filters import WaveFilterSet
from .forms import WaveChoiceField, WaveForm, WaveStateForm
from .models import Wave
from .selectors import wave_list, waves_coming_first, with_counts
from .tables import WaveTable


class WaveListView(ObjectListView):
    queryset = wave_list()
    table_class = WaveTable
    filterset_class = WaveFilterSet
    prepare_rows = with_counts
    import_format_export = list_export("waves")


class WaveAutocompleteView(AutocompleteView):
    queryset = waves_coming_first()
    search_fields = ("name",)
    field_class = WaveChoiceField


class WaveDetailView(ObjectDetailView):
    queryset = Wave.objects.all()
    template_name = "waves/wave_detail.html"
    child_tables = [
        ChildTable(
            gettext_lazy("Systems"),
            SystemTable,
            SystemFilterSet,
            "wave_id",
            queryset=system_selectors.system_list(),
            list_url="systems:system_list",
        ),
        ChildTable(
            gettext_lazy("VMs"),
            VMTable,
            VMFilterSet,
            "wave_id",
            queryset=system_selectors.vm_list(),
            list_url="systems:vm_list",
        ),
    ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        wave = self.object
        states = services.wave_allowed_states(wave)
        context["state_form"] = WaveStateForm(states=states, current=wave.state) if states else None
        context["totals"] = VM.objects.filter(system__wave=wave).aggregate(
            vms=Count("pk"),
            systems=Count("system", distinct=True),
            vcpus=Sum("vcpus"),
            memory_gb=Sum("memory_gb"),
            disk_gb=Sum("disk_gb"),
        )
        context["system_total"] = wave.systems.count()
        context["findings"] = wave_findings(wave)
        return context


class WaveEditView(ObjectEditView):
    model = Wave
    form_class = WaveForm
    create_service = services.wave_create
    update_service = services.wave_update


class WaveDeleteView(ObjectDeleteView):
    model = Wave
    delete_service = services.wave_delete


class WaveSetStateView(StaffPermissionMixin, View):
    """POST: confirm, start, complete, cancel or reopen a wave (only the allowed changes)."""

    model = Wave
    permission_action = "change"
    http_method_names = ["post"]

    def post(self, request, pk: int):
        wave = get_object_or_404(Wave, pk=pk)
        form = WaveStateForm(request.POST, states=services.wave_allowed_states(wave))
        if not form.is_valid():
            messages.error(request, _("That state change is not offered for this wave."))
            return HttpResponseRedirect(wave.get_absolute_url())
        try:
            wave = services.wave_set_state(
                wave=wave, state=form.cleaned_data["state"], by=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            message_errors(request, error)
        else:
            messages.success(
                request, _("%(wave)s is now %(state)s.") % {"wave": wave, "state": wave.get_state_display()}
            )
        return HttpResponseRedirect(wave.get_absolute_url())
