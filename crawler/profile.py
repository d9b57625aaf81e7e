"""site.yaml → a typed, validated `Profile`.

Every error names the file, the line and the dotted field. Unknown keys are errors, so a typo
(`max_page:`) never silently turns a setting off.
"""
from __future__ import annotations

import base64
import math
import dataclasses
import os
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from crawler.idn import ascii_host, ascii_url
from rules import yamlfile
from rules.errors import ConfigError


@dataclass(frozen=True)
class SiteSection:
    name: str = ""
    start_urls: list[str] = field(default_factory=list)
    domains: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class CompanySection:
    name: str = ""
    credit_code: str = ""
    phone: str = ""
    address: str = ""


@dataclass(frozen=True)
class LicenseSection:
    icp_license: str = ""
    icp_filing: str = ""
    psb_filing: str = ""
    services: list[str] = field(default_factory=list)
    server_ips: list[str] = field(default_factory=list)
    ecommerce: bool = False


@dataclass(frozen=True)
class AuthSection:
    """HTTP basic auth for staging sites; the password comes from an environment variable."""

    username: str = ""
    password_env: str = ""


@dataclass(frozen=True)
class CrawlSection:
    # 5,000 pages: a company site with a catalogue and a news archive (2,000–3,000 pages) is read
    # whole, in about 45 minutes at the default 0.5 s delay; a bigger site says so (run.coverage).
    max_pages: int = 5000
    max_depth: int = 0          # link hops from a crawl root; 0 = no limit (links within one URL pattern, such as paging, add none)
    concurrency: int = 8
    delay: float = 0.5          # seconds between requests to one host
    obey_robots: bool = True
    exclude: list[str] = field(default_factory=list)      # regexes on the URL path
    headers: dict[str, str] = field(default_factory=dict)
    cookies: dict[str, str] = field(default_factory=dict)
    user_agent: str = ""        # empty: siteaudit's own identifying User-Agent
    auth: AuthSection = field(default_factory=AuthSection)
    strip_params: list[str] = field(default_factory=list)  # extra query parameters to drop (utm_* and session ids always are)
    pattern_cap: int = 0        # pages per URL pattern; 0 = no cap (traps end by evidence: crawler/traps.py)
    time_limit: float = 0       # seconds; 0 means no limit
    timeout: float = 20         # seconds per request
    render: str = "auto"        # auto | always | never: pages built by JavaScript, in headless Chromium


@dataclass(frozen=True)
class UptimeSection:
    probes: int = 3
    timeout: float = 10         # seconds per probe
    slow_ms: int = 2000
    retries: int = 1            # a failed probe is retried this many times before it counts as down


@dataclass(frozen=True)
class RulesSection:
    packs: list[str] = field(default_factory=lambda: ["all"])
    extra: list[str] = field(default_factory=list)
    allow: list[str] = field(default_factory=list)
    severity: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ReportSection:
    lang: str = "zh"
    out: str = "out/"


@dataclass(frozen=True)
class SignedWebhook:
    webhook: str = ""
    secret_env: str = ""


@dataclass(frozen=True)
class PlainWebhook:
    url: str = ""
    secret_env: str = ""


@dataclass(frozen=True)
class NotifySection:
    dingtalk: SignedWebhook = field(default_factory=SignedWebhook)
    wecom: SignedWebhook = field(default_factory=SignedWebhook)
    feishu: SignedWebhook = field(default_factory=SignedWebhook)
    webhook: PlainWebhook = field(default_factory=PlainWebhook)
    on: str = "new"


@dataclass(frozen=True)
class Profile:
    site: SiteSection = field(default_factory=SiteSection)
    company: CompanySection = field(default_factory=CompanySection)
    license: LicenseSection = field(default_factory=LicenseSection)
    crawl: CrawlSection = field(default_factory=CrawlSection)
    uptime: UptimeSection = field(default_factory=UptimeSection)
    rules: RulesSection = field(default_factory=RulesSection)
    report: ReportSection = field(default_factory=ReportSection)
    notify: NotifySection = field(default_factory=NotifySection)
    source: str = ""            # the file it came from, or the URL given on the command line

    @property
    def domains(self) -> list[str]:
        """Every declared domain, plus the hosts of the start URLs, in order, without duplicates."""
        seen: dict[str, None] = {}
        for d in self.site.domains:
            seen.setdefault(d.lower().rstrip("."), None)
        for u in self.site.start_urls:
            host = urlsplit(u).hostname
            if host:
                seen.setdefault(host.lower(), None)
        return list(seen)

    def replace(self, section: str, **changes: Any) -> "Profile":
        """A copy with some fields of one section changed (command-line overrides, range-checked)."""
        for name, value in changes.items():
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                problem = range_error(f"{section}.{name}", value)
                if problem:
                    raise ConfigError(problem, field=f"--{name.replace('_', '-')}")
        return dataclasses.replace(self, **{section: dataclasses.replace(getattr(self, section), **changes)})


