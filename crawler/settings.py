"""Scrapy settings: only our overrides, each with the reason it differs from Scrapy's default.

`audit_settings(profile, options)` turns the profile and command-line options into the settings
of one audit crawl; the module-level values are what `scrapy` commands see through scrapy.cfg.
"""
from __future__ import annotations

from typing import Any

from crawler import __version__

BOT_NAME = "siteaudit"
SPIDER_MODULES = ["crawler.spiders"]
# Identify ourselves: site owners must be able to tell the audit from an attack in their logs.
USER_AGENT = f"Mozilla/5.0 (compatible; siteaudit/{__version__}; website self-audit)"
# Ask for the Chinese pages: a site that negotiates the language must show what Chinese visitors see.
DEFAULT_REQUEST_HEADERS = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8",
                           "Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"}
# Breadth-first: the pages nearest the homepage matter most when a cap cuts the crawl short.
DEPTH_PRIORITY = 1
SCHEDULER_DISK_QUEUE = "scrapy.squeues.PickleFifoDiskQueue"
SCHEDULER_MEMORY_QUEUE = "scrapy.squeues.FifoMemoryQueue"
# Error pages are findings, not noise: let 4xx/5xx responses reach the spider.
HTTPERROR_ALLOW_ALL = True
# A compliance crawl must not hammer the site it audits.
ROBOTSTXT_OBEY = True
AUTOTHROTTLE_ENABLED = False
CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 8
DOWNLOAD_DELAY = 0.5
DOWNLOAD_TIMEOUT = 20
# Huge responses are not pages: stop reading at 10 MiB and report it (default is 1 GiB).
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
DOWNLOAD_WARNSIZE = 5 * 1024 * 1024
# A redirect loop should be detected quickly, not after 20 hops.
REDIRECT_MAX_TIMES = 10
RETRY_TIMES = 1
# 429 and 503 are handled by PolitenessMiddleware (Retry-After, per host), not retried blindly.
RETRY_HTTP_CODES = [500, 502, 504, 522, 524, 408]
# Link depth: paging (links within one URL pattern) adds none, so crawl.max_depth cannot end a catalogue.
SPIDER_MIDDLEWARES = {
    "scrapy.spidermiddlewares.depth.DepthMiddleware": None,
    "crawler.middlewares.depth.PagingDepthMiddleware": 900,
}
# Our middlewares: drop queued requests of a trap found since, decode by the bytes, honour Crawl-delay/Retry-After, report redirect loops,
# send staging credentials to the declared hosts only.
DOWNLOADER_MIDDLEWARES = {
    "crawler.middlewares.traps.TrapMiddleware": 440,
    "crawler.middlewares.staging.StagingAccessMiddleware": 450,
    "crawler.middlewares.encoding.EncodingMiddleware": 575,
    "crawler.middlewares.politeness.PolitenessMiddleware": 585,
    "crawler.middlewares.stalled.StalledHostMiddleware": 560,
    "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
    "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": None,
    "crawler.middlewares.compression.BoundedDecompressionMiddleware": 590,
    "crawler.middlewares.redirect.LoopAwareRedirectMiddleware": 600,
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "crawler.middlewares.metarefresh.LoopAwareMetaRefreshMiddleware": 580,
}
# Seconds: longest Retry-After honoured; past it we wait this long and retry anyway.
AUDIT_RETRY_AFTER_MAX = 60.0
# Seconds: longest robots.txt Crawl-delay honoured (a larger one would make the audit take days).
AUDIT_CRAWL_DELAY_MAX = 10.0
# Retries of one request after a 429/503 that asked us to wait; then the host is reported blocked
# and not asked again in this audit.
AUDIT_RETRY_AFTER_TIMES = 1
# 429/503 answers in a row (retries included) after which a host is not asked again in this audit.
AUDIT_BLOCKED_AFTER = 3
# Seconds to wait after a 429 without Retry-After.
AUDIT_RETRY_AFTER_DEFAULT = 5.0
# External links are checked (HEAD), never followed; at most this many per audit.
AUDIT_EXTERNAL_MAX = 200
# Seconds per external link check: a dead third-party host must not hold a download slot for long.
AUDIT_EXTERNAL_TIMEOUT = 10.0
# A page with 100,000 images must not schedule 100,000 checks (time and memory): at most this many
# resources (img, CSS, JS…) are status-checked per page and per audit, and at most this many new
# links followed per page; the rest are counted and reported (LNK018).
AUDIT_RESOURCES_PER_PAGE = 200
AUDIT_RESOURCES_MAX = 5000
AUDIT_LINKS_PER_PAGE = 2000
# Downloads of one host in a row that run past DOWNLOAD_TIMEOUT, after which its other requests fail at
# once (each still a LNK002 page) and the host is reported (LNK019): a site that drip-feeds every page
# must not cost crawl.timeout × pages.
AUDIT_STALLED_AFTER = 3
# Bytes: the largest linked PDF downloaded for the phrase rules (crawler/documents.py); past it, reported.
AUDIT_DOCUMENT_MAX_BYTES = 10 * 1024 * 1024
# No interactive console on a production machine's port.
TELNETCONSOLE_ENABLED = False
LOG_LEVEL = "WARNING"
# Our CLI configures logging; Scrapy must not add its own root handler.
LOG_INSTALL_ROOT_HANDLER = False
COOKIES_ENABLED = True
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
ITEM_PIPELINES = {"crawler.pipelines.AuditPipeline": 300}
EXTENSIONS: dict[str, int | None] = {}
# Findings come from our pipeline; Scrapy's own stats dump at the end is debug noise for users.
STATS_DUMP = False
LOGSTATS_INTERVAL = 0


