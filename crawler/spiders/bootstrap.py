"""What the spider does for each declared host before its first page: robots.txt, sitemaps, probe.

`HostBootstrap` is one host's progress; `Bootstrap` is the component the spider owns for these
steps. The spider hands it what it needs (the crawl record, the internal-host test, the URL
normaliser's stripped parameters, its callbacks) and is told, through `open_host`, when a host is
ready for its homepage. Scrapy callbacks must be spider methods (a resumable crawl pickles its
queue), so the spider's `parse_robots` / `parse_sitemap` / `parse_probe` / `bootstrap_failed` are
one-line delegations to this component.
"""
from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator
from urllib.parse import urljoin, urlsplit, urlunsplit

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response, TextResponse
from scrapy.utils._compression import _DecompressionMaxSizeExceeded
from scrapy.utils.gz import gunzip
from scrapy.utils.sitemap import Sitemap

from crawler.checks.crawl.content import text_signature
from crawler.checks.state import CrawlRecord, NotFoundProbe
from crawler.middlewares.compression import UNREADABLE_META
from crawler.urls import normalize_url
from rules.html import visible_text

# robots.txt, sitemaps and the probe: read once, never retried, and no part of the link depth.
# Sitemaps and the probe obey robots.txt like pages do (a disallowed one is skipped).
_BOOTSTRAP_META = {"dont_retry": True, "depth_reset": True}
SITEMAPS_PER_HOST = 1000    # sitemap files read per host (an index may list 50,000; a company site has a few)
SITEMAP_URLS_PER_FILE = 50_000        # the sitemap protocol's limit
SITEMAP_URLS_PER_HOST = 500_000       # memory bound: far beyond any crawl.max_pages
SITEMAP_MAX_BYTES = 50 * 1024 * 1024  # the protocol's 50 MB, uncompressed
_SITEMAP_LINE = re.compile(rb"^\s*sitemap\s*:\s*(\S+)", re.IGNORECASE | re.MULTILINE)


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


def sitemap_lines(robots_body: bytes, base: str) -> list[str]:
    """The `Sitemap:` URLs of a robots.txt, in order, without duplicates; relative ones (not allowed
    by the protocol, but common) are resolved against `base`, the robots.txt URL."""
    found = (urljoin(base, m.group(1).decode("utf-8", "replace")) for m in _SITEMAP_LINE.finditer(robots_body))
    return list(dict.fromkeys(u for u in found if u.startswith(("http://", "https://"))))


def probe_signature(html: str) -> frozenset[int]:
    """The text signature of the soft-404 probe's answer, compared with pages later."""
    return text_signature(visible_text(html))


@dataclass
class HostBootstrap:
    """One declared host's way to its first page: robots.txt → sitemaps → probe → homepage."""

    host: str
    homepage: str
    start_urls: list[str] = field(default_factory=list)
    pending: int = 0            # sitemap fetches in flight
    sitemaps_taken: int = 0
    probed: bool = False
    _taken: set[str] = field(default_factory=set)

    @property
    def root(self) -> str:
        parts = urlsplit(self.homepage)
        return f"{parts.scheme}://{parts.netloc}"

    def take_sitemap(self, url: str) -> bool:
        """True when `url` should be fetched: new, and within SITEMAPS_PER_HOST."""
        if url in self._taken or self.sitemaps_taken >= SITEMAPS_PER_HOST:
            return False
        self._taken.add(url)
        self.sitemaps_taken += 1
        self.pending += 1
        return True

    def sitemaps_done(self) -> bool:
        """True once, when no sitemap fetch is left in flight: time to probe."""
        if self.pending > 0 or self.probed:
            return False
        self.probed = True
        return True


@dataclass(frozen=True)
class BootstrapCallbacks:
    """The spider's callbacks for the bootstrap requests (spider methods, so that requests pickle)."""

    robots: Callable
    sitemap: Callable
    probe: Callable
    failed: Callable


