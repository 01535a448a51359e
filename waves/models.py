from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .choices import WaveState


class Wave(models.Model):
    """A migration wave: the systems that move together in one agreed migration window."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    window_start = models.DateTimeField(_("window start"), db_index=True)
    window_end = models.DateTimeField(_("window end"))
    state = models.CharField(
        _("state"), max_length=12, choices=WaveState.choices, default=WaveState.DRAFT, db_index=True
    )
    notes = models.TextField(_("notes"), blank=True)
    max_vms = models.PositiveIntegerField(_("max VMs"), null=True, blank=True)
    max_systems = models.PositiveIntegerField(_("max systems"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["window_start"]
        verbose_name = _("wave")
        verbose_name_plural = _("waves")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(window_end__gt=models.F("window_start")),
                name="wave_window_end_after_start",
                violation_error_message=_("The migration window must end after it starts."),
            ),
            models.CheckConstraint(condition=models.Q(max_vms__gt=0), name="wave_max_vms_positive"),
            models.CheckConstraint(condition=models.Q(max_systems__gt=0), name="wave_max_systems_positive"),
            models.CheckConstraint(condition=models.Q(state__in=WaveState.values), name="wave_state_valid"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("waves:wave_detail", args=[self.pk])
