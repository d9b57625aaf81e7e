"""Rendering pages built by JavaScript in headless Chromium (`crawl.render: auto | always | never`).

Many Chinese company sites come from Vue/React site builders: the HTML is an empty shell and the
copy, the 备案号 footer and any injected spam arrive by script. This module decides which pages
need a browser, wires scrapy-playwright (an optional extra, `siteaudit[render]`) to the system's
Chromium, and keeps the record the final check reports from. The spider's side is
`crawler/spiders/rendering.py`; the findings are `crawler/checks/crawl/render.py`.

Only requests marked `meta["playwright"] = True` go through the browser: scrapy-playwright's
handler hands every other request to Scrapy's own HTTP/1.1 handler, and the subclass here starts
Playwright only when the first page needs it, so an ordinary site crawls as before.
"""
from __future__ import annotations

import asyncio
import importlib.util
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from crawler.page import Page

logger = logging.getLogger(__name__)

MODES = ("auto", "always", "never")
# Chromium's own flags: no sandbox (we run as root in containers), no GPU, no background traffic.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-default-apps", "--mute-audio"]
# Pages rendered at once: a browser tab costs tens of MB and a core; two keep a small server usable.
RENDER_POOL = 2
# Seconds: the longest one page may take in the browser (navigation; the settle wait is extra).
RENDER_TIMEOUT_MAX = 30.0
# Seconds: after the load event, how long to wait for the network to go quiet (scripts fetching copy).
RENDER_SETTLE = 2.0
# Browser sub-requests never fetched: pictures, video and fonts are not copy, and cost bandwidth.
ABORTED_RESOURCES = frozenset({"image", "media", "font"})
HANDLER = "crawler.render.LazyPlaywrightHandler"
INSTALL_HINT_ZH = "安装 Chromium（Debian/Ubuntu：apt-get install chromium）并执行 pip install 'siteaudit[render]'"
INSTALL_HINT_EN = "install Chromium (Debian/Ubuntu: apt-get install chromium) and pip install 'siteaudit[render]'"
_LISTED_MAX = 50


@dataclass(frozen=True)
class RenderSupport:
    """Whether this machine can render: Chromium and scrapy-playwright both present."""

    chromium: str | None
    missing: str = ""         # what is missing, for a person ("" when rendering works)

    @property
    def available(self) -> bool:
        return not self.missing


def render_support() -> RenderSupport:
    """Look for the browser and the Python package (no launch: that happens on the first page)."""
    from reports.browser import find_chromium

    exe = find_chromium()
    missing = []
    if exe is None:
        missing.append("Chromium")
    if importlib.util.find_spec("scrapy_playwright") is None:
        missing.append("scrapy-playwright")
    return RenderSupport(exe, " + ".join(missing))


@dataclass
class RenderLog:
    """What rendering did in one audit, for the final check and the report (`AuditContext.render`)."""

    mode: str = "auto"
    missing: str = ""                                       # what this machine lacks ("" = can render)
    rendered: list[str] = field(default_factory=list)       # URLs rendered (the first few)
    rendered_count: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)   # (URL, error), the first few
    failed_count: int = 0
    unrendered: list[str] = field(default_factory=list)     # URLs that needed rendering and could not have it
    unrendered_count: int = 0

    def note_rendered(self, url: str) -> None:
        self.rendered_count += 1
        if len(self.rendered) < _LISTED_MAX:
            self.rendered.append(url)

    def note_failed(self, url: str, error: str) -> None:
        self.failed_count += 1
        if len(self.failed) < _LISTED_MAX:
            self.failed.append((url, error))

    def note_unrendered(self, url: str) -> None:
        self.unrendered_count += 1
        if len(self.unrendered) < _LISTED_MAX:
            self.unrendered.append(url)


def render_reason(page: "Page", mode: str) -> str:
    """Why `page` should be rendered ("" when it should not): `always`, `js_only` or `no_filing`.

    `auto` renders what the JavaScript-only detector flags (CNT003's signs) and a declared domain's
    homepage whose raw HTML shows no 备案号: the footer is often the one part drawn by a script.
    """
    if mode == "never" or page.render is not None or page.status != 200 or not page.is_html \
            or page.kind != "page" or not page.text:
        return ""
    if mode == "always":
        return "always"
    from crawler.checks.crawl.content import js_only_signs

    if js_only_signs(page.text) is not None:
        return "js_only"
    if page.is_homepage and not shows_filing(page):
        return "no_filing"
    return ""


def shows_filing(page: "Page") -> bool:
    """The page's visible text holds an ICP 备案号 (or an old-style ICP证 number)."""
    from crawler.checks.filing.icp_numbers import find_filings
    from crawler.checks.htmlutil import parse

    parsed = parse(page)
    if parsed is None:
        return False
    filings, licences = find_filings(parsed.index.text)
    return bool(filings or licences)


