"""One row of every model, built so a page can show it; the XSS corpus and the GET walk share it.

After a merge, add a builder here for each new model (MODEL_BUILDERS); `test_xss` fails until every
free-text field of every model is covered by at least one surface.
"""

from datetime import timedelta

from django.utils import timezone

from dashboard.models import WeeklySnapshot
from notifications.models import Acknowledgement, Delivery, DeliveryAttempt, Notice, WebhookEndpoint
from planning.models import BlackoutPeriod, Proposal, TesterCapacity
from portal.models import AckReminder, FeedToken, LoginLink, TestReport
from systems.inventory.models import ImportFile, ImportJob
from systems.models import VM, Agency, ContactPerson, System, SystemContact
from tests.factories import (
    AcknowledgementFactory,
    AgencyFactory,
    ContactPersonFactory,
    NoticeFactory,
    SystemContactFactory,
    SystemFactory,
    UserFactory,
    VMFactory,
    WaveFactory,
)
from waves.models import Wave


def build_delivery(**fields) -> Delivery:
    notice = fields.pop("notice", None) or NoticeFactory()
    defaults = {"channel": "email", "recipient": "kontakt@kommune.example", "state": "failed", "attempts": 1}
    return Delivery.objects.create(notice=notice, **{**defaults, **fields})


def build_delivery_attempt(**fields) -> DeliveryAttempt:
    delivery = fields.pop("delivery", None) or build_delivery()
    defaults = {"number": 1, "started_at": timezone.now(), "outcome": "temporary", "error": "SMTP 451"}
    return DeliveryAttempt.objects.create(delivery=delivery, **{**defaults, **fields})


def build_webhook_endpoint(**fields) -> WebhookEndpoint:
    defaults = {"url": "https://kundeportal.example/hooks", "disabled_at": timezone.now(), "disabled_reason": "410"}
    return WebhookEndpoint.objects.create(**{**defaults, **fields})


def build_snapshot(**fields) -> WeeklySnapshot:
    defaults = {"iso_year": 2026, "iso_week": 47, "taken_at": timezone.now() - timedelta(days=3),
                "counts": {"systems": {"production": {"migrated": 3}}}}  # fmt: skip
    return WeeklySnapshot.objects.create(**{**defaults, **fields})


def build_login_link(**fields) -> LoginLink:
    contact = fields.pop("contact", None) or ContactPersonFactory()
    return LoginLink.objects.create(contact=contact, expires_at=timezone.now() + timedelta(minutes=15), **fields)


def build_feed_token(**fields) -> FeedToken:
    """A feed token of a contact person with a login (feeds stop when the login is deactivated or deleted)."""
    contact = fields.pop("contact", None) or ContactPersonFactory(user=UserFactory())
    return FeedToken.objects.create(contact=contact, **fields)


def build_test_report(**fields) -> TestReport:
    defaults = {"result": "problems", "text": "Innlogging feiler etter flytting."}
    return TestReport.objects.create(
        system=fields.pop("system", None) or SystemFactory(),
        contact=fields.pop("contact", None) or ContactPersonFactory(),
        **{**defaults, **fields},
    )


def build_ack_reminder(**fields) -> AckReminder:
    return AckReminder.objects.create(
        notice=fields.pop("notice", None) or NoticeFactory(),
        contact=fields.pop("contact", None) or ContactPersonFactory(),
        **fields,
    )


def build_import_job(**fields) -> ImportJob:
    """A checked import (the preview page) of one file; `created_by` is the only user who may open it."""
    defaults = {"state": ImportJob.State.FAILED, "failure": "Filen kunne ikke leses."}
    job = ImportJob.objects.create(created_by=fields.pop("created_by", None) or UserFactory(), **{**defaults, **fields})
    ImportFile.objects.create(job=job, name="systems.csv", content=b"code;name\n", size=10)
    return job


def build_import_file(**fields) -> ImportFile:
    job = fields.pop("job", None) or build_import_job()
    defaults = {"name": "systems.csv", "content": b"code;name\n", "size": 10}
    return ImportFile.objects.create(job=job, **{**defaults, **fields})


MODEL_BUILDERS = {
    Agency: AgencyFactory,
    System: SystemFactory,
    VM: VMFactory,
    ContactPerson: ContactPersonFactory,
    SystemContact: SystemContactFactory,
    Wave: WaveFactory,
    Notice: NoticeFactory,
    Delivery: build_delivery,
    DeliveryAttempt: build_delivery_attempt,
    WebhookEndpoint: build_webhook_endpoint,
    Acknowledgement: AcknowledgementFactory,
    WeeklySnapshot: build_snapshot,
    LoginLink: build_login_link,
    FeedToken: build_feed_token,
    TestReport: build_test_report,
    AckReminder: build_ack_reminder,
    ImportJob: build_import_job,
    ImportFile: build_import_file,
}


def one_of_everything(user) -> dict:
    """A connected set of rows: `user` is a contact person for a system in a wave with a published notice."""
    agency = AgencyFactory()
    wave = WaveFactory()
    system = SystemFactory(agency=agency, wave=wave)
    vm = VMFactory(system=system)
    contact = ContactPersonFactory(agency=agency, user=user, email=user.email or "admin@kommune.example")
    system_contact = SystemContactFactory(system=system, contact=contact)
    notice = NoticeFactory(wave=wave)
    notice.systems.add(system)
    delivery = build_delivery(notice=notice, contact=contact, recipient=contact.email)
    acknowledgement = AcknowledgementFactory(notice=NoticeFactory(wave=wave, kind="reminder"), contact=contact)
    snapshot = build_snapshot()
    SystemContactFactory(system=system, contact=contact, role="tester")
    import_job = build_import_job(created_by=user)
    today = timezone.localdate()
    return {ImportJob: import_job, ImportFile: import_job.files.get(),
            BlackoutPeriod: BlackoutPeriod.objects.create(name="Juleferie", start=today, end=today + timedelta(days=7)),
            TesterCapacity: TesterCapacity.objects.create(agency=agency, wave=wave, capacity=3),
            Proposal: Proposal.objects.create(created_by=user, time_limit_seconds=10),
            Agency: agency, Wave: wave, System: system, VM: vm, ContactPerson: contact,
            SystemContact: system_contact, Notice: notice, Delivery: delivery,
            DeliveryAttempt: build_delivery_attempt(delivery=delivery), WebhookEndpoint: build_webhook_endpoint(),
            Acknowledgement: acknowledgement, WeeklySnapshot: snapshot,
            LoginLink: build_login_link(contact=contact), FeedToken: build_feed_token(contact=contact),
            TestReport: build_test_report(system=system, contact=contact),
            AckReminder: build_ack_reminder(notice=notice, contact=contact)}  # fmt: skip
