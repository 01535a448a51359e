"""The burn-up chart (server-rendered SVG geometry) and the cover image (matplotlib, Agg) from a report."""

import hashlib
import io
import json
import math
from dataclasses import dataclass, field
from datetime import datetime

from django.core.cache import cache
from django.utils import translation
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from migportal.formats import date_text, number_text

from .weeks import IsoWeek

COVER_SIZE = (1640, 856)  # px: a group cover image
COVER_DPI = 100
COVER_CACHE_SECONDS = 7 * 24 * 3600

SERIES = {
    "systems": (gettext_lazy("Systems"), "systems_migrated", "systems_total"),
    "vms": (gettext_lazy("VMs"), "vms_migrated", "vms_total"),
}


def format_percent(part: int, whole: int) -> str:
    """105 of 392 → "26,8 %" in bokmål, "26.8%" in English; 0 of 0 → "0 %"."""
    value = 100 * part / whole if whole else 0
    # number_format truncates; round first so 26.79 shows as 26.8.
    return _("%(value)s%%") % {"value": number_format(round(value, 1), decimal_pos=1)}


def nice_axis(value: int, *, ticks: int = 4) -> tuple[int, int]:
    """(top, step) of a value axis from 0 with about `ticks` steps of a round size (1, 2, 2.5 or 5 × 10^n):
    1349 → (1500, 500), so the gridlines fall on 0, 500, 1 000, 1 500 and not on 375 or 1 125."""
    rough = max(value, 1) / ticks
    magnitude = 10 ** math.floor(math.log10(rough))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= rough)
    step = max(1, math.ceil(step))
    return step * max(1, math.ceil(value / step)), step


@dataclass
class Tick:
    position: float
    label: str
    anchor: str = "middle"  # SVG text-anchor: the last week's label ends at the plot's edge instead of past it


@dataclass
class BurnUpChart:
    """One burn-up chart (migrated vs total over ISO weeks) as SVG coordinates."""

    key: str
    title: str
    description: str
    # Drawn about as wide as a phone shows it, so 15-unit text stays at least 12 px high at 360 px.
    width: int = 400
    height: int = 260
    left: int = 56
    right: int = 8
    top: int = 12
    bottom: int = 36
    migrated_points: str = ""
    migrated_area: str = ""
    total_points: str = ""
    x_ticks: list[Tick] = field(default_factory=list)
    y_ticks: list[Tick] = field(default_factory=list)

    @property
    def plot_bottom(self) -> int:
        return self.height - self.bottom

    @property
    def plot_right(self) -> int:
        return self.width - self.right

    @property
    def x_label_y(self) -> int:
        return self.height - self.bottom + 22


def burnup_chart(key: str, history: list[dict]) -> BurnUpChart:
    """Geometry for the `key` ("systems" / "vms") chart; title and description say what it shows in words."""
    label, migrated_key, total_key = SERIES[key]
    chart = BurnUpChart(key=key, title=_("%(what)s migrated per week") % {"what": label}, description="")
    if not history:
        chart.description = _("No weeks recorded yet.")
        return chart
    first, last = history[0], history[-1]
    chart.description = _(
        "Burn-up chart, week %(first)s to %(last)s: migrated rose from %(first_migrated)s to %(migrated)s "
        "of %(total)s. The dashed line is the total, the solid line the migrated ones."
    ) % {
        "first": first["week"],
        "last": last["week"],
        "migrated": number_text(last[migrated_key]),
        "total": number_text(last[total_key]),
        "first_migrated": number_text(first[migrated_key]),
    }
    weeks = [IsoWeek.parse(point["week"]).ordinal for point in history]
    x0, span = weeks[0], max(weeks[-1] - weeks[0], 1)
    top_value, step_value = nice_axis(max(max(p[total_key], p[migrated_key]) for p in history))
    plot_w, plot_h = chart.plot_right - chart.left, chart.plot_bottom - chart.top

    def x(ordinal: int) -> float:
        return round(chart.left + plot_w * (ordinal - x0) / span, 1)

    def y(value: int) -> float:
        return round(chart.plot_bottom - plot_h * value / top_value, 1)

    migrated = [(x(w), y(p[migrated_key])) for w, p in zip(weeks, history, strict=True)]
    chart.migrated_points = " ".join(f"{px},{py}" for px, py in migrated)
    chart.total_points = " ".join(f"{x(w)},{y(p[total_key])}" for w, p in zip(weeks, history, strict=True))
    area = [(migrated[0][0], chart.plot_bottom), *migrated, (migrated[-1][0], chart.plot_bottom)]
    chart.migrated_area = " ".join(f"{px},{py}" for px, py in area)
    chart.y_ticks = [Tick(y(value), number_text(value)) for value in range(0, top_value + 1, step_value)]
    step = max(1, math.ceil(len(history) / 4))  # room for the last label, which ends at the edge
    chosen = list(range(len(history) - 1, -1, -step))[::-1]  # counted back from the latest week, which is labelled
    chart.x_ticks = [
        Tick(
            x(weeks[i]),
            _("wk %(week)s") % {"week": history[i]["week"][-2:]},
            anchor="end" if x(weeks[i]) >= chart.plot_right else "middle",
        )
        for i in chosen
    ]
    return chart


