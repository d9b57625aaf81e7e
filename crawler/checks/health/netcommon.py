"""What the site-health checks share: a time budget, per-domain URLs, a thread pool bounded by the
budget, and an HTTP session that connects to one chosen address while keeping the hostname.

The health checks (dns, ipv6, uptime, tls, hygiene) are pure functions over `AuditContext`; this
module keeps their plumbing in one place so each check file reads as the rules it applies.
"""
from __future__ import annotations

import functools
import ipaddress
import logging
import os
import re
import socket
import ssl
import time
import warnings
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Callable, Iterable, TypeVar
from urllib.parse import urlsplit

import dns.exception
import dns.resolver
import requests
import urllib3

from crawler.checks.base import AuditContext
from crawler.netdeadline import BoundedAdapter, bounded_request, bounded_session, stopping
from crawler.profile import site_request_headers
from crawler.resolver import dns_resolver, lookup
from rules.model import Finding, Severity

logger = logging.getLogger(__name__)
# Probes skip certificate verification on purpose (the TLS check judges certificates).
warnings.filterwarnings("ignore", category=urllib3.exceptions.InsecureRequestWarning)

T = TypeVar("T")
R = TypeVar("R")

# Per-domain work runs in a small pool: the machine (and the site) should not see a burst.
POOL_WORKERS = 4
USER_AGENT = "siteaudit/0.1 (site self-audit; health probe)"
MAX_BODY_BYTES = 512 * 1024   # the checks read headers, titles and short bodies; never a whole download


class Deadline:
    """A point in time a check must finish by; hands out timeouts that never pass it."""

    def __init__(self, seconds: float):
        self.end = time.monotonic() + max(0.0, seconds)

    @property
    def left(self) -> float:
        if stopping():   # the audit was interrupted: no check starts anything new
            return 0.0
        return max(0.0, self.end - time.monotonic())

    @property
    def expired(self) -> bool:
        return self.left <= 0.05

    def timeout(self, wanted: float) -> float:
        """`wanted` seconds, or what is left of the budget when that is less (never below 0.05 s)."""
        return max(0.05, min(wanted, self.left))


@dataclass(frozen=True)
class Unfinished:
    """An item `run_bounded` has no result for: over the budget (reason "") or crashed (the error)."""

    item: object
    reason: str = ""


def run_bounded(items: Iterable[T], fn: Callable[[T], R], deadline: Deadline,
                workers: int = POOL_WORKERS) -> tuple[list[tuple[T, R]], list[Unfinished]]:
    """`fn` over `items` in a small pool until the deadline: (finished pairs in input order, unfinished items).

    Threads still running at the deadline are abandoned (they end on their own short timeouts),
    so a server that never answers cannot hold the audit; an item whose `fn` raised is logged
    and returned as unfinished with its error, so one odd domain cannot cost the others.
    """
    items = list(items)
    if not items:
        return [], []
    pool = ThreadPoolExecutor(max_workers=min(workers, len(items)), thread_name_prefix="health")
    futures = [pool.submit(fn, item) for item in items]
    wait(futures, timeout=deadline.left + 0.5)
    pool.shutdown(wait=False, cancel_futures=True)
    done: list[tuple[T, R]] = []
    late: list[Unfinished] = []
    for item, future in zip(items, futures):
        if not future.done() or future.cancelled():
            late.append(Unfinished(item))
        elif future.exception() is not None:
            exc = future.exception()
            logger.error("health check of %s crashed", item, exc_info=exc)
            late.append(Unfinished(item, f"{type(exc).__name__}: {exc}"))
        else:
            done.append((item, future.result()))
    return done, late


