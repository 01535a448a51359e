"""Pages: /import/ (upload → preview → confirm, for editors) and /export/ (downloads, for all staff)."""

import tempfile

from django.contrib.auth.mixins import PermissionRequiredMixin
from django.http import FileResponse, Http404, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import DetailView, FormView, TemplateView

from migportal import spreadsheets

from . import exporter, services
from .forms import ImportUploadForm
from .importer import ImportResult
from .limits import Limits
from .models import ImportJob
from .schema import KIND_ORDER, KINDS

IMPORT_PERMISSION = "systems.import_inventory"
#: What a multipart body carries besides the files themselves (boundaries, headers, the CSRF token).
FORM_OVERHEAD_BYTES = 64 * 1024
EXPORT_PERMISSION = "systems.export_inventory"


class ImportView(PermissionRequiredMixin, FormView):
    """Upload the files; they are checked at once (or in the background when large)."""

    permission_required = IMPORT_PERMISSION
    template_name = "inventory/import.html"
    form_class = ImportUploadForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["kinds"] = [KINDS[kind] for kind in KIND_ORDER]
        context["recent_jobs"] = ImportJob.objects.filter(created_by=self.request.user)[:5]
        return context

    def post(self, request, *args, **kwargs):
        # A body larger than all files together may be is refused before Django reads (and spools) it.
        limits = Limits.from_settings()
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > limits.total_bytes + FORM_OVERHEAD_BYTES:
            refused = _("The upload is too large: %(size)s, the limit for all files together is %(limit)s.") % {
                "size": filesizeformat(length),
                "limit": filesizeformat(limits.total_bytes),
            }
            return self.render_to_response(self.get_context_data(form=self.form_class(), refused=refused), status=413)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        job = services.import_job_create(
            by=self.request.user, files=form.cleaned_data["files"], language=get_language() or "nb"
        )
        return redirect("inventory:import_job", pk=job.pk)


class _OwnJobMixin(PermissionRequiredMixin):
    permission_required = IMPORT_PERMISSION

    def get_queryset(self):
        # An import is its uploader's: someone else's is a 404, not a peek at another person's files.
        return ImportJob.objects.filter(created_by=self.request.user)


class ImportJobView(_OwnJobMixin, DetailView):
    """The preview (counts, warnings, the first errors) with a confirm button, progress, or the outcome."""

    template_name = "inventory/import_job.html"
    context_object_name = "job"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        job = self.object
        report = job.result if job.result is not None else job.preview
        result = ImportResult.from_dict(report) if report else None
        context.update(
            running=job.running,
            progress_percent=services.import_progress_percent(job),
            result=result,
            counts=[(kind, result.counts[kind]) for kind in KIND_ORDER] if result else [],
            errors=result.errors if result else [],
            more_errors=result.error_count - len(result.errors) if result else 0,
            more_warnings=result.warning_count - len(result.warnings) if result else 0,
            files_gone=job.state == ImportJob.State.PREVIEWED and not job.files.exists(),
        )
        context["can_confirm"] = (
            job.state == ImportJob.State.PREVIEWED and result is not None and result.ok and not context["files_gone"]
        )
        return context


class ImportProgressView(_OwnJobMixin, View):
    """JSON for the progress script: {"state": …, "running": …, "percent": …}."""

    def get(self, request, pk):
        job = get_object_or_404(self.get_queryset(), pk=pk)
        return JsonResponse(
            {"state": job.state, "running": job.running, "percent": services.import_progress_percent(job)}
        )


class ImportConfirmView(_OwnJobMixin, View):
    """POST: import the checked files for real."""

    def post(self, request, pk):
        job = get_object_or_404(self.get_queryset(), pk=pk)
        services.import_job_confirm(job=job)
        return redirect("inventory:import_job", pk=job.pk)


class ExportView(PermissionRequiredMixin, TemplateView):
    permission_required = EXPORT_PERMISSION
    template_name = "inventory/export.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        labels = {
            spreadsheets.EXCEL_NB.name: _("For Excel (semicolons, UTF-8 with BOM, decimal commas)"),
            spreadsheets.RFC4180.name: _("Plain CSV (RFC 4180: commas, UTF-8)"),
        }
        context["csv_dialects"] = [
            (
                labels[name],
                [(kind, f"{reverse('inventory:export_csv', args=[kind])}?csv={name}") for kind in KIND_ORDER],
            )
            for name in spreadsheets.DIALECTS
        ]
        context["zip_links"] = [
            (labels[name], f"{reverse('inventory:export_file', args=['zip'])}?csv={name}")
            for name in spreadsheets.DIALECTS
        ]
        return context


def _dialect(request) -> spreadsheets.CSVDialect:
    return spreadsheets.csv_dialect(request.GET.get("csv"), get_language())


def _stamp() -> str:
    return timezone.localtime().strftime("%Y-%m-%d")


def csv_response(request, kind: str, queryset=None) -> StreamingHttpResponse:
    """`kind` (or the rows of `queryset`) as a CSV download in the import format, in the request's dialect."""
    response = StreamingHttpResponse(
        exporter.csv_lines(kind, _dialect(request), queryset), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{kind}-{_stamp()}.csv"'
    return response


def list_export(kind: str):
    """A staff list's `import_format_export`: its filtered rows as a `kind` CSV download in the import format."""

    def export(request, queryset) -> StreamingHttpResponse:
        return csv_response(request, kind, queryset)

    return export


class ExportCSVView(PermissionRequiredMixin, View):
    permission_required = EXPORT_PERMISSION

    def get(self, request, kind):
        if kind not in KINDS:
            raise Http404
        return csv_response(request, kind)


class ExportFileView(PermissionRequiredMixin, View):
    """The whole inventory as one XLSX workbook or a ZIP of the five CSV files (spooled to a temporary file)."""

    permission_required = EXPORT_PERMISSION
    formats = {
        "xlsx": (exporter.write_xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        "zip": (exporter.write_zip, "application/zip"),
    }

    def get(self, request, fmt):
        write, content_type = self.formats[fmt]
        stream = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
        if fmt == "zip":
            write(stream, _dialect(request))
        else:
            write(stream)
        stream.seek(0)
        return FileResponse(
            stream, as_attachment=True, filename=f"inventory-{_stamp()}.{fmt}", content_type=content_type
        )
