"""Staff pages for wave planning under /planning/: proposals, move groups, contact coverage, blackout periods,
tester capacities and the wave calendar. Writes go through planning.services."""

import calendar as monthcalendar
from datetime import date, datetime, timedelta

import icalendar
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.generic import DetailView, TemplateView, View

from migportal.generic_views import (
    ObjectDeleteView,
    ObjectEditView,
    ObjectListView,
    StaffPermissionMixin,
    message_errors,
    message_form_errors,
)
from notifications.messages import downtime_event
from portal.feeds import site_domain
from systems.filters import ContactPersonFilterSet, SystemFilterSet
from systems.models import System
from systems.tables import ContactPersonTable
from waves.choices import WaveState
from waves.models import Wave

from . import selectors, services
from .choices import ProposalState
from .filters import BlackoutPeriodFilterSet, TesterCapacityFilterSet
from .forms import AcceptForm, BlackoutPeriodForm, GroupWaveForm, TesterCapacityForm
from .models import BlackoutPeriod, Proposal, TesterCapacity
from .tables import BlackoutPeriodTable, CoverageTable, TesterCapacityTable

CALENDAR_SALT = "planning.calendar"


class PlanningHomeView(StaffPermissionMixin, TemplateView):
    """/planning/: the latest proposals and the way to make a new one."""

    model = Proposal
    template_name = "planning/home.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            proposals=Proposal.objects.select_related("created_by")[:10],
            can_propose=self.user_can("add"),
            **kwargs,
        )


class ProposalCreateView(StaffPermissionMixin, View):
    """POST: ask the solver for a plan."""

    model = Proposal
    permission_action = "add"
    http_method_names = ["post"]

    def post(self, request):
        proposal = services.proposal_create(by=request.user)
        return HttpResponseRedirect(proposal.get_absolute_url())


class ProposalDetailView(StaffPermissionMixin, DetailView):
    """The proposal as a diff (system → wave, new waves), with progress while it is made."""

    model = Proposal
    template_name = "planning/proposal_detail.html"
    context_object_name = "proposal"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        proposal = self.object
        slots = proposal.result.get("slots", {})
        rows = []
        for move in proposal.result.get("moves", []):
            target = slots[move["to"]]
            rows.append(
                {
                    "system": move["system"],
                    "code": move["code"],
                    "from": slots[move["from"]]["name"] if move["from"] in slots else "",
                    "to": target["name"],
                    "new": target["wave"] is None,
                    "start": datetime.fromisoformat(target["start"]),
                    "wave": target["wave"],
                }
            )
        new_waves = sorted(
            (
                {"name": slot["name"], "start": datetime.fromisoformat(slot["start"])}
                for slot in slots.values()
                if slot["wave"] is None
            ),
            key=lambda slot: slot["start"],
        )
        completion = proposal.result.get("completion")
        context.update(
            rows=rows,
            new_waves=new_waves,
            completion=datetime.fromisoformat(completion) if completion else None,
            running=proposal.state == ProposalState.RUNNING,
            can_accept=proposal.state == ProposalState.READY and self.user_can("change"),
        )
        return context


class ProposalProgressView(StaffPermissionMixin, View):
    """JSON for the progress script: {"running": …, "percent": …}."""

    model = Proposal

    def get(self, request, pk: int):
        proposal = get_object_or_404(Proposal, pk=pk)
        return JsonResponse({"running": proposal.state == ProposalState.RUNNING, "percent": proposal.progress})


class ProposalAcceptView(StaffPermissionMixin, View):
    """POST: carry out the chosen moves of a proposal."""

    model = Proposal
    permission_action = "change"
    http_method_names = ["post"]

    def post(self, request, pk: int):
        proposal = get_object_or_404(Proposal, pk=pk)
        form = AcceptForm(request.POST, proposal=proposal)
        if not form.is_valid():
            message_form_errors(request, form)
            return HttpResponseRedirect(proposal.get_absolute_url())
        try:
            moved = services.proposal_accept(
                proposal=proposal, system_ids=form.cleaned_data["systems"], by=request.user
            )
        except ValidationError as error:
            message_errors(request, error)
        else:
            messages.success(
                request,
                ngettext("%(count)s system was moved as proposed.", "%(count)s systems were moved as proposed.", moved)
                % {"count": moved},
            )
        return HttpResponseRedirect(proposal.get_absolute_url())


class MoveGroupListView(StaffPermissionMixin, TemplateView):
    """Move groups (systems that must move together) and cycles in "depends on"."""

    model = System
    template_name = "planning/move_groups.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            groups=selectors.move_groups(),
            cycles=selectors.dependency_cycles(),
            wave_form=GroupWaveForm() if self.user_can("change") else None,
            **kwargs,
        )


class MoveGroupAssignView(StaffPermissionMixin, View):
    """POST: move a whole move group into one wave."""

    model = System
    permission_action = "change"
    http_method_names = ["post"]

    def post(self, request, pk: int):
        system = get_object_or_404(System, pk=pk)
        form = GroupWaveForm(request.POST)
        if not form.is_valid():
            message_form_errors(request, form)
        else:
            try:
                moved = services.move_group_assign_wave(system=system, wave=form.cleaned_data["wave"], by=request.user)
            except ValidationError as error:
                message_errors(request, error)
            else:
                messages.success(
                    request,
                    ngettext("%(count)s system moved to %(wave)s.", "%(count)s systems moved to %(wave)s.", moved)
                    % {"count": moved, "wave": form.cleaned_data["wave"]},
                )
        return HttpResponseRedirect(reverse("planning:move_groups"))


