from django import forms
from django.utils.translation import gettext_lazy as _

from migportal.forms import DateTimeLocalInput, ServiceModelForm

from .choices import WaveState
from .models import Wave


class WaveForm(ServiceModelForm):
    class Meta:
        model = Wave
        fields = ["name", "window_start", "window_end", "max_vms", "max_systems", "notes"]
        widgets = {
            "window_start": DateTimeLocalInput(),
            "window_end": DateTimeLocalInput(),
            "notes": forms.Textarea(attrs={"rows": 4}),
        }


class WaveStateForm(forms.Form):
    state = forms.ChoiceField(label=_("new state"))
    reason = forms.CharField(
        label=_("reason"),
        required=False,
        max_length=80,
        help_text=_("Needed to confirm a wave despite warnings; kept in its history."),
    )

    def __init__(self, *args, states: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["state"].choices = [(value, WaveState(value).label) for value in states]
