"""Uptime probes against real loopback servers: resolved through a loopback DNS server, Host kept."""
from __future__ import annotations

import pytest

from crawler.checks.base import Probe, ProbeKind
from crawler.checks.health.uptime import (ACCOUNTING_RULES_EN, ACCOUNTING_RULES_ZH, check_uptime,
                                   classify_response, uptime_percent)
from crawler.loopback.dns import DNSServer
from crawler.loopback.web import Reply, ResetServer, WebServer
from tests.helpers_tls import LocalCA, by_rule, make_ctx
from rules.model import CheckStatus, Severity

ZONE = {"records": {
    "a.test.": {"A": ["127.0.0.1"]},
    "www.a.test.": {"A": ["127.0.0.1"]},
    "err.a.test.": {"A": ["127.0.0.1"]},
    "limit.a.test.": {"A": ["127.0.0.1"]},
    "hang.a.test.": {"A": ["127.0.0.1"]},
    "half.a.test.": {"A": ["127.0.0.1", "127.0.0.9"]},
    "gone.a.test.": {"A": ["127.0.0.9"]},
    "waf.a.test.": {"A": ["127.0.0.1"]},
}}


@pytest.fixture(scope="module")
def dns_server():
    with DNSServer(ZONE, "127.0.0.1") as server:
        yield server


@pytest.fixture(scope="module")
def web():
    routes = {
        ("*", "/"): Reply(200, "<html><title>ok</title></html>"),
        ("err.a.test", "/"): Reply(503, "down for maintenance"),
        ("limit.a.test", "/"): Reply(429, "slow down", headers={"Retry-After": "120"}),
        ("waf.a.test", "/"): Reply(403, "<h1>您的访问被拦截 (WAF)</h1>"),
        ("hang.a.test", "/"): Reply(200, "late", delay=3),
    }
    with WebServer(routes=routes) as server:
        yield server


def _ctx(web, dns_server, domains, **kw):
    return make_ctx([web.url("www.a.test")], domains, resolver=("127.0.0.1", dns_server.port), **kw)


def test_healthy_domain_is_up_with_host_kept(web, dns_server):
    ctx = _ctx(web, dns_server, ["www.a.test", "a.test"], probes=2)
    outcome = check_uptime(ctx)
    assert outcome.result.status is CheckStatus.OK, outcome.findings
    assert outcome.findings == []
    probes = ctx.probes
    assert len(probes) == 4 and all(p.kind is ProbeKind.OK and p.status == 200 for p in probes)
    assert {p.address for p in probes} == {"127.0.0.1"}
    assert outcome.facts["a.test"]["uptime"] == 100.0
    # The server saw the declared hostnames, not the IP: Host was kept.
    hosts = {h for h, *_ in web.requests}
    assert {"a.test", "www.a.test"} <= hosts


@pytest.mark.parametrize("domain, rule, severity, kind", [
    ("err.a.test", "UPT001", Severity.ERROR, ProbeKind.HTTP_ERROR),
    ("nowhere.a.test", "UPT001", Severity.ERROR, ProbeKind.DNS_FAILURE),
    ("gone.a.test", "UPT001", Severity.ERROR, ProbeKind.CONNECT),
    ("hang.a.test", "UPT001", Severity.ERROR, ProbeKind.TIMEOUT),
    ("limit.a.test", "UPT003", Severity.INFO, ProbeKind.BLOCKED),
    ("waf.a.test", "UPT003", Severity.INFO, ProbeKind.BLOCKED),
])
def test_problem_domains(web, dns_server, domain, rule, severity, kind):
    ctx = _ctx(web, dns_server, [domain], timeout=0.5)
    outcome = check_uptime(ctx)
    found = by_rule(outcome.findings, rule, domain)
    assert found and found[0].severity is severity, outcome.findings
    assert found[0].url.startswith(f"http://{domain}:{web.port}/")
    assert found[0].expected and found[0].actual
    assert ctx.probes[0].kind is kind
    if severity is Severity.INFO:  # blocked is not down
        assert not by_rule(outcome.findings, "UPT001")
        assert outcome.facts[domain]["uptime"] is None


