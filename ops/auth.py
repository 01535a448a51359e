from axes.backends import AxesStandaloneBackend
from axes.exceptions import AxesBackendPermissionDenied
from axes.helpers import get_credentials
from django.conf import settings
from django.contrib.auth import get_user_model

from . import throttling

FAILED_LOGINS = "staff-login-failed"


class ThrottledLoginBackend(AxesStandaloneBackend):
    """django-axes' backend, first in AUTHENTICATION_BACKENDS: refuses a locked-out login before any
    password is checked.

    django-axes locks a user name from one address after AXES_FAILURE_LIMIT wrong passwords; on top of that,
    an address with LOGIN_FAILURE_LIMIT_PER_ADDRESS failed logins across any user names (password spraying)
    is locked for AXES_COOLOFF_MINUTES, with the same lockout page.

    Every login over the web passes the request (Django's LoginView, the admin, DRF, OIDC) and is
    throttled. A call without a request (the test client's `login()`, the shell) has no client to
    throttle by, so it is left to the next backend instead of raising.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        address = throttling.client_ip(request)
        if address and throttling.count(FAILED_LOGINS, address) >= settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS:
            # What axes' own lockout sets: AxesMiddleware answers with the lockout page.
            request.axes_locked_out = True
            request.axes_credentials = get_credentials(username=username)
            raise AxesBackendPermissionDenied("Too many failed logins from this address")
        return super().authenticate(request, username=username, password=password, **kwargs)


def count_failed_login(sender, credentials, request=None, **kwargs) -> None:
    """user_login_failed receiver: one more failed login from the client's address."""
    address = throttling.client_ip(request) if request is not None else None
    if address:
        throttling.hit(FAILED_LOGINS, address, window_seconds=settings.AXES_COOLOFF_TIME.total_seconds())


def axes_username(request, credentials=None) -> str | None:
    """The user name django-axes records (AXES_USERNAME_CALLABLE): as typed, cut to the longest user name.

    Django's login form does not refuse a longer name before authenticating, and axes' column holds 255
    characters: a 5,000-character name would fail as a 500 instead of counting as a failed login.
    """
    name = (credentials or {}).get("username") or request.POST.get("username")
    return name[: get_user_model()._meta.get_field("username").max_length] if name else name
