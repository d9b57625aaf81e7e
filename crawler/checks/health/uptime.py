"""Uptime probes: every declared domain, on every address it resolves to, Host and SNI kept.

Each probe records status, latency and what went wrong (`ProbeKind`). 429 and WAF blocks are
BLOCKED: the site is there but refused us, which is neither up nor down. All probes go into
`ctx.probes`; the history store keeps them and computes 1/7/30-day windows with
`uptime_percent`.
"""
from __future__ import annotations

import dataclasses
import time
from typing import Iterable

import requests

from crawler.checks.base import AuditContext, Probe, ProbeKind, up_percent
from crawler.checks.waf import WAF_STATUSES, waf_evidence
from crawler.clock import now_iso
from crawler.checks.health.netcommon import (Deadline, Target, error_text, home_url, ipv6_routable, is_ipv6, pinned_get,
                                      resolve_addresses, run_bounded, targets, unfinished_finding)
from rules.model import Category, CheckOutcome, CheckResult, CheckStatus, Finding, Severity

CHECK_ID = "uptime"


# The accounting rules, printed in the report next to the uptime figures.
ACCOUNTING_RULES_ZH = (
    "可用率 = 成功探测次数 ÷（成功 + 失败探测次数）。每次审计对每个申报域名解析出的每个地址各探测 N 次"
    "（site.yaml 的 uptime.probes；本机无路由的 IPv6 地址不探测，除非域名只有这类地址），连接该地址但保留域名作为 Host 与 TLS SNI；"
    "不校验证书（证书问题由 TLS 检查单独报告）。"
    "HTTP 2xx、3xx 与 401 计为可用（超过 uptime.slow_ms 记为“慢”，仍计为可用）；DNS 解析失败、连接失败、"
    "TLS 握手失败、超时、HTTP 5xx 及其他 4xx 计为不可用。失败的探测先重试 uptime.retries 次，重试仍失败才计为不可用。"
    "429 与 WAF 拦截（带 WAF 特征的 403/503）计为“被拦截”，不计入分子也不计入分母，且本次审计不再探测该地址。"
    "本次审计中某域名的全部探测都失败时，判定该域名不可用（错误）；部分地址或部分探测失败记为警告。"
    "历史可用率按最近 1 天、7 天、30 天内保存的全部探测计算。"
)
ACCOUNTING_RULES_EN = (
    "Uptime = successful probes / (successful + failed probes). Each audit probes every address each declared "
    "domain resolves to N times (uptime.probes in site.yaml; IPv6 addresses this machine has no route to are "
    "not probed unless the domain has no others), connecting to that address while keeping the domain as Host and TLS SNI; certificates are "
    "not verified here (the TLS check reports them). HTTP 2xx, 3xx and 401 count as up (slower than "
    "uptime.slow_ms is marked slow, still up); DNS failure, connection failure, TLS "
    "handshake failure, timeout, HTTP 5xx and other 4xx count as down. A failed probe is retried uptime.retries "
    "times and counts as down only when every retry fails. 429 and WAF blocks (403/503 with WAF signatures) are "
    "'blocked', excluded from both sides, and that address is not probed again in the run. "
    "A domain whose probes all fail in a run is down (error); some addresses or probes failing is a warning. "
    "History windows: every stored probe of the last 1, 7 and 30 days."
)

def uptime_percent(probes: Iterable[Probe]) -> float | None:
    """Share of up probes among up + down, in percent; BLOCKED excluded. None when nothing counts."""
    up = down = 0
    for probe in probes:
        counts = probe.kind.counts_as
        if counts == "up":
            up += 1
        elif counts == "down":
            down += 1
    return up_percent(up, down)


def classify_response(status: int, headers: dict[str, str], body: str, ms: int, slow_ms: int) -> ProbeKind:
    """What one HTTP answer means for uptime."""
    lower = {k.lower(): v for k, v in headers.items()}
    if status == 429:
        return ProbeKind.BLOCKED
    if status in WAF_STATUSES and waf_evidence(lower, body):
        return ProbeKind.BLOCKED
    if status < 400 or status == 401:
        return ProbeKind.SLOW if ms > slow_ms else ProbeKind.OK
    return ProbeKind.HTTP_ERROR


def _error_kind(exc: BaseException) -> ProbeKind:
    if isinstance(exc, (requests.exceptions.Timeout,)):
        return ProbeKind.TIMEOUT
    if isinstance(exc, requests.exceptions.SSLError):
        return ProbeKind.TLS
    text = str(exc).lower()
    if "timed out" in text:
        return ProbeKind.TIMEOUT
    if "ssl" in text or "tls" in text or "certificate" in text:
        return ProbeKind.TLS
    return ProbeKind.CONNECT


