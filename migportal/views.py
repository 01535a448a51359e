"""Probes for operators: /healthz (the process answers) and /readyz (its database and broker answer)."""

from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .celery import app as celery_app


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _check_broker() -> None:
    with celery_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)


READINESS_CHECKS = {"database": _check_database, "broker": _check_broker}


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Public: the process is up. Says nothing about its dependencies."""
    return JsonResponse({"status": "ok"})


@require_GET
@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    """Public: 200 when every dependency answers, else 503 naming the failing part (no error details)."""
    failing = []
    for name, check in READINESS_CHECKS.items():
        try:
            check()
        except Exception:  # noqa: BLE001 - any failure means not ready; the name is what operators need
            failing.append(name)
    if failing:
        return JsonResponse({"status": "unavailable", "failing": failing}, status=503)
    return JsonResponse({"status": "ok", "checks": list(READINESS_CHECKS)})
