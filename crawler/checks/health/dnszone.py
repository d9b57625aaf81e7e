"""Zone checks: at least two name servers, each authoritative over UDP and TCP, all serving the same
SOA serial; NS and MX targets are not CNAMEs; CAA present.

Name servers are asked directly: their names are resolved through the run's resolver, and they
are queried on the port of `--resolver` when one is given (so tests and the demo can place
several servers on 127.0.0.x with one port), else on 53.
"""
from __future__ import annotations

import dns.resolver

from crawler.checks.base import AuditContext
from crawler.checks.health.dnsquery import OUTCOME_TEXT, Direct, Outcome, ask, ask_direct
from crawler.checks.health.netcommon import Deadline, home_url, is_ipv6, run_bounded
from rules.model import Category, Finding, Severity

MIN_NS = 2


def _finding(rule: str, severity: Severity, zone: str, message: str, expected: str, actual: str,
             match: str | None = None) -> Finding:
    """A zone finding; `match` names the server or record, so two lame servers are two findings."""
    return Finding(rule, Category.DNS.value, severity, home_url(zone), message, where="dns",
                   expected=expected, actual=actual, match=match)


def ns_port(ctx: AuditContext) -> int:
    return ctx.resolver[1] if ctx.resolver else 53


def _server_label(ctx: AuditContext) -> str:
    from crawler.checks.health.dns import server_label

    return server_label(ctx)


def probe_server(address: str, port: int, zone: str, deadline: Deadline) -> tuple[Direct, Direct]:
    """The zone's SOA asked of one server over UDP and over TCP (at once: a silent server costs one timeout)."""
    done, _ = run_bounded([False, True], lambda tcp: ask_direct(address, port, zone, "SOA", deadline, tcp=tcp),
                          deadline, workers=2)
    answers = dict(done)
    missing = Direct(Outcome.TIMEOUT, detail="budget")
    return answers.get(False, missing), answers.get(True, missing)


def _lame_reason(answer: Direct, ctx: AuditContext) -> str | None:
    """Why an answer shows the server is not authoritative for the zone; None when it is."""
    if answer.outcome is Outcome.OK and answer.authoritative:
        return None
    if answer.outcome is Outcome.OK:
        return ctx.t("应答未设置 AA 标志（非权威）", "answer without the AA bit (not authoritative)")
    if answer.outcome in (Outcome.TIMEOUT, Outcome.ERROR):
        return ctx.t("无应答", "no answer") + (f" ({answer.detail})" if answer.detail else "")
    return ctx.t(*OUTCOME_TEXT.get(answer.outcome, OUTCOME_TEXT[Outcome.ERROR]))


def _serial(answer: Direct) -> int | None:
    if answer.outcome is not Outcome.OK or not answer.records:
        return None
    try:
        return int(answer.records[0].split()[2])
    except (IndexError, ValueError):
        return None


