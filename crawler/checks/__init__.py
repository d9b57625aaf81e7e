"""Site checks: pure functions over plain values, grouped in plain lists.

Three kinds, each a plain function whose docstring's first line is what the report shows:

- `SITE_CHECKS`: run once per audit before the crawl, `fn(ctx: AuditContext) -> CheckOutcome`
  (DNS, uptime, TLS and web hygiene). They must respect `ctx.budget_s` and never raise:
  a crash becomes a `CheckStatus.ERROR` result (see `run_site_check`).
- `PAGE_CHECKS`: run on every fetched page, `fn(page: Page, ctx: AuditContext) -> Iterable[Finding]`
  (filing footer on homepages, injected content, privacy, scope, encoding …).
- `FINAL_CHECKS`: run once after the crawl, `fn(ctx: AuditContext) -> CheckOutcome`, over what the
  page checks and the spider left in `ctx` (`ctx.crawl`, each module's `ctx.scratch(…)`) (e.g. a declared domain whose homepage was never fetched).

Phrase rules are not here: they run in the pipeline through `rules`.
"""
from __future__ import annotations

from crawler.checks.crawl import content, coverage, links
from crawler.checks.filing import company, icp, injected, privacy, scope
from crawler.checks.health import dns, hygiene, ipv6, tls, uptime
from crawler.checks.base import AuditContext, PageCheck, SiteCheck, run_page_checks, run_site_check

# (id, function) pairs, in the order they run. Add a check by importing its module and listing
# its functions here; nothing registers itself.
SITE_CHECKS: list[tuple[str, SiteCheck]] = [
    ("dns", dns.check_dns), ("ipv6", ipv6.check_ipv6), ("uptime", uptime.check_uptime),
    ("tls", tls.check_tls), ("hygiene", hygiene.check_hygiene),
]
PAGE_CHECKS: list[tuple[str, PageCheck]] = [
    ("links.status", links.check_page_status),
    ("links.redirects", links.check_redirects),
    ("content.encoding", content.check_encoding),
    ("content.mixed", content.check_mixed_encoding),
    ("content.unreadable", content.check_unreadable),
    ("content.soft404", content.check_soft_404),
    ("content.probe", content.check_probe),
    ("content.empty", content.check_empty),
    ("ipv6.collect", ipv6.collect_level_pages),
    ("icp.footer", icp.check_homepage_filing),
    ("injected", injected.check_injected),
    ("company", company.check_company),
    ("privacy", privacy.check_privacy),
    ("scope.collect", scope.collect_scope),
]
FINAL_CHECKS: list[tuple[str, SiteCheck]] = [
    ("links.chains", links.check_redirect_chains),
    ("crawl.robots", coverage.check_robots_excluded),
    ("crawl.sitemap", coverage.check_sitemap),
    ("crawl.caps", coverage.check_caps),
    ("crawl.politeness", coverage.check_throttled),
    ("ipv6.pages", ipv6.check_ipv6_pages),
    ("icp.homepages", icp.check_homepages_seen),
    ("scope", scope.check_scope),
    ("company.credit_code", company.check_company_profile),
    ("privacy.policy", privacy.check_privacy_policies),
]

__all__ = ["AuditContext", "PageCheck", "SiteCheck", "run_page_checks", "run_site_check",
           "SITE_CHECKS", "PAGE_CHECKS", "FINAL_CHECKS"]
