"""Web hygiene of every declared domain's homepage: HTTP → HTTPS redirect, security headers (HSTS,
CSP, X-Frame-Options, X-Content-Type-Options), server version banners, and paths that should never
be public (`/.git/HEAD`, `/phpmyadmin/`, directory listings).

Rule ids: SEC001–SEC006 headers and banners, SEC010–SEC012 exposed paths, TLS013 the redirect.
"""
from __future__ import annotations

import re

import requests

from crawler.checks.base import AuditContext
from crawler.checks.health.netcommon import (Deadline, Target, candidate_addresses, home_url, pinned_get, ports_for,
                                      resolve_addresses, run_bounded, targets, unfinished_finding)
from rules.model import Category, CheckOutcome, CheckResult, CheckStatus, Finding, Severity

CHECK_ID = "hygiene"

REQUEST_TIMEOUT_S = 5.0
HSTS_MIN_AGE_S = 180 * 86400
LISTING_PATHS = ("/uploads/", "/static/", "/images/")
_VERSION = re.compile(r"\d+\.\d+")
_BANNER_HEADERS = ("server", "x-powered-by", "x-aspnet-version", "x-aspnetmvc-version", "x-generator")
_GIT_HEAD = re.compile(r"^(ref: refs/|[0-9a-f]{40}\s*$)")
_LISTING = re.compile(r"<title>\s*(Index of /|Directory listing for /)|<h1>\s*Index of /", re.I)
_PHPMYADMIN = re.compile(r"phpmyadmin", re.I)


class _Site:
    """The requests of one domain, to one address, within the budget."""

    def __init__(self, target: Target, address: str, deadline: Deadline):
        self.target = target
        self.address = address
        self.deadline = deadline

    def get(self, path: str, scheme: str | None = None, port: int | None = None) -> requests.Response | None:
        if self.deadline.expired:
            return None
        try:
            return pinned_get(self.target.domain, self.address, scheme or self.target.scheme,
                              port or self.target.port, path, self.deadline.timeout(REQUEST_TIMEOUT_S),
                              extra_headers=self.target.headers)
        except requests.exceptions.RequestException:
            return None


def header_findings(target: Target, url: str, headers: dict[str, str], ctx: AuditContext) -> list[Finding]:
    """Missing security headers and version banners on the homepage response."""
    h = {k.lower(): v for k, v in headers.items()}
    out: list[Finding] = []

    def add(rule: str, severity: Severity, zh: str, en: str, expected: str, actual: str, match: str | None = None) -> None:
        out.append(Finding(rule, Category.SECURITY.value, severity, url, ctx.t(zh, en), where="http",
                           expected=expected, actual=actual, match=match))

    missing = ctx.t("响应中没有该头", "header absent")
    csp = h.get("content-security-policy", "")
    if target.scheme == "https":
        hsts = h.get("strict-transport-security")
        if not hsts:
            add("SEC001", Severity.WARNING, f"{target.domain} 未设置 HSTS（Strict-Transport-Security）",
                f"{target.domain} sends no HSTS header (Strict-Transport-Security)",
                "Strict-Transport-Security: max-age=31536000", missing)
        else:
            age = re.search(r"max-age\s*=\s*\"?(\d+)", hsts, re.I)
            if not age or int(age.group(1)) < HSTS_MIN_AGE_S:
                add("SEC006", Severity.INFO, f"{target.domain} 的 HSTS max-age 过短", f"the HSTS max-age of {target.domain} is short",
                    f"max-age ≥ {HSTS_MIN_AGE_S}", f"Strict-Transport-Security: {hsts}")
    if not csp:
        add("SEC002", Severity.INFO, f"{target.domain} 未设置内容安全策略（Content-Security-Policy）",
            f"{target.domain} sends no Content-Security-Policy", "Content-Security-Policy: …", missing)
    if "x-frame-options" not in h and "frame-ancestors" not in csp.lower():
        add("SEC003", Severity.WARNING, f"{target.domain} 未设置 X-Frame-Options（可被嵌入框架，点击劫持风险）",
            f"{target.domain} sends no X-Frame-Options (clickjacking risk)",
            "X-Frame-Options: SAMEORIGIN | CSP frame-ancestors", missing)
    if h.get("x-content-type-options", "").strip().lower() != "nosniff":
        add("SEC004", Severity.INFO, f"{target.domain} 未设置 X-Content-Type-Options: nosniff",
            f"{target.domain} does not send X-Content-Type-Options: nosniff",
            "X-Content-Type-Options: nosniff", h.get("x-content-type-options") or missing)
    for name in _BANNER_HEADERS:
        value = h.get(name, "")
        if value and _VERSION.search(value):
            add("SEC005", Severity.INFO, f"{target.domain} 暴露了软件版本（{name}: {value}）",
                f"{target.domain} reveals software versions ({name}: {value})",
                ctx.t("不含版本号", "no version number"), f"{name}: {value}", match=value)
    return out


