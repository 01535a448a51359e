"""The staff pages' behaviour, once (after NetBox's `netbox/views/generic/`): per-model views only declare.

- ObjectListView: queryset + table + filterset → a filtered, sorted, paginated list with a column chooser,
  CSV/XLSX export of exactly the filtered rows, and (for editors) a bulk-action form.
- ObjectDetailView: queryset + child tables (the child's list table filtered by the same parameter the
  child's list uses) + the change history.
- ObjectEditView: form + create/update services; validation messages next to the fields.
- ObjectDeleteView: a confirmation page listing what else would be deleted, and what blocks the deletion.
- BulkActionView: POST only; the selected rows (or all matching the filter) through one service call
  (migportal.bulk); refused rows are reported one by one and nothing changes.
- AutocompleteView: `?q=` → the first matching rows as JSON, for the search boxes of migportal/widgets.py.
- StaffListView: the list core alone (permission, filter, sort, one page), for lists with a page of their own.

Access: anonymous users are sent to the login page; users without the model permission get 403
(StaffPermissionMixin, the one permission mixin of the staff pages). The templates are in templates/generic/.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.admin.utils import NestedObjects
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, router
from django.db.models import ProtectedError
from django.forms import ModelChoiceField
from django.http import HttpResponseRedirect, JsonResponse, QueryDict
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import capfirst
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _
from django.views.generic import DetailView, FormView, TemplateView, View
from django_filters.filterset import filterset_factory
from django_filters.views import FilterView
from django_tables2.export import ExportMixin, TableExport

from .bulk import BulkActionRefused
from .formats import datetime_text
from .pagination import PaginatedTableMixin, paginate_table
from .search import matching
from .spreadsheets import SpreadsheetExport, csv_dialect

HISTORY_LIMIT = 25
#: The list exports' CSV dialects (see migportal.spreadsheets): Norwegian Excel's, and plain RFC 4180.
CSV_LINKS = (("excel", gettext_lazy("CSV for Excel")), ("rfc4180", gettext_lazy("CSV (RFC 4180)")))
#: `?_export=` value for a list's filtered rows in the inventory import format (a list's `import_format_export`).
INVENTORY_EXPORT = "inventory"


def model_permission(model: type[models.Model], action: str) -> str:
    return f"{model._meta.app_label}.{action}_{model._meta.model_name}"


def url_name(model: type[models.Model], action: str) -> str:
    return f"{model._meta.app_label}:{model._meta.model_name}_{action}"


def message_errors(request, error: ValidationError) -> None:
    """Show each message of a service's refusal to the user (on the page they are sent back to)."""
    for message in error.messages:
        messages.error(request, message)


def message_form_errors(request, form) -> None:
    """Show a POST-only form's errors as messages, each led by its field's label."""
    for field, errors in form.errors.items():
        label = capfirst(form.fields[field].label) if field in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}: {error}" if label else error)


class StaffPermissionMixin(PermissionRequiredMixin):
    """Require `<app>.<action>_<model>`: anonymous → login redirect, others without it → 403.

    Services are called with the object as the keyword `object_kwarg` (default: the model name).
    """

    permission_action = "view"
    model: type[models.Model]
    object_kwarg: str | None = None

    def service_kwargs(self, obj) -> dict[str, Any]:
        return {self.object_kwarg or self.model._meta.model_name: obj}

    def get_permission_required(self):
        if self.permission_required:
            return super().get_permission_required()
        return (model_permission(self.model, self.permission_action),)

    def user_can(self, action: str, model: type[models.Model] | None = None) -> bool:
        return self.request.user.has_perm(model_permission(model or self.model, action))


class StaffListView(StaffPermissionMixin, PaginatedTableMixin, FilterView):
    """A filtered, sorted, paginated list: declare `queryset`, `table_class` (a BaseTable), `filterset_class` and
    a `template_name` that renders `filter.form` and `table`. The rows are counted once, by the table."""

    #: Optional: turn rows into what the table shows (e.g. attach counts in bulk). Applied to the page shown only,
    #: so its cost does not grow with the table.
    prepare_rows: Callable[[Any], Any] | None = None

    @property
    def model(self):
        return self.queryset.model

    def get_filterset_class(self):
        # A list without filters still goes through a (empty) FilterSet: one code path for every list.
        return self.filterset_class or filterset_factory(self.model, fields=[])

    def prepare_page(self) -> bool:
        return self.prepare_rows is not None

    def get_table(self, **kwargs):
        table = super().get_table(**kwargs)
        if self.prepare_page():
            page_rows = table.page.object_list
            page_rows.data = type(self).prepare_rows(page_rows.data)
        return table


