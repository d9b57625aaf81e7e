"""TLS checks on every declared domain served over HTTPS: the earliest notAfter in the served chain,
hostname match, trust (self-signed or unknown issuer), and old protocol versions still offered.

The connection goes to the address the run's resolver gives, with the domain as SNI. Trust is
judged against the system store, or REQUESTS_CA_BUNDLE / SSL_CERT_FILE when set (a company CA, or
the certificates of a test harness). Rule ids: TLS001–TLS012.
"""
from __future__ import annotations

import datetime as dt
import functools
import ipaddress
import socket
import ssl
from dataclasses import dataclass, field

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509.oid import NameOID

from crawler.checks.base import AuditContext
from crawler.netdeadline import SocketDeadline, cut_short, watch
from crawler.checks.health.netcommon import (Deadline, Target, ca_bundles, candidate_addresses, home_url, is_ip, is_ipv6, ports_for,
                                      resolve_addresses, run_bounded, targets, unfinished_finding)
from rules.model import Category, CheckOutcome, CheckResult, CheckStatus, Finding, Severity

CHECK_ID = "tls"

WARN_DAYS = 21
ERROR_DAYS = 7
HANDSHAKE_TIMEOUT_S = 5.0
# CA/Browser Forum ballot SC-081: public TLS certificates issued from 2026-03-15 last at most 200 days.
MAX_LIFETIME_FROM = dt.datetime(2026, 3, 15, tzinfo=dt.timezone.utc)
MAX_LIFETIME_DAYS = 200
# OpenSSL verify codes that mean "the chain does not lead to a CA we trust".
_UNTRUSTED_CODES = {2, 18, 19, 20, 21, 27}
_OLD_PROTOCOLS = (("TLS 1.0", ssl.TLSVersion.TLSv1), ("TLS 1.1", ssl.TLSVersion.TLSv1_1))


@dataclass
class Served:
    """What one HTTPS endpoint served."""

    address: str
    chain: list[x509.Certificate] = field(default_factory=list)
    protocol: str = ""
    error_kind: str = ""          # connect | timeout | reset | tls | parse
    error: str = ""


def _within_timeout(fn):
    """Run a probe under a total deadline of its `timeout` argument: socket timeouts only bound each
    read, and a server that drip-feeds its handshake would hold the check for ever."""
    @functools.wraps(fn)
    def run(*args, **kwargs):
        timeout = kwargs["timeout"] if "timeout" in kwargs else args[-1]
        with SocketDeadline(timeout):
            return fn(*args, **kwargs)
    return run


def _connect(address: str, port: int, timeout: float) -> socket.socket:
    family = socket.AF_INET6 if is_ipv6(address) else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    watch(sock)   # the total deadline of the caller's `Deadline` (a drip-fed handshake)
    try:
        sock.connect((address, port))
    except BaseException:
        sock.close()
        raise
    return sock


def _classify(exc: BaseException) -> str:
    if isinstance(exc, (socket.timeout, TimeoutError)) or cut_short():
        return "timeout"
    if isinstance(exc, ConnectionResetError) or "reset" in str(exc).lower() or isinstance(exc, ssl.SSLEOFError):
        return "reset"
    if isinstance(exc, ssl.SSLError):
        return "tls"
    return "connect"


