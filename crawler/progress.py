"""Terminal progress of a crawl: one stderr line, rewritten in place.

`ProgressExtension` is a Scrapy extension, on only when the setting `AUDIT_PROGRESS` is true (the
CLI sets it when stderr is a TTY and not `--quiet`), so a cron job's output stays clean. It shows
pages audited, requests queued, findings (stats keys `siteaudit/pages` and `siteaudit/findings`,
counted by the pipeline), the rate in pages a minute, and an estimate of the time left: the
requests queued at the current rate, no more than the pages left under `crawl.max_pages` and the
seconds left under `--time-limit`.
"""
from __future__ import annotations

import shutil
import sys
import time
from typing import IO, Any, Callable

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.asyncio import create_looping_call

from rules.model import pick

FINDINGS_STAT = "siteaudit/findings"
PAGES_STAT = "siteaudit/pages"                 # pages the pipeline audited (the report's page count)
RESPONSES_STAT = "response_received_count"     # fallback when no audit pipeline counts pages


def remaining_seconds(pages: int, queued: int | None, elapsed_s: float, *, max_pages: int = 0,
                      time_limit: float = 0) -> float | None:
    """Seconds the crawl will still take at its current rate, or None before there is a rate."""
    if queued is None or pages <= 0 or elapsed_s <= 0:
        return None
    left = queued if not max_pages else min(queued, max(0, max_pages - pages))
    estimate = left / (pages / elapsed_s)
    if time_limit:
        estimate = min(estimate, max(0.0, time_limit - elapsed_s))
    return estimate


def _clock(seconds: float) -> str:
    hours, rest = divmod(int(seconds), 3600)
    mins, secs = divmod(rest, 60)
    return f"{hours}:{mins:02d}:{secs:02d}" if hours else f"{mins}:{secs:02d}"


def format_progress(pages: int, queued: int | None, findings: int, elapsed_s: float, *, lang: str = "zh",
                    width: int = 80, remaining_s: float | None = None) -> str:
    """The progress line: pages, queue, findings, pages a minute, elapsed time and the estimated time
    left; at most `width` chars."""
    rate = pages / elapsed_s * 60 if elapsed_s > 0 else 0.0
    queue = "?" if queued is None else str(queued)
    left_zh = f" · 预计剩余 {_clock(remaining_s)}" if remaining_s is not None else ""
    left_en = f" · ~{_clock(remaining_s)} left" if remaining_s is not None else ""
    text = pick(lang, f"页面 {pages} · 队列 {queue} · 问题 {findings} · {rate:.0f} 页/分钟 · {_clock(elapsed_s)}{left_zh}",
                f"pages {pages} · queued {queue} · findings {findings} · {rate:.0f} pages/min · "
                f"{_clock(elapsed_s)}{left_en}")
    # CJK characters take two terminal columns: cut by display width so the line never wraps.
    out, used = [], 0
    for ch in text:
        w = 2 if ord(ch) > 0x2E7F else 1
        if used + w > width - 1:
            break
        out.append(ch)
        used += w
    return "".join(out)


class ProgressExtension:
    """Prints crawl progress on one updating stderr line every `interval` seconds and at the end."""

    def __init__(self, stats: Any, stream: IO[str] | None = None, interval: float = 1.0, lang: str = "zh",
                 queue_size: Callable[[], int | None] | None = None,
                 clock: Callable[[], float] = time.monotonic, max_pages: int = 0, time_limit: float = 0):
        self.stats = stats
        self.stream = stream if stream is not None else sys.stderr
        self.interval = interval
        self.lang = lang
        self.queue_size = queue_size or (lambda: None)
        self.clock = clock
        self.max_pages = max_pages
        self.time_limit = time_limit
        self.started: float | None = None
        self.task: Any = None
        self.lines = 0

    @classmethod
    def from_crawler(cls, crawler: Any) -> "ProgressExtension":
        settings = crawler.settings
        if not settings.getbool("AUDIT_PROGRESS"):
            raise NotConfigured
        ext = cls(crawler.stats, interval=settings.getfloat("AUDIT_PROGRESS_INTERVAL", 1.0),  # seconds
                  lang=settings.get("AUDIT_LANG", "zh"), queue_size=lambda: _queue_size(crawler),
                  max_pages=settings.getint("AUDIT_MAX_PAGES", 0),
                  time_limit=settings.getfloat("CLOSESPIDER_TIMEOUT", 0))
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider: Any = None) -> None:
        self.started = self.clock()
        self.task = create_looping_call(self.show)
        self.task.start(self.interval, now=True)

    def spider_closed(self, spider: Any = None, reason: str = "") -> None:
        if self.task is not None and self.task.running:
            self.task.stop()
        self.show()
        self.stream.write("\n")   # leave the last line on screen and move past it
        self.stream.flush()

    def line(self) -> str:
        elapsed = self.clock() - (self.started if self.started is not None else self.clock())
        width = shutil.get_terminal_size((80, 24)).columns
        pages = self.stats.get_value(PAGES_STAT)
        if pages is None:
            pages = self.stats.get_value(RESPONSES_STAT, 0)
        pages, queued = int(pages or 0), self.queue_size()
        left = remaining_seconds(pages, queued, elapsed, max_pages=self.max_pages, time_limit=self.time_limit)
        return format_progress(pages, queued, int(self.stats.get_value(FINDINGS_STAT, 0) or 0), elapsed,
                               lang=self.lang, width=width, remaining_s=left)

    def show(self) -> None:
        try:
            self.stream.write("\r\x1b[K" + self.line())
            self.stream.flush()
            self.lines += 1
        except (OSError, ValueError):   # a closed terminal must not stop the crawl
            if self.task is not None and self.task.running:
                self.task.stop()


def _queue_size(crawler: Any) -> int | None:
    """Requests waiting in the scheduler, or None when the scheduler cannot tell."""
    engine = getattr(crawler, "engine", None)
    scheduler = getattr(engine, "scheduler", None) if engine is not None else None
    try:
        return len(scheduler) if scheduler is not None else None
    except TypeError:
        return None
