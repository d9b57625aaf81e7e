"""TLS checks against loopback HTTPS servers with certificates made in the test."""
from __future__ import annotations

import ssl

import pytest

from crawler.checks.health.tls import check_tls, fetch_chain, offers, served_from_der
from crawler.loopback.dns import DNSServer
from crawler.loopback.web import Reply, ResetServer, WebServer
from tests.helpers_tls import LocalCA, by_rule, make_ctx, self_signed_context
from rules.model import CheckStatus, Severity

NAMES = ["valid.test", "expired.test", "soon.test", "later.test", "wrong.test", "self.test", "reset.test",
         "closed.test"]


@pytest.fixture(scope="module")
def ca():
    authority = LocalCA()
    yield authority
    authority.close()


@pytest.fixture(scope="module")
def dns_port():
    zone = {"records": {f"{n}.": {"A": ["127.0.0.1"]} for n in NAMES}}
    with DNSServer(zone, "127.0.0.1") as server:
        yield server.port


@pytest.fixture(scope="module")
def servers(ca):
    made = {
        "valid.test": WebServer(routes={("*", "/"): Reply(200, "ok")}, ssl_context=ca.server_context("valid.test")),
        "expired.test": WebServer(ssl_context=ca.server_context("expired.test", days_left=-2)),
        "soon.test": WebServer(ssl_context=ca.server_context("soon.test", days_left=5)),
        "later.test": WebServer(ssl_context=ca.server_context("later.test", days_left=15)),
        "wrong.test": WebServer(ssl_context=ca.server_context("somewhere-else.test")),
        "self.test": WebServer(ssl_context=self_signed_context("self.test")),
    }
    for server in made.values():
        server.start()
    with ResetServer() as reset:
        made["reset.test"] = reset
        yield made
    for name, server in made.items():
        if name != "reset.test":
            server.stop()


def audit(servers, dns_port, budget_s=10.0):
    urls = [f"https://{name}:{server.port}/" for name, server in servers.items()]
    urls.append("https://closed.test:1/")   # nothing listens on port 1
    ctx = make_ctx(urls, resolver=("127.0.0.1", dns_port), budget_s=budget_s)
    return check_tls(ctx)


def _audit_with_bundle(servers, dns_port, bundle):
    mp = pytest.MonkeyPatch()
    mp.delenv("REQUESTS_CA_BUNDLE", raising=False)
    if bundle:
        mp.setenv("SSL_CERT_FILE", bundle)
    else:
        mp.delenv("SSL_CERT_FILE", raising=False)
    try:
        return audit(servers, dns_port)
    finally:
        mp.undo()


@pytest.fixture(scope="module")
def untrusted(servers, dns_port):
    return _audit_with_bundle(servers, dns_port, None)


@pytest.fixture(scope="module")
def trusted(servers, dns_port, ca):
    return _audit_with_bundle(servers, dns_port, str(ca.bundle))


def on(outcome, domain):
    return [f for f in outcome.findings if f"//{domain}:" in f.url]


def test_valid_certificate_trusted_through_ssl_cert_file_has_no_findings(trusted):
    assert on(trusted, "valid.test") == []
    assert trusted.facts["valid.test"]["https"] is True


@pytest.mark.parametrize("domain, rule, severity", [
    ("expired.test", "TLS001", Severity.ERROR),
    ("soon.test", "TLS002", Severity.ERROR),
    ("later.test", "TLS003", Severity.WARNING),
    ("wrong.test", "TLS004", Severity.ERROR),
    ("self.test", "TLS005", Severity.WARNING),
    ("reset.test", "TLS008", Severity.ERROR),
    ("closed.test", "TLS009", Severity.INFO),
])
def test_problem_certificates(trusted, servers, domain, rule, severity):
    found = by_rule(on(trusted, domain), rule)
    assert found and found[0].severity is severity, on(trusted, domain)
    assert found[0].category == "tls" and found[0].where == "tls"
    assert found[0].expected and found[0].actual and "127.0.0.1" in found[0].actual
    # only the problem made: no expiry finding on a certificate with months left, and so on
    assert {f.rule for f in on(trusted, domain) if f.severity is not Severity.INFO} <= {rule}


def test_expired_evidence_names_the_date(trusted):
    (found,) = by_rule(on(trusted, "expired.test"), "TLS001")
    assert "notAfter" in found.actual and "过期" in found.message


