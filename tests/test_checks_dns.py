"""DNS checks against real authoritative servers on 127.0.0.2–.5 (one port), as `--resolver` sees them."""
from __future__ import annotations

import copy

import pytest

from crawler.checks.health.dns import check_dns
from crawler.checks.health.dnsmail import count_lookups
from crawler.checks.health.netcommon import Deadline
from crawler.loopback.dns import DNSServer, start_on_one_port
from crawler.resolver import dns_resolver
from tests.helpers_tls import by_rule, make_ctx
from rules.model import CheckStatus, Severity

NS_GOOD = ["ns1.good.test.", "ns2.good.test."]
RECORDS = {
    "good.test.": {"A": ["127.0.0.1"], "NS": NS_GOOD, "CAA": ['0 issue "ca.example"']},
    "www.good.test.": {"CNAME": "good.test."},
    "ns1.good.test.": {"A": ["127.0.0.2"]},
    "ns2.good.test.": {"A": ["127.0.0.3"]},
    "nslame.good.test.": {"A": ["127.0.0.4"]},
    "nssilent.good.test.": {"A": ["127.0.0.5"]},
    "alias.good.test.": {"CNAME": "ns2.good.test."},
    "nodata.good.test.": {"TXT": ["no address here"]},
    "loop1.good.test.": {"CNAME": "loop2.good.test."},
    "loop2.good.test.": {"CNAME": "loop1.good.test."},
    "dangling.good.test.": {"CNAME": "missing.good.test."},
    "other.good.test.": {"A": ["127.0.0.99"]},
    "v6.good.test.": {"A": ["127.0.0.1"], "AAAA": ["::1"]},
    "serial.test.": {"A": ["127.0.0.1"], "NS": NS_GOOD, "SOA": 2026010101},
    "www.serial.test.": {"A": ["127.0.0.1"]},
    "lame.test.": {"A": ["127.0.0.1"], "NS": ["ns1.good.test.", "nslame.good.test."]},
    "silent.test.": {"A": ["127.0.0.1"], "NS": ["ns1.good.test.", "nssilent.good.test."]},
    "onens.test.": {"A": ["127.0.0.1"], "NS": ["ns1.good.test."]},
    "nscname.test.": {"A": ["127.0.0.1"], "NS": ["ns1.good.test.", "alias.good.test."]},
    "bare.test.": {"A": ["127.0.0.1"], "NS": NS_GOOD},
    "mail.test.": {"A": ["127.0.0.1"], "NS": NS_GOOD, "MX": ["10 mx.mail.test."],
                   "TXT": ["v=spf1 a mx include:s1.mail.test include:s2.mail.test -all"]},
    "s1.mail.test.": {"TXT": ["v=spf1 a mx ptr exists:x.mail.test include:s3.mail.test ~all"]},
    "s3.mail.test.": {"TXT": ["v=spf1 a mx a:b.mail.test mx:c.mail.test -all"]},
    "mx.mail.test.": {"A": ["127.0.0.1"]},
    "nospf.test.": {"A": ["127.0.0.1"], "NS": NS_GOOD, "MX": ["10 mx.nospf.test."]},
    "mx.nospf.test.": {"CNAME": "mx.mail.test."},
}


@pytest.fixture(scope="module")
def port():
    other = copy.deepcopy(RECORDS)
    other["serial.test."]["SOA"] = 2026010202    # ns2 has not caught up
    servers = [DNSServer({"records": RECORDS}, "127.0.0.2"), DNSServer({"records": other}, "127.0.0.3"),
               DNSServer({"records": RECORDS}, "127.0.0.4", behaviour="lame"),
               DNSServer({"records": RECORDS}, "127.0.0.5", behaviour="silent"),
               DNSServer({"records": RECORDS}, "127.0.0.6", behaviour="servfail")]
    number = start_on_one_port(servers)
    yield number
    for server in servers:
        server.stop()


def run(port, domains, server="127.0.0.2", budget_s=8.0, server_ips=("127.0.0.1",), lang="zh"):
    ctx = make_ctx([f"https://{domains[0]}/"], domains, resolver=(server, port), budget_s=budget_s,
                   server_ips=list(server_ips), lang=lang)
    return ctx, check_dns(ctx)


def problems(outcome):
    return [f for f in outcome.findings if f.severity is not Severity.INFO]


def test_healthy_zone_has_no_problems(port):
    ctx, outcome = run(port, ["good.test", "www.good.test"])
    assert problems(outcome) == [], problems(outcome)
    assert outcome.result.status is CheckStatus.OK
    assert outcome.facts["good.test"]["ips"] == ["127.0.0.1"]
    assert outcome.facts["www.good.test"]["ips"] == ["127.0.0.1"]


