"""A crawl that stops soon after Ctrl-C or SIGTERM, whenever the signal comes, even while a download hangs.

Scrapy's first signal stops the crawl gracefully: it waits for the downloads in flight, each up to
DOWNLOAD_TIMEOUT, and a drip-fed one takes all of it. `BoundedStopProcess` gives the graceful stop
`STOP_GRACE_S` seconds, then stops the reactor as Scrapy's second signal would. Either way the
spider has not closed "finished", so the run is `interrupted` and its partial report is written.
A resumable run (`--resume`, a JOBDIR) keeps Scrapy's graceful stop: its queue must be saved.

Scrapy installs its signal handlers only once the reactor has started. A signal that comes while
the crawl is being set up, or while the reactor starts, must not be lost (nor raised into a
callback that would log it and go on): it is remembered (`requested`) and the crawl is stopped as
soon as the reactor runs. Whatever stopped the crawl, `requested` tells the audit that it was asked to.
"""
from __future__ import annotations

import logging
import signal
from typing import Any

from scrapy.crawler import AsyncCrawlerProcess

logger = logging.getLogger(__name__)

STOP_GRACE_S = 5.0
SIGNALS = (signal.SIGINT, signal.SIGTERM)

# The signal that asked this process's audit to stop, if one did (see `reset`).
requested: int | None = None


def reset() -> None:
    """A new audit in this process: no stop asked yet."""
    global requested
    requested = None


def remember(signum: int, frame: Any = None) -> None:
    """A signal handler that only records the request; the crawl acts on it when it can."""
    global requested
    if requested is None:
        requested = signum


class BoundedStopProcess(AsyncCrawlerProcess):
    """AsyncCrawlerProcess whose graceful stop on a signal lasts at most `STOP_GRACE_S` seconds, and
    that stops too for a signal received before Scrapy's own handlers were installed."""

    _stopping = False   # a graceful stop has begun

    def start(self, stop_after_crawl: bool = True, install_signal_handlers: bool = True) -> None:
        """The caller has installed `remember` for SIGNALS before it built this process (audit._crawl):
        until the reactor runs and Scrapy installs its own handlers, a signal is only recorded."""
        from twisted.internet import reactor

        if install_signal_handlers:
            # Scrapy's handlers are installed "after startup"; the call below runs once they are.
            reactor.addSystemEventTrigger("after", "startup", reactor.callLater, 0, self._stop_if_requested)
        super().start(stop_after_crawl, install_signal_handlers)

    def _stop_if_requested(self) -> None:
        if requested is not None and not self._stopping:
            logger.warning("stop requested by %s while the crawl was starting: stopping", signal.Signals(requested).name)
            self._signal_shutdown(requested, None)

    def _signal_shutdown(self, signum: int, frame: Any) -> None:
        from twisted.internet import reactor

        remember(signum)
        self._stopping = True
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
