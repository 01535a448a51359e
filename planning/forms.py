from django import forms
from django.utils.translation import gettext_lazy as _

from migportal.forms import ServiceModelForm
from systems.models import Agency
from waves.choices import WaveState
from waves.filters import DateInput
from waves.models import Wave

from .models import BlackoutPeriod, TesterCapacity


class BlackoutPeriodForm(ServiceModelForm):
    class Meta:
        model = BlackoutPeriod
        fields = ["name", "start", "end", "blocking"]
        widgets = {"start": DateInput(), "end": DateInput()}


class TesterCapacityForm(ServiceModelForm):
    class Meta:
        model = TesterCapacity
        fields = ["agency", "wave", "capacity"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = Agency.objects.order_by("code")
        self.fields["wave"].queryset = Wave.objects.exclude(
            state__in=[WaveState.COMPLETED, WaveState.CANCELLED]
        ).order_by("window_start")


class GroupWaveForm(forms.Form):
    """Move a whole move group into one wave."""

    wave = forms.ModelChoiceField(
        queryset=Wave.objects.filter(state=WaveState.DRAFT).order_by("window_start"),
        label=_("wave"),
    )


class AcceptForm(forms.Form):
    """The moves of a proposal that staff accept (a system's move group comes along)."""

    systems = forms.TypedMultipleChoiceField(coerce=int, label=_("moves to accept"))

    def __init__(self, *args, proposal, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["systems"].choices = [(move["system"], move["code"]) for move in proposal.result.get("moves", [])]
