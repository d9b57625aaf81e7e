"""The Scrapyd job of a fleet: `audit`, one site's audit from the profile the dispatcher sends.

Scrapyd starts one process per job (`python -m scrapyd.runner crawl audit -a _job=… -a …`). A
Scrapy reactor cannot run a second crawl inside one process, so this spider makes no request of
its own: it runs `siteaudit audit` as a child process (crawler/fleet/node.py) and waits for it.
The outcome is read from the history store by the dispatcher (Scrapyd's API has no exit status).
"""
from __future__ import annotations

from typing import Any

import os

import scrapy

# Who started this process, seen as early as Scrapy loads the spiders: Scrapyd, unless the node
# already died while the job process was starting (then it is 1, or a subreaper).
PARENT_AT_START = os.getppid()


class FleetJobSpider(scrapy.Spider):
    name = "audit"
    custom_settings = {"LOG_LEVEL": "INFO", "TELNETCONSOLE_ENABLED": False}

    def __init__(self, profile_yaml: str = "", site: str = "", db: str = "", audit_args: str = "[]",
                 out: str = "", **kwargs: Any):
        super().__init__(**kwargs)       # Scrapyd passes _job (and any other argument) here
        self.profile_yaml = profile_yaml
        self.site = site
        self.db = db
        self.audit_args = audit_args
        self.out = out
        self.job = kwargs.get("_job", "")
        self.exit_code: int | None = None
        self.proc = None                 # the audit's process while it runs

    def closed(self, reason: str) -> None:
        """Scrapyd's cancel (or a stop) ends the job: the audit stops too, writing its partial report."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()

    async def start(self):
        from crawler.fleet.node import run_job

        self.exit_code = await run_job(self)
        self.crawler.stats.set_value("siteaudit/exit_code", self.exit_code)
        return
        yield  # an async generator that yields no request
