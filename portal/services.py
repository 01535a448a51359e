"""Writes of the customer portal: login links, feed tokens, acknowledgements, test reports, reminders."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _

from notifications.choices import DeliveryKind
from notifications.models import Acknowledgement, Notice
from notifications.services import delivery_attempt, emails_queue
from ops import throttling
from systems.choices import MigrationStatus
from systems.models import ContactPerson, System
from systems.services import record_change, system_transition

from . import emails, selectors
from .choices import TestResult
from .models import AckReminder, FeedToken, LoginLink, TestReport

logger = logging.getLogger(__name__)


class LoginThrottled(Exception):
    """Too many login-link requests from one client; the view answers 429."""


# --- Login links -----------------------------------------------------------------------------------


def _over_limit(kind: str, value: str, limit: int) -> bool:
    return throttling.over_limit(
        f"portal-login-{kind}", value, limit, window_seconds=settings.PORTAL_LOGIN_THROTTLE_WINDOW_SECONDS
    )


def may_log_in_by_link(contact: ContactPerson) -> bool:
    """Staff accounts keep password login: a link never opens an account with staff rights."""
    user = contact.user
    if user is None:
        return True
    return (
        user.is_active
        and not user.is_staff
        and not user.is_superuser
        and not user.groups.exists()
        and not user.user_permissions.exists()
    )


def login_link_request(*, email: str, ip: str | None) -> None:
    """Ask for a login link to be e-mailed to this address.

    The same work whether or not the address belongs to a contact person who may log in by link: the throttles
    (per client IP and per address) are counted, then one task with the address is enqueued after commit; the
    task looks the contact up and sends (login_link_send). So neither the answer nor its timing tells an
    unknown address from a known one. Raises LoginThrottled when the client IP is over its limit; an address
    over its own limit is dropped silently (the same answer again).
    """
    if ip and _over_limit("ip", ip, settings.PORTAL_LOGIN_THROTTLE_PER_IP):
        raise LoginThrottled
    address = email.strip().lower()
    if _over_limit("email", address, settings.PORTAL_LOGIN_THROTTLE_PER_EMAIL):
        logger.info("login link throttled for an address")
        return
    from .tasks import send_login_link

    transaction.on_commit(lambda: send_login_link.delay(address, ip))


def login_link_send(*, email: str, ip: str | None = None) -> LoginLink | None:
    """Make a login link for the contact person with this address and e-mail it at once, through the delivery
    ledger (a temporary SMTP error is retried, a permanent one ends the row failed). None, and nothing sent, for
    an unknown address or a staff account."""
    contact = ContactPerson.objects.filter(email__iexact=email.strip()).select_related("user").first()
    if contact is None or not may_log_in_by_link(contact):
        return None
    with transaction.atomic():
        link = LoginLink.objects.create(
            contact=contact,
            expires_at=timezone.now() + timedelta(minutes=settings.PORTAL_LOGIN_LINK_MAX_AGE_MINUTES),
            requested_from=ip,
        )
        delivery_ids = emails_queue(
            kind=DeliveryKind.LOGIN_LINK, recipients=[(link.pk, contact.email, contact)], enqueue=False
        )
    for delivery_id in delivery_ids:  # sent here and now: the link lives only minutes
        delivery_attempt(delivery_id=delivery_id)
    return link


def login_link_find(*, link_id: int, secret: str, now: datetime | None = None) -> LoginLink | None:
    """The link if the secret matches and it is unused and unexpired, else None."""
    now = now or timezone.now()
    link = LoginLink.objects.select_related("contact__user").filter(pk=link_id).first()
    if link is None or not constant_time_compare(link.secret, secret):
        return None
    if link.used_at is not None or link.expires_at <= now or not may_log_in_by_link(link.contact):
        return None
    return link


def _user_for_contact(contact: ContactPerson) -> AbstractBaseUser:
    if contact.user is not None:
        return contact.user
    user_model = get_user_model()
    username, suffix = f"kontakt-{contact.pk}", 1
    while user_model.objects.filter(username=username).exists():
        suffix += 1
        username = f"kontakt-{contact.pk}-{suffix}"
    user = user_model(username=username, email=contact.email, first_name=contact.name[:150])
    user.set_unusable_password()
    user.save()
    contact.user = user
    record_change(contact, by=None, reason="Login link used for the first time")
    contact.save(update_fields=["user"])
    return user


def login_link_redeem(*, link_id: int, secret: str) -> AbstractBaseUser | None:
    """Use a login link once: mark it used, void the contact's other open links, return the user to log in."""
    now = timezone.now()
    with transaction.atomic():
        if login_link_find(link_id=link_id, secret=secret, now=now) is None:
            return None
        # Claim: only one request can turn used_at from NULL to now.
        if not LoginLink.objects.filter(pk=link_id, used_at__isnull=True, expires_at__gt=now).update(used_at=now):
            return None
        link = LoginLink.objects.select_related("contact__user").get(pk=link_id)
        LoginLink.objects.filter(contact=link.contact, used_at__isnull=True).update(expires_at=now)
        return _user_for_contact(link.contact)