def test_untrusted_chain_is_a_warning_not_an_error(untrusted):
    found = on(untrusted, "valid.test")
    assert [f.rule for f in found] == ["TLS006"] and found[0].severity is Severity.WARNING
    assert "TLS006" not in {f.rule for f in on(untrusted, "self.test")}   # said once, as self-signed


def test_status_and_facts(trusted):
    assert trusted.result.status is CheckStatus.FAIL
    assert trusted.facts["reset.test"]["https"] is False
    assert trusted.facts["expired.test"]["https"] is True


def test_old_protocol_offered(ca, dns_port):
    server_ctx = ca.server_context("old.test", minimum_version=ssl.TLSVersion.TLSv1)
    with WebServer(ssl_context=server_ctx) as server:
        support = offers("127.0.0.1", "old.test", server.port, ssl.TLSVersion.TLSv1, 3)
        if support is None:
            pytest.skip("this OpenSSL cannot make a TLS 1.0 handshake at all")
        assert support is True
        zone = {"records": {"old.test.": {"A": ["127.0.0.1"]}}}
        with DNSServer(zone, "127.0.0.1") as dns_server:
            outcome = check_tls(make_ctx([server.url("old.test")], resolver=("127.0.0.1", dns_server.port)))
        found = by_rule(outcome.findings, "TLS007")
        assert {f.match for f in found} == {"TLS 1.0", "TLS 1.1"} and found[0].severity is Severity.WARNING
    with WebServer(ssl_context=ca.server_context("new.test")) as server:
        assert offers("127.0.0.1", "new.test", server.port, ssl.TLSVersion.TLSv1, 3) is False


def test_fetch_chain_reads_leaf(servers):
    served = fetch_chain("valid.test", "127.0.0.1", servers["valid.test"].port, 3)
    assert served.error_kind == "" and served.chain
    assert served.chain[0].not_valid_after_utc > served.chain[0].not_valid_before_utc


@pytest.mark.parametrize("ders", [[b"not a certificate"], [b"\x30\x82\x01\x00\x02\x01"], []])
def test_unparsable_certificate_is_kind_parse(ders):
    served = served_from_der("127.0.0.1", ders)
    assert served.error_kind == "parse" and served.error and not served.chain


def test_parsable_chain_is_kept(ca):
    der = ssl.PEM_cert_to_DER_cert(ca.ca.cert_pem.bytes().decode())
    served = served_from_der("127.0.0.1", [der])
    assert served.error_kind == "" and len(served.chain) == 1


def test_http_only_site_on_a_test_port_is_not_https(dns_port):
    ctx = make_ctx(["http://valid.test:8080/"], resolver=("127.0.0.1", dns_port))
    outcome = check_tls(ctx)
    assert outcome.findings == [] and outcome.facts["valid.test"]["https"] is False


@pytest.mark.parametrize("names, domain, expected", [
    (["a.test"], "a.test", True),
    (["a.test"], "A.TEST.", True),
    (["*.a.test"], "www.a.test", True),
    (["*.a.test"], "a.test", False),
    (["*.a.test"], "x.www.a.test", False),
    (["b.test"], "a.test", False),
    (["127.0.0.1"], "127.0.0.1", True),
    (["a.test"], "127.0.0.1", False),
])
def test_hostname_matches(ca, names, domain, expected):
    from cryptography import x509

    from crawler.checks.health.tls import hostname_matches

    leaf = ca.ca.issue_cert(*names)
    cert = x509.load_pem_x509_certificate(leaf.cert_chain_pems[0].bytes())
    assert hostname_matches(cert, domain) is expected


def test_every_address_is_judged(ca):
    """Two servers behind one name: the stale one (expired certificate) is found even when the other is fine."""
    zone = {"records": {"lb.test.": {"A": ["127.0.0.1", "127.0.0.7"]}}}
    with WebServer(ssl_context=ca.server_context("lb.test")) as fresh:
        with WebServer(host="127.0.0.7", port=fresh.port, ssl_context=ca.server_context("lb.test", days_left=-1)), \
                DNSServer(zone, "127.0.0.1") as dns_server:
            outcome = check_tls(make_ctx([fresh.url("lb.test")], resolver=("127.0.0.1", dns_server.port)))
    (expired,) = by_rule(outcome.findings, "TLS001")
    assert expired.actual.startswith("127.0.0.7:") and outcome.facts["lb.test"]["https"] is True
    (untrusted,) = by_rule(outcome.findings, "TLS006")      # one finding, both addresses in its evidence
    assert "127.0.0.1:" in untrusted.actual and "127.0.0.7:" in untrusted.actual
