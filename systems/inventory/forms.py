from django import forms
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from .limits import Limits, upload_problem


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(item, initial) for item in files if item] or [
            super().clean(None, initial)
        ]


class ImportUploadForm(forms.Form):
    files = MultipleFileField(
        label=_("Files"),
        help_text=_(
            "One XLSX workbook, or CSV files named agencies, waves, systems, vms and contacts "
            "(a suffix such as systems-2021.csv is fine)."
        ),
        widget=MultipleFileInput(attrs={"accept": ".csv,.txt,.xlsx"}),
    )

    def clean_files(self):
        files = self.cleaned_data["files"]
        limits = Limits.from_settings()
        too_much = upload_problem([upload.size for upload in files], limits)
        if too_much:
            raise forms.ValidationError(too_much)
        too_large = [upload.name for upload in files if upload.size > limits.file_bytes]
        if too_large:
            raise forms.ValidationError(
                _("Too large (the limit is %(limit)s): %(files)s")
                % {"limit": filesizeformat(limits.file_bytes), "files": ", ".join(too_large)}
            )
        return files
