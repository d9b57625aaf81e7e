"""`StalledHostMiddleware`: a host whose downloads keep running into the total deadline is not asked again.

DOWNLOAD_TIMEOUT ends each download (a body drip-fed one byte a second included), but a site whose
every page drips would still cost `crawl.timeout` per page, retries included: hours for a big site.
After AUDIT_STALLED_AFTER timeouts in a row from one host (any answer in between resets the count),
its remaining requests fail at once with `HostNotAnswering`: each is still a page that says why
(LNK002), and the host is reported once (LNK019, `crawl.politeness`).
"""
from __future__ import annotations

from typing import Any

from scrapy.exceptions import DownloadTimeoutError
from scrapy.http import Request, Response
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.error import TCPTimedOutError, TimeoutError as TxTimeoutError

from crawler.checks.state import Stalled
from crawler.middlewares.politeness import crawl_record

_TIMEOUTS = (DownloadTimeoutError, TxTimeoutError, TCPTimedOutError, TimeoutError)


class HostNotAnswering(Exception):
    """The request was not sent: its host let the last downloads run past their deadline."""


class StalledHostMiddleware:
    def __init__(self, crawler: Any, after: int, timeout: float):
        self.crawler = crawler
        self.after = after
        self.timeout = timeout
        self.in_a_row: dict[str, int] = {}

    @classmethod
    def from_crawler(cls, crawler: Any) -> "StalledHostMiddleware":
        s = crawler.settings
        return cls(crawler, s.getint("AUDIT_STALLED_AFTER", 3), s.getfloat("DOWNLOAD_TIMEOUT", 20))

    def _host(self, request: Request) -> str:
        return (urlparse_cached(request).hostname or "").lower()

    def process_request(self, request: Request, spider: Any = None) -> None:
        host = self._host(request)
        if self.after and self.in_a_row.get(host, 0) >= self.after:
            stalled = crawl_record(self.crawler).stalled.get(host)
            if stalled is not None:
                stalled.skipped += 1
            raise HostNotAnswering(f"not requested: {host} let {self.after} downloads in a row run past "
                                   f"the {self.timeout:g} s deadline")

    def process_response(self, request: Request, response: Response, spider: Any = None) -> Response:
        self.in_a_row.pop(self._host(request), None)
        return response

    def process_exception(self, request: Request, exception: BaseException, spider: Any = None) -> None:
        if not isinstance(exception, _TIMEOUTS):
            return None
        host = self._host(request)
        count = self.in_a_row[host] = self.in_a_row.get(host, 0) + 1
        if count >= self.after:
            crawl_record(self.crawler).stalled.setdefault(host, Stalled(url=request.url, timeouts=count))
        return None
