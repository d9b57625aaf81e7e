"""IPv6 readiness, as China's national IPv6 monitoring platform (国家IPv6发展监测平台) scores a site:
AAAA records on every declared domain, name servers with AAAA, the homepage reachable over IPv6
(where this machine has an IPv6 route) and the same as over IPv4, and the share of level-2 and level-3 pages (one and two
links from a homepage) whose hosts have AAAA records.

Missing IPv6 is a warning, never an error: it is a readiness score, not a filing violation.
Rule ids: IPV6001–IPV6005 (category `dns`).
"""
from __future__ import annotations

import re
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Iterable

from crawler.checks.base import AuditContext
from crawler.checks.health.dnsquery import OUTCOME_TEXT, Outcome, ask, zone_of
from crawler.checks.health.netcommon import (Deadline, Target, error_text, home_url, ipv6_routable, is_ip, pinned_get, run_bounded,
                                      targets)
from crawler.page import Page
from crawler.resolver import dns_resolver
from rules.model import Category, CheckOutcome, CheckResult, CheckStatus, Finding, Severity

CHECK_ID = "ipv6"
PAGES_CHECK_ID = "ipv6.pages"



@dataclass
class PagesSeen:
    """The crawled pages the IPv6 page check needs: (url, host, depth, referer, is_homepage)."""

    pages: list[tuple[str, str, int, str, bool]] = field(default_factory=list)
LEVELS = (2, 3)                # level-2 and level-3 pages: one and two clicks from a homepage (level 1)
MIN_SHARE = 90.0               # percent of level-2/3 pages on IPv6 hosts below which we warn
REQUEST_TIMEOUT_S = 5.0
BASIS = "《推进互联网协议第六版（IPv6）规模部署行动计划》及国家IPv6发展监测平台评测指标"


def _server(ctx: AuditContext) -> str:
    from crawler.checks.health.dns import server_label

    return server_label(ctx)


def _domain_ipv6(target: Target, ctx: AuditContext, deadline: Deadline) -> tuple[list[Finding], bool | None]:
    """(findings, IPv6 fact) of one declared domain; the fact is None when the name does not resolve at all."""
    resolver = dns_resolver(ctx.resolver, 3.0)
    url = home_url(target.domain)
    aaaa = ask(resolver, target.domain, "AAAA", deadline)
    if not aaaa.ok:
        a = ask(resolver, target.domain, "A", deadline)
        if not a.ok:
            return [], None   # the DNS check reports a name that does not resolve
        what = ctx.t(*OUTCOME_TEXT.get(aaaa.outcome, OUTCOME_TEXT[Outcome.ERROR]))
        return [Finding("IPV6001", Category.DNS.value, Severity.WARNING, url,
                        ctx.t(f"{target.domain} 没有 AAAA 记录，不支持 IPv6 访问", f"{target.domain} has no AAAA record: not reachable over IPv6"),
                        where="dns", expected=ctx.t("AAAA 记录", "AAAA records"), actual=f"{_server(ctx)}: AAAA {what}",
                        basis=BASIS, suggestion=ctx.t("为域名添加 AAAA 记录（或启用支持 IPv6 的 CDN）。",
                                                       "Add AAAA records (or use a CDN with IPv6)."))], False
    address = aaaa.records[0]
    if not ipv6_routable(address) or deadline.expired:
        return [], True   # AAAA present; this machine cannot try the path itself
    v6 = _homepage(target, address, deadline)
    if v6[0] is None or v6[0] >= 500:
        return [Finding("IPV6003", Category.DNS.value, Severity.WARNING, target.url(),
                        ctx.t(f"{target.domain} 有 AAAA 记录，但首页无法通过 IPv6 访问",
                              f"{target.domain} has AAAA records but its homepage does not answer over IPv6"),
                        where="http", expected=ctx.t(f"通过 [{address}] 访问成功", f"an answer from [{address}]"),
                        actual=f"[{address}]:{target.port}: " + (v6[2] or f"HTTP {v6[0]}"), basis=BASIS)], False
    a = ask(resolver, target.domain, "A", deadline)
    if a.ok and not deadline.expired:
        v4 = _homepage(target, a.records[0], deadline)
        if v4[0] is not None and (v4[0], v4[1]) != (v6[0], v6[1]):
            return [Finding("IPV6004", Category.DNS.value, Severity.INFO, target.url(),
                            ctx.t(f"{target.domain} 通过 IPv6 与 IPv4 访问的首页不一致",
                                  f"{target.domain} serves a different homepage over IPv6 than over IPv4"),
                            where="http", expected=f"IPv4 {a.records[0]}: HTTP {v4[0]} {v4[1]!r}",
                            actual=f"IPv6 [{address}]: HTTP {v6[0]} {v6[1]!r}", basis=BASIS)], True
    return [], True


