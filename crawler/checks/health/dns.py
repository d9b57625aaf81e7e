"""DNS checks: every declared domain resolves, to addresses in the filing, through sane records;
each zone has at least two authoritative name servers that agree (see `dnszone`), and mail
domains publish SPF and DMARC (see `dnsmail`).

Every finding names the server asked, the answer and the expected value. Rule ids are stable:
DNS001–DNS013 names and addresses, DNS020–DNS029 zones and name servers, DNS030–DNS039 mail.
"""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

import dns.resolver

from crawler.checks.base import AuditContext
from crawler.checks.health.dnsquery import MAX_CNAME_CHAIN, OUTCOME_TEXT, Answer, Outcome, ask, cname_chain, zone_of
from crawler.checks.health.netcommon import Deadline, home_url, is_ip, run_bounded, unfinished_finding
from crawler.resolver import dns_resolver
from rules.model import Category, CheckOutcome, CheckResult, CheckStatus, Finding, Severity

CHECK_ID = "dns"

# Rule id of a declared name that does not resolve, by how it failed.
RESOLVE_RULES = {
    Outcome.NXDOMAIN: "DNS001",
    Outcome.NODATA: "DNS002",
    Outcome.SERVFAIL: "DNS003",
    Outcome.REFUSED: "DNS003",
    Outcome.TIMEOUT: "DNS004",
    Outcome.LOOP: "DNS005",
    Outcome.ERROR: "DNS007",
}
DANGLING_RULE = "DNS006"
UNDECLARED_NAME_RULE = "DNS008"   # apex or www that is not declared and does not resolve
LONG_CHAIN_RULE = "DNS009"
SERVER_IP_RULE = "DNS010"
TTL_RULE = "DNS012"
TTL_MIN_S, TTL_MAX_S = 60, 2 * 86400
BASIS_FILING = "《非经营性互联网信息服务备案管理办法》：备案信息应真实准确，变更须办理备案变更"


@dataclass
class NameReport:
    """What the resolver said about one name."""

    name: str
    a: Answer
    aaaa: Answer
    chain: list[str] = field(default_factory=list)
    chain_outcome: Outcome = Outcome.OK
    zone: str | None = None

    @property
    def addresses(self) -> list[str]:
        return self.a.records + self.aaaa.records

    @property
    def failure(self) -> Outcome | None:
        """None when the name resolves; else why not (a loop or dangling CNAME before the A answer)."""
        if self.addresses:
            return None
        if self.chain_outcome is Outcome.LOOP:
            return Outcome.LOOP
        return self.a.outcome if self.a.outcome is not Outcome.OK else Outcome.NODATA

    @property
    def dangling(self) -> bool:
        return len(self.chain) > 1 and self.chain_outcome is Outcome.NXDOMAIN


def server_label(ctx: AuditContext) -> str:
    """The DNS server asked, as a person would write it."""
    if ctx.resolver:
        return f"{ctx.resolver[0]}:{ctx.resolver[1]}"
    return ctx.t("系统解析器", "system resolver")


def resolve_name(resolver: dns.resolver.Resolver, name: str, deadline: Deadline) -> NameReport:
    a = ask(resolver, name, "A", deadline)
    if a.outcome is Outcome.TIMEOUT:  # a server that does not answer will not answer the rest either
        return NameReport(name, a, Answer(Outcome.TIMEOUT))
    aaaa = ask(resolver, name, "AAAA", deadline)
    chain, chain_outcome = cname_chain(resolver, name, deadline)
    zone = zone_of(resolver, name, deadline)
    return NameReport(name, a, aaaa, chain, chain_outcome, zone)


