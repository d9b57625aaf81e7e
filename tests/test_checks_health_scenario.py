"""The health checks together on one site with typical problems, as an inspector would audit it:
each problem lands on the right domain, category and severity; the healthy domain gets no error."""
from __future__ import annotations

import pytest

from crawler.checks import SITE_CHECKS, run_site_check
from crawler.loopback.dns import DNSServer
from crawler.loopback.web import Reply, WebServer
from tests.helpers_tls import LocalCA, make_ctx
from rules.model import Severity


HEALTH_CHECKS = [(cid, fn) for cid, fn in SITE_CHECKS if cid in {"dns", "ipv6", "uptime", "tls", "hygiene"}]


@pytest.fixture(scope="module")
def shop():
    """The problem site on loopback; yields `run(lang)` -> (ctx, {check id: outcome})."""
    ca = LocalCA()
    zone = {"records": {
        "shop.test.": {"A": ["127.0.0.1"], "NS": ["ns1.shop.test.", "ns2.shop.test."]},
        "www.shop.test.": {"A": ["127.0.0.1"], "AAAA": ["::1"]},
        "old.shop.test.": {"A": ["127.0.0.1"], "AAAA": ["::1"]},
        "stray.shop.test.": {"A": ["127.0.0.1", "127.0.0.3"], "AAAA": ["::1"]},
        "down.shop.test.": {"A": ["127.0.0.9"], "AAAA": ["::1"]},
        "ns1.shop.test.": {"A": ["127.0.0.2"]},
        "ns2.shop.test.": {"A": ["127.0.0.2"]},
    }}
    names = ["www.shop.test", "shop.test", "old.shop.test", "stray.shop.test", "down.shop.test"]
    routes = {("*", "/"): Reply(200, "<title>示例</title>")}
    with DNSServer(zone, "127.0.0.2") as dns_server, \
            WebServer(routes=routes, ssl_context=ca.server_context(*names, "ghost.shop.test")) as good, \
            WebServer(routes=routes, ssl_context=ca.server_context("old.shop.test", days_left=-3)) as old:
        def run(lang):
            ctx = make_ctx([good.url("www.shop.test"), old.url("old.shop.test")],
                           ["www.shop.test", "shop.test", "ghost.shop.test", "old.shop.test", "stray.shop.test",
                            "down.shop.test"],
                           resolver=("127.0.0.2", dns_server.port), server_ips=["127.0.0.1"], budget_s=8,
                           probes=2, timeout=1, lang=lang)
            return ctx, {cid: run_site_check(cid, fn, ctx) for cid, fn in HEALTH_CHECKS}

        yield run
    ca.close()


@pytest.fixture(scope="module")
def audit(shop):
    return shop("zh")


def findings_on(outcomes, domain):
    return [f for o in outcomes.values() for f in o.findings if f.url.split("/")[2].split(":")[0] == domain]


@pytest.mark.parametrize("domain, category, rule", [
    ("ghost.shop.test", "dns", "DNS001"),       # declared, does not resolve
    ("stray.shop.test", "dns", "DNS010"),       # an address outside the filing
    ("old.shop.test", "tls", "TLS001"),         # expired certificate
    ("down.shop.test", "uptime", "UPT001"),     # nothing answers
])
def test_each_problem_is_an_error_on_its_domain(audit, domain, category, rule):
    _, outcomes = audit
    errors = [f for f in findings_on(outcomes, domain) if f.severity is Severity.ERROR]
    assert any(f.rule == rule and f.category == category for f in errors), findings_on(outcomes, domain)


def test_missing_aaaa_is_a_warning(audit):
    _, outcomes = audit
    found = [f for f in findings_on(outcomes, "shop.test") if f.rule == "IPV6001"]
    assert found and found[0].severity is Severity.WARNING and found[0].category == "dns"


def test_each_finding_has_its_own_identity(audit):
    _, outcomes = audit
    keys = [f.key for o in outcomes.values() for f in o.findings]
    assert len(keys) == len(set(keys))   # (rule, url, where, match) tells findings apart across runs


def test_healthy_domain_has_no_error(audit):
    _, outcomes = audit
    assert [f for f in findings_on(outcomes, "www.shop.test") if f.severity is Severity.ERROR] == []


def test_no_check_crashed_and_facts_recorded(audit):
    ctx, outcomes = audit
    assert {o.result.status.value for o in outcomes.values()} <= {"ok", "fail"}, [o.result for o in outcomes.values()]
    facts = ctx.facts["www.shop.test"]
    assert facts["ips"] == ["127.0.0.1", "::1"] and facts["https"] is True and facts["ipv6"] in (True, False)
    assert facts["uptime"] is not None
    # stray.shop.test's first address refuses connections: TLS and hygiene judge the one that answers
    assert ctx.facts["stray.shop.test"]["https"] is True
    assert any(f.rule == "SEC001" for f in findings_on(outcomes, "stray.shop.test"))
    assert ctx.probes


def test_run_bounded_keeps_crashes_and_stragglers_apart():
    import threading

    from crawler.checks.health.netcommon import Deadline, run_bounded

    release = threading.Event()

    def work(item):
        if item == "crash":
            raise ValueError("odd record")
        if item == "hang":
            release.wait(5)
        return item.upper()

    done, late = run_bounded(["ok", "crash", "hang"], work, Deadline(0.3))
    release.set()
    assert done == [("ok", "OK")]
    reasons = {u.item: u.reason for u in late}
    assert reasons == {"crash": "ValueError: odd record", "hang": ""}


