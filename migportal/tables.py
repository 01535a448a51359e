"""The base of every staff list table: select and action columns once, a column chooser, accessible headers."""

import django_tables2 as tables
from django.utils.formats import localize
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst
from django.utils.timezone import template_localtime
from django.utils.translation import gettext_lazy as _

from .formats import datetime_text


class LocalDateTimeColumn(tables.DateTimeColumn):
    """A moment as people read it in the active language (24.11.2026 kl. 18:00); exports keep the ISO value."""

    def render(self, value):
        return datetime_text(value)


class SelectColumn(tables.Column):
    """A checkbox per row for bulk actions, labelled with the row's name for screen readers."""

    empty_values = ()

    def __init__(self, **kwargs):
        kwargs.setdefault("verbose_name", _("Select"))
        kwargs.setdefault("orderable", False)
        kwargs.setdefault("exclude_from_export", True)
        kwargs.setdefault("accessor", "pk")
        kwargs.setdefault("attrs", {"th": {"class": "col-select"}, "td": {"class": "col-select"}})
        super().__init__(**kwargs)

    def render(self, record, table):
        return format_html(
            '<input type="checkbox" name="pk" value="{}" aria-label="{}"{}>',
            record.pk,
            _("Select %s") % record,
            " checked" if str(record.pk) in table.selected else "",
        )


class BaseTable(tables.Table):
    """Columns declared by subclasses; `Meta.default_columns` are shown unless the user picks others.

    `selectable=True` adds the bulk-action checkbox column (only on list pages of users who may change rows).
    """

    select = SelectColumn()

    class Meta:
        attrs = {"class": "object-table", "th": {"scope": "col"}}
        template_name = "generic/table.html"
        default_columns: tuple[str, ...] = ()

    def __init__(
        self, *args, selectable: bool = False, columns: list[str] | None = None, selected=(), caption=None, **kwargs
    ) -> None:
        kwargs.setdefault("empty_text", self._meta.empty_text or _("Nothing found."))
        super().__init__(*args, **kwargs)
        if caption is not None:  # several tables of one model on a page: each needs a name of its own
            self.caption = caption
        self.selected = {str(pk) for pk in selected}  # rows to show ticked (after a refused bulk action)
        for bound in self.columns.iterall():
            # Model verbose names are lower case; headers (and export headers) start with a capital.
            header = str(bound.column.verbose_name or "")
            if header[1:2].islower():  # "vCPUs" stays as it is
                bound.column.verbose_name = capfirst(header)
        if not selectable:
            self.columns.hide("select")
        chosen = [name for name in (columns or []) if name in self.choosable_columns]
        shown = chosen or list(getattr(self.Meta, "default_columns", ()) or self.choosable_columns)
        for name in self.choosable_columns:
            if name not in shown:
                self.columns.hide(name)

    @property
    def region_label(self) -> str:
        """What the table's scroll region is called for screen readers: its caption, else what it lists."""
        return str(getattr(self, "caption", None) or capfirst(self._meta.model._meta.verbose_name_plural))

    @property
    def choosable_columns(self) -> list[str]:
        return [name for name in self.base_columns if name != "select"]

    def column_choices(self) -> list[tuple[str, str, bool]]:
        """(name, header, shown) for the column chooser."""
        return [(name, self.columns[name].header, self.columns[name].visible) for name in self.choosable_columns]

    def body_html(self) -> SafeString:
        """The page's rows as HTML, built here rather than by a template loop over every cell (most of a list
        page's rendering time). A cell is escaped and localised as `{{ cell }}` in a template would be."""
        columns = [
            (mark_safe(column.attrs["td"].as_html()), conditional_escape(column.header), column.localize)  # noqa: S308
            for column in self.columns
        ]
        html = []
        for row in self.paginated_rows:
            html.append(format_html("<tr {}>", row.attrs.as_html()))
            for (attrs, label, localized), (_column, cell) in zip(columns, row.items(), strict=True):
                if localized is not False:
                    cell = localize(template_localtime(cell), use_l10n=localized)
                html.append(format_html('<td {} data-label="{}">{}</td>', attrs, label, cell))
            html.append(mark_safe("</tr>"))
        return mark_safe("".join(html))  # noqa: S308 - every part is escaped above