def render_settings(crawl: Any, domains: list[str] | tuple[str, ...] = (), resolver: str | None = None,
                    support: RenderSupport | None = None) -> dict[str, Any]:
    """The Scrapy settings for `crawl.render`; the browser's handler only when rendering can work.

    Under `--resolver` the browser must see the same addresses as the crawl: each declared domain
    is resolved there once and handed to Chromium as a host-resolver rule.
    """
    mode = crawl.render
    settings: dict[str, Any] = {"AUDIT_RENDER": mode, "AUDIT_RENDER_MISSING": ""}
    if mode == "never":
        return settings
    support = support or render_support()
    if not support.available:
        settings["AUDIT_RENDER_MISSING"] = support.missing
        return settings
    timeout_s = min(float(crawl.timeout), RENDER_TIMEOUT_MAX)
    args = list(CHROMIUM_ARGS)
    if resolver:
        rules = host_rules(domains, resolver)
        if rules:
            args.append("--host-resolver-rules=" + rules)
    settings.update({
        "DOWNLOAD_HANDLERS": {"http": HANDLER, "https": HANDLER},
        "PLAYWRIGHT_BROWSER_TYPE": "chromium",
        "PLAYWRIGHT_LAUNCH_OPTIONS": {"executable_path": support.chromium, "headless": True,
                                      "args": args, "timeout": 30_000},
        "PLAYWRIGHT_MAX_CONTEXTS": 1,
        "PLAYWRIGHT_MAX_PAGES_PER_CONTEXT": RENDER_POOL,
        "PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT": timeout_s * 1000,
        "PLAYWRIGHT_ABORT_REQUEST": "crawler.render.abort_request",
        "AUDIT_RENDER_TIMEOUT": timeout_s,
    })
    return settings


def host_rules(domains: list[str] | tuple[str, ...], resolver: str) -> str:
    """`MAP host address` rules for Chromium: the declared domains as `--resolver` answers them."""
    import dns.exception

    from crawler.resolver import dns_resolver, lookup, parse_resolver

    ask = dns_resolver(parse_resolver(resolver), lifetime=3.0)
    rules = []
    for host in domains:
        try:
            address = lookup(ask, host)[0]
        except dns.exception.DNSException:
            continue   # the crawl reports it; the browser would not reach it either
        rules.append(f"MAP {host} {'[' + address + ']' if ':' in address else address}")
    return ", ".join(rules)


def abort_request(request: Any) -> bool:
    """Browser sub-requests not worth fetching: images, media and fonts (copy is text and scripts)."""
    return request.resource_type in ABORTED_RESOURCES


async def settle(page: Any) -> None:
    """After the load event, give scripts that fetch their copy a moment (network idle, bounded)."""
    from playwright.async_api import TimeoutError as PlaywrightTimeout

    try:
        await page.wait_for_load_state("networkidle", timeout=RENDER_SETTLE * 1000)
    except PlaywrightTimeout:
        pass  # a page that polls forever is read as it is now


def render_meta(reason: str, timeout_s: float) -> dict[str, Any]:
    """The request meta that sends one page through the browser."""
    from scrapy_playwright.page import PageMethod

    return {"playwright": True, "render_reason": reason,
            "playwright_page_goto_kwargs": {"wait_until": "load", "timeout": timeout_s * 1000},
            "playwright_page_methods": [PageMethod(settle)],
            # The browser bounds the page itself; Scrapy's own timeout is a backstop past it.
            "download_timeout": timeout_s + RENDER_SETTLE + 10}


def describe_error(exc: BaseException) -> str:
    """One line for a person: the error's type and the first line of its message."""
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0][:300]}" if text else type(exc).__name__


def _lazy_handler_class() -> type:
    from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler

    class _Lazy(ScrapyPlaywrightDownloadHandler):
        """scrapy-playwright's handler, but Playwright starts with the first page that needs it.

        The stock handler starts the Playwright driver when the engine starts; an audit of an
        ordinary HTML site never renders anything and should not pay for a driver it does not use.
        """

        _pool: asyncio.Semaphore | None = None   # shared by the http and the https handler

        def __init__(self, crawler: Any) -> None:
            super().__init__(crawler)
            self._started: asyncio.Lock | None = None

        async def _maybe_launch_in_thread(self) -> None:
            return None   # started by the first rendered request instead

        def _engine_started(self) -> None:  # older Scrapy API: the same
            return None

        async def _download_request(self, request: Any, spider: Any = None) -> Any:
            if self._started is None:
                self._started = asyncio.Lock()
            async with self._started:
                if getattr(self, "browser_provider", None) is None:
                    await self._launch()
            # Scrapy builds one handler per scheme: the pool bounds the pages of both together.
            if _Lazy._pool is None:
                _Lazy._pool = asyncio.Semaphore(RENDER_POOL)
            async with _Lazy._pool:
                return await super()._download_request(request, spider)

    return _Lazy


def __getattr__(name: str) -> Any:
    # Scrapy loads the handler by import path; building the class on demand keeps this module
    # importable without the optional scrapy-playwright.
    if name == "LazyPlaywrightHandler":
        cls = _lazy_handler_class()
        globals()[name] = cls
        return cls
    raise AttributeError(name)
