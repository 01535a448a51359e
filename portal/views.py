"""Thin views of the customer portal: scope from selectors, writes through services."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from migportal.access import STAFF_PERMISSION
from migportal.formats import plural_count
from migportal.generic_views import StaffListView
from migportal.pagination import paginate_table
from ops.throttling import client_ip
from systems.models import System

from . import selectors, services
from .access import contact_required, portal_reader_required, staff_required
from .choices import TestResult
from .emails import absolute
from .forms import LoginLinkRequestForm, TestReportForm
from .models import FeedToken
from .selectors import contact_for
from .tables import (
    AcknowledgementOverviewTable,
    EscalationTable,
    ExpectedContactTable,
    PortalNoticeTable,
    PortalSystemTable,
)

# --- Login by one-time link ---------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def login_request(request):
    """Ask for a login link. The answer is the same whether or not the address is known."""
    form = LoginLinkRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.login_link_request(email=form.cleaned_data["email"], ip=client_ip(request))
        except services.LoginThrottled:
            form.add_error(None, _("Too many requests. Wait a few minutes and try again."))
            return render(request, "portal/login.html", {"form": form}, status=429)
        return redirect("portal:login_sent")
    return render(request, "portal/login.html", {"form": form})


def login_sent(request):
    return render(request, "portal/login_sent.html", {"minutes": settings.PORTAL_LOGIN_LINK_MAX_AGE_MINUTES})


@require_http_methods(["GET", "POST"])
def login_link(request, pk: int, secret: str):
    """GET shows a button (mail scanners that follow links must not use them up); POST logs in once."""
    minutes = settings.PORTAL_LOGIN_LINK_MAX_AGE_MINUTES
    if request.method == "POST":
        user = services.login_link_redeem(link_id=pk, secret=secret)
        if user is not None:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            response = redirect("portal:notice_list")
            # The portal speaks the language the contact person chose (the language form can change it).
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                user.contact_person.language,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
            return response
        return render(request, "portal/login_link.html", {"valid": False, "minutes": minutes}, status=400)
    valid = services.login_link_find(link_id=pk, secret=secret) is not None
    return render(request, "portal/login_link.html", {"valid": valid, "minutes": minutes}, status=200 if valid else 400)


# --- Notices -----------------------------------------------------------------------------------------


@portal_reader_required
def notice_list(request):
    table = paginate_table(request, PortalNoticeTable(selectors.notice_list(request.user)))
    return render(request, "portal/notice_list.html", {"table": table, "portal_section": "notices"})


@portal_reader_required
def notice_detail(request, pk: int):
    notice = get_object_or_404(selectors.notices_for(request.user).select_related("wave"), pk=pk)
    contact = request.contact
    # The agency's acknowledgements include the contact's own: one query serves both.
    acknowledgements = list(selectors.agency_acknowledgements(notice, contact)) if contact else None
    title, body, systems = selectors.notice_as_read_by(notice, request.user, contact, translation.get_language())
    return render(
        request,
        "portal/notice_detail.html",
        {
            "notice": notice,
            "title": title,
            "body": body,
            "systems": systems,
            "chain": selectors.notice_chain(notice, request.user),
            "acknowledgements": acknowledgements,
            "my_acknowledgement": next((ack for ack in acknowledgements or () if ack.contact_id == contact.pk), None),
            "current": bool(contact) and selectors.notice_is_current_for(notice, contact),
            "upcoming": notice.window_end > timezone.now(),
            "portal_section": "notices",
        },
    )


@require_POST
@contact_required
def notice_acknowledge(request, pk: int):
    notice = get_object_or_404(selectors.notices_for_contact(request.contact), pk=pk)
    try:
        services.acknowledgement_create(notice=notice, contact=request.contact)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Thank you. We have recorded that your agency is informed."))
    return redirect("portal:notice_detail", pk=notice.pk)


@require_POST
@contact_required
def notice_unacknowledge(request, pk: int):
    notice = get_object_or_404(selectors.notices_for_contact(request.contact), pk=pk)
    if services.acknowledgement_undo(notice=notice, contact=request.contact):
        messages.success(request, _("Your acknowledgement is withdrawn."))
    return redirect("portal:notice_detail", pk=notice.pk)


# --- Systems and tests ---------------------------------------------------------------------------------


@portal_reader_required
def system_list(request):
    table = paginate_table(request, PortalSystemTable(selectors.portal_system_list(request.user)))
    return render(request, "portal/system_list.html", {"table": table, "portal_section": "systems"})


@require_http_methods(["GET", "POST"])
@contact_required
def system_test(request, pk: int):
    """A tester reports the result of testing a migrated system."""
    system = get_object_or_404(selectors.tester_systems(request.contact).select_related("agency", "wave"), pk=pk)
    form = TestReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            report = services.test_report_create(
                system=system, contact=request.contact, by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if report.result == TestResult.OK:
                messages.success(request, _("Thank you. %(system)s is now verified.") % {"system": system.code})
            else:
                messages.success(
                    request,
                    _("Thank you. The project staff are alerted about the problems with %(system)s.")
                    % {"system": system.code},
                )
            return redirect("portal:system_list")
    return render(
        request,
        "portal/system_test.html",
        {
            "system": system,
            "form": form,
            "problems": selectors.open_test_problems(system),
            "portal_section": "systems",
        },
    )


# --- Subscriptions ---------------------------------------------------------------------------------------


@contact_required
def subscriptions(request):
    token = FeedToken.objects.filter(contact=request.contact).first()
    urls = None
    if token:
        urls = {
            "calendar": absolute(reverse("portal:calendar_feed", kwargs={"token": token.key})),
            "atom": absolute(reverse("portal:atom_feed", kwargs={"token": token.key})),
        }
    return render(
        request, "portal/subscriptions.html", {"token": token, "urls": urls, "portal_section": "subscriptions"}
    )


@require_POST
@contact_required
def subscriptions_regenerate(request):
    had_token = FeedToken.objects.filter(contact=request.contact).exists()
    services.feed_token_regenerate(contact=request.contact)
    if had_token:
        messages.success(request, _("New subscription links are made. The old links no longer work."))
    else:
        messages.success(request, _("Your subscription links are ready."))
    return redirect("portal:subscriptions")


# --- Staff: acknowledgements and escalation ------------------------------------------------------------


class _PortalStaffListView(StaffListView):
    """A staff overview in the portal: project staff only; a staff member who is also a contact keeps their menu."""

    permission_required = STAFF_PERMISSION

    def dispatch(self, request, *args, **kwargs):
        request.contact = contact_for(request.user) if request.user.is_authenticated else None
        return super().dispatch(request, *args, **kwargs)


class StaffAcknowledgementListView(_PortalStaffListView):
    queryset = selectors.acknowledgement_overview()
    table_class = AcknowledgementOverviewTable
    template_name = "portal/staff/acknowledgement_list.html"
    extra_context = {"portal_section": "acks"}


@require_safe
@staff_required
def staff_acknowledgement_detail(request, pk: int):
    notice = get_object_or_404(selectors.published_notices().select_related("wave"), pk=pk)
    contacts = list(selectors.expected_contacts(notice))
    asked = [contact for contact in contacts if not contact.asked_again]
    return render(
        request,
        "portal/staff/acknowledgement_detail.html",
        {
            "notice": notice,
            "acknowledged": ExpectedContactTable(
                [c for c in asked if c.acknowledged_at], prefix="yes-", caption=_("Acknowledged")
            ),
            "missing": ExpectedContactTable(
                [c for c in asked if not c.acknowledged_at], prefix="no-", caption=_("Not acknowledged")
            ),
            "asked_again": ExpectedContactTable(
                [c for c in contacts if c.asked_again], prefix="again-", caption=_("Asked again in a later notice")
            ),
            "portal_section": "acks",
        },
    )


class StaffEscalationsView(_PortalStaffListView):
    model = System
    table_class = EscalationTable
    template_name = "portal/staff/escalations.html"

    def get_queryset(self):
        return selectors.escalation_systems(now=timezone.now())

    def get_context_data(self, **kwargs):
        days = settings.PORTAL_ESCALATION_DAYS
        return super().get_context_data(
            days=days, plural_days=plural_count(days), portal_section="escalations", **kwargs
        )
