"""Create/edit forms (validation only; writes go through systems.services), and the bulk-action forms."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from migportal.forms import DateTimeLocalInput, ServiceModelForm
from waves.models import Wave

from . import services
from .choices import ContactRole, Criticality, MigrationStatus
from .models import VM, Agency, ContactPerson, System


class AgencyForm(ServiceModelForm):
    class Meta:
        model = Agency
        fields = ["code", "name", "kind"]


class SystemForm(ServiceModelForm):
    class Meta:
        model = System
        fields = [
            "code",
            "name",
            "description",
            "agency",
            "environment",
            "criticality",
            "wave",
            "downtime_start",
            "downtime_end",
            "depends_on",
            "source_datacenter",
            "target_datacenter",
        ]
        widgets = {
            "downtime_start": DateTimeLocalInput(),
            "downtime_end": DateTimeLocalInput(),
            "description": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = Agency.objects.order_by("code")
        self.fields["wave"].queryset = Wave.objects.order_by("window_start")
        depends_on = System.objects.order_by("code")
        if self.instance.pk:
            depends_on = depends_on.exclude(pk=self.instance.pk)
        self.fields["depends_on"].queryset = depends_on
        self.fields["depends_on"].help_text = _("Systems this system needs in order to work.")


class VMForm(ServiceModelForm):
    class Meta:
        model = VM
        fields = ["hostname", "system", "os", "vcpus", "memory_gb", "disk_gb"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["system"].queryset = System.objects.order_by("code")


class ContactPersonForm(ServiceModelForm):
    class Meta:
        model = ContactPerson
        fields = ["name", "email", "phone", "agency", "language"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = Agency.objects.order_by("code")


class SystemContactForm(forms.Form):
    """Give a contact person a role for one system (on the system's page)."""

    contact = forms.ModelChoiceField(queryset=ContactPerson.objects.order_by("name"), label=_("contact person"))
    role = forms.ChoiceField(choices=ContactRole.choices, label=_("role"))


class WaveAssignForm(forms.Form):
    """Move one system into a wave, or out of its wave."""

    wave = forms.ModelChoiceField(
        queryset=Wave.objects.order_by("window_start"),
        required=False,
        label=_("wave"),
        empty_label=_("(no wave)"),
    )


class TransitionForm(forms.Form):
    """One lifecycle step, offering only the allowed targets."""

    to = forms.ChoiceField(label=_("new status"))

    def __init__(self, *args, targets: list[str], cascade: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to"].choices = [(value, MigrationStatus(value).label) for value in targets]
        if cascade:
            self.fields["cascade_vms"] = forms.BooleanField(
                required=False, label=_("Also change the system's VMs"), initial=True
            )


class SystemBulkForm(forms.Form):
    """The bulk actions of the system list: each needs its own field; all rows change or none does."""

    ASSIGN_WAVE = "assign_wave"
    REMOVE_WAVE = "remove_wave"
    STATUS = "status"
    CRITICALITY = "criticality"
    ADD_CONTACT = "add_contact"
    ACTIONS = [
        (ASSIGN_WAVE, _("Assign to wave")),
        (REMOVE_WAVE, _("Remove from wave")),
        (STATUS, _("Change status")),
        (CRITICALITY, _("Set criticality")),
        (ADD_CONTACT, _("Add a contact person")),
    ]
    action = forms.ChoiceField(choices=ACTIONS, label=_("Action"))
    wave = forms.ModelChoiceField(queryset=Wave.objects.order_by("window_start"), required=False, label=_("wave"))
    status = forms.ChoiceField(choices=[("", "—"), *MigrationStatus.choices], required=False, label=_("new status"))
    cascade_vms = forms.BooleanField(required=False, label=_("Also change the systems' VMs"))
    criticality = forms.ChoiceField(choices=[("", "—"), *Criticality.choices], required=False, label=_("criticality"))
    contact = forms.ModelChoiceField(
        queryset=ContactPerson.objects.order_by("name"), required=False, label=_("contact person")
    )
    role = forms.ChoiceField(choices=[("", "—"), *ContactRole.choices], required=False, label=_("role"))

    REQUIRED = {
        ASSIGN_WAVE: ["wave"],
        STATUS: ["status"],
        CRITICALITY: ["criticality"],
        ADD_CONTACT: ["contact", "role"],
    }

    def clean(self):
        cleaned = super().clean()
        for field in self.REQUIRED.get(cleaned.get("action"), []):
            if not cleaned.get(field):
                self.add_error(field, ValidationError(_("Required for this action."), code="required"))
        return cleaned

    def apply(self, rows, *, by) -> int:
        data = self.cleaned_data
        action = data["action"]
        if action in (self.ASSIGN_WAVE, self.REMOVE_WAVE):
            wave = data["wave"] if action == self.ASSIGN_WAVE else None
            return services.systems_bulk_assign_wave(systems=rows, wave=wave, by=by)
        if action == self.STATUS:
            return services.systems_bulk_transition(
                systems=rows, to=data["status"], by=by, cascade_vms=data["cascade_vms"]
            )
        if action == self.CRITICALITY:
            return services.systems_bulk_set_criticality(systems=rows, criticality=data["criticality"], by=by)
        return services.systems_bulk_add_contact(systems=rows, contact=data["contact"], role=data["role"], by=by)


class VMBulkForm(forms.Form):
    """The bulk action of the VM list (VMs move between waves with their system)."""

    action = forms.ChoiceField(choices=[("status", _("Change status"))], label=_("Action"))
    status = forms.ChoiceField(choices=MigrationStatus.choices, label=_("new status"))

    def apply(self, rows, *, by) -> int:
        return services.vms_bulk_transition(vms=rows, to=self.cleaned_data["status"], by=by)
