"""The crawl frontier: which internal URLs are fetched, in what order, and what is left out and why.

`Frontier` owns the URL bookkeeping of one crawl: every URL judged once (seen), the user's
exclusions and optional pattern cap, the trap guard (`crawler/traps.py`), the link depth limit
(links within one URL pattern, such as paging, add no depth), and the page requests still waiting
for an answer, which are the pages a cut-short crawl did not audit (`run.coverage`).
It builds page requests; the spider passes its callbacks in, so the frontier never reaches into it.
"""
from __future__ import annotations

import re
from typing import Any, Callable
from urllib.parse import urlsplit

import scrapy

from crawler.middlewares.traps import TRAP_META
from crawler.traps import TrapGuard
from crawler.urls import PatternCap, normalize_url, url_pattern

# Priorities (higher first; DepthMiddleware subtracts the depth): homepages, then sitemap URLs and start
# URLs (depth 0), then links breadth-first. Resources and external links wait behind pages.
HOMEPAGE_PRIORITY = 10
RESOURCE_PRIORITY = -10
EXTERNAL_PRIORITY = -20


class Frontier:
    """Admits, refuses and counts the internal URLs of one crawl."""

    def __init__(self, crawl: Any, strip: frozenset[str], parse: Callable, failed: Callable,
                 traps: TrapGuard | None = None):
        self.strip = strip
        self.parse = parse          # the spider's page callback and errback
        self.failed = failed
        self.max_depth = crawl.max_depth
        self.exclude = [re.compile(p) for p in crawl.exclude]   # SPEC: regexes on the URL path
        self.caps = PatternCap(crawl.pattern_cap)
        self.traps = traps or TrapGuard()
        self.seen: set[int] = set()             # hashes of URLs already judged (scheduled, excluded, capped)
        self.pending_pages: set[int] = set()    # page requests not answered yet
        self.depth_ignored = 0                  # links past crawl.max_depth
        self._trap_refused: set[int] = set()    # URLs skipped as traps (each counted once)

    def excluded(self, url: str) -> bool:
        path = urlsplit(url).path or "/"
        return any(p.search(path) for p in self.exclude)

    def page_request(self, url: str, referer: str = "", *, normalized: bool = False, root: bool = False,
                     depth: int = 0, same_pattern: bool = False, priority: int = 0,
                     **meta: Any) -> scrapy.Request | None:
        """A request for an internal page, or None when it is a duplicate, excluded, capped, too deep or a trap.

        `root`: a start or sitemap URL (depth 0, never a trap by its link); otherwise `referer` is
        the linking page, `depth` its depth, and `same_pattern` says the link stays within that
        page's URL pattern (next page, previous article), so it adds no depth.
        """
        if not normalized:
            url = normalize_url(url, self.strip)
        key = hash(url)
        if key in self.seen:
            return None
        if root:
            meta["depth_reset"] = True
        else:
            trap = self.traps.refuse(url, referer)
            if trap is not None:
                # Not marked seen: a calendar or search URL refused here may be linked from a page
                # that is no trap (then it is a page); the skip is counted once.
                if key not in self._trap_refused:
                    self._trap_refused.add(key)
                    trap.skipped += 1
                return None
            child_depth = depth if same_pattern else depth + 1
            if self.max_depth and child_depth > self.max_depth:
                self.seen.add(key)
                self.depth_ignored += 1
                return None
            if same_pattern:
                meta["depth_same"] = True
        self.seen.add(key)   # excluded and over-cap URLs too: each is judged (and counted) once
        if self.excluded(url) or not self.caps.admit(url):
            return None
        self.pending_pages.add(key)
        return scrapy.Request(url, callback=self.parse, errback=self.failed, priority=priority,
                              meta={"linked_from": referer, TRAP_META: True, **meta})

    def homepage_request(self, url: str, host: str) -> scrapy.Request:
        """A declared domain's homepage: always fetched, even when another domain redirects to it (the
        filing checks judge each domain's homepage separately, hence dont_filter)."""
        key = hash(normalize_url(url, self.strip))
        self.seen.add(key)
        self.pending_pages.add(key)
        # depth_reset: a crawl root, whatever robots/sitemap/probe chain led to it.
        return scrapy.Request(url, callback=self.parse, errback=self.failed, dont_filter=True,
                              priority=HOMEPAGE_PRIORITY,
                              meta={"homepage_of": host, "linked_from": "", "depth_reset": True})

    def answered(self, requested: str) -> None:
        """A page request got its answer (or its failure): it is no longer pending."""
        self.pending_pages.discard(hash(requested))
        self.pending_pages.discard(hash(normalize_url(requested, self.strip)))

    @staticmethod
    def same_pattern(a: str, b: str) -> bool:
        return url_pattern(a) == url_pattern(b)

    @staticmethod
    def same_path(a: str, b: str) -> bool:
        """One path shape, whatever the query keys (filter and sort combinations of one list)."""
        return url_pattern(a).split("?", 1)[0] == url_pattern(b).split("?", 1)[0]