def audit_settings(profile: Any, *, lang: str = "zh", resolver: str | None = None, progress: bool = False,
                   jobdir: str | None = None, log_level: str = "WARNING") -> dict[str, Any]:
    """The settings of one audit crawl, from the profile (command-line overrides already applied)."""
    crawl = profile.crawl
    settings: dict[str, Any] = {k: v for k, v in globals().items() if k.isupper()}
    settings.update({
        "CONCURRENT_REQUESTS": crawl.concurrency,
        "CONCURRENT_REQUESTS_PER_DOMAIN": crawl.concurrency,
        "DOWNLOAD_DELAY": crawl.delay,
        "DOWNLOAD_TIMEOUT": crawl.timeout,
        "ROBOTSTXT_OBEY": crawl.obey_robots,
        # crawl.max_depth is applied by the spider's Frontier (paging adds no depth; pages past it are counted).
        "DEPTH_LIMIT": 0,
        # The spider counts pages itself (CLOSESPIDER_PAGECOUNT would count robots.txt, sitemaps and
        # resource checks too) and closes with the same reason.
        "CLOSESPIDER_TIMEOUT": crawl.time_limit,
        "LOG_LEVEL": log_level,
        "AUDIT_PROGRESS": progress,
        "AUDIT_MAX_PAGES": crawl.max_pages,   # for the progress line's estimate of the time left
        "AUDIT_LANG": lang,
    })
    if crawl.user_agent:
        settings["USER_AGENT"] = crawl.user_agent
    # Staging access (headers, cookies, basic auth) goes to the declared hosts only: StagingAccessMiddleware.
    settings["AUDIT_HOSTS"] = list(profile.domains)
    settings["AUDIT_HEADERS"] = dict(crawl.headers)
    settings["AUDIT_COOKIES"] = dict(crawl.cookies)
    if crawl.auth.username:
        from crawler.profile import basic_auth

        settings["AUDIT_AUTHORIZATION"] = basic_auth(crawl.auth.username, crawl.auth.password_env, profile.source)
    if resolver:
        settings["AUDIT_RESOLVER"] = resolver
        settings["TWISTED_DNS_RESOLVER"] = "crawler.resolver.DnspythonResolver"
    if jobdir:
        settings["JOBDIR"] = jobdir
    # crawl.render: the browser's download handler only when rendering is on and can work (crawler/render.py).
    from crawler.render import render_settings

    settings.update(render_settings(crawl, profile.domains, resolver))
    if progress:
        settings["EXTENSIONS"] = {**settings["EXTENSIONS"], "crawler.progress.ProgressExtension": 500}
    return settings


def use_bundled_public_suffix_list() -> None:
    """Make Scrapy's cookie middleware use tldextract's bundled Public Suffix List, never the network.

    Scrapy builds a module-level `TLDExtract()` that downloads the list on first use. On the
    offline or firewalled machines that audits often run on, that attempt waits for a timeout and
    logs a traceback. The bundled snapshot is enough to tell a public suffix from a site's domain.
    """
    from scrapy.downloadermiddlewares import cookies
    from tldextract import TLDExtract

    if hasattr(cookies, "_split_domain"):
        cookies._split_domain = TLDExtract(cache_dir=None, suffix_list_urls=(), fallback_to_snapshot=True,
                                           include_psl_private_domains=True)
