"""Create/edit forms (validation only; writes go through systems.services), and the bulk-action forms."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from migportal.forms import (
    DateTimeLocalInput,
    NaturalKeyChoiceField,
    NaturalKeysMultipleChoiceField,
    ServiceModelForm,
    step_choices,
)
from waves.forms import WaveChoiceField

from . import services
from .choices import ContactRole, Criticality, MigrationStatus
from .models import VM, Agency, ContactPerson, System


def system_code_field(**kwargs) -> NaturalKeyChoiceField:
    return NaturalKeyChoiceField(
        System.objects.all(),
        to_field_name="code",
        error_messages={"invalid_choice": _("No system has the code “%(value)s”.")},
        **{"label": _("system"), "help_text": _("The system's code, e.g. BYM-PARK."), **kwargs},
    )


def contact_email_field(**kwargs) -> NaturalKeyChoiceField:
    return NaturalKeyChoiceField(
        ContactPerson.objects.all(),
        to_field_name="email",
        label=_("contact person"),
        help_text=_("The contact person's e-mail address."),
        error_messages={"invalid_choice": _("No contact person has the e-mail address “%(value)s”.")},
        **kwargs,
    )


class AgencyForm(ServiceModelForm):
    class Meta:
        model = Agency
        fields = ["code", "name", "kind", "tester_capacity"]


def system_codes_field(**kwargs) -> NaturalKeysMultipleChoiceField:
    return NaturalKeysMultipleChoiceField(
        System.objects.all(),
        to_field_name="code",
        required=False,
        error_messages={"invalid_choice": _("No system has the code “%(value)s”.")},
        **kwargs,
    )


class SystemForm(ServiceModelForm):
    depends_on = system_codes_field(
        label=_("depends on"),
        help_text=_("Codes of the systems this system needs in order to work, separated by commas."),
    )
    move_with = system_codes_field(
        label=_("moves together with"),
        help_text=_("Codes of the systems that must move in the same wave, separated by commas."),
    )
    test_counterpart = system_code_field(
        required=False,
        label=_("test counterpart"),
        help_text=_("For a production system: the code of the test system that must be migrated and verified first."),
    )

    wave = WaveChoiceField(required=False, label=_("wave"))

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
            "move_with",
            "test_counterpart",
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
        self.fields["wave"].keep = self.instance.wave_id
        if self.instance.pk:
            for name in ("depends_on", "move_with"):
                self.fields[name].queryset = System.objects.exclude(pk=self.instance.pk)
            if "test_counterpart" not in self.data and self.instance.test_counterpart_id:
                self.initial["test_counterpart"] = self.instance.test_counterpart.code


class VMForm(ServiceModelForm):
    system = system_code_field()

    class Meta:
        model = VM
        fields = ["hostname", "system", "os", "vcpus", "memory_gb", "disk_gb"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and "system" not in self.data:
            self.initial["system"] = self.instance.system.code


class ContactPersonForm(ServiceModelForm):
    class Meta:
        model = ContactPerson
        fields = ["name", "email", "phone", "agency", "language"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = Agency.objects.order_by("code")


class SystemContactForm(forms.Form):
    """Give a contact person a role for one system (on the system's page)."""

    contact = contact_email_field()
    role = forms.ChoiceField(choices=ContactRole.choices, label=_("role"))


class WaveAssignForm(forms.Form):
    """Move one system into a wave, or out of its wave."""

    wave = WaveChoiceField(required=False, label=_("wave"), empty_label=_("(no wave)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["wave"].keep = self.initial.get("wave")


# The lifecycle's main line, for telling steps forward from steps back (systems/lifecycle.py has the rules).
MAIN_LINE = [
    MigrationStatus.NOT_PLANNED,
    MigrationStatus.PLANNED,
    MigrationStatus.NOTIFIED,
    MigrationStatus.IN_PROGRESS,
    MigrationStatus.MIGRATED,
    MigrationStatus.VERIFIED,
]


VMS_FOLLOW = _(
    "The VMs follow their system, except those that are excluded, and those on hold, rolled back or ahead "
    "of the system on their own."
)


class TransitionForm(forms.Form):
    """One lifecycle step, offering only the allowed targets (for a system: its VMs follow, said so)."""

    to = forms.ChoiceField(label=_("new status"))

    def __init__(self, *args, targets: list[str], current: str = "", system: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to"].choices = step_choices(
            current,
            targets,
            order=MAIN_LINE,
            label=lambda value: MigrationStatus(value).label,
            backward={MigrationStatus.ROLLED_BACK},
        )
        if system:
            self.fields["to"].help_text = VMS_FOLLOW


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
    wave = WaveChoiceField(required=False, label=_("wave"))
    status = forms.ChoiceField(
        choices=[("", "—"), *MigrationStatus.choices], required=False, label=_("new status"), help_text=VMS_FOLLOW
    )
    criticality = forms.ChoiceField(choices=[("", "—"), *Criticality.choices], required=False, label=_("criticality"))
    contact = contact_email_field(required=False)
    role = forms.ChoiceField(choices=[("", "—"), *ContactRole.choices], required=False, label=_("role"))

    REQUIRED = {
        ASSIGN_WAVE: ["wave"],
        STATUS: ["status"],
        CRITICALITY: ["criticality"],
        ADD_CONTACT: ["contact", "role"],
    }
    #: The parameter fields each action uses (the list page shows only the chosen action's).
    FIELDS = {**REQUIRED, STATUS: ["status"]}

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
            return services.systems_bulk_transition(systems=rows, to=data["status"], by=by)
        if action == self.CRITICALITY:
            return services.systems_bulk_set_criticality(systems=rows, criticality=data["criticality"], by=by)
        return services.systems_bulk_add_contact(systems=rows, contact=data["contact"], role=data["role"], by=by)


class VMBulkForm(forms.Form):
    """The bulk action of the VM list (VMs move between waves with their system)."""

    action = forms.ChoiceField(choices=[("status", _("Change status"))], label=_("Action"))
    status = forms.ChoiceField(choices=MigrationStatus.choices, label=_("new status"))

    def apply(self, rows, *, by) -> int:
        return services.vms_bulk_transition(vms=rows, to=self.cleaned_data["status"], by=by)
