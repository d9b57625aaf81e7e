"""What the spider does for each declared host before its first page: robots.txt, sitemaps, probe.

Plain values and pure functions; `SiteSpider` drives them.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from crawler.checks.content import text_signature, visible_text

SITEMAPS_PER_HOST = 50      # sitemap files read per host (an index can list thousands)
_SITEMAP_LINE = re.compile(rb"^\s*sitemap\s*:\s*(\S+)", re.IGNORECASE | re.MULTILINE)


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