def resolution_findings(report: NameReport, declared: bool, ctx: AuditContext) -> list[Finding]:
    """A name that does not resolve (each failure its own wording), dangling or long CNAME chains."""
    url = home_url(report.name)
    server = server_label(ctx)
    out: list[Finding] = []
    failure = report.failure
    chain_text = " → ".join(n.rstrip(".") for n in report.chain)
    if failure is not None:
        what = ctx.t(*OUTCOME_TEXT[failure])
        rule = RESOLVE_RULES[failure]
        if report.dangling:
            rule = DANGLING_RULE
            what = ctx.t(f"CNAME 指向不存在的域名（{chain_text}）", f"the CNAME points to a name that does not exist ({chain_text})")
        elif failure is Outcome.LOOP:
            what = ctx.t(f"{what}（{chain_text}）", f"{what} ({chain_text})")
        if declared:
            out.append(Finding(rule, Category.DNS.value, Severity.ERROR, url,
                               ctx.t(f"申报域名 {report.name} 无法解析：{what}", f"declared domain {report.name} does not resolve: {what}"),
                               where="dns", expected=ctx.t("A/AAAA 记录", "A/AAAA records"),
                               actual=f"{server}: {what}", context=report.a.detail or None,
                               suggestion=ctx.t("在域名的 DNS 服务商处添加解析记录，或从申报中删除不再使用的域名。",
                                                "Add the records at the DNS provider, or remove the unused domain from the filing.")))
        else:
            out.append(Finding(UNDECLARED_NAME_RULE, Category.DNS.value, Severity.WARNING, url,
                               ctx.t(f"{report.name} 无法解析：{what}（访问者常会直接输入该域名）",
                                     f"{report.name} does not resolve: {what} (visitors often type it)"),
                               where="dns", expected=ctx.t("A/AAAA 记录，或跳转到主站", "A/AAAA records, or a redirect to the main site"),
                               actual=f"{server}: {what}"))
        return out
    if len(report.chain) - 1 > MAX_CNAME_CHAIN:
        out.append(Finding(LONG_CHAIN_RULE, Category.DNS.value, Severity.WARNING, url,
                           ctx.t(f"{report.name} 的 CNAME 链过长（{len(report.chain) - 1} 跳）",
                                 f"{report.name} has a long CNAME chain ({len(report.chain) - 1} hops)"),
                           where="dns", expected=f"≤ {MAX_CNAME_CHAIN}", actual=chain_text))
    return out


def declared_networks(server_ips: list[str]) -> tuple[list[ipaddress.IPv4Network | ipaddress.IPv6Network], list[str]]:
    """`license.server_ips` as networks (an address is a /32 or /128; CIDR ranges allowed), and the entries that are neither."""
    networks, bad = [], []
    for entry in server_ips:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError:
            bad.append(entry)
    return networks, bad


def address_findings(report: NameReport, server_ips: list[str], ctx: AuditContext) -> list[Finding]:
    """Resolved addresses not in `license.server_ips`, per address family the profile declares.

    A family the profile lists no address of is not judged: filings often list IPv4 only.
    """
    networks, _ = declared_networks(server_ips)
    families = {n.version for n in networks}
    out: list[Finding] = []
    for address in report.addresses:
        ip = ipaddress.ip_address(address)
        if ip.version not in families or any(ip in n for n in networks if n.version == ip.version):
            continue
        out.append(Finding(SERVER_IP_RULE, Category.DNS.value, Severity.ERROR, home_url(report.name),
                           ctx.t(f"{report.name} 解析到未申报的服务器地址 {address}",
                                 f"{report.name} resolves to {address}, which is not a declared server address"),
                           where="dns", match=address,
                           expected=", ".join(server_ips), actual=f"{server_label(ctx)}: {', '.join(report.addresses)}",
                           basis=BASIS_FILING,
                           suggestion=ctx.t("更换服务器或 CDN 后，应在备案系统中更新接入信息，或在 site.yaml 的 license.server_ips 中补充。",
                                            "After moving servers or adding a CDN, update the filing's hosting details (and license.server_ips).")))
    return out