def zone_findings(zone: str, resolver: dns.resolver.Resolver, ctx: AuditContext, deadline: Deadline) -> list[Finding]:
    """Name-server findings for one zone apex."""
    out: list[Finding] = []
    server = _server_label(ctx)
    ns = ask(resolver, zone, "NS", deadline)
    names = sorted({r.lower().rstrip(".") for r in ns.records}) if ns.ok else []
    if len(names) < MIN_NS:
        actual = ", ".join(names) if names else ctx.t(*OUTCOME_TEXT.get(ns.outcome, OUTCOME_TEXT[Outcome.NODATA]))
        out.append(_finding("DNS020", Severity.WARNING, zone,
                            ctx.t(f"{zone} 的名称服务器少于 {MIN_NS} 个（{len(names)} 个）",
                                  f"{zone} has fewer than {MIN_NS} name servers ({len(names)})"),
                            ctx.t(f"至少 {MIN_NS} 个 NS 记录", f"at least {MIN_NS} NS records"), f"{server}: {actual}"))
    addresses: dict[str, list[str]] = {}
    for name in names:
        if ask(resolver, name, "CNAME", deadline).ok:
            out.append(_finding("DNS024", Severity.WARNING, zone,
                                ctx.t(f"{zone} 的 NS 记录 {name} 指向 CNAME（RFC 2181 不允许）",
                                      f"NS record {name} of {zone} is a CNAME (not allowed by RFC 2181)"),
                                ctx.t("NS 目标有 A/AAAA 记录", "NS target with A/AAAA records"), f"{server}: {name} CNAME",
                                match=name))
        a = ask(resolver, name, "A", deadline)
        aaaa = ask(resolver, name, "AAAA", deadline)
        found = a.records + aaaa.records
        if not found:
            out.append(_finding("DNS021", Severity.WARNING, zone,
                                ctx.t(f"名称服务器 {name} 无法解析", f"name server {name} does not resolve"),
                                ctx.t("A/AAAA 记录", "A/AAAA records"),
                                f"{server}: {ctx.t(*OUTCOME_TEXT.get(a.outcome, OUTCOME_TEXT[Outcome.ERROR]))}", match=name))
        # IPv4 first: IPv6 may be unreachable from the audit machine, which says nothing of the server.
        v4 = [x for x in found if not is_ipv6(x)]
        addresses[name] = v4 or found
    port = ns_port(ctx)
    jobs = [(name, address) for name, addrs in addresses.items() for address in addrs]
    done, _ = run_bounded(jobs, lambda job: probe_server(job[1], port, zone, deadline), deadline)
    serials: dict[str, int] = {}
    for (name, address), (udp, tcp) in done:
        reasons = []
        for proto, answer in (("UDP", udp), ("TCP", tcp)):
            reason = _lame_reason(answer, ctx)
            if reason:
                reasons.append(f"{proto}: {reason}")
        if reasons:
            out.append(_finding("DNS022", Severity.WARNING, zone,
                                ctx.t(f"名称服务器 {name}（{address}）对 {zone} 不是权威的（lame）",
                                      f"name server {name} ({address}) is lame for {zone}"),
                                ctx.t("UDP 与 TCP 均给出带 AA 标志的 SOA 应答", "an SOA answer with the AA bit over UDP and TCP"),
                                f"{address}:{port} — " + "; ".join(reasons), match=f"{name} ({address})"))
        serial = _serial(udp) if _serial(udp) is not None else _serial(tcp)
        if serial is not None:
            serials[f"{name} ({address})"] = serial
    if len(set(serials.values())) > 1:
        listing = "; ".join(f"{k}: {v}" for k, v in sorted(serials.items()))
        out.append(_finding("DNS023", Severity.WARNING, zone,
                            ctx.t(f"{zone} 各名称服务器的 SOA 序列号不一致（区域未同步）",
                                  f"the name servers of {zone} serve different SOA serials (zone not in sync)"),
                            ctx.t("所有名称服务器序列号相同", "the same serial on every name server"), listing))
    out += _mx_cname_findings(zone, resolver, ctx, deadline)
    caa = ask(resolver, zone, "CAA", deadline)
    if caa.outcome is Outcome.NODATA:
        out.append(_finding("DNS026", Severity.INFO, zone,
                            ctx.t(f"{zone} 没有 CAA 记录（任何 CA 都可为其签发证书）",
                                  f"{zone} has no CAA record (any CA may issue certificates for it)"),
                            ctx.t("CAA 记录列出允许的 CA", "a CAA record naming the allowed CAs"), f"{server}: NODATA"))
    return out


def _mx_cname_findings(zone: str, resolver: dns.resolver.Resolver, ctx: AuditContext, deadline: Deadline) -> list[Finding]:
    mx = ask(resolver, zone, "MX", deadline)
    out = []
    for record in mx.records if mx.ok else []:
        parts = record.split()
        target = parts[-1].rstrip(".") if parts else ""
        if target and ask(resolver, target, "CNAME", deadline).ok:
            out.append(_finding("DNS025", Severity.WARNING, zone,
                                ctx.t(f"{zone} 的 MX 记录 {target} 指向 CNAME（RFC 2181 不允许）",
                                      f"MX record {target} of {zone} is a CNAME (not allowed by RFC 2181)"),
                                ctx.t("MX 目标有 A/AAAA 记录", "MX target with A/AAAA records"),
                                f"{_server_label(ctx)}: {target} CNAME", match=target))
    return out