def exposed_findings(site: _Site, ctx: AuditContext, homepage: requests.Response) -> list[Finding]:
    """`/.git/HEAD`, `/phpmyadmin/` and directory listings that answer with their real content."""
    out: list[Finding] = []
    t = site.target

    def add(rule: str, severity: Severity, path: str, zh: str, en: str, evidence: str) -> None:
        out.append(Finding(rule, Category.SECURITY.value, severity, t.url(path), ctx.t(zh, en), where="http",
                           match=path, expected=ctx.t("404 或 403", "404 or 403"), actual=evidence))

    git = site.get("/.git/HEAD")
    if git is not None and git.status_code == 200 and _GIT_HEAD.match(git.text[:200]):
        add("SEC010", Severity.ERROR, "/.git/HEAD", f"{t.domain} 暴露了 Git 仓库（/.git/），源代码与密钥可被下载",
            f"{t.domain} exposes its Git repository (/.git/): source code and secrets can be downloaded",
            f"HTTP 200: {git.text[:60].strip()}")
    pma = site.get("/phpmyadmin/")
    if pma is not None and pma.status_code in (200, 401) and _PHPMYADMIN.search(pma.text[:20000] + str(pma.headers)):
        add("SEC011", Severity.WARNING, "/phpmyadmin/", f"{t.domain} 的 phpMyAdmin 管理入口对公网开放",
            f"{t.domain} exposes phpMyAdmin to the internet", f"HTTP {pma.status_code}")
    candidates = [("/", homepage)] + [(p, site.get(p)) for p in LISTING_PATHS]
    for path, resp in candidates:
        if resp is not None and resp.status_code == 200 and _LISTING.search(resp.text[:4000]):
            add("SEC012", Severity.WARNING, path, f"{t.domain}{path} 开启了目录浏览",
                f"{t.domain}{path} shows a directory listing", "HTTP 200: Index of …")
    return out


def redirect_findings(site: _Site, ctx: AuditContext) -> list[Finding]:
    """Plain HTTP should redirect to HTTPS when the domain serves HTTPS.

    Ports come from the start URLs (both schemes may be given), else the default pair 80/443.
    """
    t = site.target
    ports = ports_for(ctx, t.domain)
    https_port = ports.get("https") or (t.port if t.scheme == "https" else 443 if t.default_port else None)
    http_port = ports.get("http") or (t.port if t.scheme == "http" else 80 if https_port == 443 else None)
    if https_port is None or http_port is None:
        return []
    if t.scheme == "http" and site.get("/", scheme="https", port=https_port) is None:
        return []   # no HTTPS to redirect to: the TLS check says so
    resp = site.get("/", scheme="http", port=http_port)
    if resp is None:
        return []   # no plain HTTP at all is fine
    location = resp.headers.get("Location", "")
    if 300 <= resp.status_code < 400 and location.lower().startswith("https://"):
        return []
    http_url = t.url(scheme="http", port=http_port)
    return [Finding("TLS013", Category.TLS.value, Severity.WARNING, http_url,
                    ctx.t(f"{t.domain} 的 HTTP 访问没有跳转到 HTTPS", f"HTTP on {t.domain} does not redirect to HTTPS"),
                    where="http", expected=ctx.t("301/308 跳转到 https://", "a 301/308 redirect to https://"),
                    actual=f"HTTP {resp.status_code}" + (f" Location: {location}" if location else ""))]


def check_domain_hygiene(target: Target, ctx: AuditContext, deadline: Deadline) -> list[Finding]:
    addresses, _ = resolve_addresses(ctx, target.domain, deadline)
    if not addresses:
        return []   # the DNS and uptime checks report it
    for address in candidate_addresses(addresses):   # the first address that answers is judged
        site = _Site(target, address, deadline)
        homepage = site.get("/")
        if homepage is not None:
            break
    else:
        return []   # the uptime check reports a domain that does not answer
    out: list[Finding] = []
    if homepage.status_code < 500:
        out += header_findings(target, target.url(), dict(homepage.headers), ctx)
    out += exposed_findings(site, ctx, homepage)
    out += redirect_findings(site, ctx)
    return out


def check_hygiene(ctx: AuditContext) -> CheckOutcome:
    """网站安全配置（HTTP 跳转、安全响应头、暴露的路径）"""
    deadline = Deadline(ctx.budget_s)
    done, late = run_bounded(targets(ctx), lambda t: check_domain_hygiene(t, ctx, deadline), deadline)
    findings = [f for _, found in done for f in found]
    for entry in late:
        target = entry.item
        findings.append(unfinished_finding("SEC009", Category.SECURITY.value, "http", entry, home_url(target.domain),
                                           ("安全配置检查", "hygiene checks"), ctx))
    counts = {s: sum(1 for f in findings if f.severity is s) for s in Severity}
    status = CheckStatus.FAIL if counts[Severity.ERROR] or counts[Severity.WARNING] else CheckStatus.OK
    detail = ", ".join(f"{s.value} {n}" for s, n in counts.items())
    return CheckOutcome(CheckResult(CHECK_ID, status, detail,
                                    expected=ctx.t("HTTPS 跳转、安全响应头齐全、无暴露路径", "HTTPS redirect, security headers, nothing exposed"),
                                    actual=detail), findings)
