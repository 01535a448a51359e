from datetime import timedelta

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .choices import TokenKind, TokenScope


def _default_expiry():
    return timezone.localdate() + timedelta(days=90)


class ApiTokenForm(forms.Form):
    """A new token: its name, what it is for, what it may do, and until when."""

    name = forms.CharField(label=_("Name"), max_length=100, help_text=_("What uses it, e.g. “CMDB sync”."))
    kind = forms.ChoiceField(label=_("Kind"), choices=TokenKind.choices, initial=TokenKind.PERSONAL)
    scope = forms.ChoiceField(label=_("Scope"), choices=TokenScope.choices, initial=TokenScope.READ)
    expires_on = forms.DateField(
        label=_("Valid until"), initial=_default_expiry, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, may_write: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not may_write:
            self.fields["scope"].choices = [(TokenScope.READ, TokenScope.READ.label)]

    def clean_expires_on(self):
        value = self.cleaned_data["expires_on"]
        today = timezone.localdate()
        if value <= today:
            raise forms.ValidationError(_("Choose a day after today."))
        if value > today + timedelta(days=settings.API_TOKEN_MAX_DAYS):
            days = settings.API_TOKEN_MAX_DAYS
            message = ngettext(
                "A token is valid for at most %(days)s day.", "A token is valid for at most %(days)s days.", days
            )
            raise forms.ValidationError(message % {"days": days})
        return value
