from axes.backends import AxesStandaloneBackend


class ThrottledLoginBackend(AxesStandaloneBackend):
    """django-axes' backend, first in AUTHENTICATION_BACKENDS: refuses a locked-out login before any
    password is checked.

    Every login over the web passes the request (Django's LoginView, the admin, DRF, OIDC) and is
    throttled. A call without a request (the test client's `login()`, the shell) has no client to
    throttle by, so it is left to the next backend instead of raising.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
