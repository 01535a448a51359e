from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportJob(models.Model):
    """An import started in the browser: the uploaded files, its preview (a dry run) and its outcome.

    The files are kept in the database (web and worker need not share a disk) until the import is done.
    Progress while a task runs lives in the cache (the import's own transaction hides DB writes).
    """

    class State(models.TextChoices):
        PREVIEWING = "previewing", _("checking")
        PREVIEWED = "previewed", _("checked")
        IMPORTING = "importing", _("importing")
        DONE = "done", _("imported")
        FAILED = "failed", _("failed")

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="import_jobs", verbose_name=_("uploaded by")
    )
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.PREVIEWING)
    language = models.CharField(_("language"), max_length=10, default="nb")
    preview = models.JSONField(_("preview"), null=True, blank=True)
    result = models.JSONField(_("result"), null=True, blank=True)
    failure = models.TextField(_("failure"), blank=True)
    # Set when a run (the check or the import) starts and committed before any work: a run that finds it
    # set was started before and never finished (its worker died), so it fails the job instead of looping.
    run_started_at = models.DateTimeField(_("run started"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("inventory import")
        verbose_name_plural = _("inventory imports")

    def __str__(self) -> str:
        return f"{self.created_by} {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def running(self) -> bool:
        return self.state in (self.State.PREVIEWING, self.State.IMPORTING)


class ImportFile(models.Model):
    """One uploaded file of an import, deleted when the import is done."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="files", verbose_name=_("import"))
    name = models.CharField(_("name"), max_length=255)
    content = models.BinaryField(_("content"))
    size = models.PositiveBigIntegerField(_("size"))

    class Meta:
        ordering = ["id"]
        verbose_name = _("uploaded file")
        verbose_name_plural = _("uploaded files")

    def __str__(self) -> str:
        return self.name
