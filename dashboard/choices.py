from django.db import models
from django.utils.translation import gettext_lazy as _


class SnapshotSource(models.TextChoices):
    LIVE = "live", _("taken live")
    BACKFILL = "backfill", _("rebuilt from history")
