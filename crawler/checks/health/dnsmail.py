"""Mail records of a zone that receives mail (has MX): SPF present, single, within the RFC 7208 limit
of 10 DNS lookups; DMARC published at `_dmarc.<zone>`.
"""
from __future__ import annotations

import re

import dns.resolver

from crawler.checks.base import AuditContext
from crawler.checks.health.dnsquery import ask
from crawler.checks.health.netcommon import Deadline, home_url
from rules.model import Category, Finding, Severity

SPF_MAX_LOOKUPS = 10   # RFC 7208 §4.6.4
_COUNTED = {"include", "a", "mx", "ptr", "exists", "redirect"}


def _txt(resolver: dns.resolver.Resolver, name: str, deadline: Deadline) -> list[str]:
    answer = ask(resolver, name, "TXT", deadline)
    # A TXT record is one or more quoted strings, joined without spaces (RFC 7208 §3.3).
    return ["".join(part.strip('"') for part in _split_quoted(r)) for r in answer.records] if answer.ok else []


def _split_quoted(text: str) -> list[str]:
    parts, current, quoted = [], "", False
    for ch in text:
        if ch == '"':
            if quoted:
                parts.append(current)
                current = ""
            quoted = not quoted
        elif quoted:
            current += ch
    return parts or [text]


def spf_records(records: list[str]) -> list[str]:
    return [r for r in records if r.lower() == "v=spf1" or r.lower().startswith("v=spf1 ")]


def count_lookups(resolver: dns.resolver.Resolver, record: str, deadline: Deadline,
                  seen: set[str] | None = None, depth: int = 0) -> int:
    """DNS lookups an SPF record costs, includes and redirects followed (loops and depth capped)."""
    seen = seen if seen is not None else set()
    total = 0
    for term in record.split()[1:]:
        term = term.lstrip("+-~?").lower()
        mechanism = re.split(r"[:/=]", term, maxsplit=1)[0]
        if mechanism not in _COUNTED:
            continue
        name = re.split(r"[:=]", term, maxsplit=1)[1] if re.search(r"[:=]", term) else ""
        total += 1
        if (term.startswith("include:") or term.startswith("redirect=")) and name and name not in seen \
                and depth < 10 and not deadline.expired:
            seen.add(name)
            for child in spf_records(_txt(resolver, name, deadline)):
                total += count_lookups(resolver, child, deadline, seen, depth + 1)
    return total


def mail_findings(zone: str, resolver: dns.resolver.Resolver, ctx: AuditContext, deadline: Deadline) -> list[Finding]:
    """SPF and DMARC findings for `zone`, only when it has MX records."""
    mx = ask(resolver, zone, "MX", deadline)
    if not mx.ok:
        return []
    url = home_url(zone)
    out: list[Finding] = []

    def finding(rule: str, severity: Severity, zh: str, en: str, expected: str, actual: str) -> None:
        out.append(Finding(rule, Category.DNS.value, severity, url, ctx.t(zh, en), where="dns",
                           expected=expected, actual=actual))

    spf = spf_records(_txt(resolver, zone, deadline))
    if not spf:
        finding("DNS030", Severity.WARNING, f"{zone} 有 MX 记录但没有 SPF 记录，邮件易被伪造",
                f"{zone} has MX records but no SPF record; its mail is easy to spoof",
                'TXT "v=spf1 …"', ctx.t("无 SPF 记录", "no SPF record"))
    elif len(spf) > 1:
        finding("DNS032", Severity.WARNING, f"{zone} 有多条 SPF 记录（RFC 7208 规定只能有一条）",
                f"{zone} has several SPF records (RFC 7208 allows one)", ctx.t("一条 SPF 记录", "one SPF record"),
                " | ".join(spf))
    else:
        lookups = count_lookups(resolver, spf[0], deadline)
        if lookups > SPF_MAX_LOOKUPS:
            finding("DNS031", Severity.WARNING, f"{zone} 的 SPF 记录需要 {lookups} 次 DNS 查询，超过 10 次上限（permerror）",
                    f"the SPF record of {zone} needs {lookups} DNS lookups, over the limit of 10 (permerror)",
                    f"≤ {SPF_MAX_LOOKUPS}", f"{lookups}: {spf[0]}")
    dmarc = [r for r in _txt(resolver, f"_dmarc.{zone}", deadline) if r.lower().startswith("v=dmarc1")]
    if not dmarc:
        finding("DNS033", Severity.WARNING, f"{zone} 有 MX 记录但没有 DMARC 记录（_dmarc.{zone}）",
                f"{zone} has MX records but no DMARC record (_dmarc.{zone})",
                'TXT "v=DMARC1; p=…"', ctx.t("无 DMARC 记录", "no DMARC record"))
    elif "p=none" in dmarc[0].replace(" ", "").lower():
        finding("DNS034", Severity.INFO, f"{zone} 的 DMARC 策略为 p=none（只监测，不拦截）",
                f"the DMARC policy of {zone} is p=none (monitoring only)", "p=quarantine | p=reject", dmarc[0])
    return out
