from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .choices import ProposalState


class BlackoutPeriod(models.Model):
    """Days on which no migration window should lie (summer weeks, year-end freeze); blocking ones refuse."""

    name = models.CharField(_("name"), max_length=100)
    start = models.DateField(_("first day"))
    end = models.DateField(_("last day"))
    blocking = models.BooleanField(
        _("blocking"), default=False, help_text=_("A window in a blocking period cannot be confirmed.")
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["start"]
        verbose_name = _("blackout period")
        verbose_name_plural = _("blackout periods")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gte=models.F("start")),
                name="blackoutperiod_end_not_before_start",
                violation_error_message=_("The last day cannot be before the first day."),
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("planning:blackoutperiod_edit", args=[self.pk])


class TesterCapacity(models.Model):
    """How many systems an agency can test after one wave's window (overrides the agency's default)."""

    agency = models.ForeignKey(
        "systems.Agency", on_delete=models.CASCADE, related_name="tester_capacities", verbose_name=_("agency")
    )
    wave = models.ForeignKey(
        "waves.Wave", on_delete=models.CASCADE, related_name="tester_capacities", verbose_name=_("wave")
    )
    capacity = models.PositiveIntegerField(_("systems the agency can test"))
    history = HistoricalRecords()

    class Meta:
        ordering = ["wave__window_start", "agency__code"]
        verbose_name = _("tester capacity")
        verbose_name_plural = _("tester capacities")
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "wave"],
                name="testercapacity_unique_agency_wave",
                violation_error_message=_("This agency already has a tester capacity for this wave."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.agency.code} – {self.wave}: {self.capacity}"

    def get_absolute_url(self) -> str:
        return reverse("planning:testercapacity_edit", args=[self.pk])


class Proposal(models.Model):
    """A wave plan proposed by the solver: which system goes to which wave, and new waves to create."""

    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("created by")
    )
    state = models.CharField(
        _("state"), max_length=10, choices=ProposalState.choices, default=ProposalState.RUNNING, db_index=True
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    time_limit_seconds = models.FloatField(_("time limit (s)"))
    #: {"new_waves": [{"key", "name", "window_start", "window_end"}], "moves": [{"system", "from", "to"}]}
    result = models.JSONField(_("result"), default=dict, blank=True)
    #: What stops a plan, in words a planner can act on (empty when a plan was found).
    explanation = models.JSONField(_("explanation"), default=list, blank=True)
    objective = models.FloatField(_("objective"), null=True, blank=True)
    bound = models.FloatField(_("bound"), null=True, blank=True)
    optimal = models.BooleanField(_("proven optimal"), default=False)
    solve_seconds = models.FloatField(_("solver time (s)"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("plan proposal")
        verbose_name_plural = _("plan proposals")
        constraints = [
            models.CheckConstraint(condition=models.Q(state__in=ProposalState.values), name="proposal_state_valid"),
        ]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("planning:proposal_detail", args=[self.pk])
