from django import forms
from django.utils.translation import gettext_lazy as _


class NoticeTextForm(forms.Form):
    """The title and text of a scheduled notice; both left empty means: use the template."""

    title = forms.CharField(label=_("Title"), max_length=300, required=False)
    body = forms.CharField(
        label=_("Text"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_("Shown in the customer portal and at the top of the e-mail. Empty both to use the template."),
    )
