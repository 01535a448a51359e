from django.db import models
from django.utils.translation import gettext_lazy as _


class ProposalState(models.TextChoices):
    RUNNING = "running", _("running")
    READY = "ready", _("ready")
    FAILED = "failed", _("failed")


class Severity(models.TextChoices):
    BLOCKER = "blocker", _("blocker")
    WARNING = "warning", _("warning")
