"""django-tables2 tables of the portal: one per list shown."""

import django_tables2 as tables
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from migportal.formats import datetime_text, window_text
from migportal.tables import BaseTable
from notifications.choices import NoticeState
from notifications.messages import notice_text
from notifications.models import Notice
from systems.choices import MigrationStatus
from systems.models import ContactPerson, System

from .choices import TestResult


def _is_upcoming(notice: Notice) -> bool:
    return notice.state == NoticeState.PUBLISHED and notice.window_end > timezone.now()


class PortalNoticeTable(BaseTable):
    """A contact person's notices, newest first; upcoming windows highlighted (class and text)."""

    title = tables.Column(
        verbose_name=_("Notice"), empty_values=(), linkify=("portal:notice_detail", {"pk": tables.A("pk")})
    )
    kind = tables.Column(verbose_name=_("Kind"))
    wave = tables.Column(verbose_name=_("Wave"))
    window = tables.Column(verbose_name=_("Migration window"), empty_values=(), accessor="window_start")
    published_at = tables.Column(verbose_name=_("Published"))
    state = tables.Column(verbose_name=_("Status"), empty_values=())

    class Meta(BaseTable.Meta):
        model = Notice
        fields = ["title", "kind", "wave", "window", "published_at", "state"]
        orderable = False
        attrs = {**BaseTable.Meta.attrs, "class": "object-table notice-table"}
        row_attrs = {"class": lambda record: "upcoming" if _is_upcoming(record) else ""}
        empty_text = _("There are no notices for your systems yet.")

    def render_title(self, record: Notice):
        """In the reader's language: a notice is stored in bokmål, its English text is made from the template."""
        title = notice_text(record, translation.get_language())[0]
        return title or f"{record.get_kind_display().capitalize()}: {record.wave.name}"

    def render_kind(self, record: Notice):
        return record.get_kind_display().capitalize()

    def render_window(self, record: Notice):
        return window_text(record.window_start, record.window_end)

    def render_published_at(self, value):
        return datetime_text(value)

    def render_state(self, record: Notice):
        badges = []
        if record.state == NoticeState.SUPERSEDED or getattr(record, "asked_again", False):
            badges.append(format_html('<span class="badge">{}</span>', _("Replaced by a newer notice")))
        elif _is_upcoming(record):
            badges.append(format_html('<span class="badge badge-warn">{}</span>', _("Upcoming")))
        if getattr(record, "acknowledged", False):
            badges.append(format_html('<span class="badge badge-ok">{}</span>', _("Acknowledged")))
        return format_html(" ".join(["{}"] * len(badges)), *badges) if badges else "–"


class PortalSystemTable(BaseTable):
    """A contact person's systems with status, wave and window; testers get a link to report a test."""

    code = tables.Column(verbose_name=_("Code"))
    name = tables.Column(verbose_name=_("System"))
    agency = tables.Column(verbose_name=_("Agency"), accessor="agency__name")
    environment = tables.Column(verbose_name=_("Environment"))
    status = tables.Column(verbose_name=_("Status"))
    wave = tables.Column(verbose_name=_("Wave"))
    window = tables.Column(verbose_name=_("Migration window"), empty_values=(), accessor="wave__window_start")
    test = tables.Column(verbose_name=_("Test"), empty_values=(), accessor="pk")

    class Meta(BaseTable.Meta):
        model = System
        fields = ["code", "name", "agency", "environment", "status", "wave", "window", "test"]
        orderable = False
        attrs = {**BaseTable.Meta.attrs, "class": "object-table system-table"}
        empty_text = _("No systems are registered for you or your agency.")

    def render_window(self, record: System):
        if record.downtime_start and record.downtime_end:
            return window_text(record.downtime_start, record.downtime_end)
        if record.wave:
            return window_text(record.wave.window_start, record.wave.window_end)
        return "–"

    def render_test(self, record: System):
        """The latest test result reported (by anyone), and for its testers a link while the system waits for one."""
        shown = []
        if record.last_test_result:
            ok = record.last_test_result == TestResult.OK
            shown.append(
                format_html(
                    '<span class="badge {}">{}</span> {}',
                    "badge-ok" if ok else "badge-warn",
                    _("Tested: OK") if ok else _("Problems reported"),
                    datetime_text(record.last_test_at),
                )
            )
        if getattr(record, "is_tester", False) and record.status == MigrationStatus.MIGRATED:
            shown.append(
                format_html(
                    '<a href="{}">{}<span class="visually-hidden"> {}</span></a>',
                    reverse("portal:system_test", kwargs={"pk": record.pk}),
                    _("Report test result"),
                    record.code,
                )
            )
        return format_html("<br>".join(["{}"] * len(shown)), *shown) if shown else "–"


