"""A search box in place of a <select> whose options grow with the inventory (waves, agencies, systems).

The page carries only the chosen rows, as ticked checkboxes under the search box: they work without
JavaScript (untick to drop one). static/js/autocomplete.js asks `url` for matches as the user types and
adds the one picked (an ARIA 1.2 combobox with a listbox); no inline script or style, so the CSP holds.
"""

from django import forms
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe


class AutocompleteSelectMultiple(forms.SelectMultiple):
    """Pick rows by typing: `url` answers `?q=` with `{"results": [{"id", "text"}]}` (AutocompleteView)."""

    template_name = "generic/widgets/autocomplete.html"
    allow_multiple_selected = True
    input_type = "autocomplete"

    class Media:
        js = ("js/autocomplete.js",)

    def __init__(self, url: str, attrs=None):
        super().__init__(attrs)
        self.url = url

    def chosen(self, values) -> list[tuple[str, str]]:
        """(value, label) of the chosen rows only: one query, whatever the size of the table."""
        ids = [value for value in values if str(value).isdigit()]
        if not ids:
            return []
        field = self.choices.field
        rows = field.queryset.filter(pk__in=ids)
        return [(str(row.pk), field.label_from_instance(row)) for row in rows]

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        widget = context["widget"]
        widget.update(
            url=str(self.url),
            chosen=self.chosen(widget["value"]),
            single=not self.allow_multiple_selected,
        )
        return context

    def _render(self, template_name, context, renderer=None):
        # The project's template engine (templates/generic/widgets/), not the form renderer's own.
        return mark_safe(render_to_string(template_name, context))  # noqa: S308 - an escaping template

    def optgroups(self, name, value, attrs=None):
        return []  # the options are fetched as the user types, never listed in full

    def value_from_datadict(self, data, files, name):
        values = super().value_from_datadict(data, files, name)
        return values if self.allow_multiple_selected else (values[-1] if values else None)

    def format_value(self, value):
        if value is None:
            return []
        return [str(v) for v in (value if isinstance(value, list | tuple) else [value]) if v not in ("", None)]


class AutocompleteSelect(AutocompleteSelectMultiple):
    """One row by typing; picking another replaces it."""

    allow_multiple_selected = False
