from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .choices import AgencyKind, ContactRole, Criticality, Environment, Language, MigrationStatus


class Agency(models.Model):
    """A unit of the municipality (etat, bydel, foretak) that owns systems."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=AgencyKind.choices, default=AgencyKind.ETAT)
    tester_capacity = models.PositiveIntegerField(
        _("tester capacity"),
        null=True,
        blank=True,
        help_text=_("How many systems the agency can test after one migration window (empty: no limit)."),
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def get_absolute_url(self) -> str:
        return reverse("systems:agency_detail", args=[self.pk])


class MigrationStatusFields(models.Model):
    """The lifecycle fields systems and VMs share; change them only through systems.services."""

    status = models.CharField(
        _("status"), max_length=20, choices=MigrationStatus.choices, default=MigrationStatus.NOT_PLANNED, db_index=True
    )
    # Where on_hold returns to.
    status_before_hold = models.CharField(
        _("status before hold"), max_length=20, choices=MigrationStatus.choices, blank=True, default=""
    )
    migrated_at = models.DateTimeField(_("migrated at"), null=True, blank=True)

    class Meta:
        abstract = True


class System(MigrationStatusFields):
    """A system from the CMDB that moves, with its VMs, in one wave."""

    code = models.CharField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="systems", verbose_name=_("agency"))
    environment = models.CharField(_("environment"), max_length=12, choices=Environment.choices, db_index=True)
    criticality = models.CharField(
        _("criticality"), max_length=10, choices=Criticality.choices, default=Criticality.MEDIUM
    )
    wave = models.ForeignKey(
        "waves.Wave", on_delete=models.SET_NULL, null=True, blank=True, related_name="systems", verbose_name=_("wave")
    )
    downtime_start = models.DateTimeField(_("own downtime start"), null=True, blank=True)
    downtime_end = models.DateTimeField(_("own downtime end"), null=True, blank=True)
    depends_on = models.ManyToManyField(
        "self", symmetrical=False, blank=True, related_name="dependents", verbose_name=_("depends on")
    )
    move_with = models.ManyToManyField(
        "self",
        symmetrical=True,
        blank=True,
        verbose_name=_("moves together with"),
        help_text=_("Systems that must move in the same wave (shared database, low latency)."),
    )
    test_counterpart = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="production_counterparts",
        verbose_name=_("test counterpart"),
        help_text=_("For a production system: the test system that must be migrated and verified first."),
    )
    source_datacenter = models.CharField(_("source data centre"), max_length=100, blank=True)
    target_datacenter = models.CharField(_("target data centre"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    #: How many VMs the system has, kept by the database itself (triggers on the VM table, migration 0004) on every
    #: route that adds, removes or moves a VM, so the lists sort by it without counting. Never written from Python.
    vm_tally = models.PositiveIntegerField(_("VMs"), default=0, editable=False)
    history = HistoricalRecords(m2m_fields=[depends_on, move_with], excluded_fields=["vm_tally"])

    class Meta:
        ordering = ["code"]
        verbose_name = _("system")
        verbose_name_plural = _("systems")
        indexes = [models.Index(fields=["vm_tally", "code"], name="system_vm_tally_code")]
        permissions = [
            ("import_inventory", _("Can import the inventory")),
            ("export_inventory", _("Can export the inventory")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(downtime_start__isnull=True, downtime_end__isnull=True)
                | models.Q(
                    downtime_start__isnull=False,
                    downtime_end__isnull=False,
                    downtime_end__gt=models.F("downtime_start"),
                ),
                name="system_downtime_end_after_start",
                violation_error_message=_("The downtime must end after it starts, and have both start and end."),
            ),
            models.CheckConstraint(condition=models.Q(status__in=MigrationStatus.values), name="system_status_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def save(self, *args, **kwargs) -> None:
        # A row loaded before its VMs changed holds an old count: saving it writes every field but the count.
        if kwargs.get("update_fields") is None and not kwargs.get("force_insert") and not self._state.adding:
            kwargs["update_fields"] = [
                field.name for field in self._meta.concrete_fields if not field.primary_key and field.name != "vm_tally"
            ]
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("systems:system_detail", args=[self.pk])

    def clean(self) -> None:
        if self.downtime_start and self.wave_id and self.wave:
            wave = self.wave
            if self.downtime_start < wave.window_start or (self.downtime_end and self.downtime_end > wave.window_end):
                raise ValidationError(
                    {"downtime_start": _("The system's own downtime must lie inside the wave's migration window.")}
                )


class VM(MigrationStatusFields):
    """A virtual machine of a system; it moves with its system."""

    hostname = models.CharField(_("host name"), max_length=253)
    system = models.ForeignKey(System, on_delete=models.CASCADE, related_name="vms", verbose_name=_("system"))
    os = models.CharField(_("operating system"), max_length=100, blank=True)
    vcpus = models.PositiveSmallIntegerField(_("vCPUs"), null=True, blank=True)
    memory_gb = models.DecimalField(_("memory (GB)"), max_digits=8, decimal_places=2, null=True, blank=True)
    disk_gb = models.DecimalField(_("disk (GB)"), max_digits=10, decimal_places=2, null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["hostname"]
        verbose_name = _("VM")
        verbose_name_plural = _("VMs")
        # The list sorts by host name as stored (the unique index is on its lower case).
        indexes = [models.Index(fields=["hostname"], name="vm_hostname")]
        constraints = [
            models.UniqueConstraint(
                Lower("hostname"),
                name="vm_hostname_unique_ci",
                violation_error_message=_("A VM with this host name exists."),
            ),
            models.CheckConstraint(condition=models.Q(vcpus__gt=0), name="vm_vcpus_positive"),
            models.CheckConstraint(condition=models.Q(memory_gb__gt=0), name="vm_memory_positive"),
            models.CheckConstraint(condition=models.Q(disk_gb__gt=0), name="vm_disk_positive"),
            models.CheckConstraint(condition=models.Q(status__in=MigrationStatus.values), name="vm_status_valid"),
        ]

    def __str__(self) -> str:
        return self.hostname

    def get_absolute_url(self) -> str:
        return reverse("systems:vm_detail", args=[self.pk])


class ContactPerson(models.Model):
    """A person an agency has named to hear about, pass on and test the migration of its systems."""

    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("e-mail"))
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    agency = models.ForeignKey(
        Agency, on_delete=models.SET_NULL, null=True, blank=True, related_name="contacts", verbose_name=_("agency")
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="contact_person",
        verbose_name=_("user"),
    )
    language = models.CharField(_("language"), max_length=5, choices=Language.choices, default=Language.NB)
    systems = models.ManyToManyField(System, through="SystemContact", related_name="contacts", blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("contact person")
        verbose_name_plural = _("contact persons")
        indexes = [models.Index(fields=["name"], name="contact_name")]  # the list's order
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                name="contact_email_unique_ci",
                violation_error_message=_("A contact person with this e-mail exists."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("systems:contactperson_detail", args=[self.pk])


class SystemContact(models.Model):
    """A contact person's role for one system (primary, secondary, tester, owner)."""

    system = models.ForeignKey(
        System, on_delete=models.CASCADE, related_name="system_contacts", verbose_name=_("system")
    )
    contact = models.ForeignKey(
        ContactPerson, on_delete=models.CASCADE, related_name="system_contacts", verbose_name=_("contact person")
    )
    role = models.CharField(_("role"), max_length=10, choices=ContactRole.choices, default=ContactRole.PRIMARY)
    history = HistoricalRecords()

    class Meta:
        ordering = ["system__code", "role"]
        verbose_name = _("system contact")
        verbose_name_plural = _("system contacts")
        # The contact list's role filter (and its count) reads this index only.
        indexes = [models.Index(fields=["role", "contact"], name="systemcontact_role_contact")]
        constraints = [
            models.UniqueConstraint(
                fields=["system", "contact", "role"],
                name="systemcontact_unique_role",
                violation_error_message=_("This person already has this role for this system."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contact} – {self.get_role_display()} – {self.system.code}"

    def get_absolute_url(self) -> str:
        return reverse("systems:system_detail", args=[self.system_id])
