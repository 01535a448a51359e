"""Staff pages for agencies, systems, VMs and contact persons. Views only declare; see migportal.generic_views."""

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView, View

from migportal.generic_views import (
    AutocompleteView,
    BulkActionView,
    ChildTable,
    ObjectDeleteView,
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
    StaffPermissionMixin,
    TransitionView,
    message_errors,
    message_form_errors,
)
from planning.selectors import coverage_counts
from waves.selectors import wave_list, with_counts

from . import selectors, services
from .choices import MigrationStatus
from .filters import (
    AgencyFilterSet,
    ContactPersonFilterSet,
    SystemContactFilterSet,
    SystemFilterSet,
    VMFilterSet,
)
from .forms import (
    AgencyForm,
    ContactPersonForm,
    SystemBulkForm,
    SystemContactForm,
    SystemForm,
    TransitionForm,
    VMBulkForm,
    VMForm,
    WaveAssignForm,
)
from .inventory.views import list_export
from .lifecycle import allowed_targets, behind
from .models import VM, Agency, ContactPerson, System, SystemContact
from .tables import AgencyTable, ContactPersonTable, SystemContactTable, SystemTable, VMTable


def _transition_form(obj, *, system: bool = False) -> TransitionForm | None:
    """The lifecycle steps a system or VM may take now, or None when it can take none (a VM: none that would
    leave it behind its system)."""
    targets = allowed_targets(obj.status, held_from=obj.status_before_hold or None)
    if not system:
        targets = [target for target in targets if not behind(target, obj.system.status)]
    return TransitionForm(targets=targets, current=obj.status, system=system) if targets else None


# --- Agencies ------------------------------------------------------------------------------------------------


class AgencyListView(ObjectListView):
    queryset = selectors.agency_list()
    table_class = AgencyTable
    filterset_class = AgencyFilterSet
    import_format_export = list_export("agencies")


class AgencyAutocompleteView(AutocompleteView):
    queryset = Agency.objects.order_by("code")
    search_fields = ("code", "name")


class AgencyDetailView(ObjectDetailView):
    queryset = Agency.objects.all()
    template_name = "systems/agency_detail.html"
    child_tables = [
        ChildTable(
            gettext_lazy("Systems"),
            SystemTable,
            SystemFilterSet,
            "agency_id",
            queryset=selectors.system_list(),
            list_url="systems:system_list",
        ),
        ChildTable(
            gettext_lazy("Contact persons"),
            ContactPersonTable,
            ContactPersonFilterSet,
            "agency_id",
            queryset=selectors.contactperson_list(),
            list_url="systems:contactperson_list",
        ),
    ]


class AgencyEditView(ObjectEditView):
    model = Agency
    form_class = AgencyForm
    create_service = services.agency_create
    update_service = services.agency_update


class AgencyDeleteView(ObjectDeleteView):
    model = Agency
    delete_service = services.agency_delete


# --- Systems -------------------------------------------------------------------------------------------------


class SystemListView(ObjectListView):
    queryset = selectors.system_list()
    table_class = SystemTable
    filterset_class = SystemFilterSet
    bulk_form_class = SystemBulkForm
    import_format_export = list_export("systems")


