"""Site checks: pure functions over plain values, grouped in plain lists.

Three kinds, each a plain function (its docstring's first line names it in a crash message):

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

from crawler.checks.crawl import content, coverage, documents, links, render
from crawler.checks.filing import company, icp, injected, privacy, scope
from crawler.checks.health import dns, hygiene, ipv6, tls, uptime
from crawler.checks.base import AuditContext, PageCheck, SiteCheck, run_page_checks, run_site_check

# (id, function) pairs, in the order they run. Add a check by importing its module and listing
# its functions here; nothing registers itself. A site or final check's id is a constant of its module
# (it is also the id of the result the check returns); a page check's id exists only here (it keys the
# finding counts of its module's row). The report names a row by its id's first part
# (reports/i18n.py CHECK_GROUPS; tests/test_audit_checks_list.py keeps the two in step).
SITE_CHECKS: list[tuple[str, SiteCheck]] = [
    (dns.CHECK_ID, dns.check_dns), (ipv6.CHECK_ID, ipv6.check_ipv6), (uptime.CHECK_ID, uptime.check_uptime),
    (tls.CHECK_ID, tls.check_tls), (hygiene.CHECK_ID, hygiene.check_hygiene),
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
    ("render.failed", render.check_render_failed),
    ("render.footer", render.check_script_footer),
]
FINAL_CHECKS: list[tuple[str, SiteCheck]] = [
    (links.CHAINS_CHECK_ID, links.check_redirect_chains),
    (links.FRAGMENTS_CHECK_ID, links.check_fragments),
    (coverage.ROBOTS_CHECK_ID, coverage.check_robots_excluded),
    (coverage.SITEMAP_CHECK_ID, coverage.check_sitemap),
    (coverage.CAPS_CHECK_ID, coverage.check_caps),
    (coverage.TRAPS_CHECK_ID, coverage.check_traps),
    (coverage.COVERAGE_CHECK_ID, coverage.check_coverage),
    (coverage.POLITENESS_CHECK_ID, coverage.check_throttled),
    (ipv6.PAGES_CHECK_ID, ipv6.check_ipv6_pages),
    (icp.HOMEPAGES_CHECK_ID, icp.check_homepages_seen),
    (scope.CHECK_ID, scope.check_scope),
    (company.CREDIT_CODE_CHECK_ID, company.check_company_profile),
    (privacy.POLICY_CHECK_ID, privacy.check_privacy_policies),
    (render.RENDER_CHECK_ID, render.check_rendering),
    (documents.DOCUMENTS_CHECK_ID, documents.check_documents),
]

__all__ = ["AuditContext", "PageCheck", "SiteCheck", "run_page_checks", "run_site_check",
           "SITE_CHECKS", "PAGE_CHECKS", "FINAL_CHECKS"]
