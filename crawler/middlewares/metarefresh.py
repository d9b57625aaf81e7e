"""`LoopAwareMetaRefreshMiddleware`: Scrapy's `<meta http-equiv="refresh">` handling with the same
loop and non-web-target reporting as redirects (`redirect.LoopAware`): a refresh loop is LNK005 and
a refresh to data:/file:/javascript: is LNK005 too, where Scrapy would drop the page in silence."""
from __future__ import annotations

from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware
from scrapy.http import HtmlResponse, Request, Response
from scrapy.utils.response import get_meta_refresh

from crawler.middlewares.redirect import LoopAware


class LoopAwareMetaRefreshMiddleware(LoopAware, MetaRefreshMiddleware):
    """MetaRefreshMiddleware whose loops and refused targets reach the spider (see `LoopAware`)."""

    def _refresh(self, response: Response) -> tuple[float | None, str | None]:
        if not isinstance(response, HtmlResponse):
            return None, None
        try:
            return get_meta_refresh(response, ignore_tags=self._ignore_tags)
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
