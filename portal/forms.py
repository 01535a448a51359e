from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import TestResult


class LoginLinkRequestForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )


class TestReportForm(forms.Form):
    result = forms.ChoiceField(label=_("Result"), choices=TestResult.choices, widget=forms.RadioSelect)
    text = forms.CharField(
        label=_("What did you test, and what is wrong?"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Required when you found problems: describe what does not work."),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("result") == TestResult.PROBLEMS and not cleaned.get("text", "").strip():
            self.add_error("text", _("Describe the problems you found."))
        return cleaned
