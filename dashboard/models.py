from django.db import models
from django.utils.translation import gettext_lazy as _


class WeeklySnapshot(models.Model):
    """The programme's counts at the end of one ISO week, kept so past weeks show as they were.

    `counts` maps entity ("systems" / "vms") → environment ("test" / "production") → status → count.
    """

    iso_year = models.PositiveSmallIntegerField(_("ISO year"))
    iso_week = models.PositiveSmallIntegerField(_("ISO week"))
    taken_at = models.DateTimeField(_("taken at"))
    counts = models.JSONField(_("counts"), default=dict)

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
