"""What the crawl hands the final checks, as typed values (no string-keyed dicts).

The spider and the downloader middlewares write a `CrawlRecord` (`ctx.crawl`); the final checks in
`crawler/checks/crawl/` read it. State that only one check module keeps across pages (the filing
checks' homepages, the privacy policies seen…) is a small dataclass in that module, reached with
`ctx.scratch(TheClass)`.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Listed:
    """A count and the first few URLs, for evidence ("robots.txt excluded 120 pages: a, b, c …")."""

    count: int = 0
    urls: list[str] = field(default_factory=list)
    limit: int = 50

    def add(self, url: str) -> None:
        self.count += 1
        if len(self.urls) < self.limit:
            self.urls.append(url)


@dataclass
class SitemapCoverage:
    """The sitemaps found, the URLs they list, and how they agree with the links."""

    sitemaps: list[str] = field(default_factory=list)
    urls: int = 0
    orphans: Listed = field(default_factory=Listed)     # listed, linked from no crawled page
    unlisted: Listed = field(default_factory=Listed)    # crawled, missing from the sitemap
    unreadable: dict[str, str] = field(default_factory=dict)   # sitemap (or robots.txt) URL -> why it could not be read


@dataclass
class Truncated:
    """One URL pattern whose pages the pattern cap refused."""

    refused: int = 0
    example: str = ""


@dataclass
class Throttle:
    """One host that answered 429/503 (with or without Retry-After)."""

    status: int
    url: str
    retry_after: str = ""
    responses: int = 0              # refusals seen
    recovered: bool = False         # a later answer was not a refusal
    gave_up: bool = False           # the host kept refusing: no more requests were sent
    lost: int = 0                   # pages handed on as refused (LNK003)
    skipped: int = 0                # requests not sent because the host was given up
    url_is_bootstrap: bool = True   # `url` is robots.txt or a probe, not yet a page


@dataclass
class SkippedChecks:
    """What the per-page and per-audit caps left unchecked."""

    resources: int = 0
    links: int = 0
    external: int = 0       # external links past AUDIT_EXTERNAL_MAX (or 20 per host), not checked
    pages: Listed = field(default_factory=lambda: Listed(limit=10))   # pages where a cap cut in
    resource_cap: int = 0
    resource_total_cap: int = 0
    link_cap: int = 0
    external_cap: int = 0


@dataclass
class Stalled:
    """A host given up after its downloads ran past the deadline several times in a row."""

    url: str                # the request that tipped it
    timeouts: int = 0
    skipped: int = 0        # requests failed at once afterwards


@dataclass(frozen=True)
class RedirectChain:
    """A redirect chain that ended at a page already handed on (kept for the final check)."""

    redirects: tuple[str, ...]
    url: str
    referer: str = ""


@dataclass(frozen=True)
class NotFoundProbe:
    """What a host answered for a path that cannot exist (the soft-404 probe)."""

    status: int
    url: str
    signature: frozenset[int] = frozenset()


@dataclass
class TrapReport:
    """One crawler trap (crawler/traps.py): what it is, one URL of it, why, and what it cost."""

    kind: str                 # near_duplicate | calendar | search | repeated_segments | session_id
    pattern: str
    example: str
    evidence: str
    skipped: int = 0          # URLs not fetched because of it
    fetched: int = 0          # its pages fetched before it was known


# Why a known page was not audited (findings.json `run.coverage.not_audited_by_reason`, SPEC).
COVERAGE_REASONS = ("max_pages", "time_limit", "max_depth", "robots", "blocked", "trap")


@dataclass
class Coverage:
    """How much of the site the audit read: pages audited, URLs checked, and what was left out, by reason.

    `trap` URLs are not pages (they are what a calendar or a search box makes up): they are counted,
    but do not make the audit incomplete. Every other reason is a real page left out.
    """

    audited: int = 0          # internal pages fetched and read (2xx/3xx; HTML or not)
    checked: int = 0          # URLs checked: pages (404s included), resources, external links
    not_audited_by_reason: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COVERAGE_REASONS, 0))

    @property
    def missed(self) -> int:
        """Real pages known but not audited (every reason but `trap`)."""
        return sum(n for reason, n in self.not_audited_by_reason.items() if reason != "trap")

    @property
    def complete(self) -> bool:
        return self.missed == 0

    def to_dict(self) -> dict:
        """The findings.json `run.coverage` object, exactly as SPEC shows it (`checked` is not in it)."""
        return {"complete": self.complete, "audited": self.audited,
                "not_audited": sum(self.not_audited_by_reason.values()),
                "not_audited_by_reason": dict(self.not_audited_by_reason)}


@dataclass(frozen=True)
class MissingFragment:
    """A link to `url#fragment` where the audited page `url` has no such id or name."""

    url: str
    fragment: str
    referer: str


@dataclass
class CrawlRecord:
    """What the crawl saw beyond its pages: why it ended and what it did not audit."""

    finish_reason: str = "finished"        # finished | page_limit | time_limit | interrupted
    robots_excluded: Listed = field(default_factory=Listed)
    sitemap: SitemapCoverage = field(default_factory=SitemapCoverage)
    truncated: dict[str, Truncated] = field(default_factory=dict)   # URL pattern -> refused
    pattern_cap: int | None = None
    depth_ignored: int = 0                 # links past crawl.max_depth
    # Resources (img, CSS, JS…) and links past AUDIT_RESOURCES_PER_PAGE / AUDIT_RESOURCES_MAX /
    # AUDIT_LINKS_PER_PAGE: not checked, counted (LNK018), with the pages that had the most.
    skipped: SkippedChecks = field(default_factory=SkippedChecks)
    stalled: dict[str, Stalled] = field(default_factory=dict)   # host -> given up on timeouts (LNK019)
    throttled: dict[str, Throttle] = field(default_factory=dict)    # host -> refusals
    crawl_delay: dict[str, float] = field(default_factory=dict)     # host -> robots.txt Crawl-delay honoured
    redirect_chains: list[RedirectChain] = field(default_factory=list)
    probes: dict[str, NotFoundProbe] = field(default_factory=dict)  # host -> soft-404 probe answer
    traps: dict[str, TrapReport] = field(default_factory=dict)      # crawler/traps.py key -> trap
    coverage: Coverage = field(default_factory=Coverage)
    missing_fragments: list[MissingFragment] = field(default_factory=list)
    missing_fragments_total: int = 0


@dataclass(frozen=True)
class PageCheckError:
    """A page check that crashed: on how many pages, the first of them, and the error."""

    pages: int
    url: str
    error: str
