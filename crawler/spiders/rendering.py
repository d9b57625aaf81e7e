"""Two components the spider owns: `Renderer` (crawl.render: pages through headless Chromium) and
`Documents` (linked PDFs downloaded and read). Each gets what it needs when it is made; neither reads
the spider's attributes.

The spider calls `Renderer.hand_on_or_render` instead of handing a parsed page on, `Documents.request`
for a PDF link on a declared domain, and `Renderer.release_unrendered` when it closes. The requests they
make call back into thin spider methods (so that requests pickle under --resume), which pass on to here.

A page that needs rendering is held back while the browser renders it: the checks then see one
page, the rendered one (with the served HTML kept in `Page.render.raw_html`), or the served one
with the render error when the browser failed. Render requests go to the engine directly, not
through the spider middlewares, so a page at the depth limit is rendered too.
"""
from __future__ import annotations

import asyncio
import dataclasses
import logging
from dataclasses import dataclass
from typing import Any, AsyncIterator, Callable, Iterable, Iterator

import scrapy
from scrapy.http import HtmlResponse, Response, TextResponse

from crawler.documents import DOCUMENT_MAX_BYTES, DOCUMENTS_MAX, Document, DocumentLog, DocumentProblem, read_pdf
from crawler.page import Page, RenderInfo
from crawler.render import RenderLog, describe_error, render_meta, render_reason
from crawler.urls import normalize_url
from crawler.spiders.links import page_title

logger = logging.getLogger(__name__)

_RENDER_PRIORITY = 20   # ahead of the frontier: the page waits, held back, until it is rendered


def is_pdf_response(response: Response) -> bool:
    ctype = (response.headers.get("Content-Type") or b"").lower()
    return b"application/pdf" in ctype or (not isinstance(response, TextResponse) and response.body[:5] == b"%PDF-")


@dataclass(frozen=True)
class Callbacks:
    """The spider's methods a component's requests call back (spider methods, so that requests pickle)."""

    done: Callable
    failed: Callable


class Renderer:
    """Pages through headless Chromium when `crawl.render` says so."""

    def __init__(self, log: RenderLog, callbacks: Callbacks, hand_on: Callable[[Page, str], Iterable[Any]],
                 follow: Callable[[TextResponse], Iterable[Any]], deliver: Callable[[Any], None]):
        self.log = log
        self.callbacks = callbacks
        self.hand_on = hand_on          # the spider's own hand-on (held broken pages, referrers)
        self.follow = follow            # links of a rendered page (those only the scripts write)
        self.deliver = deliver          # a page handed on after the crawl, straight to the audit session
        # Without a crawler (unit use) nothing is rendered; `configure` reads the real settings.
        self.mode = "never"
        self.missing = ""
        self.timeout = 20.0
        self.pending: dict[str, tuple[Page, str]] = {}           # URL -> (served page, requested URL)
        self.homepages: dict[str, Page] = {}                     # a homepage reached twice renders once

    def configure(self, settings: Any) -> None:
        self.mode = settings.get("AUDIT_RENDER", "never")
        self.missing = settings.get("AUDIT_RENDER_MISSING", "")
        self.timeout = settings.getfloat("AUDIT_RENDER_TIMEOUT", 20.0)
        self.log.mode = self.mode
        self.log.missing = self.missing

    def hand_on_or_render(self, page: Page, response: Response, requested: str, engine: Any) -> Iterator[Any]:
        reason = render_reason(page, self.mode) if self.mode != "never" else ""
        if not reason:
            yield from self.hand_on(page, requested)
            return
        if self.missing:
            self.log.note_unrendered(page.url)
            yield from self.hand_on(page, requested)
            return
        known = self.homepages.get(page.url)
        if known is not None:
            yield from self.hand_on(dataclasses.replace(page, text=known.text, title=known.title,
                                                        render=known.render), requested)
            return
        meta = {**render_meta(reason, self.timeout), "depth": page.depth,
                "linked_from": response.meta.get("linked_from", page.referer)}
        request = scrapy.Request(page.url, callback=self.callbacks.done, errback=self.callbacks.failed,
                                 dont_filter=True, priority=_RENDER_PRIORITY, meta=meta,
                                 cb_kwargs={"raw": page, "requested": requested})
        self.pending[page.url] = (page, requested)
        if engine is not None:
            engine.crawl(request)
        else:
            yield request

    def rendered(self, response: Response, raw: Page, requested: str) -> Iterator[Any]:
        if self.pending.pop(raw.url, None) is None:
            return   # already handed on when the crawl ended (release_unrendered)
        reason = response.meta.get("render_reason", "")
        if not isinstance(response, TextResponse) or response.status >= 400:
            yield from self._error(raw, requested, reason, f"HTTP {response.status}")
            return
        text = response.text
        dom = HtmlResponse(url=response.url, body=text.encode("utf-8"), encoding="utf-8", request=response.request)
        title = page_title(dom) or raw.title
        ms = int(response.meta.get("download_latency", 0) * 1000)
        page = dataclasses.replace(raw, text=text, title=title, render=RenderInfo(reason, raw_html=raw.text, ms=ms))
        self.log.note_rendered(raw.url)
        if raw.is_homepage:
            self.homepages[raw.url] = page
        yield from self.hand_on(page, requested)
        if page.status < 300:
            yield from self.follow(dom)   # links that only the scripts write (single-page apps)

    def failed(self, failure: Any) -> Iterator[Any]:
        request = failure.request
        raw, requested = request.cb_kwargs["raw"], request.cb_kwargs["requested"]
        if self.pending.pop(raw.url, None) is None:
            return   # already handed on when the crawl ended (release_unrendered)
        yield from self._error(raw, requested, request.meta.get("render_reason", ""), describe_error(failure.value))

    def _error(self, raw: Page, requested: str, reason: str, error: str) -> Iterator[Any]:
        logger.warning("could not render %s: %s", raw.url, error)
        self.log.note_failed(raw.url, error)
        if "BrowserType.launch" in error and not self.missing:
            # The browser does not start here at all: the pages after this one are not tried (REN002 says why).
            self.missing = self.log.missing = "Chromium (BrowserType.launch failed)"
        yield from self.hand_on(dataclasses.replace(raw, render=RenderInfo(reason, error=error)), requested)

    def release_unrendered(self) -> None:
        """Pages still waiting for the browser when the crawl ended: handed on as served, with the reason."""
        pending, self.pending = self.pending, {}
        for raw, requested in pending.values():
            self.log.note_failed(raw.url, "the crawl ended before the page was rendered")
            page = dataclasses.replace(raw, render=RenderInfo("", error="the crawl ended before the page was rendered"))
            for item in self.hand_on(page, requested):
                self.deliver(item)


