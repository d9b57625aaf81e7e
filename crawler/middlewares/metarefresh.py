"""`LoopAwareMetaRefreshMiddleware`: Scrapy's `<meta http-equiv="refresh">` handling with the same
loop and non-web-target reporting as redirects (`redirect.LoopAware`): a refresh loop is LNK005 and
a refresh to data:/file:/javascript: is LNK005 too, where Scrapy would drop the page in silence.

w3lib 2.6 and later no longer return a refresh whose target is not http(s), so such a target is read here
from the page's `<meta>` tags; the audit still never follows it."""
from __future__ import annotations

import re

from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware
from scrapy.http import HtmlResponse, Request, Response
from scrapy.utils.response import get_meta_refresh

from crawler.middlewares.redirect import LoopAware, refused_target

HEAD_READ = 65_536   # a refresh is in the head: read no further into the page
_META_RE = re.compile(r"<meta\b[^>]*>", re.I)
_EQUIV_RE = re.compile(r"http-equiv\s*=\s*[\"']?\s*refresh", re.I)
_CONTENT_RE = re.compile(r"content\s*=\s*([\"'])(.*?)\1", re.I | re.S)
_SCHEME_RE = re.compile(r"[a-z][a-z0-9+.-]*:", re.I)
_DELAY_URL_RE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*[;,]?\s*(?:url\s*=\s*)?[\"']?\s*([^\"']*)", re.I)


def refused_refresh(text: str) -> tuple[float | None, str | None]:
    """(delay, target) of a `<meta http-equiv="refresh">` whose target is not a web URL (javascript:,
    data:, file:), else (None, None)."""
    head = text[:HEAD_READ]
    if _EQUIV_RE.search(head) is None:   # the common page: one scan, no tag walk
        return None, None
    for tag in _META_RE.findall(head):
        content = _CONTENT_RE.search(tag) if _EQUIV_RE.search(tag) else None
        found = _DELAY_URL_RE.match(content.group(2)) if content else None
        target = found.group(2).strip() if found else ""
        if _SCHEME_RE.match(target) and refused_target(target):   # a relative target is w3lib's to read
            return float(found.group(1)), target
    return None, None


class LoopAwareMetaRefreshMiddleware(LoopAware, MetaRefreshMiddleware):
    """MetaRefreshMiddleware whose loops and refused targets reach the spider (see `LoopAware`)."""

    def _refresh(self, response: Response) -> tuple[float | None, str | None]:
        if not isinstance(response, HtmlResponse):
            return None, None
        try:
            interval, url = get_meta_refresh(response, ignore_tags=self._ignore_tags)
            return (interval, url) if interval is not None else refused_refresh(response.text)
        except Exception:   # a body that does not decode: no refresh to read
            return None, None

    def _target(self, request: Request, response: Response) -> str:
        if request.meta.get("dont_redirect") or request.method == "HEAD":
            return ""
        interval, url = self._refresh(response)
        return url or "" if interval is not None and interval < self._maxdelay else ""

    def _self_refresh(self, request: Request, response: Response, url: str) -> bool:
        # `content="30; url=<this page>"` reloads the page every 30 s (news portals do): not a loop.
        interval, _ = self._refresh(response)
        return url == request.url and bool(interval) and not request.meta.get("redirect_urls")