def burnup_charts(history: list[dict]) -> list[BurnUpChart]:
    return [burnup_chart(key, history) for key in SERIES]


def render_cover_png(report: dict) -> bytes:
    """The cover image (1640×856 px): the week, the two big numbers with percentages and the burn-up chart.

    Text follows the active language. matplotlib is imported here so web processes load it only when needed.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    width, height = COVER_SIZE
    figure = Figure(figsize=(width / COVER_DPI, height / COVER_DPI), dpi=COVER_DPI, facecolor="#ffffff")
    brand, ink, muted = "#0b3d6e", "#1a1a1a", "#4d4d4d"
    week = IsoWeek.parse(report["week"])
    figure.text(0.04, 0.90, _("Weekly status of the migration"), fontsize=34, weight="bold", color=brand)
    generated = datetime.fromisoformat(report["generated_at"])
    figure.text(
        0.04,
        0.84,
        _("Week %(week)s %(year)s · updated %(date)s")
        % {"week": week.week, "year": week.year, "date": date_text(generated)},
        fontsize=20,
        color=muted,
    )
    for row, (entity, label) in enumerate([("systems", _("systems")), ("vms", _("VMs"))]):
        data = report[entity]
        top = 0.68 - row * 0.34
        figure.text(0.04, top, number_text(data["migrated"]), fontsize=72, weight="bold", color=brand)
        figure.text(
            0.04,
            top - 0.08,
            _("of %(total)s %(what)s migrated (%(percent)s)")
            % {
                "total": number_text(data["total"]),
                "what": label,
                "percent": format_percent(data["migrated"], data["total"]),
            },
            fontsize=20,
            color=ink,
        )
    history = report["history"]
    for row, key in enumerate(SERIES):
        label, migrated_key, total_key = SERIES[key]
        axes = figure.add_axes((0.50, 0.47 - row * 0.40, 0.46, 0.30))
        xs = list(range(len(history)))
        axes.plot(xs, [p[total_key] for p in history], linestyle="--", color=muted, linewidth=2, label=_("total"))
        axes.plot(xs, [p[migrated_key] for p in history], color=brand, linewidth=4, label=_("migrated"))
        axes.fill_between(xs, [p[migrated_key] for p in history], color=brand, alpha=0.15)
        axes.set_title(label, fontsize=18, loc="left", color=ink)
        top = max((p[total_key] for p in history), default=1)
        axes.set_ylim(bottom=0, top=nice_axis(top)[0])
        axes.tick_params(labelsize=13)
        axes.yaxis.set_major_formatter(lambda value, _pos: number_text(int(value)))
        if history:
            step = max(1, math.ceil(len(history) / 6))
            axes.set_xticks(xs[::step], [p["week"][-2:] for p in history[::step]])
        axes.spines[["top", "right"]].set_visible(False)
        if row == len(SERIES) - 1:
            axes.set_xlabel(_("Week"), fontsize=13)
    # One legend for both charts, under the big numbers.
    figure.legend(
        *axes.get_legend_handles_labels(),
        loc="lower left",
        bbox_to_anchor=(0.04, 0.06),
        fontsize=16,
        frameon=False,
        ncols=2,
    )
    buffer = io.BytesIO()
    FigureCanvasAgg(figure).print_png(buffer)
    return buffer.getvalue()


def _fingerprint(report: dict) -> str:
    """What the image shows: the data and the day (not the second) it was computed. Same data, same image."""
    shown = {key: value for key, value in report.items() if key != "generated_at"}
    shown["day"] = report["generated_at"][:10]
    return hashlib.sha256(json.dumps(shown, sort_keys=True).encode()).hexdigest()[:32]


def cover_png(report: dict) -> bytes:
    """The cover image of `report` in the active language, rendered once per distinct data and kept in the cache."""
    key = f"dashboard:cover:{translation.get_language()}:{_fingerprint(report)}"
    png = cache.get(key)
    if png is None:
        png = render_cover_png(report)
        cache.set(key, png, COVER_CACHE_SECONDS)
    return png
