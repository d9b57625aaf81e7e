"""IPv6 readiness against a loopback DNS zone and web servers on 127.0.0.1 and [::1] (same port)."""
from __future__ import annotations

import pytest

from crawler.checks.health.ipv6 import check_ipv6, check_ipv6_pages, collect_level_pages, page_levels
from crawler.loopback.dns import DNSServer
from crawler.page import Page
from crawler.loopback.web import Reply, WebServer
from tests.helpers_tls import by_rule, make_ctx
from rules.model import CheckStatus, Severity

ZONE = {"records": {
    "v6.test.": {"A": ["127.0.0.1"], "AAAA": ["::1"], "NS": ["ns1.v6.test.", "ns2.v6.test."]},
    "www.v6.test.": {"A": ["127.0.0.1"], "AAAA": ["::1"]},
    "down6.v6.test.": {"A": ["127.0.0.1"], "AAAA": ["::1"]},
    "diff.v6.test.": {"A": ["127.0.0.1"], "AAAA": ["::1"]},
    "ns1.v6.test.": {"A": ["127.0.0.1"], "AAAA": ["::1"]},
    "ns2.v6.test.": {"A": ["127.0.0.1"]},
    "v4.test.": {"A": ["127.0.0.1"], "NS": ["ns1.v4.test."]},
    "www.v4.test.": {"A": ["127.0.0.1"]},
    "ns1.v4.test.": {"A": ["127.0.0.1"]},
}}


def _pair():
    """Web servers on 127.0.0.1 and ::1 sharing one port."""
    routes = {("*", "/"): Reply(200, "ok"), ("down6.v6.test", "/"): Reply(503, "no"),
              ("diff.v6.test", "/"): Reply(200, "<title>Parked domain</title>")}
    for _ in range(20):
        v4 = WebServer(routes={("*", "/"): Reply(200, "ok")})
        try:
            v6 = WebServer(host="::1", port=v4.port, routes=routes)
        except OSError:
            v4.stop()
            continue
        return v4.start(), v6.start()
    pytest.skip("no port free on both 127.0.0.1 and ::1")


@pytest.fixture(scope="module")
def env():
    try:
        v4, v6 = _pair()
    except OSError:
        pytest.skip("no IPv6 loopback on this machine")
    with DNSServer(ZONE, "127.0.0.1") as dns_server:
        yield v4, ("127.0.0.1", dns_server.port)
    v4.stop()
    v6.stop()


def test_domains_with_and_without_aaaa(env):
    web, resolver = env
    urls = [web.url(d) for d in ("www.v6.test", "v6.test", "www.v4.test", "down6.v6.test")]
    outcome = check_ipv6(make_ctx(urls, resolver=resolver))
    (missing,) = by_rule(outcome.findings, "IPV6001")
    assert missing.url == "https://www.v4.test/" and missing.severity is Severity.WARNING
    assert missing.category == "dns" and "AAAA" in missing.actual
    assert outcome.facts["www.v6.test"]["ipv6"] is True
    assert outcome.facts["www.v4.test"]["ipv6"] is False
    (down,) = by_rule(outcome.findings, "IPV6003")
    assert "down6.v6.test" in down.url and "HTTP 503" in down.actual and outcome.facts["down6.v6.test"]["ipv6"] is False
    assert not [f for f in outcome.findings if f.severity is Severity.ERROR]
    assert not by_rule(outcome.findings, "IPV6004")   # same homepage over both


def test_different_homepage_over_ipv6(env):
    web, resolver = env
    outcome = check_ipv6(make_ctx([web.url("diff.v6.test")], resolver=resolver))
    (diff,) = by_rule(outcome.findings, "IPV6004")
    assert diff.severity is Severity.INFO and "Parked domain" in diff.actual and "HTTP 200" in diff.expected


def test_name_servers_without_aaaa(env):
    web, resolver = env
    outcome = check_ipv6(make_ctx([web.url("www.v4.test"), web.url("www.v6.test")], resolver=resolver))
    ns = by_rule(outcome.findings, "IPV6002")
    assert [f.url for f in ns] == ["https://v4.test/"]   # v6.test has one NS with AAAA


def test_level_pages_share(env):
    _, resolver = env
    ctx = make_ctx(["https://www.v6.test/"], resolver=resolver)
    home = "https://www.v6.test/"
    # Crawl depth is off by the robots/sitemap requests (homepage at depth 3): levels follow the links.
    pages = [Page(home, 200, depth=3, is_homepage=True),
             Page("https://www.v6.test/a", 200, depth=4, referer=home),
             Page("https://www.v4.test/b", 200, depth=4, referer=home),
             Page("https://www.v6.test/c", 200, depth=5, referer="https://www.v6.test/a"),
             Page("https://www.v6.test/d/e/f", 200, depth=6, referer="https://www.v6.test/c"),
             Page("https://elsewhere.test/", 0, depth=4, referer=home)]          # external link, never fetched
    for page in pages:
        assert list(collect_level_pages(page, ctx)) == []
    outcome = check_ipv6_pages(ctx)
    (low,) = by_rule(outcome.findings, "IPV6005")
    assert "2级页面" in low.message and "50%" in low.message and "www.v4.test" in low.actual
    assert low.severity is Severity.WARNING
    assert "3级页面 1/1（100%）" in outcome.result.detail   # level 3 is /c only; /d/e/f is level 4


@pytest.mark.parametrize("pages, expected", [
    ([("h", "x", 0, "", True), ("a", "x", 1, "h", False), ("b", "x", 2, "a, h", False)], {"h": 1, "a": 2, "b": 2}),
    ([("h", "x", 0, "", True), ("a", "x", 1, "h", False), ("b", "x", 2, "a", False)], {"h": 1, "a": 2, "b": 3}),
    ([("a", "x", 1, "", False), ("b", "x", 2, "a", False)], {"a": 2, "b": 3}),       # no homepage: depth + 1
    ([("h", "x", 0, "", True), ("o", "x", 1, "nowhere", False)], {"h": 1}),          # unreachable from a homepage
])
def test_page_levels(pages, expected):
    assert page_levels(pages) == expected


def test_no_pages_or_no_dns_is_skipped():
    ctx = make_ctx(["https://www.v6.test/"])
    assert check_ipv6_pages(ctx).result.status is CheckStatus.SKIPPED
    ctx.dns_enabled = False
    assert check_ipv6(ctx).result.status is CheckStatus.SKIPPED