_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.I | re.S)


def _homepage(target: Target, address: str, deadline: Deadline) -> tuple[int | None, str, str]:
    """(status, <title>, error) of the homepage fetched from `address`."""
    try:
        resp = pinned_get(target.domain, address, target.scheme, target.port, "/", deadline.timeout(REQUEST_TIMEOUT_S),
                          extra_headers=target.headers)
    except Exception as exc:  # any failure over IPv6 is the finding itself
        return None, "", error_text(exc)
    match = _TITLE.search(resp.text[:20000])
    return resp.status_code, (match.group(1).strip() if match else ""), ""


def _zone_ns_ipv6(zone: str, ctx: AuditContext, deadline: Deadline) -> list[Finding]:
    resolver = dns_resolver(ctx.resolver, 3.0)
    ns = ask(resolver, zone, "NS", deadline)
    if not ns.ok:
        return []
    names = sorted({r.rstrip(".").lower() for r in ns.records})
    with_v6 = [n for n in names if ask(resolver, n, "AAAA", deadline).ok]
    if with_v6:
        return []
    return [Finding("IPV6002", Category.DNS.value, Severity.INFO, home_url(zone),
                    ctx.t(f"{zone} 的名称服务器都没有 AAAA 记录（IPv6 解析能力不计分）",
                          f"no name server of {zone} has an AAAA record (IPv6 DNS service scores zero)"),
                    where="dns", expected=ctx.t("至少一个名称服务器有 AAAA 记录", "at least one name server with AAAA"),
                    actual=f"{_server(ctx)}: {', '.join(names)}", basis=BASIS)]


def check_ipv6(ctx: AuditContext) -> CheckOutcome:
    """IPv6 支持度（AAAA 记录、IPv6 访问）"""
    if not ctx.dns_enabled:
        return CheckOutcome(CheckResult(CHECK_ID, CheckStatus.SKIPPED, ctx.t("已用 --no-dns 关闭", "turned off by --no-dns")))
    deadline = Deadline(ctx.budget_s)
    named = [t for t in targets(ctx) if not is_ip(t.domain)]
    done, _ = run_bounded(named, lambda t: _domain_ipv6(t, ctx, deadline), deadline)
    findings: list[Finding] = []
    facts: dict[str, dict] = {}
    for target, (found, fact) in done:
        findings += found
        if fact is not None:
            facts[target.domain] = {"ipv6": fact}
    resolver = dns_resolver(ctx.resolver, 3.0)
    zones = sorted({z for t in named if (z := zone_of(resolver, t.domain, deadline))})
    for _, found in run_bounded(zones, lambda z: _zone_ns_ipv6(z, ctx, deadline), deadline)[0]:
        findings += found
    ready = sorted(d for d, f in facts.items() if f["ipv6"])
    status = CheckStatus.FAIL if any(f.severity is not Severity.INFO for f in findings) else CheckStatus.OK
    actual = f"IPv6: {', '.join(ready) or '-'} ({len(ready)}/{len(facts)})"
    return CheckOutcome(CheckResult(CHECK_ID, status, actual,
                                    expected=ctx.t("每个申报域名都有 AAAA 记录并可通过 IPv6 访问",
                                                   "every declared domain has AAAA records and answers over IPv6"),
                                    actual=actual), findings, facts)


