"""The portal's permission rules, one decorator per kind of page; who counts as staff is migportal.access."""

from functools import wraps

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from migportal.access import is_project_staff

from .selectors import contact_for


def _login_redirect(request, login_url: str):
    return redirect_to_login(request.get_full_path(), login_url)


def portal_reader_required(view):
    """Contact persons and project staff (migportal.access); anonymous users go to the link login."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return _login_redirect(request, reverse("portal:login"))
        request.contact = contact_for(request.user)
        if request.contact is None and not is_project_staff(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def contact_required(view):
    """Only a contact person (acknowledge, test, subscriptions); other logged-in users are refused (403)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return _login_redirect(request, reverse("portal:login"))
        request.contact = contact_for(request.user)
        if request.contact is None:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def staff_required(view):
    """Project staff (migportal.access); anonymous users go to the password login."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return _login_redirect(request, settings.LOGIN_URL)
        if not is_project_staff(request.user):
            raise PermissionDenied
        request.contact = contact_for(request.user)
        return view(request, *args, **kwargs)

    return wrapper
