"""The one item pipeline: hands each `Page` to the audit session (rules, page checks, store)."""
from __future__ import annotations

from typing import Any

from crawler.documents import Document
from crawler.page import Page


class AuditPipeline:
    """Passes pages to the spider's audit session and counts findings in the stats.

    The session travels on the spider (`SiteSpider(session=...)`), not in the settings: Scrapy
    copies settings, and the session holds a live DB connection.
    """

    def __init__(self, crawler: Any):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Any) -> "AuditPipeline":
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        session = getattr(self.crawler.spider, "session", None)
        if isinstance(item, Page) and session is not None:
            found = session.process_page(item)
            stats = self.crawler.stats
            if found:
                stats.inc_value("siteaudit/findings", found)
            stats.inc_value("siteaudit/pages")
        elif isinstance(item, Document) and session is not None:
            self._process_document(session, item)
        return item

    def _process_document(self, session: Any, document: Document) -> None:
        """A linked PDF: its text through the phrase rules (crawler/checks/crawl/documents.py)."""
        found = session.process_document(document)
        if found:
            self.crawler.stats.inc_value("siteaudit/findings", found)
        self.crawler.stats.inc_value("siteaudit/documents")
