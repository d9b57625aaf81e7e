"""Shared test helpers for the health checks. Certificates for tests, made on the spot: a CA-signed set (valid, expired, expiring, wrong host)
and a self-signed one, each as an `ssl.SSLContext` a `WebServer` can serve with.
"""
from __future__ import annotations

import datetime as dt
import ssl
import tempfile
from pathlib import Path

import trustme
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


def now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class LocalCA:
    """A throwaway CA; `server_context(...)` issues a leaf for the given names and validity."""

    def __init__(self) -> None:
        self.ca = trustme.CA()
        self._dir = tempfile.TemporaryDirectory(prefix="siteaudit-ca-")
        self.bundle = Path(self._dir.name) / "ca.pem"
        self.ca.cert_pem.write_to_path(str(self.bundle))

    def server_context(self, *names: str, days_left: float = 90, days_old: float = 30,
                       minimum_version: ssl.TLSVersion | None = None) -> ssl.SSLContext:
        leaf = self.ca.issue_cert(*names, not_before=now() - dt.timedelta(days=days_old),
                                  not_after=now() + dt.timedelta(days=days_left))
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        if minimum_version is not None:
            ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
            ctx.minimum_version = minimum_version
        leaf.configure_cert(ctx)
        return ctx

    def close(self) -> None:
        self._dir.cleanup()


def self_signed_context(name: str, days_left: float = 90) -> ssl.SSLContext:
    """A server context whose leaf certificate signed itself (no CA at all)."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now() - dt.timedelta(days=1))
            .not_valid_after(now() + dt.timedelta(days=days_left))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
            .sign(key, hashes.SHA256()))
    folder = Path(tempfile.mkdtemp(prefix="siteaudit-self-"))
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(str(cert_path), str(key_path))
    return ctx


def make_ctx(start_urls: list[str], domains: list[str] | None = None, *, resolver: tuple[str, int] | None = None,
             budget_s: float = 10.0, server_ips: list[str] | None = None, lang: str = "zh", **uptime):
    """An AuditContext over a minimal profile (plus uptime settings), for the health-check tests."""
    from crawler.checks.base import AuditContext
    from crawler.profile import LicenseSection, Profile, SiteSection, UptimeSection

    profile = Profile(site=SiteSection(start_urls=start_urls, domains=domains or []),
                      license=LicenseSection(server_ips=server_ips or []),
                      uptime=UptimeSection(**{"probes": 1, "timeout": 2, "retries": 0, **uptime}))
    return AuditContext(profile=profile, resolver=resolver, budget_s=budget_s, lang=lang)


def by_rule(findings, rule: str, url_part: str = ""):
    return [f for f in findings if f.rule == rule and url_part in f.url]
