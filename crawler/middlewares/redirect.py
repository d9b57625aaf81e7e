"""`LoopAwareRedirectMiddleware`: Scrapy's redirects, but a loop, an over-long chain or a redirect to a
non-web URL reaches the spider as a response (so it can be reported) instead of vanishing in the
dupe filter or being dropped in silence. `LoopAware` is shared with `metarefresh.py`."""
from __future__ import annotations

from typing import Any
from urllib.parse import urljoin, urlsplit

from scrapy.downloadermiddlewares.redirect import RedirectMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response

WEB_SCHEMES = ("http", "https")


def refused_target(url: str) -> bool:
    """A redirect target the audit never follows: data:, file:, javascript:, ftp:… anything not http(s)."""
    return urlsplit(url.strip()).scheme.lower() not in WEB_SCHEMES


class LoopAware:
    """Turns what a redirect middleware would lose into responses the spider reports:

    - a loop, or a chain past REDIRECT_MAX_TIMES: `redirect_loop` (the chain, ending in the repeated URL);
    - a redirect to a URL that is not http(s): `redirect_refused` (the target), never followed.
    """

    def _target(self, request: Request, response: Response) -> str:  # pragma: no cover - per subclass
        raise NotImplementedError

    def _self_refresh(self, request: Request, response: Response, url: str) -> bool:
        return False

    def process_response(self, request: Request, response: Response, spider: Any = None) -> Request | Response:
        try:
            result = super().process_response(request, response)  # type: ignore[misc]
        except IgnoreRequest:
            request.meta["redirect_loop"] = [*request.meta.get("redirect_urls", []), request.url]
            request.meta["redirect_overflow"] = True
            return response
        except ValueError:
            # Scrapy cannot even build a request for the target (`javascript:alert(1)`, a broken URL):
            # refused, like any non-web target.
            target = self._target(request, response)
            if not target:
                raise
            request.meta["redirect_refused"] = target[:300]
            return response
        if isinstance(result, Request):
            chain = [*request.meta.get("redirect_urls", []), request.url]
            if result.url in chain:
                if self._self_refresh(request, response, result.url):
                    return response     # a page that reloads itself now and then is a page, not a loop
                request.meta["redirect_loop"] = [*chain, result.url]
                return response
            if len(chain) >= 2 or (request.url.startswith("https:") and result.url.startswith("http:")):
                # A long chain or a downgrade must reach the spider even when it ends at a page
                # already crawled (the dupe filter would drop it, and the chain with it).
                result.dont_filter = True
            return result
        target = self._target(request, response)
        if target and refused_target(target):
            request.meta["redirect_refused"] = target[:300]
        return result


class LoopAwareRedirectMiddleware(LoopAware, RedirectMiddleware):
    """Scrapy's RedirectMiddleware, except that loops, chains past the limit and redirects to
    non-web URLs become responses (see `LoopAware`)."""

    def _target(self, request: Request, response: Response) -> str:
        location = response.headers.get("Location")
        if not location or response.status not in (301, 302, 303, 307, 308) or request.meta.get("dont_redirect"):
            return ""
        target = location.decode("latin-1").strip()
        try:
            return urljoin(request.url, target)
        except ValueError:   # "http://[broken": not a URL anyone can follow
            return target or "?"
