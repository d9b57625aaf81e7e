"""`LoopAwareRedirectMiddleware`: Scrapy's redirects, but a loop or an over-long chain reaches the
spider as a response (so it can be reported) instead of vanishing in the dupe filter."""
from __future__ import annotations

from typing import Any

from scrapy.downloadermiddlewares.redirect import RedirectMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response


class LoopAwareRedirectMiddleware(RedirectMiddleware):
    """Scrapy's RedirectMiddleware, except that loops and chains past the limit become responses.

    Scrapy would drop a loop silently (the dupe filter eats the URL seen before) or raise
    IgnoreRequest at the limit; the audit must report both, so the 3xx response goes on to the
    spider with `redirect_loop` (the chain, ending in the repeated URL) in its meta.
    """

    def process_response(self, request: Request, response: Response, spider: Any = None) -> Request | Response:
        try:
            result = super().process_response(request, response)
        except IgnoreRequest:
            request.meta["redirect_loop"] = [*request.meta.get("redirect_urls", []), request.url]
            request.meta["redirect_overflow"] = True
            return response
        if isinstance(result, Request):
            chain = [*request.meta.get("redirect_urls", []), request.url]
            if result.url in chain:
                request.meta["redirect_loop"] = [*chain, result.url]
                return response
            if len(chain) >= 2 or (request.url.startswith("https:") and result.url.startswith("http:")):
                # A long chain or a downgrade must reach the spider even when it ends at a page
                # already crawled (the dupe filter would drop it, and the chain with it).
                result.dont_filter = True
        return result