def test_every_rule_id_is_documented_and_every_documented_id_exists():
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    pattern = re.compile(r'"((?:DNS|IPV6|UPT|TLS|SEC)\d{3})"')   # ids are string literals
    modules = ["dns", "dnsquery", "dnszone", "dnsmail", "ipv6", "uptime", "tls", "hygiene", "netcommon"]
    in_code = {m for name in modules for m in pattern.findall((root / "crawler/checks/health" / f"{name}.py").read_text())}
    doc = (root / "docs/health-checks.md").read_text()
    in_doc = set(re.findall(r"^\| ((?:DNS|IPV6|UPT|TLS|SEC)\d{3}) \|", doc, re.M))
    assert in_code == in_doc


def test_cli_audit_puts_health_findings_in_findings_json(siteaudit, tmp_path):
    """Through `siteaudit audit --resolver`: each problem in findings.json on its domain, the healthy one clean."""
    import json

    ca = LocalCA()
    zone = {"records": {
        "corp.test.": {"A": ["127.0.0.1"], "NS": ["ns1.corp.test.", "ns2.corp.test."]},
        "www.corp.test.": {"A": ["127.0.0.1"]},
        "old.corp.test.": {"A": ["127.0.0.1"]},
        "stray.corp.test.": {"A": ["127.0.0.5"]},
        "down.corp.test.": {"A": ["127.0.0.1"]},
        "ns1.corp.test.": {"A": ["127.0.0.2"]},
        "ns2.corp.test.": {"A": ["127.0.0.2"]},
    }}
    page = "<html><head><title>企业官网</title></head><body><p>欢迎访问</p></body></html>"
    routes = {("*", "/"): Reply(200, page), ("down.corp.test", "/"): Reply(503, "down")}
    names = ("corp.test", "www.corp.test", "stray.corp.test", "down.corp.test", "ghost.corp.test")
    with DNSServer(zone, "127.0.0.2") as dns_server, \
            WebServer(routes=routes, ssl_context=ca.server_context(*names)) as good, \
            WebServer(routes=routes, ssl_context=ca.server_context("old.corp.test", days_left=-5)) as old, \
            WebServer(host="127.0.0.5", port=good.port, routes=routes,
                      ssl_context=ca.server_context("stray.corp.test")):
        profile = tmp_path / "site.yaml"
        profile.write_text(f"""site:
  start_urls: ["{good.url('www.corp.test')}", "{old.url('old.corp.test')}"]
  domains: [corp.test, www.corp.test, old.corp.test, stray.corp.test, down.corp.test, ghost.corp.test]
license: {{server_ips: [127.0.0.1]}}
crawl: {{max_pages: 5, delay: 0}}
uptime: {{probes: 2, timeout: 2, retries: 0}}
""", encoding="utf-8")
        result = siteaudit("audit", str(profile), "--resolver", dns_server.address, "-o", str(tmp_path / "out"),
                           "--format", "json")
    ca.close()
    assert result.returncode == 1, result.stderr
    doc = json.loads((tmp_path / "out" / "findings.json").read_text(encoding="utf-8"))

    def errors(domain, category):
        return [f["rule"] for f in doc["findings"] if f["severity"] == "error" and f["category"] == category
                and f["url"].split("/")[2].split(":")[0] == domain]

    assert "DNS001" in errors("ghost.corp.test", "dns")
    assert "DNS010" in errors("stray.corp.test", "dns")
    assert "TLS001" in errors("old.corp.test", "tls")
    assert "UPT001" in errors("down.corp.test", "uptime")
    assert [f for f in doc["findings"] if f["rule"] == "IPV6001" and f["severity"] == "warning"]
    health = ("dns", "tls", "uptime", "security")
    assert not [f for f in doc["findings"] if f["severity"] == "error" and f["category"] in health
                and f["url"].split("/")[2].split(":")[0] == "www.corp.test"]
    assert {c["id"] for c in doc["checks"]} >= {"dns", "ipv6", "uptime", "tls", "hygiene"}


def test_english_texts_have_no_chinese(shop):
    import re

    _, outcomes = shop("en")
    cjk = re.compile(r"[\u4e00-\u9fff]")
    texts = [t for o in outcomes.values() for f in o.findings
             for t in (f.message, f.expected or "", f.actual or "", f.suggestion or "")]
    texts += [t for o in outcomes.values() for t in (o.result.detail, o.result.expected or "", o.result.actual or "")]
    assert texts and not [t for t in texts if cjk.search(t)]


def test_a_host_that_hangs_costs_each_check_at_most_its_budget():
    """Nothing answers after the TCP handshake: every check still returns, with the right kind of finding."""
    from crawler.loopback.web import ResetServer

    zone = {"records": {"hang.test.": {"A": ["127.0.0.1"]}}}
    with DNSServer(zone, "127.0.0.2") as dns_server, ResetServer(mode="hold") as hang:
        ctx = make_ctx([f"https://hang.test:{hang.port}/"], resolver=("127.0.0.2", dns_server.port),
                       budget_s=1.5, probes=1, timeout=0.5)
        outcomes = {cid: run_site_check(cid, fn, ctx) for cid, fn in HEALTH_CHECKS}
    assert {o.result.status.value for o in outcomes.values()} <= {"ok", "fail"}
    rules = {f.rule for o in outcomes.values() for f in o.findings}
    assert "UPT001" in rules and ctx.probes[0].kind.value == "timeout"
    assert "TLS009" in rules or "TLS010" in rules