@_within_timeout
def fetch_chain(domain: str, address: str, port: int, timeout: float) -> Served:
    """The certificate chain `address:port` serves for SNI `domain`, without judging it."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    try:
        sock = _connect(address, port, timeout)
    except OSError as exc:
        return Served(address, error_kind=_classify(exc), error=f"{type(exc).__name__}: {exc}")
    try:
        with context.wrap_socket(sock, server_hostname=domain) as tls:
            ders = _chain_der(tls)
            protocol = tls.version() or ""
    except (OSError, ssl.SSLError) as exc:
        sock.close()
        return Served(address, error_kind=_classify(exc), error=f"{type(exc).__name__}: {exc}")
    return served_from_der(address, ders, protocol)


def served_from_der(address: str, ders: list[bytes], protocol: str = "") -> Served:
    """Parse a served chain (DER, leaf first); a certificate that cannot be parsed is kind `parse`."""
    try:
        chain = [x509.load_der_x509_certificate(der) for der in ders]
        for cert in chain:   # the fields we read later must parse too
            cert.not_valid_after_utc, cert.subject, cert.issuer, cert.extensions
    except Exception as exc:  # cryptography raises several types for malformed input; all mean "cannot parse"
        return Served(address, protocol=protocol, error_kind="parse", error=f"{type(exc).__name__}: {exc}")
    if not chain:
        return Served(address, protocol=protocol, error_kind="parse", error="no certificate served")
    return Served(address, chain, protocol)


def _chain_der(tls: ssl.SSLSocket) -> list[bytes]:
    # Python 3.13 has get_unverified_chain() in public; 3.10–3.12 keep it on the private object.
    getter = getattr(tls, "get_unverified_chain", None) or getattr(getattr(tls, "_sslobj", None),
                                                                  "get_unverified_chain", None)
    if getter is not None:
        try:
            chain = getter() or []
            return [c if isinstance(c, bytes) else c.public_bytes(ssl._ssl.ENCODING_DER) for c in chain]
        except (AttributeError, ValueError, ssl.SSLError):
            pass
    leaf = tls.getpeercert(binary_form=True)
    return [leaf] if leaf else []


@functools.lru_cache(maxsize=4)
def _trust_context(bundles: tuple[str, ...]) -> ssl.SSLContext:
    """The system trust store plus `bundles`; built once per set of bundles (loading it is slow)."""
    context = ssl.create_default_context()
    for bundle in bundles:
        try:
            context.load_verify_locations(cafile=bundle)
        except (OSError, ssl.SSLError):
            pass   # an unreadable bundle only means fewer trusted CAs; the finding shows the issuer
    context.check_hostname = False
    return context


@_within_timeout
def verify_chain(domain: str, address: str, port: int, timeout: float) -> tuple[bool, int | None, str]:
    """(trusted, OpenSSL verify code, message): the chain judged against the trust store, hostname aside."""
    context = _trust_context(tuple(ca_bundles()))
    try:
        sock = _connect(address, port, timeout)
    except OSError as exc:
        return False, None, f"{type(exc).__name__}: {exc}"
    try:
        with context.wrap_socket(sock, server_hostname=domain):
            return True, None, ""
    except ssl.SSLCertVerificationError as exc:
        return False, exc.verify_code, exc.verify_message
    except (OSError, ssl.SSLError) as exc:
        sock.close()
        return False, None, f"{type(exc).__name__}: {exc}"


@_within_timeout
def offers(address: str, domain: str, port: int, version: ssl.TLSVersion, timeout: float) -> bool | None:
    """True when the server completes a handshake pinned to `version`; None when we cannot try it."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    try:
        context.set_ciphers("DEFAULT:@SECLEVEL=0")   # old versions need the legacy ciphers
        context.minimum_version = version
        context.maximum_version = version
    except (ValueError, ssl.SSLError):
        return None
    try:
        sock = _connect(address, port, timeout)
    except OSError:
        return None
    try:
        with context.wrap_socket(sock, server_hostname=domain) as tls:
            return tls.version() is not None
    except ssl.SSLError as exc:
        if "NO_PROTOCOLS_AVAILABLE" in str(exc).upper() or "no protocols available" in str(exc):
            return None
        return False
    except OSError:
        sock.close()
        return False


def _san(cert: x509.Certificate) -> x509.SubjectAlternativeName | None:
    try:
        return cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return None


def hostname_matches(cert: x509.Certificate, domain: str) -> bool:
    """RFC 6125 matching on the SAN names (the CN only when there is no SAN), one-label wildcards; IP SANs for IPs."""
    san = _san(cert)
    domain = domain.lower().rstrip(".")
    if is_ip(domain):
        return san is not None and any(str(ip) == str(ipaddress.ip_address(domain))
                                       for ip in san.get_values_for_type(x509.IPAddress))
    if san is not None:
        names = san.get_values_for_type(x509.DNSName)
    else:
        names = [str(a.value) for a in cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)]
    for name in names:
        name = str(name).lower().rstrip(".")
        if name == domain:
            return True
        if name.startswith("*.") and "." in domain and domain.split(".", 1)[1] == name[2:]:
            return True
    return False


