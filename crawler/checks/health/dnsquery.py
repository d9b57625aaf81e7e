"""Low-level DNS questions the DNS checks ask, each answered as a plain `Answer` that keeps the kinds
of failure apart (NXDOMAIN, NODATA, SERVFAIL, REFUSED, timeout) instead of raising.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field

import dns.exception
import dns.flags
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import dns.resolver

from crawler.checks.health.netcommon import Deadline

MAX_CNAME_CHAIN = 8   # longer chains are legal but slow and fragile


class Outcome(str, enum.Enum):
    """How a DNS question ended."""

    OK = "ok"
    NXDOMAIN = "nxdomain"
    NODATA = "nodata"
    SERVFAIL = "servfail"
    REFUSED = "refused"
    TIMEOUT = "timeout"
    LOOP = "cname-loop"
    ERROR = "error"


# (zh, en) wording of each failure, for messages.
OUTCOME_TEXT = {
    Outcome.NXDOMAIN: ("域名不存在（NXDOMAIN）", "the name does not exist (NXDOMAIN)"),
    Outcome.NODATA: ("域名存在但没有地址记录（NODATA）", "the name exists but has no address records (NODATA)"),
    Outcome.SERVFAIL: ("DNS 服务器解析失败（SERVFAIL）", "the DNS server failed (SERVFAIL)"),
    Outcome.REFUSED: ("DNS 服务器拒绝查询（REFUSED）", "the DNS server refused the query (REFUSED)"),
    Outcome.TIMEOUT: ("DNS 查询超时", "the DNS query timed out"),
    Outcome.LOOP: ("CNAME 链形成循环", "the CNAME chain loops"),
    Outcome.ERROR: ("DNS 查询出错", "the DNS query failed"),
}


@dataclass
class Answer:
    """The records of one question (as text), their TTL, and how the question ended."""

    outcome: Outcome
    records: list[str] = field(default_factory=list)
    ttl: int | None = None
    detail: str = ""
    owner: str = ""              # the name the final records belong to (after CNAMEs)

    @property
    def ok(self) -> bool:
        return self.outcome is Outcome.OK and bool(self.records)


def ask(resolver: dns.resolver.Resolver, name: str, rtype: str, deadline: Deadline) -> Answer:
    """`rtype` records of `name` through the resolver (CNAMEs followed); failures kept apart."""
    try:
        answer = resolver.resolve(name, rtype, raise_on_no_answer=True, lifetime=deadline.timeout(3.0))
    except dns.resolver.NXDOMAIN:
        return Answer(Outcome.NXDOMAIN)
    except dns.resolver.NoAnswer:
        return Answer(Outcome.NODATA)
    except dns.resolver.NoNameservers as exc:
        text = str(exc)
        if "CNAME chain" in text:
            return Answer(Outcome.LOOP, detail=text)
        if "REFUSED" in text:
            return Answer(Outcome.REFUSED, detail=text)
        return Answer(Outcome.SERVFAIL, detail=text)
    except dns.exception.Timeout as exc:
        return Answer(Outcome.TIMEOUT, detail=str(exc))
    except dns.exception.DNSException as exc:
        return Answer(Outcome.ERROR, detail=f"{type(exc).__name__}: {exc}")
    rrset = answer.rrset
    if rrset is None:
        return Answer(Outcome.NODATA)
    return Answer(Outcome.OK, [r.to_text() for r in rrset], rrset.ttl, owner=rrset.name.to_text().lower())


def cname_chain(resolver: dns.resolver.Resolver, name: str, deadline: Deadline) -> tuple[list[str], Outcome]:
    """Follow CNAMEs from `name` one hop at a time: (chain of names, OK | LOOP | NXDOMAIN | ...).

    The chain starts with `name`; OK means it ends at a name without a CNAME that exists.
    """
    chain = [_fqdn(name)]
    while len(chain) <= MAX_CNAME_CHAIN * 2:
        step = ask(resolver, chain[-1], "CNAME", deadline)
        if step.outcome is Outcome.NODATA:
            return chain, Outcome.OK
        if not step.ok:
            # NXDOMAIN on the first name is a resolution problem, on a later one a dangling CNAME.
            return chain, step.outcome
        target = _fqdn(step.records[0])
        if target in chain:
            return chain + [target], Outcome.LOOP
        chain.append(target)
    return chain, Outcome.LOOP


@dataclass
class Direct:
    """One question asked straight to one server over one transport."""

    outcome: Outcome
    authoritative: bool = False
    records: list[str] = field(default_factory=list)
    detail: str = ""


def ask_direct(server: str, port: int, name: str, rtype: str, deadline: Deadline, tcp: bool,
               timeout: float = 1.5) -> Direct:
    """Ask `server` directly (no recursion), over UDP or TCP."""
    query = dns.message.make_query(name, rtype)
    query.flags &= ~dns.flags.RD
    try:
        if tcp:
            resp = dns.query.tcp(query, server, timeout=deadline.timeout(timeout), port=port)
        else:
            resp = dns.query.udp(query, server, timeout=deadline.timeout(timeout), port=port,
                                 ignore_unexpected=True)
    except dns.exception.Timeout:
        return Direct(Outcome.TIMEOUT, detail="timeout")
    except (OSError, EOFError, dns.exception.DNSException) as exc:
        return Direct(Outcome.ERROR, detail=f"{type(exc).__name__}: {exc}")
    rcode = resp.rcode()
    aa = bool(resp.flags & dns.flags.AA)
    if rcode == dns.rcode.REFUSED:
        return Direct(Outcome.REFUSED, aa)
    if rcode == dns.rcode.SERVFAIL:
        return Direct(Outcome.SERVFAIL, aa)
    if rcode == dns.rcode.NXDOMAIN:
        return Direct(Outcome.NXDOMAIN, aa)
    wanted = dns.rdatatype.from_text(rtype)
    records = [r.to_text() for rr in resp.answer if rr.rdtype == wanted for r in rr]
    return Direct(Outcome.OK if records else Outcome.NODATA, aa, records)


def _fqdn(name: str) -> str:
    name = name.lower()
    return name if name.endswith(".") else name + "."


def zone_of(resolver: dns.resolver.Resolver, name: str, deadline: Deadline) -> str | None:
    """The zone apex `name` lives in (where the SOA is), without a trailing dot; None when unknown."""
    labels = _fqdn(name).rstrip(".").split(".")
    for i in range(len(labels) - 1):
        candidate = ".".join(labels[i:])
        soa = ask(resolver, candidate, "SOA", deadline)
        if soa.ok and soa.owner.rstrip(".") == candidate:   # not an SOA reached through a CNAME
            return candidate
        if deadline.expired:
            return None
    return None
