"""Pages that did not load: broken internal links and unreachable URLs (category `links`)."""
from __future__ import annotations

from typing import Iterator

from crawler.checks.base import AuditContext
from crawler.page import Page
from rules.model import Category, Finding, Severity


def check_page_status(page: Page, ctx: AuditContext) -> Iterator[Finding]:
    """Every crawled URL answers: broken links (4xx/5xx) and URLs that could not be fetched at all."""
    linked_from = page.referer or ctx.t("（起始地址）", "(start URL)")
    if page.status == 0:
        error = page.headers.get("x-siteaudit-error", "")
        yield Finding(
            rule="LNK002", category=Category.LINKS.value, severity=Severity.ERROR, url=page.url, where="http",
            message=ctx.t(f"无法访问：{error}", f"Could not be fetched: {error}"),
            context=ctx.t(f"链接来源：{linked_from}", f"linked from {linked_from}"),
            expected="HTTP 200", actual=error,
            suggestion=ctx.t("检查服务器与 DNS 是否正常，或删除该链接。", "Check the server and DNS, or remove the link."))
    elif page.status >= 400:
        yield Finding(
            rule="LNK001", category=Category.LINKS.value, severity=Severity.ERROR, url=page.url, where="http",
            message=ctx.t(f"失效链接：HTTP {page.status}", f"Broken link: HTTP {page.status}"),
            context=ctx.t(f"链接来源：{linked_from}", f"linked from {linked_from}"),
            expected="HTTP 200", actual=f"HTTP {page.status}",
            suggestion=ctx.t("修复目标页面或更正链接。", "Restore the target page or correct the link."))