class Documents:
    """PDFs on declared domains, linked from audited pages: downloaded within a size cap and read."""

    def __init__(self, log: DocumentLog, seen: set[int], excluded: Callable[[str], bool], callbacks: Callbacks,
                 robots_refused: Callable[[Any], Iterable[Any]]):
        self.log = log
        self.seen = seen                    # the frontier's: a document is fetched once
        self.excluded = excluded            # crawl.exclude
        self.callbacks = callbacks
        self.robots_refused = robots_refused    # robots.txt said no: listed with the other exclusions
        self.max_bytes = DOCUMENT_MAX_BYTES
        self.count = 0

    def configure(self, settings: Any) -> None:
        self.max_bytes = settings.getint("AUDIT_DOCUMENT_MAX_BYTES", DOCUMENT_MAX_BYTES)

    def _take(self, url: str) -> bool:
        """True when this document is to be read: not seen yet, and within the per-audit cap."""
        key = hash("DOC " + normalize_url(url, ()))
        if key in self.seen:
            return False
        self.seen.add(key)
        if self.count >= DOCUMENTS_MAX:
            self.log.skipped_over_cap += 1
            return False
        self.count += 1
        return True

    def request(self, url: str, referer: str) -> Iterator[Any]:
        """A GET for a PDF linked from an audited page (its HEAD status check is made as well)."""
        url = normalize_url(url, ())
        if self.excluded(url) or not self._take(url):
            return
        yield scrapy.Request(url, callback=self.callbacks.done, errback=self.callbacks.failed, priority=-5,
                             meta={"linked_from": referer, "kind": "document",
                                   "download_maxsize": self.max_bytes, "download_warnsize": 0})

    def from_response(self, response: Response, page: Page) -> Iterator[Document]:
        """A PDF behind a link that does not say so (/download?id=3), read where it arrived."""
        if not self._take(page.url):
            return
        doc = read_pdf(response.body, page.url, page.referer, page.status)   # rare: read in place
        self.log.note(doc)
        yield doc

    async def parse(self, response: Response) -> AsyncIterator[Any]:
        if response.status >= 400:
            return   # a broken link: the HEAD check reports it (LNK007)
        referer = response.meta.get("linked_from", "")
        # pypdf is pure Python: read in a thread so the crawl's downloads go on meanwhile.
        doc = await asyncio.to_thread(read_pdf, response.body, response.url, referer, response.status)
        self.log.note(doc)
        yield doc

    def failed(self, failure: Any) -> Iterator[Any]:
        from scrapy.exceptions import IgnoreRequest

        if failure.check(IgnoreRequest):
            yield from self.robots_refused(failure)
            return
        request = failure.request
        text = str(failure.value)
        if "max size" in text or "maxsize" in text or "larger than" in text:
            problem, detail = DocumentProblem.OVERSIZED, f"> {self.max_bytes} bytes"
        else:
            problem, detail = DocumentProblem.FAILED, describe_error(failure.value)
        doc = Document(url=request.url, referer=request.meta.get("linked_from", ""), status=0, problem=problem,
                       detail=detail)
        self.log.note(doc)
        yield doc
