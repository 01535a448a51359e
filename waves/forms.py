from django import forms
from django.utils.translation import gettext_lazy as _

from migportal.formats import date_text
from migportal.forms import DateTimeLocalInput, ServiceModelForm, step_choices

from .choices import WaveState
from .models import Wave
from .selectors import waves_coming_first, waves_to_pick


class WaveLabelMixin:
    """A wave in a picker says when it is: "Bølge 29 – 07.12.2026"."""

    def label_from_instance(self, obj: Wave) -> str:
        return f"{obj.name} – {date_text(obj.window_start)}"


class _OfferedWaves(forms.models.ModelChoiceIterator):
    def __init__(self, field):
        super().__init__(field)
        self.queryset = field.offered


class WaveChoiceField(WaveLabelMixin, forms.ModelChoiceField):
    """A wave to put systems into: offers the coming waves (and `keep`, the current one), soonest first.

    Any wave validates, so a closed one sent anyway is refused by the services with their reason.
    """

    iterator = _OfferedWaves

    def __init__(self, **kwargs):
        self.keep: int | None = None
        kwargs.setdefault("queryset", waves_coming_first())
        super().__init__(**kwargs)

    @property
    def offered(self):
        return waves_to_pick(keep=self.keep)


class WaveMultipleChoiceField(WaveLabelMixin, forms.ModelMultipleChoiceField):
    pass


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

    def __init__(self, *args, states: list[str], current: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["state"].choices = step_choices(
            current,
            states,
            order=[WaveState.DRAFT, WaveState.CONFIRMED, WaveState.IN_PROGRESS, WaveState.COMPLETED],
            label=lambda value: WaveState(value).label,
        )
