"""One django-tables2 Table per listed model; detail pages reuse them filtered by the list's parameters.

Columns of model fields with choices (status, environment, criticality) show their translated labels by
themselves: django-tables2 calls get_<field>_display, also through an accessor such as system__environment.
"""

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from migportal.tables import BaseTable, LocalDateTimeColumn

from .models import VM, Agency, ContactPerson, System, SystemContact


class AgencyTable(BaseTable):
    code = tables.Column(verbose_name=_("code"), linkify=True)
    name = tables.Column(verbose_name=_("name"), linkify=True)
    kind = tables.Column(verbose_name=_("kind"))
    system_count = tables.Column(verbose_name=_("systems"), attrs={"td": {"class": "num"}})
    contact_count = tables.Column(verbose_name=_("contact persons"), attrs={"td": {"class": "num"}})

    class Meta(BaseTable.Meta):
        model = Agency
        fields = ("select", "code", "name", "kind", "system_count", "contact_count")
        default_columns = ("code", "name", "kind", "system_count", "contact_count")


class SystemTable(BaseTable):
    code = tables.Column(verbose_name=_("code"), linkify=True)
    name = tables.Column(verbose_name=_("name"), linkify=True)
    # Shows the code; linkify=True would resolve "agency__code" to a string and link the system instead.
    agency = tables.Column(
        verbose_name=_("agency"),
        accessor="agency__code",
        linkify=("systems:agency_detail", [tables.A("agency_id")]),
        order_by=("agency__code",),
    )
    environment = tables.Column(verbose_name=_("environment"))
    criticality = tables.Column(verbose_name=_("criticality"))
    status = tables.Column(verbose_name=_("status"))
    wave = tables.Column(verbose_name=_("wave"), linkify=True, order_by=("wave__window_start", "wave__name"))
    vm_count = tables.Column(
        verbose_name=_("VMs"), accessor="vm_tally", order_by=("vm_tally", "code"), attrs={"td": {"class": "num"}}
    )
    primary_contact_count = tables.Column(verbose_name=_("primary contacts"), attrs={"td": {"class": "num"}})
    source_datacenter = tables.Column(verbose_name=_("source data centre"))
    target_datacenter = tables.Column(verbose_name=_("target data centre"))
    migrated_at = LocalDateTimeColumn(verbose_name=_("migrated at"))
    updated_at = LocalDateTimeColumn(verbose_name=_("updated"))

    class Meta(BaseTable.Meta):
        model = System
        fields = (
            "select",
            "code",
            "name",
            "agency",
            "environment",
            "criticality",
            "status",
            "wave",
            "vm_count",
            "primary_contact_count",
            "source_datacenter",
            "target_datacenter",
            "migrated_at",
            "updated_at",
        )
        default_columns = ("code", "name", "agency", "environment", "criticality", "status", "wave", "vm_count")


class VMTable(BaseTable):
    hostname = tables.Column(verbose_name=_("host name"), linkify=True)
    system = tables.Column(verbose_name=_("system"), linkify=True, order_by=("system__code",))
    agency = tables.Column(
        verbose_name=_("agency"), accessor="system__agency__code", order_by=("system__agency__code",)
    )
    environment = tables.Column(
        verbose_name=_("environment"), accessor="system__environment", order_by=("system__environment",)
    )
    wave = tables.Column(
        verbose_name=_("wave"),
        accessor="system__wave",
        linkify=True,
        order_by=("system__wave__window_start", "system__wave__name"),
    )
    os = tables.Column(verbose_name=_("operating system"))
    vcpus = tables.Column(verbose_name=_("vCPUs"), attrs={"td": {"class": "num"}})
    memory_gb = tables.Column(verbose_name=_("memory (GB)"), attrs={"td": {"class": "num"}})
    disk_gb = tables.Column(verbose_name=_("disk (GB)"), attrs={"td": {"class": "num"}})
    status = tables.Column(verbose_name=_("status"))
    migrated_at = LocalDateTimeColumn(verbose_name=_("migrated at"))

    class Meta(BaseTable.Meta):
        model = VM
        fields = (
            "select",
            "hostname",
            "system",
            "agency",
            "environment",
            "wave",
            "os",
            "vcpus",
            "memory_gb",
            "disk_gb",
            "status",
            "migrated_at",
        )
        default_columns = ("hostname", "system", "wave", "os", "vcpus", "memory_gb", "disk_gb", "status")

    def render_system(self, record):
        return record.system.code

    def value_system(self, record):
        return record.system.code


class ContactPersonTable(BaseTable):
    name = tables.Column(verbose_name=_("name"), linkify=True)
    email = tables.EmailColumn(verbose_name=_("e-mail"))
    phone = tables.Column(verbose_name=_("phone"))
    agency = tables.Column(verbose_name=_("agency"), linkify=True, order_by=("agency__code",))
    language = tables.Column(verbose_name=_("language"))
    system_count = tables.Column(verbose_name=_("systems"), attrs={"td": {"class": "num"}})

    class Meta(BaseTable.Meta):
        model = ContactPerson
        fields = ("select", "name", "email", "phone", "agency", "language", "system_count")
        default_columns = ("name", "email", "phone", "agency", "system_count")

    def render_agency(self, record):
        return record.agency.code


class SystemContactTable(BaseTable):
    """Who has which role for which system (a system's contacts, a contact person's systems)."""

    system = tables.Column(verbose_name=_("system"), linkify=True, order_by=("system__code",))
    contact = tables.Column(verbose_name=_("contact person"), linkify=True, order_by=("contact__name",))
    email = tables.EmailColumn(verbose_name=_("e-mail"), accessor="contact__email", order_by=("contact__email",))
    phone = tables.Column(verbose_name=_("phone"), accessor="contact__phone", order_by=("contact__phone",))
    role = tables.Column(verbose_name=_("role"))
    remove = tables.TemplateColumn(
        template_name="systems/includes/systemcontact_remove.html",
        verbose_name=_("Remove"),
        orderable=False,
        exclude_from_export=True,
    )

    class Meta(BaseTable.Meta):
        model = SystemContact
        fields = ("system", "contact", "email", "phone", "role", "remove")
        default_columns = ("system", "contact", "email", "phone", "role", "remove")

    def render_system(self, record):
        return record.system.code
