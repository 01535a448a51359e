"""The staff page where people make and revoke their API tokens (/api/tokens/)."""

from datetime import datetime, time

from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import FormView, View

from . import services
from .forms import ApiTokenForm
from .models import ApiToken

STAFF_PERMISSION = "systems.view_system"
EDITOR_PERMISSION = "systems.change_system"


class ApiTokenListView(PermissionRequiredMixin, FormView):
    """Your tokens and a form for a new one; the new key is shown on the answer to the form, and only there."""

    permission_required = STAFF_PERMISSION
    template_name = "api/token_list.html"
    form_class = ApiTokenForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "may_write": self.request.user.has_perm(EDITOR_PERMISSION)}

    def get_context_data(self, **kwargs):
        tokens = ApiToken.objects.filter(user=self.request.user).order_by("-created_at")
        return super().get_context_data(tokens=tokens, now=timezone.now(), **kwargs)

    def form_valid(self, form):
        data = form.cleaned_data
        expires_at = timezone.make_aware(datetime.combine(data["expires_on"], time.max))
        token, key = services.apitoken_create(
            user=self.request.user, name=data["name"], kind=data["kind"], scope=data["scope"], expires_at=expires_at
        )
        return self.render_to_response(self.get_context_data(form=self.form_class(may_write=False), new=(token, key)))


class ApiTokenRevokeView(PermissionRequiredMixin, View):
    """POST: stop one of your own tokens at once."""

    permission_required = STAFF_PERMISSION
    http_method_names = ["post"]

    def post(self, request, pk: int):
        token = get_object_or_404(ApiToken, pk=pk, user=request.user)
        services.apitoken_revoke(token=token)
        messages.success(request, _("The token “%(name)s” is revoked.") % {"name": token.name})
        return redirect("api:token_list")