def unfinished_finding(rule: str, category: str, where: str, entry: Unfinished, url: str,
                       what: tuple[str, str], ctx: AuditContext) -> Finding:
    """An info finding for a domain whose check did not finish: over the budget, or the check's own error."""
    zh, en = what
    if entry.reason:
        message = ctx.t(f"{zh}出错，未能完成：{entry.reason}", f"{en} failed: {entry.reason}")
        actual = entry.reason
    else:
        message = ctx.t(f"{zh}未在 {ctx.budget_s:g} 秒预算内完成", f"{en} did not finish within the {ctx.budget_s:g} s budget")
        actual = ctx.t("超出时间预算", "budget exceeded")
    return Finding(rule, category, Severity.INFO, url, message, where=where,
                   expected=ctx.t("检查完成", "checks finished"), actual=actual)


@dataclass(frozen=True)
class Target:
    """Where a declared domain is probed: scheme and port come from the start URLs."""

    domain: str
    scheme: str
    port: int
    # The profile's staging access (headers, cookies, User-Agent, basic auth) as (name, value) pairs.
    headers: tuple[tuple[str, str], ...] = ()

    @property
    def default_port(self) -> bool:
        return self.port == (443 if self.scheme == "https" else 80)

    def url(self, path: str = "/", scheme: str | None = None, port: int | None = None) -> str:
        scheme = scheme or self.scheme
        port = self.port if port is None else port
        default = port == (443 if scheme == "https" else 80)
        return f"{scheme}://{self.domain}{'' if default else f':{port}'}{path}"


