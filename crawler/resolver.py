"""One DNS setting for the whole audit: `--resolver IP[:PORT]`.

The same server answers the DNS checks (dnspython) and the crawl (a Twisted resolver that asks
dnspython), so a site can be audited before a DNS cut-over, and offline tests need no /etc/hosts.
Without `--resolver`, both use the system's resolver configuration.
"""
from __future__ import annotations

import ipaddress
from typing import Any, Sequence

import dns.exception
import dns.resolver
from twisted.internet import defer, threads
from twisted.internet.error import DNSLookupError
from twisted.internet.interfaces import IResolverSimple
from zope.interface import implementer

from rules.errors import ConfigError

Address = tuple[str, int]


def parse_resolver(value: str) -> Address:
    """`IP`, `IP:PORT`, `[IPv6]:PORT` → (ip, port); port defaults to 53."""
    text = value.strip()
    host, port = text, 53
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        if rest.startswith(":"):
            port = _port(rest[1:], value)
    elif text.count(":") == 1:
        host, _, p = text.partition(":")
        port = _port(p, value)
    try:
        ipaddress.ip_address(host)
    except ValueError:
        raise ConfigError(f"expected IP[:PORT], got {value!r}", field="--resolver") from None
    return host, port


def _port(text: str, value: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise ConfigError(f"bad port in {value!r}", field="--resolver")
    return int(text)


def dns_resolver(address: Address | None, lifetime: float = 5.0) -> dns.resolver.Resolver:
    """A dnspython resolver asking `address`, or the system's servers when it is None."""
    if address is None:
        resolver = dns.resolver.Resolver()
    else:
        resolver = dns.resolver.Resolver(configure=False)
        resolver.nameservers = [address[0]]
        resolver.port = address[1]
    resolver.lifetime = lifetime
    resolver.timeout = min(lifetime, 2.0)
    return resolver


def lookup(resolver: dns.resolver.Resolver, name: str) -> list[str]:
    """A then AAAA addresses of `name`; an IP literal is returned as is. Raises dns.exception.DNSException."""
    try:
        ipaddress.ip_address(name)
        return [name]
    except ValueError:
        pass
    found: list[str] = []
    errors: list[Exception] = []
    for rtype in ("A", "AAAA"):
        try:
            found.extend(r.to_text() for r in resolver.resolve(name, rtype))
        except dns.exception.DNSException as exc:
            errors.append(exc)
    if not found:
        raise errors[0]
    return found


@implementer(IResolverSimple)
class DnspythonResolver:
    """Scrapy's `TWISTED_DNS_RESOLVER` for `--resolver`: looks names up with dnspython in a thread."""

    def __init__(self, reactor: Any, address: Address | None, timeout: float):
        self.reactor = reactor
        self.resolver = dns_resolver(address, timeout)
        self._cache: dict[str, str] = {}

    @classmethod
    def from_crawler(cls, crawler: Any, reactor: Any) -> "DnspythonResolver":
        value = crawler.settings.get("AUDIT_RESOLVER")
        address = parse_resolver(value) if value else None
        return cls(reactor, address, crawler.settings.getfloat("DNS_TIMEOUT", 10.0))

    def install_on_reactor(self) -> None:
        self.reactor.installResolver(self)

    def getHostByName(self, name: str, timeout: Sequence[int] = ()) -> defer.Deferred:
        if name in self._cache:
            return defer.succeed(self._cache[name])
        d = threads.deferToThreadPool(self.reactor, self.reactor.getThreadPool(), self._resolve, name)
        return d

    def _resolve(self, name: str) -> str:
        try:
            addresses = lookup(self.resolver, name)
        except dns.exception.DNSException as exc:
            raise DNSLookupError(f"{name}: {exc}") from None
        # Prefer IPv4: loopback test servers and most hosting listen there first.
        address = next((a for a in addresses if ":" not in a), addresses[0])
        self._cache[name] = address
        return address