class ObjectListView(ExportMixin, StaffListView):
    """Declare `queryset`, `table_class`, `filterset_class` (and optionally `bulk_form_class`): the standard page
    with a column chooser, export and bulk actions."""

    template_name = "generic/object_list.html"
    bulk_form_class = None
    export_formats = (TableExport.CSV, TableExport.XLSX)
    export_permission = "systems.export_inventory"
    #: Optional: `(request, rows) -> response`, the filtered rows in a format the importer reads (offered as
    #: "CSV in the import format", `?_export=inventory`). The app that owns the format declares it.
    import_format_export: Callable[[Any, models.QuerySet], Any] | None = None

    @property
    def export_name(self):
        return str(self.model._meta.verbose_name_plural).replace(" ", "-")

    def exporting(self) -> bool:
        return self.request.GET.get(self.export_trigger_param) in self.export_formats

    def get_table_data(self):
        data = super().get_table_data()
        # An export writes every row, so every row is prepared.
        return type(self).prepare_rows(data) if self.prepare_rows and self.exporting() else data

    def prepare_page(self) -> bool:
        return super().prepare_page() and not self.exporting()

    def bulk_allowed(self) -> bool:
        return self.bulk_form_class is not None and self.user_can("change")

    def get_table_kwargs(self):
        return {
            "selectable": self.bulk_allowed(),
            "columns": self.request.GET.getlist("columns"),
            "selected": self.kept_bulk.get("pk", ()),
        }

    @cached_property
    def kept_bulk(self) -> dict[str, list[str]]:
        """What a refused bulk action was sent with (rows, action, its fields), shown again once."""
        return self.request.session.pop(bulk_session_key(self.model), None) or {} if self.bulk_allowed() else {}

    def bulk_form(self):
        kept = {name: values if len(values) > 1 else values[0] for name, values in self.kept_bulk.items() if values}
        form = self.bulk_form_class(initial=kept)
        # Each parameter field says which actions use it; static/js/bulk-actions.js shows only the chosen one's.
        used_by = getattr(form, "FIELDS", {})
        return form, [(field, " ".join(a for a, names in used_by.items() if field.name in names)) for field in form]

    def render_to_response(self, context, **kwargs):
        export = self.request.GET.get(self.export_trigger_param)
        if export and not self.request.user.has_perm(self.export_permission):
            return self.handle_no_permission()
        if export == INVENTORY_EXPORT and self.import_format_export:
            # The filtered rows in the import's own format and columns, to edit and import again.
            return type(self).import_format_export(self.request, self.object_list)
        return super().render_to_response(context, **kwargs)

    def create_export(self, export_format):
        """The filtered rows as CSV (in the user's dialect, `?csv=excel|rfc4180`) or XLSX, safe to open."""
        export = SpreadsheetExport(
            export_format,
            self.get_table(**self.get_table_kwargs()),
            exclude_columns=self.exclude_columns,
            dialect=csv_dialect(self.request.GET.get("csv"), get_language()),
        )
        return export.response(filename=self.get_export_filename(export_format))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        opts = self.model._meta
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(
            opts=opts,
            can_add=self.user_can("add"),
            can_export=self.request.user.has_perm(self.export_permission),
            add_url=reverse(url_name(self.model, "add")),
            list_url=reverse(url_name(self.model, "list")),
            export_links=[
                *((label, _querystring(query, _export=TableExport.CSV, csv=name)) for name, label in CSV_LINKS),
                *(
                    [(_("CSV in the import format"), _querystring(query, _export=INVENTORY_EXPORT))]
                    if self.import_format_export
                    else []
                ),
                *(
                    (fmt.upper(), _querystring(query, _export=fmt))
                    for fmt in self.export_formats
                    if fmt != TableExport.CSV
                ),
            ],
            filter_query=_querystring(query, exclude=("_export",)),
            # The table's paginator has counted the filtered rows already.
            match_count=context["table"].paginator.count if self.bulk_allowed() else None,
        )
        if self.bulk_allowed():
            context["bulk_form"], context["bulk_fields"] = self.bulk_form()
            context["bulk_all"] = bool(self.kept_bulk.get("_all"))
            context["bulk_url"] = reverse(url_name(self.model, "bulk"))
        return context


def bulk_session_key(model: type[models.Model]) -> str:
    return f"bulk-refused:{model._meta.label_lower}"


def _querystring(query: QueryDict, exclude=(), **extra) -> str:
    query = query.copy()
    for key in exclude:
        query.pop(key, None)
    for key, value in extra.items():
        query[key] = value
    return query.urlencode()