class AcknowledgementOverviewTable(BaseTable):
    """Staff: published notices with how many contact persons acknowledged of those who should."""

    title = tables.Column(
        verbose_name=_("Notice"),
        empty_values=(),
        linkify=("portal:staff_acknowledgement_detail", {"pk": tables.A("pk")}),
    )
    wave = tables.Column(verbose_name=_("Wave"))
    window = tables.Column(verbose_name=_("Migration window"), empty_values=(), accessor="window_start")
    published_at = tables.Column(verbose_name=_("Published"))
    acknowledged_count = tables.Column(verbose_name=_("Acknowledged"))
    expected_count = tables.Column(verbose_name=_("Contact persons"))

    class Meta(BaseTable.Meta):
        model = Notice
        fields = ["title", "wave", "window", "published_at", "acknowledged_count", "expected_count"]
        orderable = False
        empty_text = _("No published notices.")

    render_title = PortalNoticeTable.render_title
    render_window = PortalNoticeTable.render_window

    def render_published_at(self, value):
        return datetime_text(value)


class ExpectedContactTable(BaseTable):
    """Staff: the contact persons of a notice's systems and whether each acknowledged it."""

    name = tables.Column(verbose_name=_("Contact person"))
    agency = tables.Column(verbose_name=_("Agency"), accessor="agency__name", default="–")
    email = tables.EmailColumn(verbose_name=_("E-mail"))
    phone = tables.Column(verbose_name=_("Phone"), default="–")
    acknowledged_at = tables.Column(verbose_name=_("Acknowledged"), empty_values=())
    earlier_acknowledged_at = tables.Column(verbose_name=_("Confirmed an earlier notice"), empty_values=())

    class Meta(BaseTable.Meta):
        model = ContactPerson
        fields = ["name", "agency", "email", "phone", "acknowledged_at", "earlier_acknowledged_at"]
        orderable = False
        empty_text = _("Nobody.")

    def render_acknowledged_at(self, value):
        return datetime_text(value) if value else _("Not acknowledged")

    def render_earlier_acknowledged_at(self, value):
        return datetime_text(value) if value else "–"


class EscalationTable(BaseTable):
    """Staff: systems whose window is near and whose notices nobody acknowledged."""

    code = tables.Column(verbose_name=_("Code"))
    name = tables.Column(verbose_name=_("System"))
    agency = tables.Column(verbose_name=_("Agency"), accessor="agency__name")
    wave = tables.Column(verbose_name=_("Wave"))
    window_starts = tables.Column(verbose_name=_("Window starts"))
    latest_notice_at = tables.Column(verbose_name=_("Latest notice published"), empty_values=())
    contact_count = tables.Column(verbose_name=_("Contact persons"))

    class Meta(BaseTable.Meta):
        model = System
        fields = ["code", "name", "agency", "wave", "window_starts", "latest_notice_at", "contact_count"]
        orderable = False
        empty_text = _("No systems need escalation.")

    def render_window_starts(self, value):
        return datetime_text(value)

    def render_latest_notice_at(self, value):
        return datetime_text(value) if value else _("No notice published")
