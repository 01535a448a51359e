"""Form helpers shared by the staff pages."""

from django import forms

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
