"""Runs the real SiteSpider (with our settings, middlewares and page/final checks) in a subprocess.

A Twisted reactor cannot restart in one process, so each crawl in the tests is its own process:
`python -m tests.crawl_runner PROFILE OUT.json [RESOLVER]`. The JSON holds every Page handed on
(url, status, encoding, referer, a text excerpt), every finding, the check results and the
spider's state, so tests assert on what the audit would see. Phrase rules run too when
`rules.loader` is available.
"""
from __future__ import annotations

import dataclasses
import json
import sys
from typing import Any

from crawler.checks import FINAL_CHECKS, AuditContext, run_page_checks, run_site_check
from crawler.checks.crawl.documents import check_document
from crawler.checks.crawl.render import mark_rendered
from crawler.documents import Document
from crawler.page import Page
from crawler.profile import load_profile


class CollectingSession:
    """The part of AuditSession the pipeline uses, recording instead of storing."""

    def __init__(self, ctx: AuditContext, ruleset: Any):
        self.ctx = ctx
        self.ruleset = ruleset
        self.pages: list[dict] = []
        self.findings: list[dict] = []
        self.documents: list[dict] = []

    def process_page(self, page: Page) -> int:
        found = []
        if page.text and page.is_html:
            found.extend(self.ruleset.check_html(page.text, page.url))
        found.extend(run_page_checks(page, self.ctx))
        found = mark_rendered(page, found)
        self.pages.append({"url": page.url, "status": page.status, "depth": page.depth, "encoding": page.encoding,
                           "declared": page.declared_encoding, "referer": page.referer, "title": page.title,
                           "kind": page.kind, "text": page.text[:5000],
                           "homepage": page.is_homepage, "redirects": list(page.redirects),
                           "rendered": page.rendered, "render_error": page.render.error if page.render else ""})
        self.findings.extend(f.to_dict() for f in found)
        return len(found)

    def process_document(self, document: Document) -> int:
        found = check_document(document, self.ruleset, self.ctx)
        self.documents.append({"url": document.url, "problem": document.problem.value if document.problem else "",
                               "pages": len(document.pages), "detail": document.detail})
        self.findings.extend(f.to_dict() for f in found)
        return len(found)


def _ruleset() -> Any:
    from rules.loader import load_ruleset

    return load_ruleset(packs=["all"])


def main(argv: list[str]) -> int:
    from scrapy.crawler import AsyncCrawlerProcess

    from crawler.resolver import parse_resolver
    from crawler.settings import audit_settings, use_bundled_public_suffix_list
    from crawler.spiders.site import SiteSpider

    use_bundled_public_suffix_list()
    profile = load_profile(argv[0])
    resolver = argv[2] if len(argv) > 2 else None
    ctx = AuditContext(profile=profile, resolver=parse_resolver(resolver) if resolver else None)
    session = CollectingSession(ctx, _ruleset())
    process = AsyncCrawlerProcess(audit_settings(profile, resolver=resolver))
    crawler = process.create_crawler(SiteSpider)
    process.crawl(crawler, profile=profile, session=session)
    process.start()
    checks = []
    for check_id, fn in FINAL_CHECKS:
        outcome = run_site_check(check_id, fn, ctx)
        checks.append(outcome.result.to_dict())
        session.findings.extend(f.to_dict() for f in outcome.findings)
    state = dataclasses.asdict(ctx.crawl)
    state.pop("probes")
    out = {"pages": session.pages, "findings": session.findings, "documents": session.documents, "checks": checks,
           "state": state,
           "finish_reason": crawler.spider.finish_reason}
    with open(argv[1], "w", encoding="utf-8") as fh:
        json.dump(out, fh, ensure_ascii=False, indent=1, default=str)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
