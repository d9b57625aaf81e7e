"""The one item pipeline: hands each `Page` to the audit session (rules, page checks, store)."""
from __future__ import annotations

from typing import Any

from crawler.page import Page


class AuditPipeline:
    """Passes pages to `AUDIT_SESSION.process_page` and counts findings in the stats."""

    def __init__(self, session: Any, stats: Any):
        self.session = session
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Any) -> "AuditPipeline":
        return cls(crawler.settings.get("AUDIT_SESSION"), crawler.stats)

    def process_item(self, item: Any) -> Any:
        if isinstance(item, Page) and self.session is not None:
            found = self.session.process_page(item)
            if found:
                self.stats.inc_value("siteaudit/findings", found)
            self.stats.inc_value("siteaudit/pages")
        return item
