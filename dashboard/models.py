from django.db import models
from django.utils.translation import gettext_lazy as _

from .choices import SnapshotSource


class WeeklySnapshot(models.Model):
    """The programme's counts at the end of one ISO week, kept so past weeks show as they were.

    `counts` maps entity ("systems" / "vms") → environment ("test" / "production") → status → count.
    `changes` maps entity → {"migrated_this_week": n, "planned_next_week": n}.
    `waves` holds the coming and recent waves as the dashboard showed them: {"upcoming": […], "recent": […]}.
    `source` says whether the row was taken live or rebuilt from history by `backfill_snapshots`.
    """

    iso_year = models.PositiveSmallIntegerField(_("ISO year"))
    iso_week = models.PositiveSmallIntegerField(_("ISO week"))
    taken_at = models.DateTimeField(_("taken at"))
    counts = models.JSONField(_("counts"), default=dict)
    changes = models.JSONField(_("changes in the week"), default=dict)
    waves = models.JSONField(_("waves"), default=dict)
    source = models.CharField(
        _("source"),
        max_length=10,
        choices=SnapshotSource.choices,
        default=SnapshotSource.LIVE,
    )

    class Meta:
        ordering = ["-iso_year", "-iso_week"]
        verbose_name = _("weekly snapshot")
        verbose_name_plural = _("weekly snapshots")
        constraints = [
            models.UniqueConstraint(fields=["iso_year", "iso_week"], name="snapshot_unique_week"),
            models.CheckConstraint(condition=models.Q(iso_week__gte=1, iso_week__lte=53), name="snapshot_week_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.iso_year}-W{self.iso_week:02d}"