def login_links_purge(*, now: datetime, keep_days: int = 7) -> int:
    """Delete login links that expired more than `keep_days` ago (kept a while for the admin's audit view)."""
    deleted, _rows = LoginLink.objects.filter(expires_at__lt=now - timedelta(days=keep_days)).delete()
    return deleted


# --- Feed tokens -----------------------------------------------------------------------------------


def feed_token_regenerate(*, contact: ContactPerson) -> FeedToken:
    """Create the contact's feed token, or replace it: the old calendar and feed URLs stop working at once."""
    with transaction.atomic():
        FeedToken.objects.filter(contact=contact).delete()
        return FeedToken.objects.create(contact=contact)


# --- Acknowledgements ------------------------------------------------------------------------------


def acknowledgement_create(*, notice: Notice, contact: ContactPerson) -> Acknowledgement:
    """Record that the contact's agency is informed of a published notice (idempotent); refused once a later
    notice changed one of the contact's systems (that one is to be confirmed instead)."""
    if not selectors.notices_for_contact(contact).filter(pk=notice.pk).exists():
        raise PermissionDenied
    if not selectors.notice_is_current_for(notice, contact):
        raise ValidationError(
            _("This notice has been replaced by a newer one; acknowledge the newest notice."), code="not_current"
        )
    acknowledgement, _created = Acknowledgement.objects.get_or_create(notice=notice, contact=contact)
    return acknowledgement


def acknowledgement_undo(*, notice: Notice, contact: ContactPerson) -> bool:
    """Withdraw the contact's own acknowledgement; True if there was one."""
    deleted, _rows = Acknowledgement.objects.filter(notice=notice, contact=contact).delete()
    return bool(deleted)


# --- Test reports ----------------------------------------------------------------------------------


def test_report_create(
    *, system: System, contact: ContactPerson, by: AbstractBaseUser | None, result: str, text: str = ""
) -> TestReport:
    """A tester's result for a migrated system. OK → the system becomes verified and earlier problems are
    resolved; problems → the system stays migrated and the editors are alerted by e-mail after commit."""
    if not selectors.tester_systems(contact).filter(pk=system.pk).exists():
        raise PermissionDenied
    with transaction.atomic():
        system = System.objects.select_for_update().get(pk=system.pk)
        if system.status != MigrationStatus.MIGRATED:
            raise ValidationError(
                _("Only a migrated system can be tested; %(system)s is “%(status)s”.")
                % {"system": system.code, "status": system.get_status_display()},
                code="not_migrated",
            )
        report = TestReport(system=system, contact=contact, reported_by=by, result=result, text=text.strip())
        report.full_clean()
        report.save()
        if result == TestResult.OK:
            system_transition(
                system=system,
                to=MigrationStatus.VERIFIED,
                by=by,
                reason=f"Test OK by {contact.name}" + (f": {report.text}" if report.text else ""),
            )
            TestReport.objects.filter(system=system, result=TestResult.PROBLEMS, resolved_at__isnull=True).update(
                resolved_at=timezone.now()
            )
        else:
            emails_queue(kind=DeliveryKind.TEST_PROBLEM, recipients=emails.editor_recipients(about=report.pk))
    return report


# --- Escalation ------------------------------------------------------------------------------------


def escalation_alert_send(*, now: datetime) -> int:
    """E-mail the editors the escalation list once a day if it is not empty; returns the number of systems
    (0 when there are none, or when today's e-mail was queued already: beat ran twice, or the task was
    redelivered)."""
    count = selectors.escalation_systems(now=now).count()
    if not count:
        return 0
    day = timezone.localtime(now).date().toordinal()
    queued = emails_queue(kind=DeliveryKind.ESCALATION, recipients=emails.editor_recipients(about=day))
    return count if queued else 0


# --- Acknowledgement reminders ---------------------------------------------------------------------


def ack_reminders_create(*, now: datetime) -> int:
    """Remind every contact person who should be: a reminder row each (never two for one notice and person),
    e-mailed through the delivery ledger. Returns how many reminders were made."""
    pairs = selectors.due_ack_reminders(now=now)
    if not pairs:
        return 0
    with transaction.atomic():
        AckReminder.objects.bulk_create(
            [AckReminder(notice_id=notice_id, contact_id=contact_id) for notice_id, contact_id in sorted(pairs)],
            ignore_conflicts=True,
        )
        made = [
            reminder
            for reminder in AckReminder.objects.filter(
                notice_id__in={notice_id for notice_id, _contact in pairs},
                contact_id__in={contact_id for _notice, contact_id in pairs},
            ).select_related("contact")
            if (reminder.notice_id, reminder.contact_id) in pairs
        ]
        emails_queue(
            kind=DeliveryKind.ACK_REMINDER,
            recipients=[(reminder.pk, reminder.contact.email, reminder.contact) for reminder in made],
        )
    return len(made)