def probe_once(target: Target, address: str, timeout: float, slow_ms: int) -> Probe:
    """One request to `address` for `target.domain`; never raises."""
    url = target.url()
    at = now_iso()
    started = time.monotonic()
    try:
        resp = pinned_get(target.domain, address, target.scheme, target.port, "/", timeout,
                          extra_headers=target.headers)
    except requests.exceptions.RequestException as exc:
        return Probe(target.domain, url, _error_kind(exc), at, address, None,
                     int((time.monotonic() - started) * 1000), error_text(exc))
    except Exception as exc:  # a malformed answer must still be a probe, not a crash
        return Probe(target.domain, url, ProbeKind.CONNECT, at, address, None, None, error_text(exc))
    ms = int(resp.elapsed.total_seconds() * 1000)
    body = resp.text[:4096] if resp.status_code >= 400 else ""
    kind = classify_response(resp.status_code, dict(resp.headers), body, ms, slow_ms)
    error = ""
    if kind is ProbeKind.BLOCKED and resp.headers.get("Retry-After"):
        error = f"Retry-After: {resp.headers['Retry-After']}"
    elif kind is ProbeKind.HTTP_ERROR:
        error = f"HTTP {resp.status_code}"
    return Probe(target.domain, url, kind, at, address, resp.status_code, ms, error)


def probe_target(target: Target, ctx: AuditContext, deadline: Deadline) -> tuple[list[Probe], list[str], str]:
    """All probes of one domain: (probes, addresses, DNS error text or "")."""
    cfg = ctx.profile.uptime
    addresses, dns_error = resolve_addresses(ctx, target.domain, deadline)
    probes: list[Probe] = []
    # An IPv6 address this machine has no route to says nothing about the site: it is not probed.
    reachable = [a for a in addresses if not is_ipv6(a) or ipv6_routable(a)] or addresses
    if not addresses:
        for _ in range(cfg.probes):
            probes.append(Probe(target.domain, target.url(), ProbeKind.DNS_FAILURE, now_iso(), "", None, None,
                                f"DNS: {dns_error}"))
        return probes, [], dns_error
    blocked: set[str] = set()
    for _ in range(cfg.probes):
        for address in reachable:
            if address in blocked:
                continue   # asked to back off (429 / WAF): probing again would only be blocked again
            if deadline.expired:
                return probes, addresses, ""
            probe = probe_once(target, address, deadline.timeout(cfg.timeout), cfg.slow_ms)
            attempts = 1
            while probe.kind.counts_as == "down" and attempts <= cfg.retries and not deadline.expired:
                probe = probe_once(target, address, deadline.timeout(cfg.timeout), cfg.slow_ms)
                attempts += 1
            if attempts > 1 and probe.kind.counts_as == "down":
                probe = dataclasses.replace(probe, error=f"{probe.error} ({attempts} attempts)")
            probes.append(probe)
            if probe.kind is ProbeKind.BLOCKED:
                blocked.add(address)
    return probes, addresses, ""


def check_uptime(ctx: AuditContext) -> CheckOutcome:
    """每个申报域名都能访问（可用性探测）"""
    if not ctx.uptime_enabled:
        return CheckOutcome(CheckResult(CHECK_ID, CheckStatus.SKIPPED, ctx.t("已用 --no-uptime 关闭", "turned off by --no-uptime")))
    deadline = Deadline(ctx.budget_s)
    done, late = run_bounded(targets(ctx), lambda t: probe_target(t, ctx, deadline), deadline)
    all_probes: list[Probe] = []
    findings: list[Finding] = []
    facts: dict[str, dict] = {}
    summary: list[str] = []
    for target, (probes, addresses, dns_error) in done:
        all_probes.extend(probes)
        pct = uptime_percent(probes)
        facts[target.domain] = {"uptime": pct}
        if not ctx.dns_enabled:   # the DNS check records the addresses when it runs
            facts[target.domain]["ips"] = addresses
        summary.append(f"{target.domain} {'-' if pct is None else f'{pct:g}%'}")
        findings.extend(judge_domain(target, probes, addresses, dns_error, ctx))
    for entry in late:
        target = entry.item
        findings.append(unfinished_finding("UPT005", Category.UPTIME.value, "http", entry, home_url(target.domain),
                                           ("可用性探测", "uptime probes"), ctx))
    ctx.probes.extend(all_probes)
    status = CheckStatus.FAIL if any(f.severity is not Severity.INFO for f in findings) else CheckStatus.OK
    return CheckOutcome(CheckResult(CHECK_ID, status, "; ".join(summary),
                                    expected=ctx.t("所有域名可访问", "every domain answers"),
                                    actual=ctx.t(f"{len(all_probes)} 次探测", f"{len(all_probes)} probes")),
                        findings, facts)


