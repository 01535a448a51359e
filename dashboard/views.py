"""The public dashboard. Access rule: public — anyone, logged in or not, may read every view here.

The pages are the same for everybody (nothing depends on the user), so they are rendered without the
request's context processors (which would read the session and add `Vary: Cookie`) and without a CSRF
token (which would set a cookie): an anonymous response sets no cookie and can be cached as a whole.
Django's cache key includes the active language, so each language is cached apart.
"""

import tablib
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseForbidden, JsonResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import i18n
from django.views.decorators.cache import cache_control, cache_page
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe
from django.views.decorators.vary import vary_on_cookie

from .charts import burnup_charts, cover_png
from .selectors import ENTITIES, ENVIRONMENTS, dashboard_report, dashboard_report_for_week
from .weeks import IsoWeek


def public(view):
    """GET/HEAD only; the whole response cached for DASHBOARD_CACHE_SECONDS (so a change shows within that),
    in the two-tier "dashboard" cache (dashboard/cache.py: process memory in front of Redis).

    `Vary: Cookie` is added outside Django's cache, for HTTP caches downstream (the language cookie
    changes the page); Django's own cache key already holds the language, so visitors share its entries.
    """
    cached = cache_page(settings.DASHBOARD_CACHE_SECONDS, cache="dashboard", key_prefix="dashboard")(view)
    return require_safe(vary_on_cookie(cache_control(public=True)(cached)))


# --- presentation ----------------------------------------------------------------------------------
def _headline(report: dict) -> list[dict]:
    rows = []
    for entity in ENTITIES:
        data = report[entity]
        rows.append(
            {
                "entity": entity,
                "migrated": data["migrated"],
                "total": data["total"],
                "excluded": data["excluded"],
                "rolled_back": data["rolled_back"],
                "environments": [{"key": env, **data["by_environment"][env]} for env in ENVIRONMENTS],
            }
        )
    return rows


def _history_row(point: dict, recorded: set[str], shown: IsoWeek) -> dict:
    """A row of the data table; its week links to that week's page when there is one (not the week shown)."""
    week = IsoWeek.parse(point["week"])
    return {**point, "link": week if point["week"] in recorded and week != shown else None}


def _render_dashboard(report: dict, *, current: bool, path: str) -> HttpResponse:
    week = IsoWeek.parse(report["week"])
    # Every history point before the week shown comes from a snapshot, so it has a page of its own.
    earlier = sorted(
        (IsoWeek.parse(p["week"]) for p in report["history"] if IsoWeek.parse(p["week"]) < week), reverse=True
    )
    recorded = {w.label for w in earlier}
    context = {
        "report": report,
        "week": week,
        "current": current,
        "nav_current": "home" if current else None,
        "headline": _headline(report),
        "wave_lists": [
            {"kind": kind, "waves": report["waves"][kind], "count": report["waves"].get(f"{kind}_count", 0)}
            for kind in ("upcoming", "recent")
        ],
        "charts": burnup_charts(report["history"]),
        "history_rows": [_history_row(point, recorded, week) for point in reversed(report["history"])],
        "previous_week": earlier[0] if earlier else None,
        "earlier_weeks": earlier,
        "json_url": reverse("dashboard:json")
        if current
        else reverse("dashboard:week_json", kwargs={"year": week.year, "week": week.week}),
    }
    return HttpResponse(render_to_string("dashboard/dashboard.html", {**context, "page_path": path}))


def _week_or_404(year: int, week: int) -> IsoWeek:
    if not IsoWeek.valid(year, week):
        raise Http404("No such ISO week.")
    return IsoWeek(year, week)


def _report_for_week_or_404(week: IsoWeek) -> dict:
    report = dashboard_report_for_week(week)
    if report is None:
        raise Http404("No snapshot of this week.")
    return report


# --- pages ---------------------------------------------------------------------------------------
@public
def dashboard_current(request: HttpRequest) -> HttpResponse:
    """Public: the current ISO week, live."""
    return _render_dashboard(dashboard_report(), current=True, path=request.path)


@public
def dashboard_week(request: HttpRequest, year: int, week: int) -> HttpResponse:
    """Public: an earlier week as its snapshot stored it; the current week redirects to `/`."""
    iso_week, current = _week_or_404(year, week), IsoWeek.of(timezone.now())
    if iso_week == current:
        return redirect("home")
    if iso_week > current:
        raise Http404("A future week.")
    return _render_dashboard(_report_for_week_or_404(iso_week), current=False, path=request.path)


# --- open data ---------------------------------------------------------------------------------------
def _json(report: dict) -> JsonResponse:
    return JsonResponse(report, json_dumps_params={"ensure_ascii": False, "indent": 1})


@public
def dashboard_json(request: HttpRequest) -> JsonResponse:
    """Public: the current week as JSON (docs/dashboard-json.md)."""
    return _json(dashboard_report())


@public
def dashboard_week_json(request: HttpRequest, year: int, week: int) -> JsonResponse:
    """Public: an earlier week's snapshot as JSON."""
    return _json(_report_for_week_or_404(_week_or_404(year, week)))


HISTORY_COLUMNS = ["week", "systems_migrated", "systems_total", "vms_migrated", "vms_total"]


@public
def dashboard_history_csv(request: HttpRequest) -> HttpResponse:
    """Public: the weekly history (every snapshot and the current week) as CSV."""
    data = tablib.Dataset(headers=HISTORY_COLUMNS)
    for point in dashboard_report()["history"]:
        data.append([point[column] for column in HISTORY_COLUMNS])
    response = HttpResponse(data.export("csv"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="migrering-historikk.csv"'
    return response


# --- cover image ----------------------------------------------------------------------------------
@public
def dashboard_png(request: HttpRequest) -> HttpResponse:
    """Public: the cover image of the current week (1640×856 PNG)."""
    return HttpResponse(cover_png(dashboard_report()), content_type="image/png")


# --- language switch ---------------------------------------------------------------------------------
def _same_origin(request: HttpRequest) -> bool:
    """A browser's own word that the form was posted from this site (Fetch Metadata / Origin).

    Browsers send `Sec-Fetch-Site` and `Origin` with every POST; a cross-site form can forge neither.
    """
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None:
        return site in ("same-origin", "none")
    origin = request.headers.get("Origin")
    if origin is not None:
        return url_has_allowed_host_and_scheme(origin + "/", allowed_hosts={request.get_host()})
    return True  # not a browser: no ambient credentials to abuse


@csrf_exempt
@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Public: choose the language on the public pages, which carry no CSRF token (it would set a cookie).

    Instead of a token, the request must come from this site by the browser's Fetch Metadata / Origin
    headers. The only effect is the visitor's own language cookie; Django's set_language does the rest.
    """
    if not _same_origin(request):
        return HttpResponseForbidden("Cross-site request refused.")
    return i18n.set_language(request)
