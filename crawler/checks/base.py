"""What every check sees (`AuditContext`) and how checks are run without crashing the audit."""
from __future__ import annotations

import enum
import logging
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, TypeVar

from crawler.checks.state import CrawlRecord, PageCheckError
from crawler.documents import DocumentLog
from crawler.page import Page
from crawler.profile import Profile
from crawler.render import RenderLog
from rules.model import CheckOutcome, CheckResult, CheckStatus, Finding, pick

logger = logging.getLogger(__name__)

S = TypeVar("S")


@dataclass
class AuditContext:
    """What every check may read: the profile and the run's settings, plus what checks hand each other.

    - `crawl`: what the spider saw beyond its pages (why it ended, what it did not audit), for the
      final checks;
    - `probes`: the uptime probes the uptime check made, for the history store;
    - `page_errors`: page checks that crashed (check id -> pages, first URL, error), shown as `error` rows;
    - `facts` feeds the report's 年报 table: domain -> {fact name: value};
    - `scratch(Cls)`: the one instance of a check module's own state dataclass (what it keeps across pages).
    """

    profile: Profile
    resolver: tuple[str, int] | None = None     # (ip, port) from --resolver, None: system resolver
    lang: str = "zh"
    budget_s: float = 30.0                      # time budget of one site check
    dns_enabled: bool = True
    uptime_enabled: bool = True
    crawl: CrawlRecord = field(default_factory=CrawlRecord)
    probes: list["Probe"] = field(default_factory=list)
    page_errors: dict[str, PageCheckError] = field(default_factory=dict)
    facts: dict[str, dict[str, Any]] = field(default_factory=dict)
    render: RenderLog = field(default_factory=RenderLog)          # pages rendered in Chromium (crawl.render)
    documents: DocumentLog = field(default_factory=DocumentLog)   # linked PDFs read for the phrase rules
    _scratch: dict[type, Any] = field(default_factory=dict, repr=False)

    def t(self, zh: str, en: str) -> str:
        """User-facing text in the run's language: zh-CN first, English with --lang en."""
        return pick(self.lang, zh, en)

    def scratch(self, kind: type[S]) -> S:
        """The run's one instance of `kind` (a check module's state dataclass), made on first use."""
        found = self._scratch.get(kind)
        if found is None:
            found = self._scratch[kind] = kind()
        return found

    def add_facts(self, facts: dict[str, dict[str, Any]]) -> None:
        for domain, values in facts.items():
            self.facts.setdefault(domain, {}).update(values)


SiteCheck = Callable[[AuditContext], CheckOutcome]
PageCheck = Callable[[Page, AuditContext], Iterable[Finding]]


def _title(fn: Callable) -> str:
    return (fn.__doc__ or fn.__name__).strip().splitlines()[0]


def run_site_check(check_id: str, fn: SiteCheck, ctx: AuditContext) -> CheckOutcome:
    """Run one site/final check; a crash becomes an `error` result instead of ending the audit."""
    started = time.monotonic()
    try:
        outcome = fn(ctx)
    except Exception as exc:  # a broken check must not cost the user the rest of the audit
        logger.exception("check %s crashed", check_id)
        return CheckOutcome(CheckResult(check_id, CheckStatus.ERROR, f"{_title(fn)}: {type(exc).__name__}: {exc}"))
    ctx.add_facts(outcome.facts)
    logger.debug("check %s: %s in %.2fs", check_id, outcome.result.status.value, time.monotonic() - started)
    return outcome


def run_page_checks(page: Page, ctx: AuditContext, counts: dict[str, int] | None = None) -> list[Finding]:
    """Every page check on one page; a crashing check is logged, recorded in `ctx.page_errors` (the
    checks list shows it as an `error` row) and skipped for that page.

    `counts`, when given, accumulates the number of findings per check id (for the checks list).
    """
    from crawler.checks import PAGE_CHECKS

    found: list[Finding] = []
    for check_id, fn in PAGE_CHECKS:
        try:
            made = list(fn(page, ctx))
        except Exception as exc:  # a broken check must not cost the user the rest of the page
            logger.exception("page check %s crashed on %s", check_id, page.url)
            seen = ctx.page_errors.get(check_id)
            ctx.page_errors[check_id] = PageCheckError(
                pages=(seen.pages if seen else 0) + 1, url=seen.url if seen else page.url,
                error=seen.error if seen else f"{type(exc).__name__}: {exc}")
            continue
        found.extend(made)
        if counts is not None:
            counts[check_id] = counts.get(check_id, 0) + len(made)
    return found


class ProbeKind(str, enum.Enum):
    """What one uptime probe saw. BLOCKED (429, WAF 403) is neither up nor down."""

    OK = "ok"
    SLOW = "slow"
    DNS_FAILURE = "dns"
    CONNECT = "connect"
    TLS = "tls"
    TIMEOUT = "timeout"
    HTTP_ERROR = "http"
    BLOCKED = "blocked"

    @property
    def counts_as(self) -> str:
        """`up`, `down` or `excluded` in the uptime percentage."""
        if self in (ProbeKind.OK, ProbeKind.SLOW):
            return "up"
        if self is ProbeKind.BLOCKED:
            return "excluded"
        return "down"


def up_percent(up: int, down: int) -> float | None:
    """The uptime percentage: up / (up + down), two decimals; None when no probe counted.

    The one formula, for a run's probes and for the stored history's windows alike."""
    return round(100.0 * up / (up + down), 2) if up + down else None


@dataclass(frozen=True)
class Probe:
    """One uptime probe of one domain (and one resolved address), as stored in the history DB."""

    domain: str
    url: str
    kind: ProbeKind
    at: str                      # ISO-8601 UTC time of the probe
    address: str = ""            # the IP connected to, "" when resolution failed
    status: int | None = None    # HTTP status, when one came back
    ms: int | None = None        # latency to the response headers
    error: str = ""              # the error text, for a person to read
