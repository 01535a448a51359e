"""Form helpers shared by the staff pages."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

DATETIME_INPUT_FORMAT = "%Y-%m-%dT%H:%M"


class DateTimeLocalInput(forms.DateTimeInput):
    """The browser's own date-and-time picker; Django's DateTimeField parses its ISO value."""

    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format=DATETIME_INPUT_FORMAT)


class ServiceModelForm(forms.ModelForm):
    """A ModelForm that validates (including the model's clean() and constraints) but never saves itself:
    the view hands `service_fields()` to a service function, which writes and records the change."""

    def service_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in self._meta.fields if name in self.cleaned_data}

    def save(self, commit=True):  # pragma: no cover - guard against bypassing the services layer
        raise NotImplementedError("Write through the services layer (see migportal.generic_views.ObjectEditView).")


class NaturalKeyWidget(forms.TextInput):
    """Type a natural key (system code, e-mail) instead of picking from a list that grows with the inventory."""


class NaturalKeyChoiceField(forms.ModelChoiceField):
    """A ModelChoiceField entered as text by a unique natural key (to_field_name), e.g. a system code.

    At 100× scale a <select> of every system or contact person would make each page megabytes long.
    """

    widget = NaturalKeyWidget

    def __init__(self, queryset, *, to_field_name: str, **kwargs):
        super().__init__(queryset, to_field_name=to_field_name, **kwargs)

    def to_python(self, value):
        if isinstance(value, self.queryset.model):
            return value
        value = value.strip() if isinstance(value, str) else value
        if value in self.empty_values:
            return None
        # Exact first; then case-insensitive, as people type e-mail addresses and codes as they like.
        for lookup in ("exact", "iexact"):
            matches = list(self.queryset.filter(**{f"{self.to_field_name}__{lookup}": value})[:2])
            if len(matches) == 1:
                return matches[0]
        raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice", params={"value": value})


class NaturalKeysWidget(forms.TextInput):
    """Several natural keys in one text box, separated by commas or spaces."""

    def format_value(self, value):
        if not value:
            return ""
        if isinstance(value, str):
            return value
        return ", ".join(str(item) for item in value)

    def value_from_datadict(self, data, files, name):
        raw = data.get(name, "")
        return [part for part in raw.replace(",", " ").split() if part]


class NaturalKeysMultipleChoiceField(forms.ModelMultipleChoiceField):
    """ModelMultipleChoiceField entered as comma-separated natural keys; unknown keys are named in the error."""

    widget = NaturalKeysWidget

    def __init__(self, queryset, *, to_field_name: str, **kwargs):
        super().__init__(queryset, to_field_name=to_field_name, **kwargs)

    def prepare_value(self, value):
        if hasattr(value, "__iter__") and not isinstance(value, str):
            return [getattr(item, self.to_field_name) if hasattr(item, self.to_field_name) else item for item in value]
        return super().prepare_value(value)


def yes_no_all() -> forms.Select:
    """For yes/no filters: "all" (no filter), "yes", "no" instead of Django's "unknown"."""
    return forms.Select(choices=[("", _("all")), ("true", _("yes")), ("false", _("no"))])


def step_choices(current: str, targets: list[str], *, order: list[str], label, backward=()) -> list:
    """Choices for a "next step" select: nothing chosen until the user picks, the steps forward first, the steps
    back to an earlier stage in a group of their own, so a careless click does not undo work.

    `order` is the main line of stages; a target earlier in it than `current`, or in `backward`, is a step back.
    """

    def is_back(target: str) -> bool:
        earlier = current in order and target in order and order.index(target) < order.index(current)
        return earlier or target in backward

    choices: list = [("", _("— choose —"))]
    forward = [(target, label(target)) for target in targets if not is_back(target)]
    back = [(target, label(target)) for target in targets if is_back(target)]
    if forward:
        choices.append((_("Next steps"), forward))
    if back:
        choices.append((_("Back to an earlier step"), back))
    return choices