def bad_server_ip_findings(server_ips: list[str], ctx: AuditContext) -> list[Finding]:
    """Entries of `license.server_ips` that are not addresses: said once, so a typo does not hide a check."""
    _, bad = declared_networks(server_ips)
    source = ctx.profile.source or "site.yaml"
    return [Finding("DNS013", Category.DNS.value, Severity.WARNING, home_url(ctx.profile.domains[0]) if ctx.profile.domains else source,
                    ctx.t(f"{source}：license.server_ips 中的 {entry!r} 不是 IP 地址或网段，已忽略",
                          f"{source}: {entry!r} in license.server_ips is not an IP address or network; ignored"),
                    where="dns", match=entry, expected="203.0.113.10 | 203.0.113.0/24 | 2001:db8::10", actual=entry)
            for entry in bad]


def ttl_findings(report: NameReport, ctx: AuditContext) -> list[Finding]:
    ttl = report.a.ttl if report.a.ok else report.aaaa.ttl
    if ttl is None or TTL_MIN_S <= ttl <= TTL_MAX_S:
        return []
    return [Finding(TTL_RULE, Category.DNS.value, Severity.INFO, home_url(report.name),
                    ctx.t(f"{report.name} 的地址记录 TTL 为 {ttl} 秒，不在常见范围内",
                          f"{report.name} address records have a TTL of {ttl} s, outside the usual range"),
                    where="dns", expected=f"{TTL_MIN_S}–{TTL_MAX_S} s", actual=f"{server_label(ctx)}: TTL {ttl}")]


def _apex_and_www(zone: str) -> list[str]:
    return [zone, f"www.{zone}"]


def check_dns(ctx: AuditContext) -> CheckOutcome:
    """域名解析、名称服务器与邮件记录（DNS）"""
    from crawler.checks.health.dnsmail import mail_findings
    from crawler.checks.health.dnszone import zone_findings

    if not ctx.dns_enabled:
        return CheckOutcome(CheckResult(CHECK_ID, CheckStatus.SKIPPED, ctx.t("已用 --no-dns 关闭", "turned off by --no-dns")))
    deadline = Deadline(ctx.budget_s)
    resolver = dns_resolver(ctx.resolver, 3.0)
    declared = [d for d in ctx.profile.domains if not is_ip(d)]   # an IP start URL has nothing to resolve
    done, late = run_bounded(declared, lambda d: resolve_name(resolver, d, deadline), deadline)
    reports = {name: report for name, report in done}
    zones = sorted({r.zone for r in reports.values() if r.zone})
    extra = [n for z in zones for n in _apex_and_www(z) if n not in reports]
    extra_done, _ = run_bounded(extra, lambda d: resolve_name(resolver, d, deadline), deadline)

    findings: list[Finding] = bad_server_ip_findings(ctx.profile.license.server_ips, ctx)
    facts: dict[str, dict] = {}
    summary: list[str] = []
    for name in declared:
        report = reports.get(name)
        if report is None:
            continue
        findings += resolution_findings(report, True, ctx)
        findings += address_findings(report, ctx.profile.license.server_ips, ctx)
        findings += ttl_findings(report, ctx)
        facts[name] = {"ips": report.addresses}
        failure = report.failure
        summary.append(f"{name} → {', '.join(report.addresses)}" if failure is None else f"{name}: {failure.value}")
    for name, report in extra_done:
        findings += resolution_findings(report, False, ctx)

    zone_done, zone_late = run_bounded(zones, lambda z: zone_findings(z, resolver, ctx, deadline)
                                       + mail_findings(z, resolver, ctx, deadline), deadline)
    for _, zone_list in zone_done:
        findings += zone_list
    for entry in late + zone_late:
        findings.append(unfinished_finding("DNS011", Category.DNS.value, "dns", entry, home_url(str(entry.item)),
                                           (f"{entry.item} 的 DNS 检查", f"DNS checks of {entry.item}"), ctx))
    status = CheckStatus.FAIL if any(f.severity is not Severity.INFO for f in findings) else CheckStatus.OK
    return CheckOutcome(CheckResult(CHECK_ID, status, "; ".join(summary),
                                    expected=ctx.t("每个申报域名都能解析，且地址均已申报", "every declared domain resolves to declared addresses"),
                                    actual=f"{server_label(ctx)}: " + "; ".join(summary)),
                        findings, facts)