class Bootstrap:
    """robots.txt → sitemaps → soft-404 probe → homepage, per declared host.

    `sitemap_urls` (host → {normalised URL: the sitemap listing it}) is what the crawl schedules
    after the homepage and compares the crawled pages with.
    """

    def __init__(self, record: CrawlRecord, is_internal: Callable[[str], bool], strip: frozenset[str],
                 callbacks: BootstrapCallbacks, open_host: Callable[["HostBootstrap"], Iterable[Any]]):
        self.record = record
        self.is_internal = is_internal
        self.strip = strip
        self.callbacks = callbacks
        self.open_host = open_host
        self.hosts: dict[str, HostBootstrap] = {}
        self.sitemap_urls: dict[str, dict[str, str]] = {}

    def start(self, profile: Any) -> Iterator[Any]:
        """The robots.txt request of every declared host."""
        starts: dict[str, list[str]] = {}
        for url in profile.site.start_urls:
            starts.setdefault((urlsplit(url).hostname or "").lower(), []).append(url)
        for home in homepage_urls(profile):
            host = (urlsplit(home).hostname or "").lower()
            boot = self.hosts[host] = HostBootstrap(host, home, starts.get(host, []))
            yield scrapy.Request(boot.root + "/robots.txt", callback=self.callbacks.robots,
                                 errback=self.callbacks.failed, priority=100, dont_filter=True,
                                 meta={**_BOOTSTRAP_META, "bootstrap": host, "dont_redirect": True,
                                       "dont_obey_robotstxt": True})

    def robots(self, response: Response) -> Iterator[Any]:
        boot = self.hosts[response.meta["bootstrap"]]
        if response.status in (429, 503):
            # Rate-limited already: each further request waits Retry-After, so skip the sitemaps and
            # the probe and spend the wait on the homepage.
            boot.probed = True
            yield from self.open_host(boot)
            return
        if response.meta.get(UNREADABLE_META):   # a bomb or a broken stream: named, and read as empty
            self.record.sitemap.unreadable.setdefault(response.url, response.meta[UNREADABLE_META])
        listed = sitemap_lines(response.body, response.url) if response.status == 200 else []
        # The sitemaps robots.txt names, and /sitemap.xml as well: sites often have both, and disagree.
        yield from self._fetch_sitemaps(boot, [*listed, boot.root + "/sitemap.xml"])

    def _fetch_sitemaps(self, boot: HostBootstrap, urls: list[str]) -> Iterator[Any]:
        for url in urls:
            if not boot.take_sitemap(url):
                continue
            yield scrapy.Request(url, callback=self.callbacks.sitemap, errback=self.callbacks.failed, priority=100,
                                 dont_filter=True, meta={**_BOOTSTRAP_META, "bootstrap": boot.host,
                                                         "download_maxsize": SITEMAP_MAX_BYTES})
        if boot.sitemaps_done():
            yield from self._probe(boot)

    def sitemap(self, response: Response) -> Iterator[Any]:
        """A sitemap or sitemap index (plain or gzipped): its URLs, or its child sitemaps."""
        boot = self.hosts[response.meta["bootstrap"]]
        boot.pending -= 1
        children: list[str] = []
        if response.status == 200:
            # A sitemap that cannot be read (a gzip bomb, a broken stream) is a finding on the
            # sitemap (LNK017); the crawl goes on from the homepage and the links.
            body, unreadable = response.body, response.meta.get(UNREADABLE_META, "")
            if body[:2] == b"\x1f\x8b":
                try:
                    body = gunzip(body, max_size=SITEMAP_MAX_BYTES)
                except _DecompressionMaxSizeExceeded:
                    body = b""
                    unreadable = f"gzipped sitemap larger than {SITEMAP_MAX_BYTES // (1024 * 1024)} MiB decompressed"
                except Exception as exc:   # OSError, EOFError, zlib.error: a broken stream
                    body = b""
                    unreadable = f"gzipped sitemap does not decompress: {type(exc).__name__}: {exc}"[:300]
            if unreadable:
                self.record.sitemap.unreadable[response.url] = unreadable
            try:
                sitemap = Sitemap(body) if body.strip() else None
            except Exception:  # not XML (an HTML 'not found' page served with 200): no sitemap
                sitemap = None
            if sitemap is not None and sitemap.type in ("urlset", "sitemapindex"):
                self.record.sitemap.sitemaps.append(response.url)
                listed = self.sitemap_urls.setdefault(boot.host, {})
                in_file = 0
                for entry in sitemap:
                    loc = entry.get("loc", "").strip()
                    if not loc:
                        continue
                    in_file += 1
                    if in_file > SITEMAP_URLS_PER_FILE:
                        break
                    if sitemap.type == "sitemapindex":
                        children.append(loc)
                    elif self.is_internal(loc) and len(listed) < SITEMAP_URLS_PER_HOST:
                        listed.setdefault(normalize_url(loc, self.strip), response.url)
        yield from self._fetch_sitemaps(boot, children)

    def failed(self, failure: Any) -> Iterator[Any]:
        """robots.txt, a sitemap or the probe could not be fetched: carry on without it."""
        meta = failure.request.meta
        boot = self.hosts[meta["bootstrap"]]
        if meta.get("probe"):
            self.record.probes[boot.host] = NotFoundProbe(0, failure.request.url)
            yield from self.open_host(boot)
            return
        if failure.request.url.endswith("/robots.txt") and not boot.sitemaps_taken:
            if not failure.check(IgnoreRequest):
                # The host did not answer at all (DNS, refused, timeout): no sitemap or probe will
                # either; go straight to the homepage, whose failure is the finding.
                boot.probed = True
                yield from self.open_host(boot)
                return
            yield from self._fetch_sitemaps(boot, [boot.root + "/sitemap.xml"])
            return
        if not failure.check(IgnoreRequest):
            # A sitemap that could not be downloaded (too large, timed out, cut off) is named (LNK017).
            self.record.sitemap.unreadable.setdefault(
                failure.request.url, f"{type(failure.value).__name__}: {failure.value}"[:300])
        boot.pending -= 1
        yield from self._fetch_sitemaps(boot, [])

    def _probe(self, boot: HostBootstrap) -> Iterator[Any]:
        url = f"{boot.root}/siteaudit-probe-{secrets.token_hex(6)}.html"
        yield scrapy.Request(url, callback=self.callbacks.probe, errback=self.callbacks.failed, priority=100,
                             dont_filter=True, meta={**_BOOTSTRAP_META, "bootstrap": boot.host, "probe": True})

    def probe(self, response: Response) -> Iterator[Any]:
        boot = self.hosts[response.meta["bootstrap"]]
        text = response.text if isinstance(response, TextResponse) else ""
        self.record.probes[boot.host] = NotFoundProbe(response.status, response.url, probe_signature(text))
        yield from self.open_host(boot)
