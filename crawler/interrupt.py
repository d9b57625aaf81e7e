"""A crawl that stops soon after Ctrl-C or SIGTERM, even while a download hangs.

Scrapy's first signal stops the crawl gracefully: it waits for the downloads in flight, each up to
DOWNLOAD_TIMEOUT, and a drip-fed one takes all of it. `BoundedStopProcess` gives the graceful stop
`STOP_GRACE_S` seconds, then stops the reactor as Scrapy's second signal would. Either way the
spider has not closed "finished", so the run is `interrupted` and its partial report is written.
A resumable run (`--resume`, a JOBDIR) keeps Scrapy's graceful stop: its queue must be saved.
"""
from __future__ import annotations

import logging
from typing import Any

from scrapy.crawler import AsyncCrawlerProcess

logger = logging.getLogger(__name__)

STOP_GRACE_S = 5.0


class BoundedStopProcess(AsyncCrawlerProcess):
    """AsyncCrawlerProcess whose graceful stop on a signal lasts at most `STOP_GRACE_S` seconds."""

    def _signal_shutdown(self, signum: int, frame: Any) -> None:
        from twisted.internet import reactor

        super()._signal_shutdown(signum, frame)
        settings = getattr(self, "settings", None)
        if settings is not None and settings.get("JOBDIR"):
            # A resumable run (--resume) needs the graceful close to save its queue; a second
            # signal still stops it at once.
            return
        reactor.callFromThread(reactor.callLater, STOP_GRACE_S, self._stop_now)

    def _stop_now(self) -> None:
        logger.warning("downloads still running %g s after the stop signal: stopping now", STOP_GRACE_S)
        self._stop_reactor()