def subject_names(cert: x509.Certificate) -> str:
    """The names a certificate is for, as a person reads them (SAN DNS names and IPs, else the CN)."""
    san = _san(cert)
    names: list[str] = []
    if san is not None:
        names = [str(v) for v in san.get_values_for_type(x509.DNSName)]
        names += [str(v) for v in san.get_values_for_type(x509.IPAddress)]
    if not names:
        names = [str(a.value) for a in cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)]
    return ", ".join(names) or cert.subject.rfc4514_string()


def _cn(cert: x509.Certificate) -> str:
    cns = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(cns[0].value) if cns else cert.subject.rfc4514_string()


def https_port(ctx: AuditContext, target: Target) -> int | None:
    """The HTTPS port of a domain: from a start URL, else 443 when it is served on the default ports."""
    ports = ports_for(ctx, target.domain)
    if "https" in ports:
        return ports["https"]
    if target.scheme == "https":
        return target.port
    return 443 if target.default_port else None


def expiry_findings(domain: str, url: str, served: Served, now: dt.datetime, ctx: AuditContext) -> list[Finding]:
    """The earliest notAfter of the chain: warning ≤ 21 days, error ≤ 7 days or expired."""
    earliest = min(served.chain, key=lambda c: c.not_valid_after_utc)
    end = earliest.not_valid_after_utc
    days = (end - now).total_seconds() / 86400
    which = ctx.t("站点证书", "site certificate") if earliest is served.chain[0] else ctx.t(f"链中证书 {_cn(earliest)}", f"chain certificate {_cn(earliest)}")
    actual = f"{served.address}: {which} notAfter {end:%Y-%m-%d %H:%M} UTC"
    if days < 0:
        return [Finding("TLS001", Category.TLS.value, Severity.ERROR, url,
                        ctx.t(f"{domain} 的{which}已于 {end:%Y-%m-%d} 过期", f"the {which} of {domain} expired on {end:%Y-%m-%d}"),
                        where="tls", expected=ctx.t("证书在有效期内", "a certificate within its validity"), actual=actual,
                        suggestion=ctx.t("立即续期并部署新证书（建议开启自动续期）。", "Renew and deploy the certificate now (automate renewal)."))]
    if days <= WARN_DAYS:
        severity, rule = (Severity.ERROR, "TLS002") if days <= ERROR_DAYS else (Severity.WARNING, "TLS003")
        return [Finding(rule, Category.TLS.value, severity, url,
                        ctx.t(f"{domain} 的{which}将在 {int(days)} 天后（{end:%Y-%m-%d}）过期",
                              f"the {which} of {domain} expires in {int(days)} days ({end:%Y-%m-%d})"),
                        where="tls", expected=ctx.t(f"剩余有效期超过 {WARN_DAYS} 天", f"more than {WARN_DAYS} days left"),
                        actual=actual, suggestion=ctx.t("尽快续期证书。", "Renew the certificate soon."))]
    return []