_CHOICES = {
    "report.lang": ("zh", "en"),
    "crawl.render": ("auto", "always", "never"),
    "notify.on": ("new", "always", "fail"),
}
# Every number a profile holds, with its sane range (inclusive). A value outside it is exit 2 naming
# file:line: field, so `delay: .inf` or `timeout: 1e9` can never make an audit that does not end.
# docs/CRAWL.md lists them.
RANGES: dict[str, tuple[float, float]] = {
    "crawl.max_pages": (1, 1_000_000),
    "crawl.max_depth": (0, 1_000),          # 0 = no limit
    "crawl.concurrency": (1, 64),
    "crawl.delay": (0, 60),                 # seconds between requests to one host
    "crawl.pattern_cap": (0, 1_000_000),    # 0 = no cap (traps end by evidence)
    "crawl.time_limit": (0, 7 * 86_400),    # seconds; 0 = no limit
    "crawl.timeout": (0.1, 600),            # seconds per request, the whole download
    "uptime.probes": (1, 50),
    "uptime.timeout": (0.1, 120),           # seconds per probe
    "uptime.slow_ms": (0, 600_000),
    "uptime.retries": (0, 10),
}


def _num(x: float) -> str:
    return f"{int(x):,}" if float(x).is_integer() else f"{x:g}"


def range_error(path: str, value: float) -> str:
    """Why `value` is not acceptable for the numeric field `path` ("" when it is)."""
    if not math.isfinite(value):
        return f"must be a finite number, got {value!r}"
    low, high = RANGES.get(path, (-math.inf, math.inf))
    if not low <= value <= high:
        return f"must be between {_num(low)} and {_num(high)}, got {value!r}"
    return ""


class _Node:
    """A YAML value with the line it starts on (1-based)."""

    __slots__ = ("value", "line")

    def __init__(self, value: Any, line: int):
        self.value = value
        self.line = line


def _lift(node: yaml.Node) -> _Node:
    line = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        return _Node({k.value: (_lift(v), k.start_mark.line + 1) for k, v in node.value}, line)
    if isinstance(node, yaml.SequenceNode):
        return _Node([_lift(v) for v in node.value], line)
    return _Node(yaml.SafeLoader.construct_object(_scalar_loader, node), line)


_scalar_loader = yaml.SafeLoader("")


def _plain(node: _Node) -> Any:
    if isinstance(node.value, dict):
        return {k: _plain(v) for k, (v, _) in node.value.items()}
    if isinstance(node.value, list):
        return [_plain(v) for v in node.value]
    return node.value


def _convert(cls: type, node: _Node, path: str, file: str) -> Any:
    """Build dataclass `cls` from a mapping node, checking keys and types."""
    if node.value is None:
        return cls()
    if not isinstance(node.value, dict):
        raise ConfigError(f"expected a mapping, got {type(node.value).__name__}", file=file,
                          line=node.line, field=path or "(top level)")
    hints = typing.get_type_hints(cls)
    known = {f.name for f in dataclasses.fields(cls) if f.name != "source"}
    kwargs: dict[str, Any] = {}
    for key, (child, key_line) in node.value.items():
        dotted = f"{path}.{key}" if path else str(key)
        if key not in known:
            raise ConfigError(f"unknown key (expected one of: {', '.join(sorted(known))})",
                              file=file, line=key_line, field=dotted)
        kwargs[key] = _value(hints[key], child, dotted, file)
    return cls(**kwargs)


def _value(hint: Any, node: _Node, path: str, file: str) -> Any:
    def bad(what: str) -> ConfigError:
        return ConfigError(what, file=file, line=node.line, field=path)

    if dataclasses.is_dataclass(hint):
        return _convert(hint, node, path, file)
    origin = typing.get_origin(hint)
    value = node.value
    if origin is list:
        if value is None:
            return []
        if isinstance(value, (str, int, float)):
            value, items = [value], [node]
        elif isinstance(value, list):
            items = value
        else:
            raise bad("expected a list")
        (item_type,) = typing.get_args(hint)
        return [_value(item_type, item, f"{path}[{i}]", file) for i, item in enumerate(items)]
    if origin is dict:
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise bad("expected a mapping")
        return {str(k): str(_plain(v)) for k, (v, _) in value.items()}
    if hint is bool:
        if not isinstance(value, bool):
            raise bad(f"expected true or false, got {value!r}")
        return value
    if hint in (int, float):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or (hint is int and not isinstance(value, int)):
            raise bad(f"expected a {'whole ' if hint is int else ''}number, got {value!r}")
        problem = range_error(path, value)
        if problem:
            raise bad(problem)
        return hint(value)
    if hint is str:
        if value is None:
            return ""
        if isinstance(value, (dict, list)):
            raise bad("expected text")
        text = str(value)
        if path in _CHOICES and text not in _CHOICES[path]:
            raise bad(f"must be one of {', '.join(_CHOICES[path])}, got {text!r}")
        return text
    raise bad(f"unsupported type {hint!r}")  # pragma: no cover - a programming error