class SystemDetailView(ObjectDetailView):
    queryset = System.objects.select_related("agency", "wave", "test_counterpart")
    template_name = "systems/system_detail.html"
    child_tables = [
        ChildTable(
            gettext_lazy("VMs"),
            VMTable,
            VMFilterSet,
            "system_id",
            queryset=selectors.vm_list(),
            list_url="systems:vm_list",
        ),
        ChildTable(
            gettext_lazy("Contact persons and roles"),
            SystemContactTable,
            SystemContactFilterSet,
            "system_id",
            queryset=selectors.systemcontact_list(),
            column_permissions={"remove": "systems.delete_systemcontact"},
        ),
        ChildTable(
            gettext_lazy("Depends on"),
            SystemTable,
            SystemFilterSet,
            "dependent_id",
            queryset=selectors.system_list(),
            list_url="systems:system_list",
        ),
        ChildTable(
            gettext_lazy("Needed by"),
            SystemTable,
            SystemFilterSet,
            "depends_on_id",
            queryset=selectors.system_list(),
            list_url="systems:system_list",
        ),
    ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        system = self.object
        context.update(
            transition_form=_transition_form(system, system=True),
            wave_form=WaveAssignForm(initial={"wave": system.wave_id}),
            contact_form=SystemContactForm(),
        )
        return context


class SystemEditView(ObjectEditView):
    model = System
    form_class = SystemForm
    create_service = services.system_create
    update_service = services.system_update


class SystemDeleteView(ObjectDeleteView):
    model = System
    delete_service = services.system_delete


class SystemBulkView(BulkActionView):
    list_view = SystemListView
    form_class = SystemBulkForm


class SystemTransitionView(TransitionView):
    model = System
    transition_service = services.system_transition


class SystemAssignWaveView(StaffPermissionMixin, View):
    """POST: move one system into a wave (or out of it) via systems.services.system_assign_wave."""

    model = System
    permission_action = "change"
    http_method_names = ["post"]

    def post(self, request, pk: int):
        system = get_object_or_404(System, pk=pk)
        form = WaveAssignForm(request.POST)
        if form.is_valid():
            try:
                services.system_assign_wave(system=system, wave=form.cleaned_data["wave"], by=request.user)
            except ValidationError as error:
                message_errors(request, error)
            else:
                wave = form.cleaned_data["wave"]
                messages.success(
                    request,
                    _("%(system)s moved to %(wave)s.") % {"system": system.code, "wave": wave}
                    if wave
                    else _("%(system)s taken out of its wave.") % {"system": system.code},
                )
        else:
            messages.error(request, _("Choose a wave from the list."))
        return HttpResponseRedirect(system.get_absolute_url())


class SystemContactAddView(StaffPermissionMixin, View):
    """POST: give a contact person a role for this system."""

    model = SystemContact
    permission_action = "add"
    http_method_names = ["post"]

    def post(self, request, pk: int):
        system = get_object_or_404(System, pk=pk)
        form = SystemContactForm(request.POST)
        if not form.is_valid():
            message_form_errors(request, form)
            return HttpResponseRedirect(system.get_absolute_url())
        try:
            services.systemcontact_create(system=system, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            message_errors(request, error)
        else:
            messages.success(request, _("Contact person added."))
        return HttpResponseRedirect(system.get_absolute_url())


class SystemContactDeleteView(StaffPermissionMixin, View):
    """POST: take a contact person's role for a system away."""

    model = SystemContact
    permission_action = "delete"
    http_method_names = ["post"]

    def post(self, request, pk: int):
        system_contact = get_object_or_404(SystemContact.objects.select_related("system", "contact"), pk=pk)
        services.systemcontact_delete(system_contact=system_contact, by=request.user)
        messages.success(request, _("Removed: %(role)s") % {"role": system_contact})
        return HttpResponseRedirect(system_contact.system.get_absolute_url())


# --- VMs -----------------------------------------------------------------------------------------------------


class VMListView(ObjectListView):
    queryset = selectors.vm_list()
    table_class = VMTable
    filterset_class = VMFilterSet
    bulk_form_class = VMBulkForm
    import_format_export = list_export("vms")


class VMDetailView(ObjectDetailView):
    queryset = VM.objects.select_related("system__agency", "system__wave")
    template_name = "systems/vm_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["transition_form"] = _transition_form(self.object)
        return context


class VMEditView(ObjectEditView):
    model = VM
    form_class = VMForm
    create_service = services.vm_create
    update_service = services.vm_update


class VMDeleteView(ObjectDeleteView):
    model = VM
    delete_service = services.vm_delete


class VMBulkView(BulkActionView):
    list_view = VMListView
    form_class = VMBulkForm


class VMTransitionView(TransitionView):
    model = VM
    transition_service = services.vm_transition


# --- Contact persons -----------------------------------------------------------------------------------------


class ContactPersonListView(ObjectListView):
    queryset = selectors.contactperson_list()
    table_class = ContactPersonTable
    filterset_class = ContactPersonFilterSet
    import_format_export = list_export("contacts")


class ContactPersonDetailView(ObjectDetailView):
    queryset = ContactPerson.objects.select_related("agency", "user")
    template_name = "systems/contactperson_detail.html"
    child_tables = [
        ChildTable(
            gettext_lazy("Systems and roles"),
            SystemContactTable,
            SystemContactFilterSet,
            "contact_id",
            queryset=selectors.systemcontact_list(),
            column_permissions={"remove": "systems.delete_systemcontact"},
        ),
    ]


class ContactPersonEditView(ObjectEditView):
    model = ContactPerson
    form_class = ContactPersonForm
    object_kwarg = "contact"
    create_service = services.contactperson_create
    update_service = services.contactperson_update


class ContactPersonDeleteView(ObjectDeleteView):
    model = ContactPerson
    object_kwarg = "contact"
    delete_service = services.contactperson_delete


# --- Landing page ----------------------------------------------------------------------------------------


class StaffHomeView(StaffPermissionMixin, TemplateView):
    """After login: shortcuts, counts by status, the waves of the next 30 days, systems without a primary contact."""

    model = System
    template_name = "systems/staff_home.html"
    upcoming_days = 30
    upcoming_limit = 10
    without_contact_limit = 10

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        now, until = timezone.now(), timezone.now() + timedelta(days=self.upcoming_days)
        figures = selectors.inventory_figures(
            without_contact_limit=self.without_contact_limit, also={"coverage": coverage_counts}
        )
        system_counts, vm_counts = figures["systems_by_status"], figures["vms_by_status"]
        upcoming = wave_list().filter(window_start__gte=now, window_start__lt=until)
        context.update(
            status_rows=[
                (value, label, system_counts[value], vm_counts[value]) for value, label in MigrationStatus.choices
            ],
            system_total=sum(system_counts.values()),
            vm_total=sum(vm_counts.values()),
            figures_as_of=figures["as_of"],
            upcoming_waves=with_counts(upcoming[: self.upcoming_limit]),
            upcoming_count=upcoming.count(),
            upcoming_query=urlencode({"window_from": today, "window_to": today + timedelta(days=self.upcoming_days)}),
            upcoming_days=self.upcoming_days,
            without_contact=figures["without_contact"],
            without_contact_count=figures["without_contact_count"],
            coverage=figures["coverage"],
            my_changes=selectors.systems_changed_by(self.request.user),
        )
        return context