class ChildTable:
    """A child's list table on a parent's detail page, filtered by the same parameter its list uses."""

    def __init__(
        self,
        title,
        table_class,
        filterset_class,
        param: str,
        *,
        queryset,
        list_url: str | None = None,
        column_permissions: dict[str, str] | None = None,
    ):
        self.title = title
        self.table_class = table_class
        self.filterset_class = filterset_class
        self.param = param
        self.queryset = queryset
        self.prefix = f"{param}-"
        self.list_url = list_url
        self.column_permissions = column_permissions or {}

    def build(self, request, obj) -> dict[str, Any]:
        filterset = self.filterset_class(QueryDict(f"{self.param}={obj.pk}"), queryset=self.queryset, request=request)
        hidden = [name for name, perm in self.column_permissions.items() if not request.user.has_perm(perm)]
        table = self.table_class(filterset.qs, prefix=self.prefix, exclude=(*_exclude_for(self.param), *hidden))
        paginate_table(request, table)
        link = f"{reverse(self.list_url)}?{self.param}={obj.pk}" if self.list_url else None
        return {"title": self.title, "table": table, "list_link": link}


def _exclude_for(param: str) -> tuple[str, ...]:
    """On the parent's page, the column naming the parent says nothing: hide it."""
    column = param.removesuffix("_id")
    return (column,) if column in ("agency", "system", "wave", "contact") else ()


class ObjectDetailView(StaffPermissionMixin, DetailView):
    """Declare `queryset`, `child_tables` (list of ChildTable) and a `template_name` with the fields block."""

    child_tables: list[ChildTable] = []
    history_limit = HISTORY_LIMIT

    @property
    def model(self):
        return self.queryset.model

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        obj = self.object
        context.update(
            opts=self.model._meta,
            child_tables=[child.build(self.request, obj) for child in self.child_tables],
            history=object_history(obj, limit=self.history_limit),
            can_change=self.user_can("change"),
            can_delete=self.user_can("delete"),
            edit_url=reverse(url_name(self.model, "edit"), args=[obj.pk]),
            delete_url=reverse(url_name(self.model, "delete"), args=[obj.pk]),
            list_url=reverse(url_name(self.model, "list")),
        )
        return context


def object_history(obj: models.Model, *, limit: int = HISTORY_LIMIT) -> list[dict[str, Any]]:
    """The last `limit` changes of `obj`: who, when, and which fields went from what to what.

    A constant number of queries: the history rows (with their users), one per tracked many-to-many
    field (e.g. a system's dependencies), and one per relation to name the related rows.
    """
    history = obj.history
    m2m_fields = list(getattr(history.model, "_history_m2m_fields", []))
    records = list(history.select_related("history_user").order_by("-history_date", "-history_id")[: limit + 1])
    recorded = {field.attname for field in history.model._meta.concrete_fields}  # not the fields history excludes
    fields = [
        field
        for field in type(obj)._meta.concrete_fields
        if field.name not in ("id", "created_at", "updated_at", "status_before_hold") and field.attname in recorded
    ]
    names = _related_names(fields, records)
    m2m_values = {field.name: _m2m_snapshots(field, records) for field in m2m_fields}
    entries = []
    for newer, older in zip(records, [*records[1:], None], strict=False):
        if len(entries) == limit:
            break
        changes = []
        for field in fields:
            new = getattr(newer, field.attname)
            old = getattr(older, field.attname) if older is not None else None
            if older is not None and new == old:
                continue
            if older is None and new in (None, ""):
                continue
            changes.append(
                {
                    "field": field.verbose_name,
                    "old": _display(field, old, names) if older is not None else "",
                    "new": _display(field, new, names),
                }
            )
        for field in m2m_fields:
            snapshots = m2m_values[field.name]
            new = snapshots[newer.history_id]
            old = snapshots[older.history_id] if older is not None else []
            if new != old and (older is not None or new):
                changes.append(
                    {"field": field.verbose_name, "old": ", ".join(old) or "–", "new": ", ".join(new) or "–"}
                )
        entries.append(
            {
                "when": newer.history_date,
                "who": newer.history_user,
                "kind": newer.get_history_type_display(),
                "type": newer.history_type,
                "reason": newer.history_change_reason,
                "changes": changes,
            }
        )
    return entries


