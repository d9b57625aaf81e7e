"""Geometry of the report's SVG charts, computed here so the template only draws numbers.

Each function returns plain values (coordinates, labels); the template turns them into
`<rect>`, `<polyline>` and `<text>` with autoescaping on, so chart labels need no care.
"""
from __future__ import annotations

from typing import Any

from .inputs import SEVERITIES

BAR_H = 22
BAR_GAP = 8
LABEL_W = 150
CHART_W = 640


def category_bars(by_category: list[tuple[str, dict[str, int], int]], name) -> dict[str, Any]:
    """Horizontal bars, one per category, stacked by severity (biggest category first)."""
    biggest = max((total for _, _, total in by_category), default=0)
    plot_w = CHART_W - LABEL_W - 60
    bars = []
    for i, (cat, counts, total) in enumerate(by_category):
        y = i * (BAR_H + BAR_GAP)
        x = LABEL_W
        segments = []
        for sev in SEVERITIES:
            n = counts.get(sev, 0)
            if not n:
                continue
            w = max(1.0, plot_w * n / biggest)
            segments.append({"x": round(x, 1), "w": round(w, 1), "sev": sev, "n": n})
            x += w
        bars.append({"label": name(cat), "y": y, "text_y": y + BAR_H * 0.7, "segments": segments,
                     "total": total, "total_x": round(x + 6, 1)})
    return {"width": CHART_W, "height": max(BAR_H, len(bars) * (BAR_H + BAR_GAP)), "bars": bars,
            "label_x": LABEL_W - 8}


def _scale(values: list[float], top: float, height: float, pad: float) -> list[float]:
    return [round(pad + (height - 2 * pad) * (1 - v / top), 1) if top else height - pad for v in values]


def history_lines(runs: list[dict[str, Any]], height: int = 200) -> dict[str, Any]:
    """Lines of findings by severity over runs, oldest on the left."""
    n = len(runs)
    xs = _xs(n)
    top = max((int(r.get(s) or 0) for r in runs for s in SEVERITIES), default=0)
    top = max(top, 1)
    lines = []
    for sev in SEVERITIES:
        ys = _scale([float(r.get(sev) or 0) for r in runs], top, height, 20)
        lines.append({"sev": sev, "points": " ".join(f"{x},{y}" for x, y in zip(xs, ys)),
                      "dots": [{"x": x, "y": y, "n": int(r.get(sev) or 0)} for x, y, r in zip(xs, ys, runs)]})
    return {"width": CHART_W, "height": height, "lines": lines, "top": top,
            "ticks": _ticks(runs, xs, height)}


def uptime_line(runs: list[dict[str, Any]], height: int = 160) -> dict[str, Any] | None:
    """The uptime % of each run that has one (0–100 scale); None when no run has a figure."""
    xs = _xs(len(runs))
    points = [(x, float(r["uptime"])) for x, r in zip(xs, runs) if isinstance(r.get("uptime"), (int, float))]
    if not points:
        return None
    ys = _scale([v for _, v in points], 100.0, height, 20)
    return {"width": CHART_W, "height": height,
            "points": " ".join(f"{x},{y}" for (x, _), y in zip(points, ys)),
            "dots": [{"x": x, "y": y, "v": f"{v:.2f}%"} for (x, v), y in zip(points, ys)],
            "ticks": _ticks(runs, xs, height), "y100": _scale([100.0], 100.0, height, 20)[0],
            "y0": _scale([0.0], 100.0, height, 20)[0]}


def _xs(n: int) -> list[float]:
    left, right = 50, CHART_W - 50
    if n <= 1:
        return [float((left + right) // 2)] * n
    return [round(left + (right - left) * i / (n - 1), 1) for i in range(n)]


def _ticks(runs: list[dict[str, Any]], xs: list[float], height: int) -> list[dict[str, Any]]:
    """At most ~8 date labels under the x axis."""
    step = max(1, len(runs) // 8 + (1 if len(runs) % 8 else 0))
    out = []
    for i in range(0, len(runs), step):
        started = str(runs[i].get("started") or runs[i].get("id") or "")
        out.append({"x": xs[i], "y": height - 2, "label": started[:10]})
    return out
