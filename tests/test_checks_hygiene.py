"""Web hygiene checks against loopback HTTP and HTTPS servers: headers, banners, exposed paths, redirect."""
from __future__ import annotations

import pytest

from crawler.checks.health.hygiene import check_hygiene
from crawler.loopback.dns import DNSServer
from crawler.loopback.web import Reply, WebServer
from tests.helpers_tls import LocalCA, by_rule, make_ctx
from rules.model import CheckStatus, Severity

GOOD_HEADERS = {"Strict-Transport-Security": "max-age=31536000; includeSubDomains",
                "Content-Security-Policy": "default-src 'self'; frame-ancestors 'self'",
                "X-Content-Type-Options": "nosniff"}


@pytest.fixture(scope="module")
def setup():
    ca = LocalCA()
    zone = {"records": {f"{n}.": {"A": ["127.0.0.1"]} for n in ("safe.test", "leaky.test")}}
    https_routes = {
        ("safe.test", "/"): Reply(200, "<title>ok</title>", headers=GOOD_HEADERS),
        ("safe.test", "/.git/HEAD"): Reply(200, "<html>soft 404 page</html>"),   # not a real repository
        ("leaky.test", "/"): Reply(200, "<title>hi</title>", headers={"X-Powered-By": "PHP/7.4.3"}),
        ("leaky.test", "/.git/HEAD"): Reply(200, "ref: refs/heads/main\n", content_type="text/plain"),
        ("leaky.test", "/phpmyadmin/"): Reply(200, "<title>phpMyAdmin</title>"),
        ("leaky.test", "/uploads/"): Reply(200, "<html><title>Index of /uploads</title></html>"),
    }
    with DNSServer(zone, "127.0.0.1") as dns_server, \
            WebServer(routes=https_routes, ssl_context=ca.server_context("safe.test", "leaky.test")) as secure:
        http_routes = {("safe.test", "/"): Reply(301, "", headers={"Location": secure.url("safe.test")}),
                       ("leaky.test", "/"): Reply(200, "plain")}
        with WebServer(routes=http_routes) as plain:
            urls = [secure.url("safe.test"), plain.url("safe.test"), secure.url("leaky.test"), plain.url("leaky.test")]
            ctx = make_ctx(urls, resolver=("127.0.0.1", dns_server.port))
            yield check_hygiene(ctx), secure, plain
    ca.close()


def on(outcome, domain):
    return [f for f in outcome.findings if f"//{domain}:" in f.url]


def test_well_configured_domain_has_no_findings(setup):
    outcome, *_ = setup
    assert on(outcome, "safe.test") == []


@pytest.mark.parametrize("rule, severity, path", [
    ("SEC001", Severity.WARNING, "/"),
    ("SEC002", Severity.INFO, "/"),
    ("SEC003", Severity.WARNING, "/"),
    ("SEC004", Severity.INFO, "/"),
    ("SEC005", Severity.INFO, "/"),
    ("SEC010", Severity.ERROR, "/.git/HEAD"),
    ("SEC011", Severity.WARNING, "/phpmyadmin/"),
    ("SEC012", Severity.WARNING, "/uploads/"),
])
def test_leaky_domain(setup, rule, severity, path):
    outcome, secure, _ = setup
    (found,) = by_rule(on(outcome, "leaky.test"), rule)
    assert found.severity is severity and found.category == "security"
    assert found.url == f"https://leaky.test:{secure.port}{path}"
    assert found.expected and found.actual


def test_banner_evidence(setup):
    outcome, *_ = setup
    (found,) = by_rule(outcome.findings, "SEC005")
    assert found.match == "PHP/7.4.3"


def test_missing_http_to_https_redirect(setup):
    outcome, _, plain = setup
    (found,) = by_rule(outcome.findings, "TLS013")
    assert found.url == f"http://leaky.test:{plain.port}/" and found.severity is Severity.WARNING
    assert found.category == "tls" and "HTTP 200" in found.actual


def test_status(setup):
    outcome, *_ = setup
    assert outcome.result.status is CheckStatus.FAIL


def test_http_start_url_with_https_available_but_no_redirect(setup):
    _, secure, plain = setup
    # The http start URL comes first, so the domain is audited over HTTP; its HTTPS port is known from the second.
    with DNSServer({"records": {"leaky.test.": {"A": ["127.0.0.1"]}}}, "127.0.0.1") as dns_server:
        ctx = make_ctx([plain.url("leaky.test"), secure.url("leaky.test")], resolver=("127.0.0.1", dns_server.port))
        outcome = check_hygiene(ctx)
    (found,) = by_rule(outcome.findings, "TLS013")
    assert found.url == f"http://leaky.test:{plain.port}/"
    assert not by_rule(outcome.findings, "SEC001")   # HSTS is judged on HTTPS answers only
