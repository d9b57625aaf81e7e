"""The health checks together on one site with typical problems, as an inspector would audit it:
each problem lands on the right domain, category and severity; the healthy domain gets no error."""
from __future__ import annotations

import pytest

from crawler.checks import SITE_CHECKS, run_site_check
from crawler.checks.uptime import STATE_KEY
from crawler.dnsserver import DNSServer
from crawler.webserver import Reply, WebServer
from tests.helpers_tls import LocalCA, make_ctx
from rules.model import Severity


@pytest.fixture(scope="module")
def audit():
    ca = LocalCA()
    zone = {"records": {
        "shop.test.": {"A": ["127.0.0.1"], "NS": ["ns1.shop.test.", "ns2.shop.test."]},
        "www.shop.test.": {"A": ["127.0.0.1"], "AAAA": ["::1"]},
        "old.shop.test.": {"A": ["127.0.0.1"], "AAAA": ["::1"]},
        "moved.shop.test.": {"A": ["127.0.0.1", "127.0.0.1"], "AAAA": ["::1"]},
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
        ctx = make_ctx([good.url("www.shop.test"), old.url("old.shop.test")],
                       ["www.shop.test", "shop.test", "ghost.shop.test", "old.shop.test", "stray.shop.test",
                        "down.shop.test"],
                       resolver=("127.0.0.2", dns_server.port), server_ips=["127.0.0.1"], budget_s=8,
                       probes=2, timeout=1)
        outcomes = {cid: run_site_check(cid, fn, ctx) for cid, fn in SITE_CHECKS}
    ca.close()
    return ctx, outcomes


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


def test_healthy_domain_has_no_error(audit):
    _, outcomes = audit
    assert [f for f in findings_on(outcomes, "www.shop.test") if f.severity is Severity.ERROR] == []


def test_no_check_crashed_and_facts_recorded(audit):
    ctx, outcomes = audit
    assert {o.result.status.value for o in outcomes.values()} <= {"ok", "fail"}, [o.result for o in outcomes.values()]
    facts = ctx.facts["www.shop.test"]
    assert facts["ips"] == ["127.0.0.1", "::1"] and facts["https"] is True and facts["ipv6"] in (True, False)
    assert facts["uptime"] is not None
    assert ctx.state[STATE_KEY]


def test_run_bounded_keeps_crashes_and_stragglers_apart():
    import threading

    from crawler.checks.netcommon import Deadline, run_bounded

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
    in_code = {m for name in modules for m in pattern.findall((root / "crawler/checks" / f"{name}.py").read_text())}
    doc = (root / "docs/health-checks.md").read_text()
    in_doc = set(re.findall(r"^\| ((?:DNS|IPV6|UPT|TLS|SEC)\d{3}) \|", doc, re.M))
    assert in_code == in_doc
