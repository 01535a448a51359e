"""The burn-up chart reads well: gridlines at round numbers, the last week's label inside the picture."""

from dashboard.charts import burnup_chart, nice_axis


def _history(weeks: int, vms_total: int) -> list[dict]:
    return [
        {
            "week": f"2026-W{week:02d}",
            "systems_migrated": week,
            "systems_total": 392,
            "vms_migrated": 10 * week,
            "vms_total": vms_total,
        }
        for week in range(1, weeks + 1)
    ]


def test_value_axis_steps_are_round_numbers():
    assert nice_axis(1349) == (1500, 500)
    assert nice_axis(392) == (400, 100)
    assert nice_axis(3) == (3, 1)
    assert nice_axis(0) == (1, 1)


def test_vm_chart_gridlines_fall_on_round_numbers(settings):
    settings.LANGUAGE_CODE = "en"
    chart = burnup_chart("vms", _history(10, 1349))
    assert [tick.label for tick in chart.y_ticks] == ["0", "500", "1,000", "1,500"]


def test_last_week_label_ends_at_the_plot_edge():
    chart = burnup_chart("systems", _history(13, 1349))
    last = chart.x_ticks[-1]
    assert last.position == chart.plot_right
    assert last.anchor == "end"
    assert {tick.anchor for tick in chart.x_ticks[:-1]} == {"middle"}