def judge_served(domain: str, url: str, served: Served, port: int, ctx: AuditContext, deadline: Deadline) -> list[Finding]:
    """Every TLS finding for one endpoint that served a chain."""
    now = dt.datetime.now(dt.timezone.utc)
    out = expiry_findings(domain, url, served, now, ctx)
    leaf = served.chain[0]
    if not hostname_matches(leaf, domain):
        out.append(Finding("TLS004", Category.TLS.value, Severity.ERROR, url,
                           ctx.t(f"{domain} 的证书与域名不符（浏览器会拦截）", f"the certificate of {domain} does not match the name (browsers block it)"),
                           where="tls", expected=domain, actual=f"{served.address}: {subject_names(leaf)}"))
    self_signed = len(served.chain) == 1 and leaf.issuer == leaf.subject
    timeout = deadline.timeout(HANDSHAKE_TIMEOUT_S)
    trusted, code, why = verify_chain(domain, served.address, port, timeout)
    if self_signed and not trusted:
        out.append(Finding("TLS005", Category.TLS.value, Severity.WARNING, url,
                           ctx.t(f"{domain} 使用自签名证书（访问者会看到安全警告）", f"{domain} uses a self-signed certificate (visitors see a warning)"),
                           where="tls", expected=ctx.t("受信任 CA 签发的证书", "a certificate from a trusted CA"),
                           actual=f"{served.address}: issuer = subject = {leaf.subject.rfc4514_string()}"))
    elif not trusted and code in _UNTRUSTED_CODES:
        out.append(Finding("TLS006", Category.TLS.value, Severity.WARNING, url,
                           ctx.t(f"{domain} 的证书链不受信任（签发者未知或缺少中间证书）",
                                 f"the certificate chain of {domain} is not trusted (unknown issuer or missing intermediate)"),
                           where="tls", expected=ctx.t("可验证到受信任根证书的完整证书链", "a complete chain to a trusted root"),
                           actual=f"{served.address}: {why} (issuer {leaf.issuer.rfc4514_string()}; "
                                  + ctx.t(f"服务器发送了 {len(served.chain)} 张证书", f"{len(served.chain)} certificate(s) served")
                                  + (ctx.t("，未发送中间证书", ", no intermediate") if len(served.chain) == 1 else "") + ")",
                           suggestion=ctx.t("部署完整证书链；内部 CA 可通过 SSL_CERT_FILE 指定信任。",
                                            "Serve the full chain; for an internal CA set SSL_CERT_FILE.")))
    if trusted and leaf.not_valid_before_utc >= MAX_LIFETIME_FROM:
        lifetime = (leaf.not_valid_after_utc - leaf.not_valid_before_utc).days
        if lifetime > MAX_LIFETIME_DAYS:
            out.append(Finding("TLS011", Category.TLS.value, Severity.INFO, url,
                               ctx.t(f"{domain} 的证书有效期 {lifetime} 天，超过公共证书 {MAX_LIFETIME_DAYS} 天上限",
                                     f"the certificate of {domain} lasts {lifetime} days, over the {MAX_LIFETIME_DAYS}-day limit for public certificates"),
                               where="tls", expected=f"≤ {MAX_LIFETIME_DAYS}", actual=str(lifetime)))
    for label, version in _OLD_PROTOCOLS:
        if deadline.expired:
            break
        if offers(served.address, domain, port, version, deadline.timeout(HANDSHAKE_TIMEOUT_S)):
            out.append(Finding("TLS007", Category.TLS.value, Severity.WARNING, url,
                               ctx.t(f"{domain} 仍支持已淘汰的 {label}", f"{domain} still offers {label}, which is deprecated"),
                               where="tls", match=label, expected="TLS 1.2+", actual=f"{served.address}: {label} handshake succeeded",
                               suggestion=ctx.t("在服务器配置中只启用 TLS 1.2 与 TLS 1.3。", "Enable only TLS 1.2 and 1.3 on the server.")))
    return out


MAX_ADDRESSES = 4   # servers behind one name judged one by one: a stale one is a real finding


def check_domain_tls(target: Target, ctx: AuditContext, deadline: Deadline) -> tuple[list[Finding], bool | None]:
    """(findings, https works) for one domain; (.., None) when it has no HTTPS port to try.

    Every address the name resolves to (up to `MAX_ADDRESSES`) is asked; an address that does not
    accept connections is only reported when none does (uptime reports dead addresses).
    """
    port = https_port(ctx, target)
    if port is None:
        return [], None
    addresses, _ = resolve_addresses(ctx, target.domain, deadline)
    if not addresses:
        return [], False   # the DNS check reports names that do not resolve
    url = target.url(scheme="https", port=port)
    served_all = []
    for address in candidate_addresses(addresses)[:MAX_ADDRESSES]:
        if deadline.expired:
            break
        served_all.append(fetch_chain(target.domain, address, port, deadline.timeout(HANDSHAKE_TIMEOUT_S)))
    answering = [s for s in served_all if s.error_kind not in ("connect", "timeout")]
    if not answering:
        first = served_all[0] if served_all else Served(addresses[0], error_kind="timeout", error="budget")
        severity = Severity.WARNING if port == 443 and target.scheme == "http" else Severity.INFO
        return [Finding("TLS009", Category.TLS.value, severity, url,
                        ctx.t(f"{target.domain} 无法建立 HTTPS 连接（{first.error_kind}）",
                              f"no HTTPS connection to {target.domain} ({first.error_kind})"),
                        where="tls", expected=ctx.t(f"端口 {port} 提供 HTTPS", f"HTTPS on port {port}"),
                        actual=f"{first.address}:{port}: {first.error}")], False
    findings: list[Finding] = []
    judged: set[bytes] = set()
    for served in answering:
        findings += _judge_endpoint(target, url, served, port, judged, ctx, deadline)
    works = any(s.error_kind in ("", "parse") for s in answering)
    return merge_same_rule(findings), works


