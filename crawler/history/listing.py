"""`siteaudit history`: past runs as a plain-text table (date, run, pages, findings, new/fixed, uptime).

Columns are aligned by display width, so Chinese headers and site names line up in a terminal.
"""
from __future__ import annotations

import unicodedata
from datetime import timezone

from crawler.clock import parse_time
from rules.model import LANGS, pick, severity_name

_HEADERS = {
    lang: (pick(lang, "日期", "date"), pick(lang, "运行编号", "run id"), pick(lang, "站点", "site"),
           pick(lang, "页面", "pages"), *(severity_name(s, lang) for s in ("error", "warning", "info")),
           pick(lang, "新增", "new"), pick(lang, "已修复", "fixed"), pick(lang, "可用率", "uptime"), pick(lang, "状态", "status"))
    for lang in LANGS
}
_REASONS = {
    "zh": {"finished": "完成", "page_limit": "达到页数上限", "time_limit": "达到时间上限",
           "interrupted": "中断", "crashed": "崩溃", None: "进行中"},
    "en": {"finished": "finished", "page_limit": "page limit", "time_limit": "time limit",
           "interrupted": "interrupted", "crashed": "crashed", None: "running"},
}
_RIGHT = {3, 4, 5, 6, 7, 8, 9}     # numeric columns are right-aligned


def display_width(text: str) -> int:
    """Terminal columns: East Asian wide and full-width characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _pad(text: str, width: int, right: bool) -> str:
    gap = " " * (width - display_width(text))
    return gap + text if right else text + gap


def _date(value: str | None) -> str:
    """The run's start as `YYYY-MM-DD HH:MM` UTC; the raw text when it is not ISO-8601."""
    if not value:
        return "-"
    moment = parse_time(value)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M") if moment else value


def _uptime(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}%"


def format_history(rows: list[dict], lang: str = "zh") -> str:
    """The rows of `Store.history()` (newest first) as an aligned table; a one-line note when empty."""
    lang = pick(lang, "zh", "en")
    if not rows:
        return pick(lang, "还没有审计记录", "no runs recorded yet")
    reasons = _REASONS[lang]
    table = [list(_HEADERS[lang])]
    for r in rows:
        table.append([
            _date(r.get("started")), str(r.get("id", "")), str(r.get("site", "")), str(r.get("pages") or 0),
            str(r.get("error", 0)), str(r.get("warning", 0)), str(r.get("info", 0)),
            str(r.get("new", 0)), str(r.get("fixed", 0)), _uptime(r.get("uptime")),
            reasons.get(r.get("finish_reason"), str(r.get("finish_reason"))),
        ])
    widths = [max(display_width(row[i]) for row in table) for i in range(len(table[0]))]
    lines = ["  ".join(_pad(cell, widths[i], i in _RIGHT) for i, cell in enumerate(row)).rstrip() for row in table]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
