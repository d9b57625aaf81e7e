"""`TrapMiddleware`: a request already queued when its URL pattern was found to be a trap is not sent.

The spider's `TrapGuard` (crawler/traps.py) refuses new links of a trap at once; requests that were
scheduled before the evidence came in are dropped here, at the download, and counted as skipped.
"""
from __future__ import annotations

from typing import Any

from scrapy.exceptions import IgnoreRequest

TRAP_META = "trap_checked"   # set on page requests the guard admitted


class TrapMiddleware:
    """Drops queued page requests whose pattern turned out to be a trap."""

    def __init__(self, crawler: Any):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Any) -> "TrapMiddleware":
        return cls(crawler)

    def process_request(self, request: Any, spider: Any = None) -> None:
        if not request.meta.get(TRAP_META):
            return None
        guard = getattr(self.crawler.spider, "traps", None)
        if guard is not None and guard.is_trap(request.url):
            raise IgnoreRequest("trap: its URL pattern was found to be a crawler trap")
        return None