class CoverageSystemListView(ObjectListView):
    """Systems without a primary contact, or (production) without a tester."""

    template_name = "planning/coverage_list.html"
    queryset = selectors.coverage_systems()
    table_class = CoverageTable
    filterset_class = SystemFilterSet


class CoverageContactListView(ObjectListView):
    """Contact persons linked to no system, or whose e-mail address cannot be used."""

    template_name = "planning/coverage_list.html"
    queryset = selectors.coverage_contacts()
    table_class = ContactPersonTable
    filterset_class = ContactPersonFilterSet


class BlackoutPeriodListView(ObjectListView):
    queryset = BlackoutPeriod.objects.all()
    table_class = BlackoutPeriodTable
    filterset_class = BlackoutPeriodFilterSet


class BlackoutPeriodEditView(ObjectEditView):
    model = BlackoutPeriod
    form_class = BlackoutPeriodForm
    create_service = services.blackoutperiod_create
    update_service = services.blackoutperiod_update


class BlackoutPeriodDeleteView(ObjectDeleteView):
    model = BlackoutPeriod
    delete_service = services.blackoutperiod_delete


class TesterCapacityListView(ObjectListView):
    queryset = TesterCapacity.objects.select_related("agency", "wave")
    table_class = TesterCapacityTable
    filterset_class = TesterCapacityFilterSet


class TesterCapacityEditView(ObjectEditView):
    model = TesterCapacity
    form_class = TesterCapacityForm
    create_service = services.testercapacity_create
    update_service = services.testercapacity_update


class TesterCapacityDeleteView(ObjectDeleteView):
    model = TesterCapacity
    delete_service = services.testercapacity_delete


def _month(value: str | None) -> date:
    try:
        return datetime.strptime(value or "", "%Y-%m").date()
    except ValueError:
        return timezone.localdate().replace(day=1)


class WaveCalendarView(StaffPermissionMixin, TemplateView):
    """A month of migration windows: a calendar grid and, beside it, the same windows as a list."""

    model = Wave
    template_name = "planning/calendar.html"

    def get_context_data(self, **kwargs):
        first = _month(self.request.GET.get("month"))
        weeks = monthcalendar.Calendar().monthdatescalendar(first.year, first.month)
        zone = timezone.get_current_timezone()
        waves = list(
            Wave.objects.filter(
                window_end__gte=datetime.combine(weeks[0][0], datetime.min.time(), tzinfo=zone),
                window_start__lt=datetime.combine(weeks[-1][-1] + timedelta(days=1), datetime.min.time(), tzinfo=zone),
            )
            .exclude(state=WaveState.CANCELLED)
            .order_by("window_start")
        )
        by_day: dict[date, list[Wave]] = {}
        for wave in waves:
            by_day.setdefault(timezone.localtime(wave.window_start).date(), []).append(wave)
        previous = (first - timedelta(days=1)).replace(day=1)
        following = (first + timedelta(days=32)).replace(day=1)
        token = signing.dumps(self.request.user.pk, salt=CALENDAR_SALT)
        return super().get_context_data(
            month=first,
            weeks=[[(day, day.month == first.month, by_day.get(day, [])) for day in week] for week in weeks],
            month_waves=[wave for wave in waves if timezone.localtime(wave.window_start).month == first.month],
            previous=previous.strftime("%Y-%m"),
            following=following.strftime("%Y-%m"),
            feed_url=self.request.build_absolute_uri(reverse("planning:calendar_feed", args=[token])),
            **kwargs,
        )


def calendar_feed(request, token: str) -> HttpResponse:
    """iCalendar feed of every wave that is not cancelled, for staff calendars; the token names a staff user
    who may see waves (made on the calendar page; it stops working when the user loses that right)."""
    try:
        user_pk = signing.loads(token, salt=CALENDAR_SALT)
    except signing.BadSignature as error:
        raise Http404 from error
    user = get_user_model().objects.filter(pk=user_pk, is_active=True).first()
    if user is None or not user.has_perm("waves.view_wave"):
        raise Http404
    feed = icalendar.Calendar()
    feed.add("prodid", "-//Kommunen//migportal waves//NO")
    feed.add("version", "2.0")
    feed.add("method", "PUBLISH")
    feed.add("x-wr-calname", _("Migration waves"))
    for wave in Wave.objects.exclude(state=WaveState.CANCELLED):
        feed.add_component(
            downtime_event(
                uid=f"wave-{wave.pk}-staff@{site_domain()}",
                sequence=0,
                stamp=timezone.now(),
                start=wave.window_start,
                end=wave.window_end,
                summary=wave.name,
                description=f"{wave.get_state_display()}\n{wave.notes}".strip(),
                cancelled=False,
            )
        )
    response = HttpResponse(feed.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="bolger.ics"'
    return response
