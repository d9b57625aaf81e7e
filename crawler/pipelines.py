"""The one item pipeline: hands each `Page` to the audit session (rules, page checks, store).

Also the per-page caps on findings (`FindingCap`, `phrase_findings`): a hostile page with 200,000
copies of a banned phrase must not hold 200,000 findings in memory, nor put them in the report.
"""
from __future__ import annotations

import dataclasses
from typing import Any, Iterable, Iterator

from crawler.documents import Document
from crawler.page import Page
from rules.model import Finding

# Findings kept per page, and per (rule, match) on one page; the rest are counted, and the last
# finding kept says how many more there were (docs/CRAWL.md).
FINDINGS_PER_PAGE = 500
FINDINGS_PER_MATCH = 10
# Text blocks longer than this are checked a piece at a time (at line breaks or punctuation), so
# the matcher never holds more than one piece's hits.
_PIECE = 4000
_BREAKS = "。！？；，、.!?;, \t"


class FindingCap:
    """Keeps at most `per_page` findings of one page and `per_match` per (rule, match), counting the rest."""

    def __init__(self, per_page: int = FINDINGS_PER_PAGE, per_match: int = FINDINGS_PER_MATCH):
        self.per_page = per_page
        self.per_match = per_match
        self.kept: list[Finding] = []
        self._groups: dict[tuple[str, str], list[int]] = {}   # (rule, match) -> [kept, more, index of last kept]
        self.dropped = 0          # findings past the page cap in groups that kept none or are full
        # id(kept finding) -> its stored form (crawler/history/rows.py), when the phrase worker made it
        self.prepared: dict[int, tuple[str, str]] | None = None

    def add(self, finding: Finding) -> None:
        key = (finding.rule, finding.match or finding.where or "")
        group = self._groups.get(key)
        if group is None:
            if len(self.kept) >= self.per_page:
                self.dropped += 1
                return
            self._groups[key] = [1, 0, len(self.kept)]
            self.kept.append(finding)
            return
        if group[0] < self.per_match and len(self.kept) < self.per_page:
            group[0] += 1
            group[2] = len(self.kept)
            self.kept.append(finding)
        else:
            group[1] += 1

    def extend(self, findings: Iterable[Finding]) -> "FindingCap":
        for finding in findings:
            self.add(finding)
        return self

    def findings(self, lang: str = "zh") -> list[Finding]:
        """The kept findings; the last of each full group names how many more the page had."""
        out = list(self.kept)
        for kept, more, last in self._groups.values():
            if more:
                out[last] = _with_more(out[last], more, lang)
        if self.dropped and out:
            out[-1] = _with_more(out[-1], self.dropped, lang, other=True)
        return out


def _with_more(finding: Finding, more: int, lang: str, other: bool = False) -> Finding:
    if other:
        note = (f" (and {more:,} more findings on this page, not kept)" if lang == "en"
                else f"（本页另有 {more:,} 项其他发现未保留）")
    else:
        note = f" (and {more:,} more on this page)" if lang == "en" else f"（本页另有 {more:,} 处）"
    return dataclasses.replace(finding, message=finding.message + note)


def phrase_findings(ruleset: Any, html: str, url: str) -> Iterator[Finding]:
    """`ruleset.check_html(html, url)`, one text block (or piece of a long block) at a time."""
    from rules.html import asks, extract_blocks

    for block in extract_blocks(html):
        if len(block.text) <= _PIECE:
            yield from ruleset.check(block.text, url=url, where=block.where, line=block.line, column=block.column)
            continue
        lines = block.text.split("\n")
        for k, line in enumerate(lines):
            start = 0
            while start < len(line):
                end = _piece_end(line, start)
                column = (block.column if k == 0 else 1) + start
                # A line's last piece that asks is answered by the next line.
                reply = lines[k + 1] if k + 1 < len(lines) and end == len(line) and asks(line) else ""
                yield from ruleset.check(line[start:end], url=url, where=block.where, line=block.line + k,
                                         column=column, answer=reply)
                start = end


def _piece_end(line: str, start: int) -> int:
    end = start + _PIECE
    if end >= len(line):
        return len(line)
    for i in range(end, max(start + _PIECE // 2, end - 200), -1):
        if line[i - 1] in _BREAKS:
            return i
    return end


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

    async def process_item(self, item: Any) -> Any:
        session = getattr(self.crawler.spider, "session", None)
        if isinstance(item, Page) and session is not None:
            # Awaited: the phrase rules may run in a worker process (crawler/phrases.py). A session
            # without it (the tests' collecting one) handles the page at once.
            handle = getattr(session, "process_page_async", None)
            found = await handle(item) if handle is not None else session.process_page(item)
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
