"""The spider's part of rendering (crawl.render) and of linked documents (PDFs), kept apart from the crawl order.

`SiteSpider` calls three hooks: `_hand_on_or_render` instead of handing a parsed page on,
`_document_request` for a PDF link on a declared domain, and `_release_unrendered` when it
closes. Everything else here is the callbacks of the requests those hooks make.

A page that needs rendering is held back while the browser renders it: the checks then see one
page, the rendered one (with the served HTML kept in `Page.render.raw_html`), or the served one
with the render error when the browser failed. Render requests go to the engine directly, not
through the spider middlewares, so a page at the depth limit is rendered too.
"""
from __future__ import annotations

import asyncio
import dataclasses
import logging
from typing import Any, Iterator

import scrapy
from scrapy.http import HtmlResponse, Response, TextResponse

from crawler.documents import DOCUMENT_MAX_BYTES, DOCUMENTS_MAX, Document, DocumentLog, DocumentProblem, read_pdf
from crawler.page import Page, RenderInfo
from crawler.render import RenderLog, describe_error, render_meta, render_reason
from crawler.urls import normalize_url

logger = logging.getLogger(__name__)

_RENDER_PRIORITY = 20   # ahead of the frontier: the page waits, held back, until it is rendered


def _is_pdf(response: Response) -> bool:
    ctype = (response.headers.get("Content-Type") or b"").lower()
    return b"application/pdf" in ctype or (not isinstance(response, TextResponse) and response.body[:5] == b"%PDF-")