def _scheme_port(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    scheme = parts.scheme or "https"
    return scheme, parts.port or (443 if scheme == "https" else 80)


def targets(ctx: AuditContext) -> list[Target]:
    """One target per declared domain: scheme/port of a start URL on that host, else of the first one."""
    starts = ctx.profile.site.start_urls
    first = _scheme_port(starts[0]) if starts else ("https", 443)
    headers = tuple(site_request_headers(ctx.profile).items())
    out = []
    for domain in ctx.profile.domains:
        own = [u for u in starts if (urlsplit(u).hostname or "").lower() == domain]
        scheme, port = _scheme_port(own[0]) if own else first
        out.append(Target(domain, scheme, port, headers))
    return out


def ports_for(ctx: AuditContext, domain: str) -> dict[str, int]:
    """scheme -> port of every start URL on `domain` (both http and https when both are given)."""
    found: dict[str, int] = {}
    for u in ctx.profile.site.start_urls:
        if (urlsplit(u).hostname or "").lower() == domain:
            scheme, port = _scheme_port(u)
            found.setdefault(scheme, port)
    return found


def home_url(domain: str) -> str:
    """The url findings about a whole domain carry."""
    return f"https://{domain}/"


def resolver_for(ctx: AuditContext, deadline: Deadline, lifetime: float = 3.0) -> dns.resolver.Resolver:
    return dns_resolver(ctx.resolver, deadline.timeout(lifetime))


def resolve_addresses(ctx: AuditContext, domain: str, deadline: Deadline) -> tuple[list[str], str]:
    """(addresses, "") or ([], error text) for `domain`, through --resolver or the system resolver."""
    try:
        return lookup(resolver_for(ctx, deadline), domain), ""
    except dns.resolver.NXDOMAIN:
        return [], "NXDOMAIN"
    except dns.resolver.NoAnswer:
        return [], "NODATA"
    except dns.resolver.NoNameservers as exc:
        return [], f"SERVFAIL ({exc})"
    except dns.exception.Timeout:
        return [], "timeout"
    except dns.exception.DNSException as exc:
        return [], f"{type(exc).__name__}: {exc}"


def is_ip(name: str) -> bool:
    """True for an IP literal (a start URL may name an address instead of a domain)."""
    try:
        ipaddress.ip_address(name)
        return True
    except ValueError:
        return False


def ipv6_routable(address: str) -> bool:
    """True when this machine has a route to IPv6 `address` (a UDP connect sends nothing)."""
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as sock:
            sock.connect((address, 9))
        return True
    except OSError:   # ENETUNREACH, EADDRNOTAVAIL, EAFNOSUPPORT: no IPv6 path from here
        return False


def candidate_addresses(addresses: list[str]) -> list[str]:
    """Addresses to try in order: IPv4 first, then IPv6 this machine can route to (the uptime check probes all)."""
    v4 = [a for a in addresses if not is_ipv6(a)]
    v6 = [a for a in addresses if is_ipv6(a) and ipv6_routable(a)]
    return v4 + v6 or addresses


_ERRNO = re.compile(r"\[Errno -?\d+\] [^'\")]+")


def error_text(exc: BaseException) -> str:
    """A short, readable reason from a network exception (urllib3 nests the cause several times)."""
    text = str(exc)
    errno_match = _ERRNO.search(text)
    if errno_match:
        text = errno_match.group(0).strip()
    elif "timed out" in text.lower():
        text = "timed out"
    else:
        caused = re.search(r"\(Caused by \w+\((.*)\)\)\s*$", text)
        if caused:
            text = caused.group(1)
    return f"{type(exc).__name__}: {text}"[:300]


def is_ipv6(address: str) -> bool:
    try:
        return ipaddress.ip_address(address).version == 6
    except ValueError:
        return False


def ca_bundles() -> list[str]:
    """Extra CA bundles the run trusts besides the system store: REQUESTS_CA_BUNDLE and SSL_CERT_FILE."""
    found: list[str] = []
    for name in ("REQUESTS_CA_BUNDLE", "SSL_CERT_FILE"):
        value = os.environ.get(name)
        if value and os.path.isfile(value) and value not in found:
            found.append(value)
    return found


@functools.lru_cache(maxsize=1)
def _no_verify_context() -> ssl.SSLContext:
    """One shared client context that does not verify: loading the CA store per request costs ~0.1 s."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


class PinnedAdapter(BoundedAdapter):
    """Connects to the URL's host (an IP address) while sending `server_hostname` as TLS SNI.

    The Host header is set by the caller; certificates are not verified here (the TLS check judges
    them), so an untrusted certificate does not make a working site look down.
    """

    def __init__(self, server_hostname: str, **kwargs):
        self.server_hostname = server_hostname
        super().__init__(max_retries=0, **kwargs)

    def init_poolmanager(self, connections, maxsize, block=False, **pool_kwargs):
        pool_kwargs["server_hostname"] = self.server_hostname
        pool_kwargs["assert_hostname"] = False
        pool_kwargs["ssl_context"] = _no_verify_context()
        super().init_poolmanager(connections, maxsize, block=block, **pool_kwargs)   # bounded pools (netdeadline)


def address_url(target_scheme: str, address: str, port: int, path: str = "/") -> str:
    host = f"[{address}]" if is_ipv6(address) else address
    return f"{target_scheme}://{host}:{port}{path}"


def pinned_get(domain: str, address: str, scheme: str, port: int, path: str, timeout: float,
               method: str = "GET", extra_headers: Iterable[tuple[str, str]] = ()) -> requests.Response:
    """One request to `address` with Host/SNI `domain`; redirects are not followed. Raises requests errors.

    `extra_headers` (a Target's `headers`) are sent too and may replace our User-Agent.

    `timeout` bounds the whole exchange, headers and body included (`netdeadline.Deadline` cuts
    the connection when it is up): at most `MAX_BODY_BYTES` are read, so a host that trickles an
    endless body, or its headers, one byte a second cannot hold the check past its budget.
    """
    # No proxies (the audit asks the site itself); connections obey the total deadline below.
    session = bounded_session(PinnedAdapter(domain))
    default = port == (443 if scheme == "https" else 80)
    headers = {"Host": domain if default else f"{domain}:{port}", "User-Agent": USER_AGENT,
               "Accept": "text/html,*/*;q=0.5"}
    headers.update(extra_headers)
    try:
        return bounded_request(session, method, address_url(scheme, address, port, path), timeout=timeout,
                               max_bytes=MAX_BODY_BYTES, headers=headers, verify=False, allow_redirects=False)
    finally:
        session.close()
