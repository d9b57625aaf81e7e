"""Links that do not lead where they should (category `links`): broken pages, resources and external
links, hosts that block or throttle the audit, and redirect loops, long chains and HTTPS → HTTP."""
from __future__ import annotations

from typing import Iterator
from urllib.parse import urlsplit

from crawler.checks.base import AuditContext
from crawler.checks.waf import WAF_STATUSES, waf_evidence
from crawler.page import Page
from rules.model import Category, CheckOutcome, CheckResult, CheckStatus, Finding, Severity

CHAINS_CHECK_ID = "links.chains"
FRAGMENTS_CHECK_ID = "links.fragments"

REDIRECT_CHAIN_HOPS = 3     # a chain of this many redirects or more is reported
def blocked_reason(page: Page) -> str:
    """Why a response is a block rather than a broken link ("" when it is not a block).

    429 is always a rate limit; 403, 503 and the other WAF statuses count as blocks when a WAF signature
    (crawler/checks/waf.py) is in the headers or the body (a plain 403 on a missing permission is still
    a broken link).
    """
    if page.status == 429:
        after = page.headers.get("retry-after")
        return f"HTTP 429 Too Many Requests{f', Retry-After: {after}' if after else ''}"
    if page.status not in WAF_STATUSES:
        return ""
    headers = page.headers
    evidence = waf_evidence(headers, page.text)
    if evidence:
        return f"HTTP {page.status}, {evidence}"
    if page.status == 503 and "retry-after" in headers:
        return f"HTTP 503, Retry-After: {headers['retry-after']}"
    return ""


def _linked_from(page: Page, ctx: AuditContext) -> str:
    return ctx.t(f"链接来源：{page.referer or '（起始地址）'}", f"linked from {page.referer or '(start URL)'}")


def check_page_status(page: Page, ctx: AuditContext) -> Iterator[Finding]:
    """Every crawled URL answers: broken links (4xx/5xx) and URLs that could not be fetched at all."""
    kind = "" if page.kind == "page" else page.kind
    what = {"resource": ctx.t("资源", "Resource"), "external": ctx.t("外部链接", "External link")}.get(
        kind, ctx.t("链接", "Link"))
    linked_from = _linked_from(page, ctx)
    if page.status == 0:
        error = page.error
        severity = Severity.WARNING if kind == "external" else Severity.ERROR
        note_zh = note_en = ""
        if kind == "external" and ctx.resolver is not None and error.startswith("CannotResolveHostError"):
            # --resolver points every lookup at the site's own DNS server, which need not know other
            # domains: an unresolved third-party name is no evidence that the link is dead.
            severity = Severity.INFO
            note_zh, note_en = "（使用 --resolver 时外部域名可能无法解析）", " (other domains may not resolve with --resolver)"
        yield Finding(
            rule="LNK002", category=Category.LINKS.value, severity=severity, url=page.url, where="http",
            message=ctx.t(f"{what}无法访问：{error}{note_zh}", f"{what} could not be fetched: {error}{note_en}"),
            context=linked_from, expected="HTTP 200", actual=f"{error}; {linked_from}",
            suggestion=ctx.t("检查服务器与 DNS 是否正常，或删除该链接。", "Check the server and DNS, or remove the link."))
        return
    if page.status < 400:
        return
    blocked = blocked_reason(page)
    if blocked:
        yield Finding(
            rule="LNK003", category=Category.LINKS.value, severity=Severity.INFO if kind == "external"
            else Severity.WARNING, url=page.url, where="http",
            message=ctx.t(f"被限流/拦截（不是失效链接）：{blocked}",
                          f"Rate-limited or blocked (not a broken link): {blocked}"),
            context=linked_from, expected="HTTP 200", actual=f"{blocked}; {linked_from}",
            suggestion=ctx.t("在 WAF/限流策略中为审计的 User-Agent 或来源 IP 放行，或降低抓取速度（crawl.delay）。",
                             "Allow the audit's User-Agent or address in the WAF / rate limit, or crawl slower "
                             "(crawl.delay)."))
        return
    rule, message = {
        "resource": ("LNK007", ctx.t(f"资源失效：HTTP {page.status}", f"Broken resource: HTTP {page.status}")),
        "external": ("LNK008", ctx.t(f"外部链接失效：HTTP {page.status}", f"Broken external link: HTTP {page.status}")),
    }.get(kind, ("LNK001", ctx.t(f"失效链接：HTTP {page.status}", f"Broken link: HTTP {page.status}")))
    yield Finding(
        rule=rule, category=Category.LINKS.value, severity=Severity.WARNING if kind == "external" else Severity.ERROR,
        url=page.url, where="http", message=message, context=linked_from, expected="HTTP 200",
        actual=f"HTTP {page.status}; {linked_from}",
        suggestion=ctx.t("修复目标页面或更正链接。", "Restore the target page or correct the link."))


