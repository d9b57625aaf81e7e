"""`PolitenessMiddleware`: robots.txt `Crawl-delay` and `Retry-After` on 429/503, per host (Scrapy ignores both)."""
from __future__ import annotations

import email.utils
import logging
import time
from typing import Any

from scrapy import signals
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response
from scrapy.utils.httpobj import urlparse_cached

from crawler.checks.state import CrawlRecord, Throttle

logger = logging.getLogger(__name__)


def crawl_record(crawler: Any) -> CrawlRecord:
    """The audit's `CrawlRecord` (`ctx.crawl`, as `spider.record`), or a scratch one without a spider."""
    spider = crawler.spider
    record = getattr(spider, "record", None)
    if record is None:
        record = CrawlRecord()
        if spider is not None:
            spider.record = record
    return record


def parse_retry_after(value: str | bytes | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date; None if absent or bad."""
    if value is None:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


class PolitenessMiddleware:
    """Honours robots.txt Crawl-delay and Retry-After (429/503) per host; Scrapy ignores both.

    A 429/503 with Retry-After pauses the whole host (its download slot) for min(Retry-After, cap)
    seconds and retries the request, up to `retries` times; then the response goes on to the
    spider and the checks report the host as blocked (被限流/拦截), not broken.
    """

    def __init__(self, crawler: Any, *, cap_s: float, retries: int, default_s: float, obey_robots: bool,
                 base_delay: float, crawl_delay_max: float = 10.0, give_up_after: int = 3):
        self.crawler = crawler
        self.crawl_delay_max = crawl_delay_max
        self.cap_s = cap_s
        self.retries = retries
        self.default_s = default_s
        self.obey_robots = obey_robots
        self.base_delay = base_delay
        self.host_delay: dict[str, float] = {}     # slot key -> Crawl-delay (robots.txt)
        self.backing_off: set[str] = set()         # slot keys paused by a Retry-After
        self.given_up: set[str] = set()            # slot keys that refused every retry: no more retries
        self.jitter_before: dict[str, float] = {}  # slot key -> its jitter before a pause set it to 0
        self.refusals: dict[str, int] = {}         # slot key -> 429/503 answers in a row
        self.give_up_after = give_up_after

    @classmethod
    def from_crawler(cls, crawler: Any) -> "PolitenessMiddleware":
        s = crawler.settings
        mw = cls(crawler, cap_s=s.getfloat("AUDIT_RETRY_AFTER_MAX"), retries=s.getint("AUDIT_RETRY_AFTER_TIMES"),
                 default_s=s.getfloat("AUDIT_RETRY_AFTER_DEFAULT"), obey_robots=s.getbool("ROBOTSTXT_OBEY"),
                 base_delay=s.getfloat("DOWNLOAD_DELAY"), crawl_delay_max=s.getfloat("AUDIT_CRAWL_DELAY_MAX"),
                 give_up_after=s.getint("AUDIT_BLOCKED_AFTER"))
        crawler.signals.connect(mw.robots_parsed, signal=signals.robots_parsed)
        return mw

    # -- robots.txt Crawl-delay ------------------------------------------------------------------
    def robots_parsed(self, robotparser: Any, request: Request) -> None:
        if not self.obey_robots:
            return
        ua = self.crawler.settings.get("USER_AGENT") or "*"
        try:
            delay = robotparser.crawl_delay(ua)
        except Exception:  # a parser without crawl-delay support: nothing to honour
            return
        try:
            delay = float(delay)
        except (TypeError, ValueError):
            return
        if not delay > 0:   # 0, negative, or NaN ("Crawl-delay: nan" must not stall the host)
            return
        delay = min(delay, self.crawl_delay_max)
        key = self._downloader.get_slot_key(request)
        self.host_delay[key] = delay
        crawl_record(self.crawler).crawl_delay[urlparse_cached(request).hostname or ""] = delay
        self._set_delay(key, max(self.base_delay, delay))

    @property
    def _downloader(self) -> Any:
        return self.crawler.engine.downloader

    def _set_delay(self, key: str, delay: float, jitter: float | None = None) -> None:
        downloader = self._downloader
        # per_slot_settings keeps the delay when an idle slot is garbage-collected and re-created.
        downloader.per_slot_settings.setdefault(key, {})["delay"] = delay
        slot = downloader.slots.get(key)
        if slot is not None:
            slot.delay = delay
            if jitter is not None:
                slot.jitter = jitter

    # -- Retry-After ---------------------------------------------------------------------------
    def process_request(self, request: Request, spider: Any = None) -> None:
        """A host that refused even after waiting is not asked again in this audit (until it answers)."""
        if not self.given_up or request.meta.get("bootstrap") or request.meta.get("kind") == "external":
            return None
        key = self._downloader.get_slot_key(request)
        if key in self.given_up:
            info = crawl_record(self.crawler).throttled.get(urlparse_cached(request).hostname or "")
            if info is not None:
                info.skipped += 1
            raise IgnoreRequest("the host rate-limited the audit (429/503 after Retry-After)")
        return None

    def process_response(self, request: Request, response: Response, spider: Any = None) -> Request | Response:
        key = self._downloader.get_slot_key(request)
        if response.status not in (429, 503):
            self.refusals.pop(key, None)
            if key in self.backing_off:
                self.backing_off.discard(key)
                self.given_up.discard(key)
                self._set_delay(key, max(self.base_delay, self.host_delay.get(key, 0.0)),
                                jitter=self.jitter_before.pop(key, None))
                self._record(request, response, recovered=True)
            return response
        if request.meta.get("kind") == "external":
            return response   # another site's rate limit: report it, do not wait for it
        if request.url.endswith("/robots.txt") and key in self.backing_off:
            return response   # robots.txt is read twice (sitemaps, then the robots middleware): pause once
        header = response.headers.get("Retry-After")
        wait = parse_retry_after(header)
        if wait is None:
            if response.status == 503:
                return response       # an ordinary server error: no pause was asked for
            wait = self.default_s
        tries = request.meta.get("retry_after_times", 0)
        self.refusals[key] = self.refusals.get(key, 0) + 1
        # Robots.txt, sitemaps and the probe are not retried, and a host that keeps refusing is not
        # asked again; but each refusal still pauses the host, so the next request waits as asked.
        # One rate-limited URL among answering pages does not give the host up: any other answer resets it.
        if tries >= self.retries and self.refusals[key] >= self.give_up_after:
            self.given_up.add(key)
        no_retry = (request.meta.get("bootstrap") or request.url.endswith("/robots.txt")
                    or key in self.given_up or tries >= self.retries)
        self._record(request, response, retry_after=(header or b"").decode("latin-1"), gave_up=key in self.given_up,
                     lost=no_retry and not request.meta.get("bootstrap") and not request.url.endswith("/robots.txt"))
        wait = min(wait, self.cap_s)
        self.backing_off.add(key)
        # Pause the host: the slot's next download waits `wait` seconds, without jitter shortening it.
        slot = self._downloader.slots.get(key)
        if slot is not None:
            self.jitter_before.setdefault(key, slot.jitter)
        self._set_delay(key, max(wait, self.host_delay.get(key, 0.0), self.base_delay), jitter=0.0)
        if slot is not None:
            slot.lastseen = time.monotonic()
        if no_retry:
            return response
        retry = request.replace(dont_filter=True)
        retry.meta["retry_after_times"] = tries + 1
        return retry

    def _record(self, request: Request, response: Response, *, retry_after: str = "", gave_up: bool = False,
                lost: bool = False, recovered: bool = False) -> None:
        host = urlparse_cached(request).hostname or ""
        throttled = crawl_record(self.crawler).throttled
        info = throttled.get(host)
        if info is None:
            info = throttled[host] = Throttle(status=response.status, url=request.url, retry_after=retry_after)
        page_request = not (request.meta.get("bootstrap") or request.url.endswith("/robots.txt"))
        if page_request and info.url_is_bootstrap and not recovered:
            info.url, info.url_is_bootstrap = request.url, False   # name a page, not robots.txt
        if recovered:
            info.recovered = True
        else:
            info.responses += 1
            info.retry_after = retry_after or info.retry_after
            info.gave_up = info.gave_up or gave_up
            info.lost += lost   # pages handed on as refused (LNK003)