def test_retry_after_is_kept_as_evidence(web, dns_server):
    ctx = _ctx(web, dns_server, ["limit.a.test"])
    outcome = check_uptime(ctx)
    assert "Retry-After: 120" in by_rule(outcome.findings, "UPT003")[0].actual


def test_one_dead_address_is_a_warning_not_down(web, dns_server):
    ctx = _ctx(web, dns_server, ["half.a.test"])
    outcome = check_uptime(ctx)
    assert not by_rule(outcome.findings, "UPT001")
    (warn,) = by_rule(outcome.findings, "UPT002")
    assert warn.severity is Severity.WARNING and "127.0.0.9" in warn.message
    assert outcome.facts["half.a.test"]["uptime"] == 50.0


def test_retries_are_made_before_counting_down(web, dns_server):
    ctx = _ctx(web, dns_server, ["err.a.test"], retries=2)
    before = sum(1 for h, *_ in web.requests if h == "err.a.test")
    check_uptime(ctx)
    after = sum(1 for h, *_ in web.requests if h == "err.a.test")
    assert after - before == 3
    assert "3 attempts" in ctx.probes[0].error


def test_hanging_host_cannot_outlast_the_budget(web, dns_server):
    ctx = _ctx(web, dns_server, ["hang.a.test", "www.a.test"], probes=5, timeout=5, budget_s=1.0)
    outcome = check_uptime(ctx)
    # the healthy domain is still judged; the hanging one is timeout/down or reported as unfinished
    assert not by_rule(outcome.findings, "UPT001", "www.a.test")
    assert by_rule(outcome.findings, "UPT001", "hang.a.test") or by_rule(outcome.findings, "UPT005", "hang.a.test")


def test_https_probe_sends_sni_and_ignores_trust(dns_server):
    ca = LocalCA()
    with WebServer(routes={("*", "/"): Reply(200, "ok")}, ssl_context=ca.server_context("a.test", "www.a.test")) as web:
        ctx = make_ctx([web.url("www.a.test")], resolver=("127.0.0.1", dns_server.port))
        outcome = check_uptime(ctx)
    ca.close()
    assert outcome.findings == [] and ctx.probes[0].kind is ProbeKind.OK


def test_disabled_is_skipped(web, dns_server):
    ctx = _ctx(web, dns_server, ["a.test"])
    ctx.uptime_enabled = False
    assert check_uptime(ctx).result.status is CheckStatus.SKIPPED


@pytest.mark.parametrize("kinds, expected", [
    ([], None),
    ([ProbeKind.BLOCKED], None),
    ([ProbeKind.OK, ProbeKind.SLOW], 100.0),
    ([ProbeKind.OK, ProbeKind.TIMEOUT], 50.0),
    ([ProbeKind.OK, ProbeKind.BLOCKED, ProbeKind.DNS_FAILURE, ProbeKind.OK], 66.67),
    ([ProbeKind.CONNECT, ProbeKind.TLS, ProbeKind.HTTP_ERROR], 0.0),
])
def test_uptime_percent(kinds, expected):
    probes = [Probe("a.test", "https://a.test/", k, "2026-01-01T00:00:00+00:00") for k in kinds]
    assert uptime_percent(probes) == expected


@pytest.mark.parametrize("status, headers, body, ms, kind", [
    (200, {}, "", 10, ProbeKind.OK),
    (301, {}, "", 10, ProbeKind.OK),
    (200, {}, "", 2001, ProbeKind.SLOW),
    (200, {}, "", 2000, ProbeKind.OK),
    (429, {}, "", 10, ProbeKind.BLOCKED),
    (403, {"Server": "cloudflare"}, "", 10, ProbeKind.BLOCKED),
    (403, {}, "Forbidden", 10, ProbeKind.HTTP_ERROR),
    (404, {}, "", 10, ProbeKind.HTTP_ERROR),
    (500, {}, "", 10, ProbeKind.HTTP_ERROR),
    (503, {"X-Tencent-Waf": "1"}, "", 10, ProbeKind.BLOCKED),
])
def test_classify_response(status, headers, body, ms, kind):
    assert classify_response(status, headers, body, ms, slow_ms=2000) is kind


