from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from migportal.access import is_project_staff
from systems.models import ContactPerson

from . import throttling


class LoginView(auth_views.LoginView):
    """Staff land on /staff/ after login, contact persons on the portal; anyone else on LOGIN_REDIRECT_URL."""

    def get_default_redirect_url(self):
        user = self.request.user
        if is_project_staff(user):
            return reverse("systems:staff_home")
        if ContactPerson.objects.filter(user=user).exists():
            return reverse("portal:notice_list")
        return super().get_default_redirect_url()


@require_GET
def accessibility_statement(request):
    """Public: the accessibility statement (tilgjengelighetserklæring) required of public-sector sites."""
    return render(
        request,
        "ops/accessibility.html",
        {
            "contact_email": settings.ACCESSIBILITY_CONTACT_EMAIL,
            "external_statement_url": settings.ACCESSIBILITY_STATEMENT_URL,
            "statement_date": settings.ACCESSIBILITY_STATEMENT_DATE,
        },
    )


def lockout(request, original_response=None, credentials=None):
    """django-axes' answer to a locked-out login (AXES_LOCKOUT_CALLABLE): a clear page, status 429."""
    from axes.helpers import get_cool_off, get_failure_limit

    cool_off = get_cool_off(request)
    context = {
        "failure_limit": get_failure_limit(request, credentials),
        "cooloff_timedelta": cool_off,
        "cooloff_minutes": max(1, round(cool_off.total_seconds() / 60)) if cool_off else None,
    }
    return render(request, "ops/lockout.html", context, status=settings.AXES_HTTP_RESPONSE_CODE)


def server_error(request):
    """handler500: the error page names the request id, so a user can quote it and operators find the log lines.

    Rendered without context processors, as Django's own handler does: the failure may be in one of them.
    """
    from django.http import HttpResponseServerError
    from django.template import loader

    from .request_context import get_request_id

    html = loader.get_template("500.html").render({"request_id": get_request_id()})
    return HttpResponseServerError(html)


class PasswordResetView(auth_views.PasswordResetView):
    """Django's password reset by e-mail, throttled per client address and per e-mail address.

    A client over PASSWORD_RESET_THROTTLE_PER_IP requests gets the form again with status 429; an address over
    PASSWORD_RESET_THROTTLE_PER_EMAIL gets no more e-mails, with the same "sent" answer as always (so the
    answer tells nobody whether the address has a user).
    """

    def form_valid(self, form):
        window = settings.PASSWORD_RESET_THROTTLE_WINDOW_SECONDS
        client = throttling.client_ip(self.request)
        if client and throttling.over_limit(
            "password-reset-ip", client, settings.PASSWORD_RESET_THROTTLE_PER_IP, window_seconds=window
        ):
            form.add_error(None, _("Too many requests. Wait a few minutes and try again."))
            response = self.form_invalid(form)
            response.status_code = 429
            return response
        address = form.cleaned_data["email"].strip().lower()
        if throttling.over_limit(
            "password-reset-email", address, settings.PASSWORD_RESET_THROTTLE_PER_EMAIL, window_seconds=window
        ):
            return HttpResponseRedirect(self.get_success_url())
        return super().form_valid(form)
