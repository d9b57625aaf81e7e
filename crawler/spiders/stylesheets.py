"""External style sheets for the hidden-content checks (暗链 hidden by a rule in a linked .css file).

A page's `<link rel="stylesheet">` sheets on the declared domains are fetched once each per crawl
(GET, at most `SHEET_BYTES`), parsed into the simple rules `checks/filing/hidden.py` reads, and
attached to every page that links them (`Page.stylesheets`). A page whose sheets are not read yet
waits for them: most pages of a site share the same few sheets, so only the first pages wait.
Everything is bounded: at most `SHEETS_MAX` sheets are read, at most `SHEETS_PER_PAGE` apply to one
page, and at most `WAITING_MAX` pages wait; past a bound a page goes on with the sheets already read.
A sheet that cannot be read (error, not CSS, too big) applies as empty. When the crawl ends, pages
still waiting go on with what was read.
"""
from __future__ import annotations

import dataclasses
from typing import Any, Callable, Iterable, Iterator

import scrapy
from scrapy.http import Response, TextResponse

from crawler.checks.filing.hidden import SheetRules, sheet_rules
from crawler.page import Page
from crawler.spiders.rendering import Callbacks

SHEETS_MAX = 64            # distinct sheets read in one crawl
SHEETS_PER_PAGE = 8        # sheets of one page that are applied
SHEET_BYTES = 512 * 1024   # a bigger sheet is not read (minified frameworks are ~200 KB)
WAITING_MAX = 64           # pages waiting for their sheets at any time
_PRIORITY = 50             # ahead of pages: the pages waiting for a sheet cannot go on before it
_LINKS = ("//link[contains(concat(' ', normalize-space(translate(@rel, 'STYLEHET', 'stylehet')), ' '), ' stylesheet ')]"
          "[not(@media) or normalize-space(@media) = '' or @media = 'all' or @media = 'screen']/@href")


@dataclasses.dataclass
class _Waiting:
    page: Page
    urls: tuple[str, ...]            # the page's sheets, in document order
    go_on: Callable[[Page], Iterable[Any]]


class Stylesheets:
    """Reads each linked style sheet once and holds a page until its sheets are read."""

    def __init__(self, callbacks: Callbacks, is_internal: Callable[[str], bool], excluded: Callable[[str], bool],
                 deliver: Callable[[Any], None]):
        self.callbacks = callbacks
        self.is_internal = is_internal
        self.excluded = excluded
        self.deliver = deliver          # a page handed on after the crawl, straight to the audit session
        self.sheets: dict[str, SheetRules] = {}    # URL -> parsed rules (empty: unreadable or no hiding rules)
        self.asked: set[str] = set()               # URLs requested and not answered yet
        self.waiting: list[_Waiting] = []
        self.read = 0                              # sheets requested in this crawl
        self.failed_urls: list[str] = []           # a few sheets that could not be read (logs, tests)

    def sheet_urls(self, response: TextResponse) -> tuple[str, ...]:
        urls: list[str] = []
        for href in response.xpath(_LINKS).getall():
            url = response.urljoin(href.strip())
            if url.startswith(("http://", "https://")) and self.is_internal(url) and not self.excluded(url) \
                    and url not in urls:
                urls.append(url.split("#", 1)[0])
        return tuple(urls[:SHEETS_PER_PAGE])

    def hand_on(self, page: Page, response: Response, go_on: Callable[[Page], Iterable[Any]]) -> Iterator[Any]:
        """`go_on(page)` now, with its sheets attached, or once they are read."""
        if not isinstance(response, TextResponse) or not page.is_html or page.status >= 300 \
                or ("tylesheet" not in page.text and "TYLESHEET" not in page.text):
            yield from go_on(page)   # no <link rel="stylesheet">: no XPath pass on the hot path
            return
        urls = self.sheet_urls(response)
        missing = [u for u in urls if u not in self.sheets]
        new = [u for u in missing if u not in self.asked]
        if not missing or len(self.waiting) >= WAITING_MAX or self.read + len(new) > SHEETS_MAX:
            yield from go_on(self._attach(page, urls))
            return
        self.waiting.append(_Waiting(page, urls, go_on))
        for url in new:
            self.asked.add(url)
            self.read += 1
            yield scrapy.Request(url, callback=self.callbacks.done, errback=self.callbacks.failed, dont_filter=True,
                                 priority=_PRIORITY, cb_kwargs={"sheet": url},
                                 meta={"download_maxsize": SHEET_BYTES, "download_warnsize": 0,
                                       "linked_from": page.url, "kind": "stylesheet", "dont_redirect": True})

    def parsed(self, response: Response, sheet: str) -> Iterator[Any]:
        """A sheet arrived: parse it and let go the pages it completes."""
        css = ""
        if response.status == 200 and isinstance(response, TextResponse):
            css = response.text
        elif response.status == 200 and b"\0" not in response.body[:1024]:
            css = response.body.decode("utf-8", "replace")
        else:
            self._note_failed(sheet)
        yield from self._done(sheet, sheet_rules(css) if css else ())

    def failed(self, failure: Any) -> Iterator[Any]:
        sheet = failure.request.cb_kwargs["sheet"]
        self._note_failed(sheet)
        yield from self._done(sheet, ())

    def release(self) -> None:
        """The crawl ended: pages still waiting go on with the sheets that were read."""
        waiting, self.waiting = self.waiting, []
        for w in waiting:
            for item in w.go_on(self._attach(w.page, w.urls)):
                self.deliver(item)

    def _done(self, sheet: str, rules: SheetRules) -> Iterator[Any]:
        self.asked.discard(sheet)
        self.sheets[sheet] = rules
        ready = [w for w in self.waiting if all(u in self.sheets for u in w.urls)]
        if not ready:
            return
        self.waiting = [w for w in self.waiting if not all(u in self.sheets for u in w.urls)]
        for w in ready:
            yield from w.go_on(self._attach(w.page, w.urls))

    def _attach(self, page: Page, urls: tuple[str, ...]) -> Page:
        rules = tuple(self.sheets[u] for u in urls if self.sheets.get(u))
        return dataclasses.replace(page, stylesheets=rules) if rules else page

    def _note_failed(self, sheet: str) -> None:
        if len(self.failed_urls) < 20:
            self.failed_urls.append(sheet)