def check_redirects(page: Page, ctx: AuditContext) -> Iterator[Finding]:
    """Redirects that cost or leak: loops, chains of three hops or more, and HTTPS → HTTP downgrades."""
    hops = list(page.redirect_loop)
    linked_from = _linked_from(page, ctx)
    if page.redirect_refused:
        target = page.redirect_refused
        scheme = target.split(":", 1)[0].lower()
        yield Finding(
            rule="LNK005", category=Category.LINKS.value, severity=Severity.ERROR, url=page.url, where="http",
            message=ctx.t(f"重定向到非网页地址（{scheme}:），已拒绝跟随", f"Redirect to a non-web URL ({scheme}:), not followed"),
            context=linked_from, expected=ctx.t("重定向到 http(s) 页面", "a redirect to an http(s) page"),
            actual=f"{' → '.join([*page.redirects, page.url])} → {target[:200]}",
            suggestion=ctx.t("检查服务器、CDN 或页面 <meta refresh> 的跳转目标；此类跳转常见于被篡改的网站。",
                             "Check the redirect target in the server, CDN or <meta refresh>; such redirects are "
                             "common on tampered sites."))
    if hops:
        loop = " → ".join(hops)
        first = hops[0]
        closes = len(hops) > 1 and hops[-1] in hops[:-1]
        refresh = page.status < 300
        yield Finding(
            rule="LNK005", category=Category.LINKS.value, severity=Severity.ERROR, url=first, where="http",
            message=ctx.t(("刷新（meta refresh）循环" if refresh else "重定向循环") if closes else "重定向次数过多",
                          ("Meta refresh loop" if refresh else "Redirect loop") if closes else "Too many redirects"),
            context=linked_from, expected=ctx.t("重定向到最终页面", "redirects ending at a page"), actual=loop,
            suggestion=ctx.t("修正服务器或 CDN 的重定向规则，使其终止于一个返回 200 的页面。",
                             "Fix the server or CDN redirect rules so the chain ends at a page that answers 200."))
        return
    if not page.redirects:
        return
    chain = [*page.redirects, page.url]
    if len(page.redirects) >= REDIRECT_CHAIN_HOPS:
        yield Finding(
            rule="LNK004", category=Category.LINKS.value, severity=Severity.WARNING, url=page.redirects[0],
            where="http", message=ctx.t(f"重定向链过长：{len(page.redirects)} 次跳转",
                                        f"Long redirect chain: {len(page.redirects)} hops"),
            context=linked_from, expected=ctx.t("最多 1–2 次跳转", "at most 1–2 hops"), actual=" → ".join(chain),
            suggestion=ctx.t("让链接直接指向最终地址。", "Link to the final address directly."))
    for src, dst in zip(chain, chain[1:]):
        if urlsplit(src).scheme == "https" and urlsplit(dst).scheme == "http":
            yield Finding(
                rule="LNK006", category=Category.LINKS.value, severity=Severity.WARNING, url=src, where="http",
                message=ctx.t("HTTPS 重定向到 HTTP（降级）", "HTTPS redirects to HTTP (downgrade)"),
                context=linked_from, expected="https://…", actual=f"{src} → {dst}",
                suggestion=ctx.t("全站使用 HTTPS，重定向目标也应为 HTTPS。",
                                 "Serve the whole site over HTTPS, redirect targets included."))
            break


def check_redirect_chains(ctx: AuditContext) -> CheckOutcome:
    """Redirect chains and downgrades that ended at a page already crawled through another link."""
    found: list[Finding] = []
    for seen in ctx.crawl.redirect_chains:
        page = Page(url=seen.url, status=200, referer=seen.referer, redirects=seen.redirects)
        found.extend(check_redirects(page, ctx))
    status = CheckStatus.FAIL if found else CheckStatus.OK
    return CheckOutcome(CheckResult(CHAINS_CHECK_ID, status, ctx.t(f"{len(found)} 项发现", f"{len(found)} findings")),
                        found)


def check_fragments(ctx: AuditContext) -> CheckOutcome:
    """Links to a #fragment that the audited target page does not have (no element with that id or name)."""
    missing = ctx.crawl.missing_fragments
    total = ctx.crawl.missing_fragments_total
    findings = [Finding(
        rule="LNK015", category=Category.LINKS.value, severity=Severity.INFO, url=f"{m.url}#{m.fragment}",
        where="http",
        message=ctx.t(f"页内锚点不存在：{m.url} 中没有 id 或 name 为“{m.fragment}”的元素",
                      f"Missing anchor: {m.url} has no element with id or name “{m.fragment}”"),
        expected=f'id="{m.fragment}"', actual=ctx.t("目标页面中没有该锚点", "no such anchor on the page"),
        context=ctx.t(f"链接来源：{m.referer}", f"linked from {m.referer}"),
        suggestion=ctx.t("更正链接中的 #锚点，或在目标页面上添加对应的 id。",
                         "Correct the #fragment of the link, or add the id to the target page."))
        for m in missing]
    if not total:
        return CheckOutcome(CheckResult(FRAGMENTS_CHECK_ID, CheckStatus.OK,
                                        ctx.t("页内锚点链接均有效", "every #fragment link has its anchor")), [])
    return CheckOutcome(CheckResult(FRAGMENTS_CHECK_ID, CheckStatus.FAIL,
                                    ctx.t(f"{total} 个链接指向不存在的页内锚点", f"{total} links to a missing #fragment")),
                        findings)
