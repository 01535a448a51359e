"""Staff pages for downtime notices: the timeline, one notice, its text, and the deliveries with retries.

Views only declare (migportal.generic_views); rules live in services.py and reads in selectors.py.
"""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.generic import DetailView, FormView, View

from migportal.generic_views import StaffListView, StaffPermissionMixin
from migportal.pagination import PaginatedTableMixin

from . import selectors, services
from .choices import NoticeState
from .filters import DeliveryFilterSet, NoticeFilterSet
from .forms import NoticeTextForm
from .messages import default_text, notice_parts, system_snapshot
from .models import Delivery, Notice
from .tables import DeliveryTable, NoticeTable


def _redirect_back(request):
    """After a POST: back to the page the form was on (`next`, if it is ours), else the deliveries."""
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return HttpResponseRedirect(target)  # a path, never a view name to reverse
    return redirect("notifications:delivery_list")


class WebhookStateMixin:
    """The customer portal webhook's state on the notice pages: disabled endpoints with their held calls, and the
    configured endpoint while it is enabled (staff may disable it)."""

    def get_context_data(self, **kwargs):
        disabled = list(selectors.disabled_webhook_endpoints())
        url = settings.PORTAL_WEBHOOK_URL
        enabled_url = url if url and url not in {endpoint.url for endpoint in disabled} else ""
        return super().get_context_data(disabled_endpoints=disabled, enabled_webhook_url=enabled_url, **kwargs)


class NoticeListView(WebhookStateMixin, StaffListView):
    queryset = selectors.notice_list()
    prepare_rows = selectors.with_delivery_counts
    table_class = NoticeTable
    filterset_class = NoticeFilterSet
    template_name = "notifications/notice_list.html"
    default_per_page = 50


class NoticeDetailView(StaffPermissionMixin, PaginatedTableMixin, DetailView):
    permission_required = "notifications.view_notice"
    queryset = Notice.objects.select_related("wave")
    template_name = "notifications/notice_detail.html"
    table_class = DeliveryTable
    default_per_page = 50

    def get_table_data(self):
        return DeliveryFilterSet({"notice_id": self.object.pk}, queryset=selectors.delivery_list()).qs

    def get_context_data(self, **kwargs):
        notice = self.object
        if notice.state == NoticeState.SCHEDULED:
            # Not frozen yet: show what it would say and whom it would reach if published now.
            notice.systems_snapshot = [
                system_snapshot(system) for system in notice.wave.systems.select_related("agency").order_by("code")
            ]
            if not notice.text_edited:
                notice.title, notice.body = default_text(notice)
        return super().get_context_data(
            parts=notice_parts(notice),
            can_edit=notice.state == NoticeState.SCHEDULED
            and self.request.user.has_perm("notifications.change_notice"),
            **kwargs,
        )


class NoticeEditView(StaffPermissionMixin, FormView):
    permission_required = "notifications.change_notice"
    form_class = NoticeTextForm
    template_name = "notifications/notice_form.html"

    def dispatch(self, request, *args, **kwargs):
        self.notice = get_object_or_404(Notice.objects.select_related("wave"), pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        if self.notice.text_edited:
            return {"title": self.notice.title, "body": self.notice.body}
        title, body = default_text(self.notice)
        return {"title": title, "body": body}

    def get_context_data(self, **kwargs):
        return super().get_context_data(notice=self.notice, **kwargs)

    def form_valid(self, form):
        try:
            services.notice_update_text(
                notice=self.notice,
                title=form.cleaned_data["title"],
                body=form.cleaned_data["body"],
                by=self.request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(self.request, _("The notice text is saved."))
        return redirect("notifications:notice_detail", pk=self.notice.pk)


class NoticePublishView(StaffPermissionMixin, View):
    """POST: publish a scheduled notice now."""

    permission_required = "notifications.change_notice"
    http_method_names = ["post"]

    def post(self, request, pk: int):
        notice = get_object_or_404(Notice, pk=pk)
        try:
            services.notice_publish_now(notice=notice, by=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The notice is published; the deliveries are on their way."))
        return redirect("notifications:notice_detail", pk=pk)


class DeliveryListView(WebhookStateMixin, StaffListView):
    queryset = selectors.delivery_list()
    table_class = DeliveryTable
    filterset_class = DeliveryFilterSet
    template_name = "notifications/delivery_list.html"
    default_per_page = 50


class DeliveryRetryView(StaffPermissionMixin, View):
    """POST: send a failed or dead delivery again."""

    permission_required = "notifications.change_delivery"
    http_method_names = ["post"]

    def post(self, request, pk: int):
        delivery = get_object_or_404(Delivery, pk=pk)
        if services.delivery_retry(delivery=delivery, by=request.user):
            messages.success(
                request, _("The delivery to %(recipient)s is queued again.") % {"recipient": delivery.recipient}
            )
        else:
            messages.error(request, _("Only failed or dead deliveries can be retried."))
        return _redirect_back(request)


class WebhookEnableView(StaffPermissionMixin, View):
    """POST: call a disabled webhook endpoint again, and send the held calls of notices that are still live."""

    permission_required = "notifications.change_delivery"
    http_method_names = ["post"]

    def post(self, request):
        queued = services.webhook_endpoint_enable(url=request.POST.get("url", ""), by=request.user)
        if queued is None:
            messages.error(request, _("No such webhook endpoint."))
        else:
            messages.success(
                request,
                ngettext(
                    "The webhook is enabled again; %(count)d held call is on its way.",
                    "The webhook is enabled again; %(count)d held calls are on their way.",
                    queued,
                )
                % {"count": queued},
            )
        return _redirect_back(request)


class WebhookDisableView(StaffPermissionMixin, View):
    """POST: stop calling the configured webhook endpoint; its deliveries are held until it is enabled again."""

    permission_required = "notifications.change_delivery"
    http_method_names = ["post"]

    def post(self, request):
        url = settings.PORTAL_WEBHOOK_URL
        if not url:
            messages.error(request, _("No such webhook endpoint."))
        else:
            services.webhook_endpoint_disable(
                url=url, reason=_("Disabled by %(user)s") % {"user": request.user}, by=request.user
            )
            messages.success(request, _("The webhook is disabled; its deliveries are held until you enable it again."))
        return _redirect_back(request)
