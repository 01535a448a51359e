import logging
import time
from collections.abc import Callable

from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest, HttpResponse, QueryDict
from django.urls import get_resolver, get_urlconf
from django.utils.functional import LazyObject, empty

from . import request_context

access_log = logging.getLogger("migportal.request")


class RequestIdMiddleware:
    """Gives each request an id (from the proxy's X-Request-ID or a new one), logs one line per request
    with method, path, status and duration, and returns the id in the response's X-Request-ID header."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request_context.new_request_id(request.headers.get(request_context.REQUEST_ID_HEADER))
        tokens = request_context.bind(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response[request_context.REQUEST_ID_HEADER] = request_id
            access_log.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                    "user_id": _user_id_if_loaded(request),
                },
            )
            return response
        finally:
            request_context.unbind(tokens)


def _user_id_if_loaded(request: HttpRequest) -> int | None:
    """The user's id when the view already loaded the user; never costs a query of its own."""
    user = getattr(request, "user", None)
    if isinstance(user, LazyObject) and user._wrapped is empty:
        return None
    return user.pk if user is not None and user.is_authenticated else None


class DropNulCookiesMiddleware:
    """Forgets cookies with a NUL character (a quoted cookie value may carry one as \\000).

    No cookie of ours holds one, and the session's key would reach the database, which refuses NUL: the
    request goes on as if the cookie were not there. Runs before the session middleware reads the cookie.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        for name in [name for name, value in request.COOKIES.items() if "\x00" in name or "\x00" in value]:
            del request.COOKIES[name]
        return self.get_response(request)


class RejectNulMiddleware:
    """Answers 400 to a request with a NUL character in its path, query string or form data.

    No page takes one, and PostgreSQL refuses NUL in text: a lookup with it would fail as a 500. It runs as
    the last middleware's process_view, so the form data it reads is what CSRF protection reads anyway; a
    view exempt from CSRF keeps its body unread (and may still choose its upload handlers).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs) -> HttpResponse | None:
        if "\x00" in request.path or _has_nul(request.GET):
            return _bad_request(request, "NUL character in the request's address")
        if request.method == "POST" and not getattr(view_func, "csrf_exempt", False) and _has_nul(request.POST):
            return _bad_request(request, "NUL character in the request's form data")
        return None


def _bad_request(request: HttpRequest, reason: str) -> HttpResponse:
    """The project's 400 page; logged as a warning (a probe, not an error of ours to alert on)."""
    access_log.warning("bad request: %s", reason)
    return get_resolver(get_urlconf()).resolve_error_handler(400)(request, SuspiciousOperation(reason))


def _has_nul(data: QueryDict) -> bool:
    return any("\x00" in key or any("\x00" in value for value in values) for key, values in data.lists())
