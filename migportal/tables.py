"""The base of every staff list table: select and action columns once, a column chooser, accessible headers."""

from functools import cached_property, partialmethod

import django_tables2 as tables
from django.db import models
from django.template import Context
from django.template.loader import get_template
from django.utils.encoding import force_str
from django.utils.formats import localize
from django.utils.hashable import make_hashable
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst
from django.utils.timezone import template_localtime
from django.utils.translation import gettext_lazy as _
from django_tables2.columns.linkcolumn import BaseLinkColumn
from django_tables2.utils import Accessor, signature

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

    @cached_property
    def cell_context(self) -> Context:
        """The context template cells render in: the page's own, as django-tables2's `render_table` hands it to the
        table, made once, instead of a RequestContext per cell that runs every context processor again."""
        page = getattr(self, "context", None)
        return Context(page.flatten() if page is not None else {})

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
        page's rendering time). A cell is escaped and localised as `{{ cell }}` in a template would be, and has the
        value django-tables2 would give it (`_Cell`), found with the per-column work done once per page."""
        columns = [
            (
                _Cell(self, column),
                mark_safe(column.attrs["td"].as_html()),  # noqa: S308
                conditional_escape(column.header),
                column.localize,
            )
            for column in self.columns
        ]
        html = []
        for row in self.paginated_rows:
            html.append(format_html("<tr {}>", row.attrs.as_html()))
            urls: dict[int, str] = {}  # a row's own page, linked from several of its cells, is looked up once
            for cell, attrs, label, localized in columns:
                content = cell.render(row, urls)
                if localized is not False:
                    content = localize(template_localtime(content), use_l10n=localized)
                html.append(format_html('<td {} data-label="{}">{}</td>', attrs, label, content))
            html.append(mark_safe("</tr>"))
        return mark_safe("".join(html))  # noqa: S308 - every part is escaped above


class _Cell:
    """One column's cells, rendered as django-tables2's BoundRow.get_cell renders them (choices shown by their
    label, empty values as the column's default, the render method called with the arguments it names, linkify),
    with what does not change from row to row worked out once: the model field behind the accessor and the render
    method's signature (which django-tables2 inspects again for every cell)."""

    def __init__(self, table: tables.Table, bound) -> None:
        self.bound, self.name = bound, bound.name
        column = bound.column
        # What this shortcut does not cover goes the library's own way.
        self.generic = isinstance(column, tables.ManyToManyColumn) or (
            isinstance(column, BaseLinkColumn) and column.text is not None
        )
        self.template = None
        if isinstance(column, tables.TemplateColumn) and column.template_name and not column.extra_context:
            self.template = get_template(column.template_name).template
            self.record_name, self.page_context = column.context_object_name, table.cell_context
        self.accessor = Accessor(bound.accessor)
        self.empty_values = column.empty_values
        self.default = bound.default
        self.render_function = bound.render
        self.arguments, self.all_arguments = signature(self.render_function)
        self.link = bound.link
        # linkify=True: a link to the page of the cell's object (else the row's), written here; other links (to a
        # named URL, with attributes) are django-tables2's.
        plain = self.link is not None and not (self.link.url or self.link.attrs or self.link.reverse_args)
        self.link_to = Accessor(self.link.accessor if self.link.accessor is not None else bound.name) if plain else None
        # A field with choices shows its label (get_<field>_display() of the row, or of the related row), looked up
        # here in the field's choices, made once, unless the model writes its own get_<field>_display().
        self.owner: Accessor | None = None
        self.display = ""
        self.labels: dict | None = None
        path, _sep, last = self.accessor.rpartition(Accessor.SEPARATOR)
        field = self.accessor.get_field(table._meta.model) if table._meta.model else None
        if field is not None and getattr(field, "choices", ()):
            self.owner = Accessor(path) if path else None
            self.display, self.attname = f"get_{last}_display", field.attname
            if isinstance(vars(field.model).get(self.display), partialmethod):  # Django's own
                self.labels = {
                    make_hashable(value): force_str(label, strings_only=True) for value, label in field.flatchoices
                }

    def value(self, record):
        if self.display:
            owner = self.owner.resolve(record, quiet=True) if self.owner is not None else record
            if isinstance(owner, models.Model):
                if self.labels is not None:
                    value = getattr(owner, self.attname)
                    return self.labels.get(make_hashable(value), value)
                display = getattr(owner, self.display, None)
                if display is not None:
                    return display()
        try:
            return self.accessor.resolve(record)
        except Exception:  # noqa: BLE001 - as django-tables2: a column that is not a field shows its default
            return None

    def url(self, record, urls: dict[int, str]) -> str:
        target = self.link_to.resolve(record)
        if not hasattr(target, "get_absolute_url"):
            target = record
        if id(target) not in urls:
            urls[id(target)] = target.get_absolute_url()
        return urls[id(target)]

    def render(self, row, urls: dict[int, str]):
        if self.generic:
            return row.get_cell(self.name)
        record = row.record
        value = self.value(record)
        if value in self.empty_values:
            return self.default
        if self.template is not None:
            cell = {"default": self.default, "column": self.bound, self.record_name: record, "value": value,
                    "row_counter": row.row_counter}  # fmt: skip
            with self.page_context.push(cell):
                return self.template.render(self.page_context)
        given = {
            "value": value,
            "record": record,
            "column": self.bound.column,
            "bound_column": self.bound,
            "bound_row": row,
            "table": row.table,
        }
        if self.all_arguments:
            content = self.render_function(**given)
        else:
            content = self.render_function(**{name: given[name] for name in self.arguments if name in given})
        if self.link_to is not None:
            return format_html('<a href="{}">{}</a>', self.url(record, urls), content)
        return self.link(content, **given) if self.link else content