class RenderingMixin:
    """Pages through headless Chromium when `crawl.render` says so; PDFs downloaded and read."""

    def _init_extras(self, session: Any) -> None:
        ctx = session.ctx if session is not None else None
        self.render_log: RenderLog = ctx.render if ctx is not None else RenderLog()
        self.document_log: DocumentLog = ctx.documents if ctx is not None else DocumentLog()
        # Without a crawler (unit use) nothing is rendered; from_crawler reads the real settings.
        self._render_mode = "never"
        self._render_missing = ""
        self._render_timeout = 20.0
        self._render_pending: dict[str, tuple[Page, str]] = {}    # URL -> (served page, requested URL)
        self._rendered_homepages: dict[str, Page] = {}           # a homepage reached twice renders once
        self._document_max_bytes = DOCUMENT_MAX_BYTES
        self._documents = 0

    def _configure_extras(self, settings: Any) -> None:
        self._render_mode = settings.get("AUDIT_RENDER", "never")
        self._render_missing = settings.get("AUDIT_RENDER_MISSING", "")
        self._render_timeout = settings.getfloat("AUDIT_RENDER_TIMEOUT", 20.0)
        self._document_max_bytes = settings.getint("AUDIT_DOCUMENT_MAX_BYTES", DOCUMENT_MAX_BYTES)
        self.render_log.mode = self._render_mode
        self.render_log.missing = self._render_missing

    # -- rendering ----------------------------------------------------------------------------------
    def _hand_on_or_render(self, page: Page, response: Response) -> Iterator[Any]:
        from crawler.spiders.site import _requested_url

        requested = _requested_url(response)
        if page.status == 200 and _is_pdf(response):
            # A PDF behind a link that does not say so (/download?id=3): read as a linked document too.
            yield from self._document_from(response, page)
        reason = render_reason(page, self._render_mode) if self._render_mode != "never" else ""
        if not reason:
            yield from self._hand_on(page, requested)
            return
        if self._render_missing:
            self.render_log.note_unrendered(page.url)
            yield from self._hand_on(page, requested)
            return
        known = self._rendered_homepages.get(page.url)
        if known is not None:
            yield from self._hand_on(dataclasses.replace(page, text=known.text, title=known.title,
                                                         render=known.render), requested)
            return
        meta = {**render_meta(reason, self._render_timeout), "depth": page.depth,
                "linked_from": response.meta.get("linked_from", page.referer)}
        request = scrapy.Request(page.url, callback=self.parse_rendered, errback=self.render_failed,
                                 dont_filter=True, priority=_RENDER_PRIORITY, meta=meta,
                                 cb_kwargs={"raw": page, "requested": requested})
        self._render_pending[page.url] = (page, requested)
        engine = getattr(getattr(self, "crawler", None), "engine", None)
        if engine is not None:
            engine.crawl(request)
        else:
            yield request

    def parse_rendered(self, response: Response, raw: Page, requested: str) -> Iterator[Any]:
        if self._render_pending.pop(raw.url, None) is None:
            return   # already handed on when the crawl ended (_release_unrendered)
        reason = response.meta.get("render_reason", "")
        if not isinstance(response, TextResponse) or response.status >= 400:
            yield from self._render_error(raw, requested, reason, f"HTTP {response.status}")
            return
        text = response.text
        dom = HtmlResponse(url=response.url, body=text.encode("utf-8"), encoding="utf-8", request=response.request)
        title = dom.xpath("normalize-space(//title)").get() or raw.title
        ms = int(response.meta.get("download_latency", 0) * 1000)
        page = dataclasses.replace(raw, text=text, title=title, render=RenderInfo(reason, raw_html=raw.text, ms=ms))
        self.render_log.note_rendered(raw.url)
        if raw.is_homepage:
            self._rendered_homepages[raw.url] = page
        yield from self._hand_on(page, requested)
        if page.status < 300:
            yield from self._follow(dom)   # links that only the scripts write (single-page apps)

    def render_failed(self, failure: Any) -> Iterator[Any]:
        request = failure.request
        raw, requested = request.cb_kwargs["raw"], request.cb_kwargs["requested"]
        if self._render_pending.pop(raw.url, None) is None:
            return   # already handed on when the crawl ended (_release_unrendered)
        yield from self._render_error(raw, requested, request.meta.get("render_reason", ""),
                                      describe_error(failure.value))

    def _render_error(self, raw: Page, requested: str, reason: str, error: str) -> Iterator[Any]:
        logger.warning("could not render %s: %s", raw.url, error)
        self.render_log.note_failed(raw.url, error)
        if "BrowserType.launch" in error and not self._render_missing:
            # The browser does not start here at all: the pages after this one are not tried (REN002 says why).
            self._render_missing = self.render_log.missing = "Chromium (BrowserType.launch failed)"
        yield from self._hand_on(dataclasses.replace(raw, render=RenderInfo(reason, error=error)), requested)

    def _release_unrendered(self) -> None:
        """Pages still waiting for the browser when the crawl ended: handed on as served, with the reason."""
        pending, self._render_pending = self._render_pending, {}
        for raw, requested in pending.values():
            self.render_log.note_failed(raw.url, "the crawl ended before the page was rendered")
            page = dataclasses.replace(raw, render=RenderInfo("", error="the crawl ended before the page was rendered"))
            for item in self._hand_on(page, requested):
                if self.session is not None:
                    self.session.process_page(item)
                else:
                    self.released.append(item)

    # -- documents ----------------------------------------------------------------------------------
    def _document_request(self, url: str, referer: str) -> Iterator[Any]:
        """A GET for a PDF linked from an audited page (its HEAD status check is made as well)."""
        url = normalize_url(url, ())
        key = hash("DOC " + url)
        if key in self._seen or self._excluded(url):
            return
        self._seen.add(key)
        if self._documents >= DOCUMENTS_MAX:
            self.document_log.skipped_over_cap += 1
            return
        self._documents += 1
        yield scrapy.Request(url, callback=self.parse_document, errback=self.document_failed, priority=-5,
                             meta={"linked_from": referer, "kind": "document",
                                   "download_maxsize": self._document_max_bytes, "download_warnsize": 0})

    def _document_from(self, response: Response, page: Page) -> Iterator[Document]:
        key = hash("DOC " + normalize_url(page.url, ()))
        if key in self._seen:
            return
        self._seen.add(key)
        if self._documents >= DOCUMENTS_MAX:
            self.document_log.skipped_over_cap += 1
            return
        self._documents += 1
        doc = read_pdf(response.body, page.url, page.referer, page.status)   # rare: read in place
        self.document_log.note(doc)
        yield doc

    async def parse_document(self, response: Response) -> Any:
        if response.status >= 400:
            return   # a broken link: the HEAD check reports it (LNK007)
        referer = response.meta.get("linked_from", "")
        # pypdf is pure Python: read in a thread so the crawl's downloads go on meanwhile.
        doc = await asyncio.to_thread(read_pdf, response.body, response.url, referer, response.status)
        self.document_log.note(doc)
        yield doc

    def document_failed(self, failure: Any) -> Iterator[Any]:
        from scrapy.exceptions import IgnoreRequest

        if failure.check(IgnoreRequest):
            yield from self.failed(failure)   # robots.txt said no: listed with the other exclusions
            return
        request = failure.request
        text = str(failure.value)
        if "max size" in text or "maxsize" in text or "larger than" in text:
            problem, detail = DocumentProblem.OVERSIZED, f"> {self._document_max_bytes} bytes"
        else:
            problem, detail = DocumentProblem.FAILED, describe_error(failure.value)
        doc = Document(url=request.url, referer=request.meta.get("linked_from", ""), status=0, problem=problem,
                       detail=detail)
        self.document_log.note(doc)
        yield doc
