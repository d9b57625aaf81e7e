"""Chart geometry: bars proportional to counts, lines within the plot, no data → no chart."""
from __future__ import annotations

import pytest

from reports import charts


def test_category_bars_are_proportional_and_stacked():
    rows = [("absolute", {"error": 6, "warning": 2, "info": 0}, 8), ("dns", {"error": 0, "warning": 0, "info": 2}, 2)]
    chart = charts.category_bars(rows, str.upper)
    big, small = chart["bars"]
    assert [b["label"] for b in chart["bars"]] == ["ABSOLUTE", "DNS"]
    assert [s["sev"] for s in big["segments"]] == ["error", "warning"]  # zero counts draw nothing
    full = sum(s["w"] for s in big["segments"])
    assert big["segments"][0]["w"] == pytest.approx(full * 6 / 8, abs=0.2)
    assert small["segments"][0]["w"] == pytest.approx(full * 2 / 8, abs=0.2)
    assert big["segments"][1]["x"] == pytest.approx(big["segments"][0]["x"] + big["segments"][0]["w"], abs=0.2)
    assert small["y"] > big["y"]


def test_no_categories_no_bars():
    assert charts.category_bars([], str)["bars"] == []


@pytest.mark.parametrize("n", [1, 2, 30])
def test_history_lines_stay_inside_the_plot(n):
    runs = [{"id": str(i), "started": f"2026-11-{i % 28 + 1:02d}", "error": i, "warning": 0, "info": 3} for i in range(n)]
    chart = charts.history_lines(runs)
    assert len(chart["lines"]) == 3
    for line in chart["lines"]:
        assert len(line["dots"]) == n
        for d in line["dots"]:
            assert 0 <= d["x"] <= chart["width"] and 0 <= d["y"] <= chart["height"]
    errors = chart["lines"][0]["dots"]
    assert errors[0]["y"] >= errors[-1]["y"]  # more findings is higher up
    assert len(chart["ticks"]) <= 8


def test_uptime_line_skips_runs_without_a_figure():
    runs = [{"id": "a", "uptime": None}, {"id": "b", "uptime": 100}, {"id": "c", "uptime": 50.0}]
    chart = charts.uptime_line(runs)
    assert [d["v"] for d in chart["dots"]] == ["100.00%", "50.00%"]
    assert chart["dots"][0]["y"] == chart["y100"] and chart["dots"][1]["y"] == pytest.approx((chart["y100"] + chart["y0"]) / 2)
    assert charts.uptime_line([{"id": "a"}]) is None
