"""The audit spider: every declared domain, breadth-first, within the profile's caps.

It only fetches and hands `Page` values on; every judgement happens in the checks.
"""
from __future__ import annotations

from typing import Any, AsyncIterator, Iterator
from urllib.parse import urlsplit, urlunsplit

import scrapy
from scrapy.http import Response, TextResponse
from scrapy.linkextractors import LinkExtractor

from crawler.page import Page


def homepage_urls(profile: Any) -> list[str]:
    """The root URL of every declared domain, with the scheme and port of the start URLs.

    A domain that has its own start URL keeps that URL's scheme and port; the others borrow the
    first start URL's (tests and the demo serve every domain on one loopback port).
    """
    starts = [urlsplit(u) for u in profile.site.start_urls]
    by_host = {s.hostname.lower(): s for s in starts if s.hostname}
    first = starts[0]
    out = []
    for domain in profile.domains:
        ref = by_host.get(domain, first)
        netloc = domain if ref.port is None else f"{domain}:{ref.port}"
        out.append(urlunsplit((ref.scheme, netloc, "/", "", "")))
    return out


class SiteSpider(scrapy.Spider):
    """Crawls the declared domains of one profile."""

    name = "site"

    def __init__(self, profile: Any, session: Any = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.profile = profile
        self.session = session  # the audit session the pipeline hands pages to
        self.allowed_domains = list(profile.domains)
        # Not LinkExtractor(allow_domains=...): it compares the netloc, port included, so a site on a
        # non-default port would have no internal links. We filter on the host name ourselves.
        self.link_extractor = LinkExtractor(deny=profile.crawl.exclude or ())
        self.finish_reason = "finished"
        self.seen_urls: set[str] = set()

    def is_internal(self, url: str) -> bool:
        """On one of the declared domains (exactly: a sub-domain must be declared to be crawled)."""
        return (urlsplit(url).hostname or "").lower() in self.allowed_domains

    def _is_homepage(self, url: str) -> bool:
        parts = urlsplit(url)
        return parts.path in ("", "/") and not parts.query and (parts.hostname or "").lower() in self.allowed_domains

    async def start(self) -> AsyncIterator[Any]:
        homepages = homepage_urls(self.profile)
        for url in dict.fromkeys([*homepages, *self.profile.site.start_urls]):
            # Every declared domain's homepage is fetched even when another domain redirects to it:
            # the filing checks judge each domain's homepage separately.
            yield scrapy.Request(url, callback=self.parse, errback=self.failed, dont_filter=url in homepages,
                                 meta={"homepage_of": urlsplit(url).hostname} if url in homepages else {})

    def _page(self, response: Response) -> Page:
        meta = response.meta
        ms = int(meta.get("download_latency", 0) * 1000)
        headers = {k.decode("latin-1").lower(): b", ".join(v).decode("latin-1")
                   for k, v in response.headers.items()}
        text, encoding, declared, title = "", "", "", ""
        if isinstance(response, TextResponse):
            text = response.text
            encoding = response.encoding
            declared = response._declared_encoding() or ""
            title = (response.xpath("normalize-space(//title)").get() or "") if "html" in headers.get(
                "content-type", "text/html") else ""
        redirects = tuple(meta.get("redirect_urls", ()))
        return Page(url=response.url, status=response.status, depth=meta.get("depth", 0), ms=ms, title=title,
                    encoding=encoding, declared_encoding=declared, content_type=headers.get("content-type", ""),
                    headers=headers, text=text, referer=_referer(response),
                    redirects=redirects, is_homepage=bool(meta.get("homepage_of")) or self._is_homepage(response.url))

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        # Homepage requests bypass the dupe filter, so a URL can arrive twice (apex → www). A repeat
        # is only passed on as the homepage of the domain that redirected to it; links are not re-followed.
        repeat = response.url in self.seen_urls
        if repeat and not response.meta.get("homepage_of"):
            return
        self.seen_urls.add(response.url)
        page = self._page(response)
        yield page
        if not repeat and isinstance(response, TextResponse) and page.is_html and response.status < 400:
            for link in self.link_extractor.extract_links(response):
                if self.is_internal(link.url):
                    yield scrapy.Request(link.url, callback=self.parse, errback=self.failed)

    def failed(self, failure: Any) -> Iterator[Page]:
        """A download that failed (DNS, refused, timeout) is a page with status 0 and the error."""
        request = failure.request
        yield Page(url=request.url, status=0, depth=request.meta.get("depth", 0),
                   referer=(request.headers.get("Referer") or b"").decode("latin-1"),
                   headers={"x-siteaudit-error": f"{type(failure.value).__name__}: {failure.value}"})

    def closed(self, reason: str) -> None:
        self.finish_reason = {"closespider_pagecount": "page_limit", "closespider_timeout": "time_limit",
                              "shutdown": "interrupted"}.get(reason, "finished")


def _referer(response: Response) -> str:
    return (response.request.headers.get("Referer") or b"").decode("latin-1") if response.request else ""
