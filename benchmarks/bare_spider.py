"""The baseline: a bare Scrapy spider that only follows links — the framework's own ceiling.

Same conditions as the audit: the same hosts, concurrency, page limit and DNS (`--resolver`, through
`crawler.resolver.DnspythonResolver`); no politeness delay, robots.txt off, no items, no checks.

    python -m benchmarks.bare_spider START_URL --domains a.cn,b.cn --resolver 127.0.0.1:5353 \
        --max-pages 2000 --concurrency 8 --stats-out stats.json
"""
from __future__ import annotations

import argparse
import json
import time
from typing import Any, AsyncIterator, Iterable
from urllib.parse import urlsplit

import scrapy
from scrapy.crawler import AsyncCrawlerProcess
from scrapy.http import Response, TextResponse
from scrapy.linkextractors import LinkExtractor

from crawler.settings import use_bundled_public_suffix_list


class BareSpider(scrapy.Spider):
    """Follows every in-domain link once; yields nothing."""

    name = "bare"

    def __init__(self, start_url: str, domains: Iterable[str], **kwargs: Any):
        super().__init__(**kwargs)
        self.start_url = start_url
        self.allowed_domains = list(domains)
        port = urlsplit(start_url).port
        # LinkExtractor compares whole netlocs, port included (OffsiteMiddleware compares hostnames).
        netlocs = [f"{d}:{port}" for d in self.allowed_domains] if port else []
        self.links = LinkExtractor(allow_domains=self.allowed_domains + netlocs)
        self.pages = 0

    async def start(self) -> AsyncIterator[scrapy.Request]:
        yield scrapy.Request(self.start_url, callback=self.parse)

    def parse(self, response: Response) -> Iterable[scrapy.Request]:
        if not isinstance(response, TextResponse):
            return
        self.pages += 1
        for link in self.links.extract_links(response):
            yield scrapy.Request(link.url, callback=self.parse)


def settings(resolver: str | None, concurrency: int, max_pages: int, timeout: float = 20.0) -> dict[str, Any]:
    """Scrapy settings for the baseline: the framework's defaults minus politeness, BFS like the audit."""
    out: dict[str, Any] = {
        "CONCURRENT_REQUESTS": concurrency,
        "CONCURRENT_REQUESTS_PER_DOMAIN": concurrency,
        "DOWNLOAD_DELAY": 0,
        "RANDOMIZE_DOWNLOAD_DELAY": False,
        "AUTOTHROTTLE_ENABLED": False,
        "ROBOTSTXT_OBEY": False,
        "CLOSESPIDER_PAGECOUNT": max_pages,
        "DOWNLOAD_TIMEOUT": timeout,
        "LOG_LEVEL": "WARNING",
        # Breadth-first, as the audit crawls: the same queue shape, so the memory comparison is fair.
        "DEPTH_PRIORITY": 1,
        "SCHEDULER_DISK_QUEUE": "scrapy.squeues.PickleFifoDiskQueue",
        "SCHEDULER_MEMORY_QUEUE": "scrapy.squeues.FifoMemoryQueue",
        "TELNETCONSOLE_ENABLED": False,
        "HTTPERROR_ALLOW_ALL": False,
    }
    if resolver:
        out["TWISTED_DNS_RESOLVER"] = "crawler.resolver.DnspythonResolver"
        out["AUDIT_RESOLVER"] = resolver
    return out


def run(start_url: str, domains: list[str], resolver: str | None, concurrency: int, max_pages: int) -> dict[str, Any]:
    """Crawl in this process (once: the reactor cannot restart) and return a summary of the stats."""
    use_bundled_public_suffix_list()  # as the audit does, so neither waits on a download
    process = AsyncCrawlerProcess(settings(resolver, concurrency, max_pages))
    crawler = process.create_crawler(BareSpider)
    started = time.monotonic()
    process.crawl(crawler, start_url=start_url, domains=domains)
    process.start()
    elapsed = time.monotonic() - started
    stats = crawler.stats.get_stats() if crawler.stats else {}
    return {
        # Every response counts as a fetched page, error pages too, as in the audit's page count.
        "pages": stats.get("response_received_count", 0),
        "html_pages": crawler.spider.pages if crawler.spider else 0,
        "finish_reason": stats.get("finish_reason", ""),
        "crawl_s": round(elapsed, 3),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bare_spider", description=__doc__.splitlines()[0])
    parser.add_argument("start_url")
    parser.add_argument("--domains", required=True, help="comma-separated host names to stay on")
    parser.add_argument("--resolver", help="IP[:PORT] of the DNS server, as siteaudit's --resolver")
    parser.add_argument("--max-pages", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--stats-out", help="write the summary as JSON here (default: stdout)")
    args = parser.parse_args(argv)
    summary = run(args.start_url, args.domains.split(","), args.resolver, args.concurrency, args.max_pages)
    text = json.dumps(summary)
    if args.stats_out:
        with open(args.stats_out, "w", encoding="utf-8") as f:
            f.write(text)
    else:
        print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