def _evidence(probes: list[Probe]) -> str:
    """What the probes saw, identical outcomes counted once: `127.0.0.9: connect [Errno 111] … ×3`."""
    seen: dict[str, int] = {}
    for p in probes:
        what = f"HTTP {p.status}" if p.status is not None else p.kind.value
        err = f" {p.error}" if p.error and p.status is None else ""
        seen[f"{p.address or '-'}: {what}{err}"] = seen.get(f"{p.address or '-'}: {what}{err}", 0) + 1
    return "; ".join(f"{text} ×{n}" if n > 1 else text for text, n in list(seen.items())[:6])


def judge_domain(target: Target, probes: list[Probe], addresses: list[str], dns_error: str,
                 ctx: AuditContext) -> list[Finding]:
    """Findings for one domain's probes: down (error), some addresses or probes down, blocked, slow."""
    url = target.url()
    out: list[Finding] = []
    up = [p for p in probes if p.kind.counts_as == "up"]
    down = [p for p in probes if p.kind.counts_as == "down"]
    blocked = [p for p in probes if p.kind is ProbeKind.BLOCKED]
    expected = ctx.t(f"{url} 返回 2xx/3xx", f"{url} answers 2xx/3xx")
    if not probes:
        return out
    if not up and down:
        kinds = ", ".join(sorted({p.kind.value for p in down}))
        zh = f"域名 {target.domain} 无法访问（{len(down)} 次探测全部失败：{kinds}）"
        en = f"{target.domain} is down ({len(down)} of {len(down)} probes failed: {kinds})"
        out.append(Finding("UPT001", Category.UPTIME.value, Severity.ERROR, url, ctx.t(zh, en), where="http",
                           expected=expected, actual=_evidence(down),
                           suggestion=ctx.t("检查服务器、防火墙与解析记录；申报域名必须可访问，否则年检可能不通过。",
                                            "Check the server, firewall and DNS records; every declared domain must answer.")))
    elif down:
        bad_addresses = sorted({p.address for p in down} - {p.address for p in up})
        if bad_addresses:
            zh = f"域名 {target.domain} 的部分地址无法访问：{', '.join(bad_addresses)}"
            en = f"{target.domain} does not answer on some addresses: {', '.join(bad_addresses)}"
        else:
            zh = f"域名 {target.domain} 间歇性不可用（{len(down)}/{len(up) + len(down)} 次探测失败）"
            en = f"{target.domain} fails intermittently ({len(down)} of {len(up) + len(down)} probes failed)"
        out.append(Finding("UPT002", Category.UPTIME.value, Severity.WARNING, url, ctx.t(zh, en), where="http",
                           expected=expected, actual=_evidence(down)))
    if blocked:
        retry = next((p.error for p in blocked if p.error), "")
        zh = f"域名 {target.domain} 拦截了探测（HTTP {blocked[0].status}，{len(blocked)} 次；不计入可用率）"
        en = f"{target.domain} blocked the probes (HTTP {blocked[0].status}, {len(blocked)} times; excluded from uptime)"
        out.append(Finding("UPT003", Category.UPTIME.value, Severity.INFO, url, ctx.t(zh, en), where="http",
                           expected=expected, actual=_evidence(blocked) + (f" ({retry})" if retry else ""),
                           suggestion=ctx.t("如为 WAF/限流，请将审计出口加入白名单后复查。",
                                            "If a WAF or rate limit blocked us, allow-list the audit and re-run.")))
    slow = [p for p in up if p.kind is ProbeKind.SLOW]
    if slow:
        worst = max(p.ms or 0 for p in slow)
        limit = ctx.profile.uptime.slow_ms
        out.append(Finding("UPT004", Category.UPTIME.value, Severity.WARNING, url,
                           ctx.t(f"域名 {target.domain} 响应缓慢（最慢 {worst} ms）", f"{target.domain} is slow (up to {worst} ms)"),
                           where="http", expected=f"≤ {limit} ms", actual=_evidence(slow)))
    return out