def merge_same_rule(findings: list[Finding]) -> list[Finding]:
    """One finding per rule and match for a domain, the evidence of every address joined.

    A finding's identity across runs is (rule, url, where, match); two addresses must not make two.
    """
    merged: dict[tuple, Finding] = {}
    for f in findings:
        if f.key in merged:
            first = merged[f.key]
            merged[f.key] = first.replace(actual=f"{first.actual}; {f.actual}")
        else:
            merged[f.key] = f
    return list(merged.values())


def _judge_endpoint(target: Target, url: str, served: Served, port: int, judged: set[bytes],
                    ctx: AuditContext, deadline: Deadline) -> list[Finding]:
    """Findings for one address that answered; a chain already judged at another address is skipped."""
    if served.error_kind in ("reset", "tls"):
        return [Finding("TLS008", Category.TLS.value, Severity.ERROR, url,
                        ctx.t(f"{target.domain} 的 TLS 握手失败（{served.error_kind}）", f"the TLS handshake with {target.domain} failed ({served.error_kind})"),
                        where="tls", expected=ctx.t("成功的 TLS 握手", "a completed TLS handshake"),
                        actual=f"{served.address}:{port}: {served.error}")]
    if served.error_kind == "parse":
        return [Finding("TLS012", Category.TLS.value, Severity.ERROR, url,
                        ctx.t(f"{target.domain} 提供的证书无法解析", f"the certificate {target.domain} serves cannot be parsed"),
                        where="tls", expected=ctx.t("有效的 X.509 证书", "a valid X.509 certificate"),
                        actual=f"{served.address}:{port}: {served.error}")]
    fingerprint = served.chain[0].fingerprint(hashes.SHA256())
    if fingerprint in judged:
        return []
    judged.add(fingerprint)
    return judge_served(target.domain, url, served, port, ctx, deadline)


def check_tls(ctx: AuditContext) -> CheckOutcome:
    """HTTPS 证书与协议（TLS）"""
    deadline = Deadline(ctx.budget_s)
    done, late = run_bounded(targets(ctx), lambda t: check_domain_tls(t, ctx, deadline), deadline)
    findings: list[Finding] = []
    facts: dict[str, dict] = {}
    summary = []
    for target, (found, works) in done:
        findings += found
        if works is None:   # served over HTTP on a non-default port: no HTTPS port is known to try
            facts[target.domain] = {"https": False}
            summary.append(f"{target.domain}: {ctx.t('仅 HTTP（未知 HTTPS 端口）', 'HTTP only (no HTTPS port known)')}")
        else:
            facts[target.domain] = {"https": works}
            summary.append(f"{target.domain}: {'HTTPS' if works else ctx.t('无 HTTPS', 'no HTTPS')}")
    for entry in late:
        target = entry.item
        findings.append(unfinished_finding("TLS010", Category.TLS.value, "tls", entry, home_url(target.domain),
                                           ("TLS 检查", "TLS checks"), ctx))
    status = CheckStatus.FAIL if any(f.severity is not Severity.INFO for f in findings) else CheckStatus.OK
    return CheckOutcome(CheckResult(CHECK_ID, status, "; ".join(summary),
                                    expected=ctx.t(f"证书可信、与域名相符、剩余有效期超过 {WARN_DAYS} 天",
                                                   f"trusted certificates matching the names, more than {WARN_DAYS} days left"),
                                    actual="; ".join(summary)),
                        findings, facts)