def collect_level_pages(page: Page, ctx: AuditContext) -> Iterable[Finding]:
    """PAGE_CHECK: remember each fetched page of the site (host, depth, referer, homepage?) for `check_ipv6_pages`."""
    if page.host and page.status and page.kind != "external":
        ctx.scratch(PagesSeen).pages.append((page.url, page.host, page.depth, page.referer, page.is_homepage))
    return ()


def page_levels(pages: list[tuple[str, str, int, str, bool]]) -> dict[str, int]:
    """Level of each page: 1 for a homepage, one more than the page that linked to it.

    Levels follow the links (the referer), not the crawl depth, which also counts robots.txt,
    sitemaps and redirects; without any homepage among the pages, crawl depth + 1 is used.
    """
    homes = [url for url, _, _, _, home in pages if home]
    if not homes:
        return {url: depth + 1 for url, _, depth, _, _ in pages}
    children: dict[str, list[str]] = defaultdict(list)
    for url, _, _, referer, _ in pages:
        for ref in (referer.split(", ") if referer else []):
            children[ref].append(url)
    levels = {url: 1 for url in homes}
    queue = deque(homes)
    while queue:
        parent = queue.popleft()
        for child in children.get(parent, []):
            if child not in levels:
                levels[child] = levels[parent] + 1
                queue.append(child)
    return levels


def check_ipv6_pages(ctx: AuditContext) -> CheckOutcome:
    """二、三级页面的 IPv6 支持率"""
    pages = ctx.scratch(PagesSeen).pages
    levels = page_levels(pages)
    by_level = {level: {url: host for url, host, *_ in pages if levels.get(url) == level} for level in LEVELS}
    if not ctx.dns_enabled or not any(by_level.values()):
        reason = ctx.t("没有二、三级页面", "no level-2/3 pages") if ctx.dns_enabled else ctx.t("已用 --no-dns 关闭", "turned off by --no-dns")
        return CheckOutcome(CheckResult(PAGES_CHECK_ID, CheckStatus.SKIPPED, reason))
    deadline = Deadline(ctx.budget_s)
    resolver = dns_resolver(ctx.resolver, 3.0)
    hosts = sorted({host for at_level in by_level.values() for host in at_level.values()})
    done, _ = run_bounded(hosts, lambda h: ask(resolver, h, "AAAA", deadline).ok, deadline)
    has_v6 = {host for host, ok in done if ok}
    findings: list[Finding] = []
    parts = []
    for level, at_level in by_level.items():
        if not at_level:
            continue
        good = sum(1 for host in at_level.values() if host in has_v6)
        share = round(100.0 * good / len(at_level), 1)
        parts.append(ctx.t(f"{level}级页面 {good}/{len(at_level)}（{share:g}%）",
                           f"level-{level} pages {good}/{len(at_level)} ({share:g}%)"))
        if share < MIN_SHARE:
            missing = sorted({host for host in at_level.values() if host not in has_v6})
            first = next(url for url, host in at_level.items() if host not in has_v6)
            findings.append(Finding("IPV6005", Category.DNS.value, Severity.WARNING, home_url(missing[0]),
                                    ctx.t(f"{level}级页面只有 {share:g}% 位于支持 IPv6 的主机上",
                                          f"only {share:g}% of level-{level} pages are on hosts with IPv6"),
                                    where="dns", expected=f"≥ {MIN_SHARE:g}%",
                                    actual=ctx.t(f"{good}/{len(at_level)}；无 AAAA 的主机：{', '.join(missing)}",
                                                 f"{good}/{len(at_level)}; hosts without AAAA: {', '.join(missing)}"),
                                    match=f"level-{level}", context=first, basis=BASIS))
    status = CheckStatus.FAIL if findings else CheckStatus.OK
    return CheckOutcome(CheckResult(PAGES_CHECK_ID, status, "; ".join(parts),
                                    expected=f"≥ {MIN_SHARE:g}%", actual="; ".join(parts)), findings)