def _m2m_snapshots(field, records) -> dict[int, list[str]]:
    """history_id → the sorted names of the related rows as they were in each historical record (2 queries)."""
    if not records:
        return {}
    through = getattr(records[0], field.name).model  # simple-history's HistoricalX_<field> rows
    target = field.related_model
    fks = [f for f in through._meta.concrete_fields if f.is_relation and f.related_model is target]
    # A self-referential relation has from_<model> and to_<model>: the related rows are the "to" side.
    fk = next((f for f in fks if f.name.startswith("to_")), fks[0])
    ids_by_record: dict[int, list] = {record.history_id: [] for record in records}
    for history_id, pk in through.objects.filter(history__in=list(ids_by_record)).values_list("history", fk.attname):
        ids_by_record[history_id].append(pk)
    related = target._default_manager.in_bulk({pk for ids in ids_by_record.values() for pk in ids})
    return {
        history_id: sorted(getattr(related[pk], "code", str(related[pk])) if pk in related else str(pk) for pk in ids)
        for history_id, ids in ids_by_record.items()
    }


def _related_names(fields, records) -> dict[str, dict[Any, str]]:
    ids: dict[str, set] = defaultdict(set)
    for field in fields:
        if field.is_relation:
            for record in records:
                value = getattr(record, field.attname)
                if value is not None:
                    ids[field.name].add(value)
    names: dict[str, dict[Any, str]] = {}
    for field in fields:
        if field.is_relation and ids[field.name]:
            related = field.related_model._default_manager.in_bulk(ids[field.name])
            names[field.name] = {pk: str(row) for pk, row in related.items()}
    return names


def _display(field, value, names) -> str:
    if value is None or value == "":
        return "–"
    if field.is_relation:
        return names.get(field.name, {}).get(value, _("deleted (#%(id)s)") % {"id": value})
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if hasattr(value, "tzinfo"):
        return datetime_text(value)
    return str(value)


class ObjectEditView(StaffPermissionMixin, FormView):
    """Declare `model`, `form_class`, `create_service(by=, **fields)` and `update_service(obj, by=, **fields)`.

    The form validates; the service writes (and may refuse with a ValidationError, shown on the form).
    """

    template_name = "generic/object_edit.html"
    create_service: Callable[..., models.Model]
    update_service: Callable[..., models.Model]

    def dispatch(self, request, *args, **kwargs):
        self.object = None
        if "pk" in kwargs:
            self.object = get_object_or_404(self.model, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    @property
    def permission_action(self):
        return "change" if self.object else "add"

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = self.object
        return kwargs

    def get_initial(self):
        # Pre-fill from the query string, e.g. "add a VM" on a system's page passes ?system=<pk>.
        return {key: value for key, value in self.request.GET.items() if key in self.form_class.base_fields}

    def form_valid(self, form):
        fields = form.service_fields()
        try:
            if self.object:
                obj = type(self).update_service(**self.service_kwargs(self.object), by=self.request.user, **fields)
            else:
                obj = type(self).create_service(by=self.request.user, **fields)
        except ValidationError as error:
            _add_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("Saved: %(object)s") % {"object": obj})
        return HttpResponseRedirect(obj.get_absolute_url())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            object=self.object,
            opts=self.model._meta,
            cancel_url=self.object.get_absolute_url() if self.object else reverse(url_name(self.model, "list")),
        )
        return context


def _add_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


