"""The audit's shared state as the downloader middlewares see it."""
from __future__ import annotations

from typing import Any


def spider_state(crawler: Any) -> dict[str, Any]:
    """The audit's shared state (`ctx.state`, as `spider.audit_state`), or a scratch dict without a spider.

    Not `spider.state`: Scrapy's SpiderState extension replaces that dict when JOBDIR is set.
    """
    spider = crawler.spider
    state = getattr(spider, "audit_state", None)
    if state is None:
        state = {}
        if spider is not None:
            spider.audit_state = state
    return state