def _check_semantics(profile: Profile, root: _Node, file: str) -> Profile:
    def line_of(*keys: str) -> int | None:
        node: _Node | None = root
        line = root.line
        for k in keys:
            if node is None or not isinstance(node.value, dict) or k not in node.value:
                return line
            node, line = node.value[k]
        return line

    profile = _ascii_hosts(profile, line_of("site", "domains"), line_of("site", "start_urls"), file)
    if not profile.site.start_urls:
        raise ConfigError("at least one start URL is required", file=file, line=line_of("site"),
                          field="site.start_urls")
    for i, u in enumerate(profile.site.start_urls):
        parts = urlsplit(u)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigError(f"not an http(s) URL: {u!r}", file=file, line=line_of("site", "start_urls"),
                              field=f"site.start_urls[{i}]")
    import re

    for i, pattern in enumerate(profile.crawl.exclude):
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ConfigError(f"invalid regular expression {pattern!r}: {exc}", file=file,
                              line=line_of("crawl", "exclude"), field=f"crawl.exclude[{i}]") from None
    for rule_id, sev in profile.rules.severity.items():
        if sev not in ("error", "warning", "info", "off"):
            raise ConfigError(f"severity for {rule_id} must be error, warning, info or off, got {sev!r}",
                              file=file, line=line_of("rules", "severity"), field=f"rules.severity.{rule_id}")
    return profile


def load_profile(path: str | Path) -> Profile:
    """Read and validate a site profile; raises ConfigError naming file, line and field."""
    file = str(path)
    return parse_profile(yamlfile.read_text(path, what="profile"), file)


def parse_profile(text: str, file: str = "<profile>") -> Profile:
    # The strict loader: no alias bombs, no duplicate keys, bounded nesting (rules/yamlfile.py).
    root_node = yamlfile.compose(text, file)
    if root_node is None:
        raise ConfigError("the profile is empty; at least site.start_urls is required", file=file,
                          field="site.start_urls")
    try:
        root = _lift(root_node)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ConfigError(f"invalid YAML: {getattr(exc, 'problem', None) or exc}", file=file,
                          line=mark.line + 1 if mark else None) from None
    profile = _convert(Profile, root, "", file)
    profile = dataclasses.replace(profile, source=file)
    return _check_semantics(profile, root, file)


def profile_for_url(url: str) -> Profile:
    """The profile used when `audit` is given a bare URL: that URL and its host."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"not an http(s) URL or a readable profile: {url!r}", field="TARGET")
    try:
        url = ascii_url(url)
    except ValueError as exc:
        raise ConfigError(f"not a valid domain name in {url!r}: {exc}", field="TARGET") from None
    return Profile(site=SiteSection(start_urls=[url], domains=[urlsplit(url).hostname or ""]), source=url)


def _ascii_hosts(profile: Profile, domains_line: int | None, urls_line: int | None, file: str) -> Profile:
    """The profile with every declared domain and start URL host in A-label form (exit 2 when invalid)."""
    domains, urls = [], []
    for i, d in enumerate(profile.site.domains):
        try:
            domains.append(ascii_host(d))
        except ValueError as exc:
            raise ConfigError(f"not a valid domain name {d!r}: {exc}", file=file, line=domains_line,
                              field=f"site.domains[{i}]") from None
    for i, u in enumerate(profile.site.start_urls):
        try:
            urls.append(ascii_url(u))
        except ValueError as exc:
            raise ConfigError(f"not a valid domain name in {u!r}: {exc}", file=file, line=urls_line,
                              field=f"site.start_urls[{i}]") from None
    if domains == profile.site.domains and urls == profile.site.start_urls:
        return profile
    return profile.replace("site", domains=domains, start_urls=urls)


def basic_auth(user: str, password_env: str, source: str = "") -> str:
    """The Authorization header value; the password is read from the environment variable named in
    the profile (never from the profile itself). A missing variable is a configuration error."""
    if not password_env:
        raise ConfigError("crawl.auth.username is set but crawl.auth.password_env is not", file=source or None,
                          field="crawl.auth.password_env")
    password = os.environ.get(password_env)
    if password is None:
        raise ConfigError(f"environment variable {password_env} is not set", file=source or None,
                          field="crawl.auth.password_env")
    return "Basic " + base64.b64encode(f"{user}:{password}".encode("utf-8")).decode("ascii")


def site_request_headers(profile: "Profile") -> dict[str, str]:
    """The headers every request to a declared host carries besides the crawl's: the profile's
    `crawl.headers`, cookies, User-Agent and staging basic auth, so that health probes see what
    the crawl sees (a staging site's 401 is not its homepage)."""
    crawl = profile.crawl
    headers = dict(crawl.headers)
    if crawl.cookies:
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in crawl.cookies.items())
    if crawl.user_agent:
        headers["User-Agent"] = crawl.user_agent
    if crawl.auth.username:
        headers["Authorization"] = basic_auth(crawl.auth.username, crawl.auth.password_env, profile.source)
    return headers