class ObjectDeleteView(StaffPermissionMixin, TemplateView):
    """Declare `model` and `delete_service(obj, by=)`. GET: what would go with it; POST: delete or explain."""

    permission_action = "delete"
    template_name = "generic/object_delete.html"
    delete_service: Callable[..., None]

    def dispatch(self, request, *args, **kwargs):
        self.object = get_object_or_404(self.model, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        collector = NestedObjects(using=router.db_for_write(self.model))
        collector.collect([self.object])
        affected = defaultdict(list)
        for model, instances in collector.data.items():
            if model is self.model or model._meta.auto_created:
                continue
            affected[model._meta.verbose_name_plural].extend(str(instance) for instance in instances)
        protected = defaultdict(list)
        for instance in collector.protected:
            protected[type(instance)._meta.verbose_name_plural].append(str(instance))
        context.update(
            object=self.object,
            opts=self.model._meta,
            affected=dict(affected),
            protected=dict(protected),
            cancel_url=self.object.get_absolute_url(),
        )
        return context

    def post(self, request, *args, **kwargs):
        try:
            type(self).delete_service(**self.service_kwargs(self.object), by=request.user)
        except ProtectedError:
            messages.error(
                request, _("%(object)s cannot be deleted while other rows depend on it.") % {"object": self.object}
            )
            return self.render_to_response(self.get_context_data())
        except ValidationError as error:  # the service refuses (e.g. a wave that is neither draft nor cancelled)
            message_errors(request, error)
            return self.render_to_response(self.get_context_data())
        messages.success(request, _("Deleted: %(object)s") % {"object": self.object})
        return HttpResponseRedirect(reverse(url_name(self.model, "list")))


class BulkActionView(StaffPermissionMixin, View):
    """Declare `list_view` (its queryset and filterset find the rows) and `form_class` (form.apply(rows, by=))."""

    permission_action = "change"
    http_method_names = ["post"]
    list_view: type[ObjectListView]
    form_class: type

    @property
    def model(self):
        return self.list_view.queryset.model

    def post(self, request, *args, **kwargs):
        filter_query = request.POST.get("_filter", "")
        back = reverse(url_name(self.model, "list"))
        if filter_query:
            back = f"{back}?{filter_query}"
        rows = self.selected_rows(request, filter_query)
        form = self.form_class(request.POST)
        # Kept for the list page if the action is refused: the user fixes the cause, not the selection.
        kept = ["pk", "_all", *form.fields]
        request.session[bulk_session_key(self.model)] = {name: request.POST.getlist(name) for name in kept}
        if not rows:
            messages.error(request, _("Select at least one row."))
        elif not form.is_valid():
            message_form_errors(request, form)
        else:
            try:
                count = form.apply(rows, by=request.user)
            except BulkActionRefused as refused:
                messages.error(
                    request,
                    ngettext(
                        "Nothing was changed: %(count)s of the selected rows was refused.",
                        "Nothing was changed: %(count)s of the selected rows were refused.",
                        len(refused.refused),
                    )
                    % {"count": len(refused.refused)},
                )
                for row in refused.refused:
                    messages.error(request, f"{row.label}: {row.reason}")
            except ValidationError as error:
                message_errors(request, error)
            else:
                del request.session[bulk_session_key(self.model)]
                messages.success(
                    request, ngettext("%(count)s row changed.", "%(count)s rows changed.", count) % {"count": count}
                )
        return HttpResponseRedirect(
            back if url_has_allowed_host_and_scheme(back, None) else reverse(url_name(self.model, "list"))
        )

    def selected_rows(self, request, filter_query: str) -> list[models.Model]:
        queryset = self.list_view.queryset.all()
        if request.POST.get("_all"):
            filterset = self.list_view.filterset_class(QueryDict(filter_query), queryset=queryset, request=request)
            return list(filterset.qs) if filterset.is_valid() else []
        ids = [pk for pk in request.POST.getlist("pk") if pk.isdigit()]
        return list(queryset.filter(pk__in=ids))


class TransitionView(StaffPermissionMixin, View):
    """POST `to`: a lifecycle step through `transition_service(<object_kwarg>=obj, to=, by=)`."""

    permission_action = "change"
    http_method_names = ["post"]
    transition_service: Callable[..., models.Model]

    def post(self, request, pk: int):
        obj = get_object_or_404(self.model, pk=pk)
        try:
            type(self).transition_service(**self.service_kwargs(obj), to=request.POST.get("to", ""), by=request.user)
        except ValidationError as error:
            message_errors(request, error)
        else:
            messages.success(request, _("Status changed: %(object)s") % {"object": obj})
        return HttpResponseRedirect(obj.get_absolute_url())


class AutocompleteView(StaffPermissionMixin, View):
    """GET `?q=`: the first `limit` rows of `queryset` whose `search_fields` contain it, as
    `{"results": [{"id": …, "text": …}]}`, labelled by `field_class` as the filter form labels them. One query.

    `<`, `>` and `&` are sent as \\u escapes, so the answer is inert even if something renders it as HTML.
    """

    http_method_names = ["get"]
    queryset: models.QuerySet
    search_fields: tuple[str, ...]
    field_class: type = ModelChoiceField
    limit = 20
    max_query_length = 100

    @property
    def model(self):
        return self.queryset.model

    def get(self, request, *args, **kwargs):
        rows = self.queryset.filter(matching(self.search_fields, request.GET.get("q", "")[: self.max_query_length]))
        field = self.field_class(queryset=self.queryset)
        results = [{"id": row.pk, "text": field.label_from_instance(row)} for row in rows[: self.limit]]
        return JsonResponse({"results": results}, encoder=_HTMLSafeEncoder)


class _HTMLSafeEncoder(DjangoJSONEncoder):
    def encode(self, o):
        return super().encode(o).translate(_JSON_HTML_ESCAPES)


_JSON_HTML_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}
