"""The audit spider: every declared domain, every distinct page up to `crawl.max_pages`, breadth-first.

Per declared host its `Bootstrap` component (spiders/bootstrap.py) first reads robots.txt and the
sitemaps, then fetches one random path (the soft-404 probe); then the homepage, the start URLs and
the sitemap's URLs go out, then links, breadth-first. That order means every page that arrives can
be compared with the probe and the sitemap. Which URLs are fetched is the `Frontier`'s business
(spiders/frontier.py: duplicates, exclusions, depth, traps by evidence through crawler/traps.py).
The spider only fetches and hands `Page` values on; the judgements happen in `crawler/checks/`.
What is not a page (robots exclusions, sitemap coverage, traps, coverage) goes into `self.record`,
the audit's `ctx.crawl` (a `CrawlRecord`), for the final checks and findings.json `run.coverage`.

Reading order: construction, the start, page callbacks (`parse` → `_hand_on_or_render` → `_follow`),
status checks of resources and external links, failures, and `closed` (the record's last entries).
Rendering and linked PDFs are the `Renderer` and `Documents` components (spiders/rendering.py).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
import re
from typing import Any, Iterator
from urllib.parse import unquote, urlsplit

import scrapy
from scrapy.exceptions import CloseSpider, IgnoreRequest
from scrapy.http import Response, TextResponse
from scrapy.linkextractors import IGNORED_EXTENSIONS

from crawler.checks.state import COVERAGE_REASONS, CrawlRecord, MissingFragment, RedirectChain, Truncated
from crawler.documents import DocumentLog, is_pdf_url
from crawler.middlewares.compression import UNREADABLE_META
from crawler.middlewares.encoding import ENCODING_META
from crawler.page import Page
from crawler.render import RenderLog
from crawler.spiders.bootstrap import Bootstrap, BootstrapCallbacks, HostBootstrap, homepage_urls
from crawler.spiders.links import page_links, page_title, resource_sources
from crawler.spiders.frontier import EXTERNAL_PRIORITY, RESOURCE_PRIORITY, Frontier
from crawler.spiders.rendering import Callbacks, Documents, Renderer, is_pdf_response
from crawler.spiders.stylesheets import Stylesheets
from crawler.traps import LazySignature, TrapGuard
from crawler.urls import normalize_url, stripped_params

__all__ = ["SiteSpider", "homepage_urls"]

_LISTED_MAX = 50             # redirect chains kept for the final check
_REFERRERS_MAX = 10          # linking pages named per broken URL
_PENDING_REFERRERS = 3       # extra linking pages remembered per URL still waiting for its answer
_HELD_MAX = 1000             # broken pages held back to collect their linking pages; past it they go at once
_RESOURCE_EXT = frozenset(IGNORED_EXTENSIONS)
_HOSTS_REMEMBERED = 4096   # is_internal's answers kept, by scheme and host part
_FRAGMENT_LINKS_MAX = 5000   # links with a #fragment remembered for the missing-anchor check
_ANCHOR = re.compile(r"""<[a-z][^>]*?\s(?:id|name)\s*=\s*["']?([^"'\s>]+)""", re.IGNORECASE)
# Fragments that need no anchor: the top of the page, and script routes (#!/…, #/…, #a=b).
_NO_ANCHOR_FRAGMENT = re.compile(r"^(?:top|!.*|/.*|.*=.*)?$", re.IGNORECASE)


class SiteSpider(scrapy.Spider):
    """Crawls the declared domains of one profile."""

    name = "site"

    def __init__(self, profile: Any, session: Any = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.profile = profile
        self.session = session  # the audit session the pipeline hands pages to
        self.record: CrawlRecord = session.ctx.crawl if session is not None else CrawlRecord()
        crawl = profile.crawl
        self.allowed_domains = list(profile.domains)
        self._hosts = frozenset(self.allowed_domains)
        self._internal: dict[str, bool] = {}   # "https://host:port" -> is_internal's answer
        # Links are read by crawler/spiders/links.py, unfiltered: internal ones are told apart by host
        # name (not by netloc, port included, as LinkExtractor's allow_domains would), and PDFs and
        # images are kept to status-check them as resources.
        self._strip = stripped_params(crawl.strip_params)
        self.traps = TrapGuard()            # read by TrapMiddleware for requests queued before a trap was found
        self.frontier = Frontier(crawl, self._strip, self.parse, self.failed, self.traps)
        self.caps = self.frontier.caps
        self.bootstrap = Bootstrap(self.record, self.is_internal, self._strip,
                                   BootstrapCallbacks(self.parse_robots, self.parse_sitemap, self.parse_probe,
                                                      self.bootstrap_failed), self._open_host)
        self.max_pages = crawl.max_pages
        self.finish_reason = "interrupted"   # until `closed` says otherwise: a killed crawl never closes
        self.pages = 0
        self.audited = 0                    # internal pages read (2xx/3xx)
        self.checked = 0                    # URLs checked: pages, resources, external links
        self._robots_pages = 0              # page requests robots.txt disallowed
        self._seen = self.frontier.seen     # hashes of normalised URLs already judged (resources: "HEAD " + URL)
        self._parsed: set[int] = set()      # hashes of URLs whose page was handed on
        self._linked: set[int] = set()      # hashes of internal URLs some page links to
        self._external = 0
        self._external_max = 200
        self._external_timeout = 10.0
        self._external_per_host: dict[str, int] = {}
        self._resource_cap, self._resource_max, self._link_cap, self._url_max = 200, 5000, 2000, 2083
        self._resources = 0                 # resource checks scheduled in this audit
        self._skipped: set[int] = set()     # hashes of links and pages already counted as not followed
        self._sitemap_urls = self.bootstrap.sitemap_urls    # host -> {normalised URL listed: sitemap URL}
        # Links to a #fragment of an internal page: (page, fragment, linking page); and the anchors
        # (hashed id/name values) of the pages read, to find the fragments that lead nowhere.
        self._fragment_links: list[tuple[str, str, str]] = []
        self._fragment_links_total = 0
        self._anchors: dict[int, frozenset[int]] = {}
        # Broken internal URLs (a small set): the pages linking to them, and the Page held back until
        # the crawl ends so that its finding names every linking page, not only the first.
        self._broken_refs: dict[str, list[str]] = {}
        # URLs scheduled but not answered yet (the frontier, as hashes): more linking pages seen
        # meanwhile (a few), so a broken URL found late still names the pages linking to it.
        self._pending: dict[int, list[str] | None] = {}
        self._held: list[tuple[str, Page]] = []
        self.released: list[Page] = []      # held pages released without a session (unit use)
        ctx = session.ctx if session is not None else None
        self.renderer = Renderer(ctx.render if ctx is not None else RenderLog(),
                                 Callbacks(self.parse_rendered, self.render_failed), self._hand_on, self._follow,
                                 self._deliver)
        self.documents = Documents(ctx.documents if ctx is not None else DocumentLog(), self._seen, self._excluded,
                                   Callbacks(self.parse_document, self.document_failed), self.failed)
        self.stylesheets = Stylesheets(Callbacks(self.parse_stylesheet, self.stylesheet_failed), self.is_internal,
                                       self._excluded, self._deliver)

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> "SiteSpider":
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider._external_max = crawler.settings.getint("AUDIT_EXTERNAL_MAX", 200)
        spider._resource_cap = crawler.settings.getint("AUDIT_RESOURCES_PER_PAGE", 200)
        spider._resource_max = crawler.settings.getint("AUDIT_RESOURCES_MAX", 5000)
        spider._link_cap = crawler.settings.getint("AUDIT_LINKS_PER_PAGE", 2000)
        # Scrapy's UrlLengthMiddleware would drop a longer URL without a word: counted in LNK018 instead.
        spider._url_max = crawler.settings.getint("URLLENGTH_LIMIT", 2083) or 10 ** 9
        spider._external_timeout = min(crawler.settings.getfloat("DOWNLOAD_TIMEOUT", 20),
                                       crawler.settings.getfloat("AUDIT_EXTERNAL_TIMEOUT", 10))
        spider.renderer.configure(crawler.settings)
        spider.documents.configure(crawler.settings)
        return spider

    # -- the start: the bootstrap component, then each host's roots ---------------------------------
    async def start(self) -> Any:
        for request in self.bootstrap.start(self.profile):
            yield request

    def parse_robots(self, response: Response) -> Iterator[Any]:
        yield from self.bootstrap.robots(response)

    def parse_sitemap(self, response: Response) -> Iterator[Any]:
        yield from self.bootstrap.sitemap(response)

    def parse_probe(self, response: Response) -> Iterator[Any]:
        yield from self.bootstrap.probe(response)

    def bootstrap_failed(self, failure: Any) -> Iterator[Any]:
        yield from self.bootstrap.failed(failure)

    def _open_host(self, boot: HostBootstrap) -> Iterator[Any]:
        """A host is ready: its homepage, its start URLs, then its sitemap's URLs, all crawl roots."""
        yield self.frontier.homepage_request(boot.homepage, boot.host)
        for url in boot.start_urls:
            request = self.frontier.page_request(url, root=True)
            if request is not None:
                self._pending[hash(request.url)] = None
                yield request
        for url, sitemap_url in self._sitemap_urls.get(boot.host, {}).items():
            request = self.frontier.page_request(url, sitemap_url, normalized=True, root=True, from_sitemap=True)
            if request is not None:
                self._pending[hash(url)] = None
                yield request

    # -- helpers ---------------------------------------------------------------------------------
    def is_internal(self, url: str) -> bool:
        """On one of the declared domains (exactly: a sub-domain must be declared to be crawled).
        Answered once per scheme and host part (`http://host:port`): a page's links share a few."""
        head = ""
        if url.startswith(("http://", "https://")):
            end = url.find("/", 8)
            head = url if end < 0 else url[:end]
        known = self._internal.get(head) if head else None
        if known is None:
            known = (urlsplit(url).hostname or "").lower() in self._hosts
            if head and "?" not in head and "#" not in head:
                if len(self._internal) >= _HOSTS_REMEMBERED:
                    self._internal.clear()
                self._internal[head] = known
        return known

    def _is_homepage(self, url: str) -> bool:
        parts = urlsplit(url)
        return parts.path in ("", "/") and not parts.query and (parts.hostname or "").lower() in self._hosts

    def _excluded(self, url: str) -> bool:
        return self.frontier.excluded(url)

    # -- pages -------------------------------------------------------------------------------------
    def _page(self, response: Response) -> Page:
        meta = response.meta
        ms = int(meta.get("download_latency", 0) * 1000)
        headers = {k.decode("latin-1").lower(): b", ".join(v).decode("latin-1")
                   for k, v in response.headers.items()}
        text, encoding, declared, title, mismatch, mixed = "", "", "", "", "", ""
        if isinstance(response, TextResponse):
            text = response.text
            encoding = response.encoding
            detected = meta.get(ENCODING_META)
            if detected is not None:
                declared = detected.declared
                if detected.mismatch:
                    mismatch = detected.source
                mixed = detected.mixed
            else:
                declared = response._declared_encoding() or ""
            if "html" in headers.get("content-type", "text/html") and response.status < 300:
                title = page_title(response)
        redirects = tuple(meta.get("redirect_urls", ()))
        return Page(url=response.url, status=response.status, depth=meta.get("depth", 0), ms=ms, title=title,
                    encoding=encoding, declared_encoding=declared, content_type=headers.get("content-type", ""),
                    headers=headers, text=text, referer=meta["linked_from"] if "linked_from" in meta else _referer(response),
                    redirects=redirects, is_homepage=bool(meta.get("homepage_of")) or self._is_homepage(response.url),
                    redirect_loop=tuple(meta.get("redirect_loop") or ()), encoding_mismatch=mismatch,
                    unreadable=meta.get(UNREADABLE_META, ""), mixed_encoding=mixed,
                    redirect_refused=meta.get("redirect_refused", ""))

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        self.frontier.answered(_requested_url(response))
        if not self.is_internal(response.url):
            return  # redirected off-site: not ours to audit
        # Homepage requests bypass the dupe filter, so a URL can arrive twice (apex → www). A repeat
        # is only passed on as the homepage of the domain that redirected to it; links are not re-followed.
        key = hash(response.url)
        repeat = key in self._parsed
        if repeat and not response.meta.get("homepage_of"):
            self._note_redirect_chain(response)
            return
        self._parsed.add(key)
        page = self._page(response)
        yield from self._hand_on_or_render(page, response)
        if repeat:
            return
        self.pages += 1
        self.checked += 1
        if 0 < page.status < 400:
            self.audited += 1
        if page.status == 200 and page.is_html:
            self._note_sitemap_coverage(page.url)
        if isinstance(response, TextResponse) and page.is_html and response.status < 300:
            self._anchors[hash(normalize_url(page.url, self._strip))] = frozenset(
                hash(a) for a in _ANCHOR.findall(page.text))
            if page.is_homepage:
                self.traps.learn_template(page.host, page.text)
            yield from self._follow(response, page)
        if self.max_pages and self.pages >= self.max_pages:
            raise CloseSpider("closespider_pagecount")

    def _hand_on_or_render(self, page: Page, response: Response) -> Iterator[Any]:
        """A page read: its PDF read when it is one; its external style sheets read (spiders/stylesheets.py);
        then handed on, or first rendered (spiders/rendering.py)."""
        if page.status == 200 and is_pdf_response(response):
            yield from self.documents.from_response(response, page)

        def render_or_hand_on(ready: Page) -> Iterator[Any]:
            engine = getattr(getattr(self, "crawler", None), "engine", None)
            yield from self.renderer.hand_on_or_render(ready, response, _requested_url(response), engine)

        yield from self.stylesheets.hand_on(page, response, render_or_hand_on)

    # Callbacks of the components' requests: spider methods, so that requests pickle under --resume.
    def parse_rendered(self, response: Response, raw: Page, requested: str) -> Iterator[Any]:
        yield from self.renderer.rendered(response, raw, requested)

    def render_failed(self, failure: Any) -> Iterator[Any]:
        yield from self.renderer.failed(failure)

    def parse_stylesheet(self, response: Response, sheet: str) -> Iterator[Any]:
        yield from self.stylesheets.parsed(response, sheet)

    def stylesheet_failed(self, failure: Any) -> Iterator[Any]:
        yield from self.stylesheets.failed(failure)

    async def parse_document(self, response: Response) -> Any:
        async for item in self.documents.parse(response):
            yield item

    def document_failed(self, failure: Any) -> Iterator[Any]:
        yield from self.documents.failed(failure)

    def _hand_on(self, page: Page, requested: str) -> Iterator[Page]:
        """Pass a page on, except an internal broken one: held until the end to collect its referrers."""
        also = self._pending.pop(hash(requested), None)
        broken = page.status >= 400 or page.status == 0
        if not broken or page.is_homepage or page.kind == "external" \
                or len(self._held) >= _HELD_MAX:
            yield page
            return
        refs = self._broken_refs.setdefault(requested, [])
        for referer in ([page.referer] if page.referer else []) + (also or []):
            if referer not in refs:
                refs.append(referer)
        if page.text and page.status not in (403, 429, 503):
            # An error page's body is a template, not copy; only block pages need theirs (WAF signatures).
            page = dataclasses.replace(page, text="")
        self._held.append((requested, page))

    def _note_referrer(self, url: str, referer: str) -> None:
        """Remember one more page linking to `url` while it is pending, or after it proved broken."""
        key = hash(url)
        if key in self._pending:
            refs = self._pending[key]
            if refs is None:
                self._pending[key] = [referer]
            elif len(refs) < _PENDING_REFERRERS and referer not in refs:
                refs.append(referer)
            return
        refs = self._broken_refs.get(url)
        if refs is not None and referer not in refs and len(refs) < _REFERRERS_MAX:
            refs.append(referer)

    def _note_redirect_chain(self, response: Response) -> None:
        """A redirect chain that ended at a page already handed on: kept (a few) for the final check."""
        chain = response.meta.get("redirect_urls")
        if not chain:
            return
        chains = self.record.redirect_chains
        if len(chains) < _LISTED_MAX:
            chains.append(RedirectChain(tuple(chain), response.url, response.meta.get("linked_from", "")))

    def _note_sitemap_coverage(self, url: str) -> None:
        listed = self._sitemap_urls.get((urlsplit(url).hostname or "").lower())
        if listed and normalize_url(url, self._strip) not in listed:
            self.record.sitemap.unlisted.add(url)

    def _follow(self, response: TextResponse, page: Page | None = None) -> Iterator[Any]:
        """Links and resources of a page read. Its own text is first shown to the trap guard (unless
        `page` is None: a rendered page's script-written links), with whether it links on to new
        URLs of its own path, so that a page which ends a trap schedules none of the trap's next URLs."""
        here = response.url
        page_cap = _PageCap(self._resource_cap, self._link_cap)
        depth = response.meta.get("depth", 0)
        pages: list[tuple[str, bool]] = []   # internal page links (normalised), and whether in here's pattern
        grows = False
        for url in page_links(response):
            if self.is_internal(url):
                path = urlsplit(url).path
                ext = path.rsplit(".", 1)[-1].lower() if "." in path else ""
                if ext in _RESOURCE_EXT:
                    yield from self._check_resource(url, here, page_cap)
                    if is_pdf_url(url):
                        yield from self.documents.request(url, here)
                    continue
                normal = normalize_url(url, self._strip)
                self.traps.note_raw(url, normal)
                if "#" in url:
                    self._note_fragment(normal, unquote(urlsplit(url).fragment), here)
                same = self.frontier.same_pattern(normal, here)
                grows = grows or (hash(normal) not in self._seen and self.frontier.same_path(normal, here))
                pages.append((normal, same))
            elif url.startswith(("http://", "https://")):
                yield from self._check_external(url, here)
        if page is not None and page.kind == "page" and not page.is_homepage:
            elsewhere = frozenset(hash(normal) for normal, _ in pages if not self.frontier.same_path(normal, here))
            own = self.traps.own_text(page.host, page.text)
            self.traps.observe(normalize_url(here, self._strip), LazySignature(own), elsewhere, grows=grows,
                               chained=bool(response.meta.get("chained")), same_path=bool(response.meta.get("same_path")),
                               empty=self.traps.says_empty(own))
        for normal, same in pages:
            self._linked.add(hash(normal))
            self._note_referrer(normal, here)
            if page_cap.links >= page_cap.link_cap or len(normal) > self._url_max:
                key = hash(normal)
                if key not in self._seen and key not in self._skipped:
                    self._skipped.add(key)     # each link not followed is counted once (LNK018)
                    page_cap.links_skipped += 1
                continue
            request = self.frontier.page_request(normal, here, normalized=True, depth=depth, same_pattern=same,
                                                 chained=same, same_path=self.frontier.same_path(normal, here))
            if request is not None:
                page_cap.links += 1
                self._pending[hash(normal)] = None
                yield request
        for src in resource_sources(response):
            url = response.urljoin(src.strip())
            if not url.startswith(("http://", "https://")):
                continue
            if self.is_internal(url):
                if page_cap.resources < page_cap.resource_cap:
                    self._note_referrer(normalize_url(url, ()), here)
                yield from self._check_resource(url, here, page_cap)
                if is_pdf_url(url):   # a brochure in an <iframe>
                    yield from self.documents.request(url, here)
            else:
                yield from self._check_external(url, here)
        if page_cap.resources_skipped or page_cap.links_skipped:
            skipped = self.record.skipped
            skipped.resources += page_cap.resources_skipped
            skipped.links += page_cap.links_skipped
            if hash("PAGE " + here) not in self._skipped:
                self._skipped.add(hash("PAGE " + here))
                skipped.pages.add(here)
            skipped.resource_cap, skipped.resource_total_cap = self._resource_cap, self._resource_max
            skipped.link_cap = self._link_cap

    def _note_fragment(self, url: str, fragment: str, referer: str) -> None:
        """A link to `url#fragment`, checked at the end against the anchors of `url` if it was read."""
        if _NO_ANCHOR_FRAGMENT.match(fragment):
            return
        self._fragment_links_total += 1
        if len(self._fragment_links) < _FRAGMENT_LINKS_MAX:
            self._fragment_links.append((url, fragment, referer))

    # -- resources and external links: status only, never parsed or followed ------------------------
    def _check_resource(self, url: str, referer: str, cap: "_PageCap | None" = None) -> Iterator[Any]:
        url = normalize_url(url, ())
        key = hash("HEAD " + url)
        if key in self._seen or self._excluded(url):
            return
        if cap is not None:
            if cap.resources >= cap.resource_cap or self._resources >= self._resource_max:
                if key not in self._skipped:
                    self._skipped.add(key)   # counted once, however many pages use it
                    cap.resources_skipped += 1
                return
            cap.resources += 1
        self._resources += 1
        self._seen.add(key)
        self._pending[hash(url)] = None
        yield scrapy.Request(url, method="HEAD", callback=self.parse_status, errback=self.status_failed,
                             priority=RESOURCE_PRIORITY, meta={"linked_from": referer, "kind": "resource"})

    def _check_external(self, url: str, referer: str) -> Iterator[Any]:
        url = normalize_url(url, ())
        key = hash("HEAD " + url)
        host = (urlsplit(url).hostname or "").lower()
        if key in self._seen:
            return
        self._seen.add(key)
        if self._external >= self._external_max or self._external_per_host.get(host, 0) >= 20:
            self.record.skipped.external += 1   # counted once per URL, reported with LNK018
            return
        self._external += 1
        self._external_per_host[host] = self._external_per_host.get(host, 0) + 1
        # Checking a link is not crawling the other site: robots.txt is not consulted for it.
        yield scrapy.Request(url, method="HEAD", callback=self.parse_status, errback=self.status_failed,
                             priority=EXTERNAL_PRIORITY, meta={"linked_from": referer, "kind": "external",
                                                                "allow_offsite": True,
                                                 "dont_obey_robotstxt": True, "download_timeout": self._external_timeout})

    def parse_status(self, response: Response) -> Iterator[Any]:
        request = response.request
        meta = response.meta
        if response.status in (405, 501) and request is not None and request.method == "HEAD":
            # Some servers refuse HEAD: ask again with GET before calling the link broken.
            yield request.replace(method="GET", dont_filter=True)
            return
        if response.status >= 400 or meta.get("redirect_loop") or meta.get("redirect_refused"):
            page = self._page(response)
            yield from self._hand_on(Page(
                url=page.url, status=page.status, depth=page.depth, ms=page.ms, content_type=page.content_type,
                text=page.text if response.status in (403, 429, 503) else "",
                headers=page.headers, kind=meta["kind"], referer=page.referer,
                redirects=page.redirects, redirect_loop=page.redirect_loop,
                redirect_refused=page.redirect_refused), _requested_url(response))
        else:
            self._pending.pop(hash(_requested_url(response)), None)

    def status_failed(self, failure: Any) -> Iterator[Page]:
        if failure.check(IgnoreRequest):
            yield from self.failed(failure)
            return
        request = failure.request
        self.checked += 1
        yield from self._hand_on(Page(
            url=request.url, status=0, referer=request.meta.get("linked_from", ""),
            error=f"{type(failure.value).__name__}: {failure.value}", kind=request.meta.get("kind") or "page"),
            request.url)

    def failed(self, failure: Any) -> Iterator[Page]:
        """A download that failed (DNS, refused, timeout) is a page with status 0 and the error."""
        request = failure.request
        self.frontier.answered(_requested_url_of(request))
        if failure.check(IgnoreRequest):
            self._pending.pop(hash(_requested_url_of(request)), None)
            # Not a failure of the site: robots.txt said no (listed for the report) or the request
            # was filtered (off-site redirect). Neither is a broken link.
            if "robots" in str(failure.value):
                self.record.robots_excluded.add(request.url)
                if not request.meta.get("kind"):
                    self._robots_pages += 1   # a page (not a resource's status check) left out
            return
        self.checked += 1
        yield from self._hand_on(Page(
            url=request.url, status=0, depth=request.meta.get("depth", 0), referer=request.meta.get("linked_from", ""),
            error=f"{type(failure.value).__name__}: {failure.value}",
            is_homepage=bool(request.meta.get("homepage_of"))), _requested_url_of(request))

    def closed(self, reason: str) -> None:
        self.finish_reason = {"closespider_pagecount": "page_limit", "closespider_timeout": "time_limit",
                              "shutdown": "interrupted"}.get(reason, "finished")
        # Sitemap orphans: listed in a sitemap, linked from no crawled page.
        for host, listed in self._sitemap_urls.items():
            self.record.sitemap.urls += len(listed)
            for url in listed:
                if hash(url) not in self._linked and not self._is_homepage(url):
                    self.record.sitemap.orphans.add(url)
        self.record.truncated = {p: Truncated(n, self.caps.examples.get(p, "")) for p, n in self.caps.truncated.items()}
        self.record.pattern_cap = self.caps.cap
        skipped = self.record.skipped
        skipped.resource_cap, skipped.resource_total_cap = self._resource_cap, self._resource_max
        skipped.link_cap, skipped.external_cap = self._link_cap, self._external_max
        self.record.depth_ignored = self.frontier.depth_ignored
        self.record.traps = self.traps.traps()
        self.record.finish_reason = self.finish_reason
        self.stylesheets.release()
        self.renderer.release_unrendered()
        self._note_missing_fragments()
        self._note_coverage()
        self._release_held()

    def _note_coverage(self) -> None:
        """`run.coverage`: pages read, URLs checked, and every known page left out, by reason."""
        coverage = self.record.coverage
        coverage.audited = self.audited
        coverage.checked = self.checked
        by = coverage.not_audited_by_reason = dict.fromkeys(COVERAGE_REASONS, 0)
        # Page requests never answered: the crawl was cut short by its page or time limit (an
        # interrupted run is cut short in time too).
        waiting = len(self.frontier.pending_pages)
        if self.finish_reason == "page_limit":
            by["max_pages"] = waiting
        elif self.finish_reason in ("time_limit", "interrupted"):
            by["time_limit"] = waiting
        by["max_pages"] += sum(self.caps.truncated.values())   # crawl.pattern_cap, if the user set one
        by["max_depth"] = self.frontier.depth_ignored
        by["robots"] = self._robots_pages
        # A declared host that kept refusing (an external one refusing a link check is no page of ours).
        by["blocked"] = sum(t.lost + t.skipped for host, t in self.record.throttled.items() if host in self._hosts)
        by["trap"] = self.traps.skipped()

    def _note_missing_fragments(self) -> None:
        """Links to `page#fragment` where the page was read and has no element with that id or name."""
        missing = self.record.missing_fragments
        for url, fragment, referer in self._fragment_links:
            anchors = self._anchors.get(hash(url))
            if anchors is None or hash(fragment) in anchors:
                continue   # not read (not audited, or not HTML): nothing to say
            self.record.missing_fragments_total += 1
            if len(missing) < 200:
                missing.append(MissingFragment(url, fragment, referer))

    def _release_held(self) -> None:
        """Hand on the held broken pages, each naming every page seen linking to it."""
        held, self._held = self._held, []
        for requested, page in held:
            refs = self._broken_refs.get(requested) or ([page.referer] if page.referer else [])
            self._deliver(dataclasses.replace(page, referer=", ".join(refs)))

    def _deliver(self, item: Any) -> None:
        """A page (or document) handed on after the crawl, when Scrapy takes no more items: straight to
        the audit session (or kept in `released` for unit use)."""
        if self.session is None:
            self.released.append(item)
        elif isinstance(item, Page):
            self.session.process_page(item)
        else:
            self.session.process_document(item)


@dataclass
class _PageCap:
    """One page's share of the resource and link checks (AUDIT_RESOURCES_PER_PAGE, AUDIT_LINKS_PER_PAGE)."""

    resource_cap: int
    link_cap: int
    resources: int = 0
    links: int = 0
    resources_skipped: int = 0
    links_skipped: int = 0


def _requested_url(response: Response) -> str:
    """The URL that was asked for (the first of a redirect chain), as links name it."""
    return _requested_url_of(response.request) if response.request is not None else response.url


def _requested_url_of(request: Any) -> str:
    urls = request.meta.get("redirect_urls")
    return urls[0] if urls else request.url


def _referer(response: Response) -> str:
    return (response.request.headers.get("Referer") or b"").decode("latin-1") if response.request else ""