@pytest.mark.parametrize("name, rule, words", [
    ("nx.good.test", "DNS001", "NXDOMAIN"),
    ("nodata.good.test", "DNS002", "NODATA"),
    ("loop1.good.test", "DNS005", "loop1.good.test → loop2.good.test → loop1.good.test"),
    ("dangling.good.test", "DNS006", "missing.good.test"),
])
def test_declared_name_that_does_not_resolve_is_an_error(port, name, rule, words):
    _, outcome = run(port, ["good.test", name])
    (found,) = by_rule(outcome.findings, rule)
    assert found.severity is Severity.ERROR and found.url == f"https://{name}/" and found.where == "dns"
    assert words in found.message
    assert f"127.0.0.2:{port}" in found.actual          # the server asked is in the evidence
    assert not [f for f in outcome.findings if f.severity is Severity.ERROR and "//good.test/" in f.url]


@pytest.mark.parametrize("server, rule, words", [
    ("127.0.0.6", "DNS003", "SERVFAIL"),
    ("127.0.0.5", "DNS004", "超时"),
])
def test_resolver_failures_are_kept_apart(port, server, rule, words):
    _, outcome = run(port, ["good.test"], server=server, budget_s=2.0)
    found = by_rule(outcome.findings, rule, "//good.test/")
    assert found and found[0].severity is Severity.ERROR and words in found[0].message


def test_english_wording(port):
    _, outcome = run(port, ["nx.good.test"], lang="en")
    assert "does not exist (NXDOMAIN)" in by_rule(outcome.findings, "DNS001")[0].message


def test_undeclared_address_is_an_error_on_that_domain(port):
    _, outcome = run(port, ["good.test", "other.good.test"])
    (found,) = by_rule(outcome.findings, "DNS010")
    assert found.severity is Severity.ERROR and found.url == "https://other.good.test/"
    assert found.match == "127.0.0.99" and found.expected == "127.0.0.1"


def test_ipv6_addresses_judged_only_when_the_profile_lists_ipv6(port):
    _, outcome = run(port, ["v6.good.test"])
    assert not by_rule(outcome.findings, "DNS010")
    _, outcome = run(port, ["v6.good.test"], server_ips=("127.0.0.1", "2001:db8::10"))
    assert [f.match for f in by_rule(outcome.findings, "DNS010")] == ["::1"]


@pytest.mark.parametrize("zone, rule, words", [
    ("serial.test", "DNS023", "2026010202"),
    ("lame.test", "DNS022", "nslame.good.test"),
    ("silent.test", "DNS022", "nssilent.good.test"),
    ("onens.test", "DNS020", "ns1.good.test"),
    ("nscname.test", "DNS024", "alias.good.test"),
    ("nospf.test", "DNS025", "mx.nospf.test"),
    ("nospf.test", "DNS030", "SPF"),
    ("mail.test", "DNS031", "13"),
    ("mail.test", "DNS033", "DMARC"),
    ("serial.test", "DNS026", "CAA"),
])
def test_zone_problems(port, zone, rule, words):
    _, outcome = run(port, [zone], budget_s=6.0)
    found = by_rule(outcome.findings, rule)
    assert found, outcome.findings
    assert found[0].url == f"https://{zone}/" and found[0].severity in (Severity.WARNING, Severity.INFO)
    assert words in found[0].message + (found[0].actual or "")


def test_lame_server_named_once_and_healthy_servers_not(port):
    _, outcome = run(port, ["lame.test"])
    lame = by_rule(outcome.findings, "DNS022")
    assert len(lame) == 1 and "127.0.0.4" in lame[0].message
    assert "AA" in lame[0].actual and "UDP" in lame[0].actual and "TCP" in lame[0].actual


def test_undeclared_www_is_a_warning(port):
    _, outcome = run(port, ["bare.test"])
    (found,) = by_rule(outcome.findings, "DNS008")
    assert found.url == "https://www.bare.test/" and found.severity is Severity.WARNING


@pytest.mark.parametrize("record, expected", [
    ("v=spf1 ip4:192.0.2.1 -all", 0),
    ("v=spf1 a mx -all", 2),
    ("v=spf1 a:x.test mx/24 ptr exists:%{i}.x.test ?all", 4),
    ("v=spf1 redirect=nowhere.test", 1),
])
def test_spf_lookup_count(port, record, expected):
    resolver = dns_resolver(("127.0.0.2", port))
    assert count_lookups(resolver, record, Deadline(5)) == expected


def test_disabled_is_skipped(port):
    ctx = make_ctx(["https://good.test/"], resolver=("127.0.0.2", port))
    ctx.dns_enabled = False
    assert check_dns(ctx).result.status is CheckStatus.SKIPPED


def test_ip_literal_domain_is_not_looked_up(port):
    ctx = make_ctx(["http://127.0.0.1:8080/"], resolver=("127.0.0.2", port))
    outcome = check_dns(ctx)
    assert problems(outcome) == []


def test_server_ips_accept_networks_and_report_typos(port):
    _, outcome = run(port, ["other.good.test"], server_ips=("127.0.0.0/24", "not-an-ip"))
    assert not by_rule(outcome.findings, "DNS010")          # 127.0.0.99 is inside 127.0.0.0/24
    (typo,) = by_rule(outcome.findings, "DNS013")
    assert typo.match == "not-an-ip" and "license.server_ips" in typo.message