def test_accounting_rules_in_both_languages():
    assert "429" in ACCOUNTING_RULES_ZH and "429" in ACCOUNTING_RULES_EN
    assert "重试" in ACCOUNTING_RULES_ZH and "retried" in ACCOUNTING_RULES_EN


def test_host_that_resets_connections_is_down_with_its_kind(dns_server):
    with ResetServer() as reset:
        ctx = make_ctx([f"http://www.a.test:{reset.port}/"], resolver=("127.0.0.1", dns_server.port), timeout=1)
        outcome = check_uptime(ctx)
    (down,) = by_rule(outcome.findings, "UPT001")
    assert ctx.probes[0].kind in (ProbeKind.CONNECT, ProbeKind.HTTP_ERROR)
    assert "connect" in down.message or "http" in down.message


def test_blocked_address_is_not_probed_again(web, dns_server):
    ctx = _ctx(web, dns_server, ["limit.a.test"], probes=3)
    before = sum(1 for h, *_ in web.requests if h == "limit.a.test")
    check_uptime(ctx)
    assert sum(1 for h, *_ in web.requests if h == "limit.a.test") - before == 1
    assert len([p for p in ctx.probes if p.domain == "limit.a.test"]) == 1


def test_ip_literal_start_url(web):
    ctx = make_ctx([f"http://127.0.0.1:{web.port}/"])
    ctx.dns_enabled = False
    outcome = check_uptime(ctx)
    assert outcome.findings == [] and outcome.facts["127.0.0.1"]["ips"] == ["127.0.0.1"]


def test_endless_body_cannot_hold_a_probe(dns_server):
    from crawler.checks.health.netcommon import MAX_BODY_BYTES, pinned_get

    def endless(handler):
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html")
        handler.end_headers()
        for _ in range(100000):
            try:
                handler.wfile.write(b"x" * 65536)
            except OSError:
                break
        return Reply(200, "")

    with WebServer(routes={("*", "/"): endless}) as server:
        resp = pinned_get("a.test", "127.0.0.1", "http", server.port, "/", 5)
    assert resp.status_code == 200 and len(resp.content) == MAX_BODY_BYTES


def test_probes_carry_the_profiles_staging_access(dns_server, monkeypatch):
    import base64
    import dataclasses

    from crawler.profile import AuthSection, CrawlSection

    monkeypatch.setenv("STAGE_PW", "s3cret")
    good = "Basic " + base64.b64encode(b"audit:s3cret").decode()

    def gate(handler):
        ok = handler.headers.get("Authorization") == good and "gate=open" in handler.headers.get("Cookie", "")
        return Reply(200, "<title>staging</title>") if ok else Reply(401, "login", headers={"WWW-Authenticate": "Basic"})

    with WebServer(routes={("*", "/"): gate}) as web:
        ctx = _ctx(web, dns_server, ["a.test"])
        crawl = CrawlSection(headers={"X-Staging": "1"}, cookies={"gate": "open"}, user_agent="CorpAudit/2",
                             auth=AuthSection("audit", "STAGE_PW"))
        ctx = dataclasses.replace(ctx, profile=dataclasses.replace(ctx.profile, crawl=crawl))
        check_uptime(ctx)
        probes = ctx.probes
        assert probes and all(p.status == 200 for p in probes)   # a 401 would have shown without the access
        _, _, _, headers = web.requests[-1]
        assert headers["X-Staging"] == "1" and headers["User-Agent"] == "CorpAudit/2"
