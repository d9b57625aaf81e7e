"""`PagingDepthMiddleware`: link depth that paging does not exhaust.

Scrapy's `DepthMiddleware` counts every link as one hop deeper, so page 40 of a product list is 40
links deep and `crawl.max_depth` would end a catalogue. A request with `meta["depth_same"]` (the
spider sets it on links between two URLs of one pattern: next page, previous article) keeps the
depth of the page that links to it; everything else is Scrapy's behaviour (`depth_reset`,
`DEPTH_LIMIT`, `DEPTH_PRIORITY`, the `depth/request_ignored_count` stat).
"""
from __future__ import annotations

from typing import Any

from scrapy.spidermiddlewares.depth import DepthMiddleware


class PagingDepthMiddleware(DepthMiddleware):
    """DepthMiddleware, but a `depth_same` link is no hop deeper than its page."""

    def get_processed_request(self, request: Any, response: Any) -> Any:
        if response is not None and request.meta.pop("depth_same", False) and not request.meta.get("depth_reset"):
            depth = response.meta.get("depth", 0)
            request.meta["depth"] = depth
            if self.prio:
                request.priority -= depth * self.prio
            return request   # never deeper than a page already admitted, so within DEPTH_LIMIT
        return super().get_processed_request(request, response)
