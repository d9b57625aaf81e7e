"""End to end: `siteaudit audit` as a subprocess against a fixture site on loopback.

Two host names resolved by a DNS server the test starts on 127.0.0.2, one HTTP server on
127.0.0.1 serving both by Host header. Asserts findings, page statuses, exit codes and the schema.
"""
from __future__ import annotations

import json
import pytest

from tests.conftest import SITE_FIXTURES

ZONE = {
    "origins": ["e2e-corp.cn"],
    "records": {
        "e2e-corp.cn": {"A": ["127.0.0.1"], "NS": ["ns1.e2e-corp.cn.", "ns2.e2e-corp.cn."]},
        "www.e2e-corp.cn": {"A": ["127.0.0.1"]},
        "m.e2e-corp.cn": {"A": ["127.0.0.1"]},
        "ns1.e2e-corp.cn": {"A": ["127.0.0.2"]},
        "ns2.e2e-corp.cn": {"A": ["127.0.0.2"]},
    },
}
REQUIRED = {"rule", "category", "severity", "url", "message"}


@pytest.fixture
def site(web_server, dns_server, tmp_path):
    web = web_server(SITE_FIXTURES / "e2e")
    web.replace = {b"{port}": str(web.port).encode()}
    dns = dns_server(ZONE, host="127.0.0.2")
    profile = tmp_path / "site.yaml"
    profile.write_text(
        "site:\n"
        "  name: 易测公司\n"
        f"  start_urls: ['http://www.e2e-corp.cn:{web.port}/']\n"
        "  domains: [www.e2e-corp.cn, m.e2e-corp.cn]\n"
        "crawl: {delay: 0, max_pages: 50}\n"
        "uptime: {probes: 1, timeout: 2}\n", encoding="utf-8")
    return web, dns, profile


def _audit(siteaudit, profile, dns, out, *extra):
    return siteaudit("audit", str(profile), "--resolver", dns.address, "-o", str(out), *extra)


def test_audit_finds_violations_pages_and_exit_code(site, siteaudit, tmp_path):
    web, dns, profile = site
    out = tmp_path / "out"
    result = _audit(siteaudit, profile, dns, out, "--format", "html,json")
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    doc = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    assert (out / "report.html").is_file()

    # The schema, as SPEC gives it.
    assert doc["schema"] == "siteaudit/1"
    assert doc["tool"]["name"] == "siteaudit"
    assert set(doc["run"]) >= {"id", "site", "started", "finished", "finish_reason", "pages"}
    assert doc["run"]["finish_reason"] == "finished"
    assert set(doc["summary"]) == {"error", "warning", "info", "new", "fixed"}
    assert all(REQUIRED <= set(f) for f in doc["findings"])
    assert all({"id", "status"} <= set(c) for c in doc["checks"])
    assert sum(doc["summary"][s] for s in ("error", "warning", "info")) == len(doc["findings"])

    home = web.url("www.e2e-corp.cn", "/")
    invest = web.url("www.e2e-corp.cn", "/invest.html")
    mobile = web.url("m.e2e-corp.cn", "/")

    def found(url, match, where=None):
        return [f for f in doc["findings"] if f["url"] == url and match in f.get("match", "")
                and (where is None or f.get("where") == where)]

    assert found(home, "最佳", "body"), "body violation on the homepage"
    assert found(home, "第一", "title"), "title violation"
    assert found(home, "国家级", "alt"), "img alt violation"
    assert found(invest, "保本"), "finance violation"
    assert found(mobile, "根治"), "violation on the GBK page"
    # Traps and script text are not findings.
    assert not found(home, "最近") and not found(home, "第一步")
    assert all("script" not in (f.get("context") or "") for f in found(home, "最佳"))
    body = found(home, "最佳", "body")[0]
    assert body["severity"] == "error" and body["line"] >= 1 and body["column"] >= 1
    assert "最佳" in body["context"] and body["basis"]

    pages = {p["url"]: p for p in doc["pages"]}
    assert pages[home]["status"] == 200 and pages[home]["depth"] == 0
    assert pages[web.url("www.e2e-corp.cn", "/gone.html")]["status"] == 404
    assert pages[mobile]["encoding"] in ("gb18030", "gbk")
    assert pages[mobile]["title"] == "易测手机版"


def test_fail_on_never_exits_zero_and_second_run_is_persisting(site, siteaudit, tmp_path):
    web, dns, profile = site
    first = _audit(siteaudit, profile, dns, tmp_path / "a", "--format", "json", "--fail-on", "never")
    assert first.returncode == 0, first.stderr
    second = _audit(siteaudit, profile, dns, tmp_path / "b", "--format", "json", "--fail-on", "never")
    assert second.returncode == 0, second.stderr
    doc = json.loads((tmp_path / "b" / "findings.json").read_text(encoding="utf-8"))
    assert doc["findings"] and {f["status"] for f in doc["findings"]} == {"persisting"}
    assert doc["summary"]["new"] == 0 and doc["summary"]["fixed"] == 0

    # The stored run renders again, identically, and shows in the history.
    again = siteaudit("report", doc["run"]["id"], "-o", str(tmp_path / "c"), "--format", "json,csv")
    assert again.returncode == 0, again.stderr
    redone = json.loads((tmp_path / "c" / "findings.json").read_text(encoding="utf-8"))
    assert redone["findings"] == doc["findings"] and redone["summary"] == doc["summary"]
    history = siteaudit("history")
    assert history.returncode == 0 and doc["run"]["id"] in history.stdout


def test_unknown_profile_key_exits_2_naming_key_and_line(siteaudit, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("site:\n  start_urls: [http://www.e2e-corp.cn/]\ncrawl:\n  max_page: 5\n", encoding="utf-8")
    result = siteaudit("audit", str(bad))
    assert result.returncode == 2
    assert f"{bad}:4: crawl.max_page: unknown key" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("args, words", [
    (["audit", "http://x.cn/", "--format", "docx"], "unknown format"),
    (["audit", "http://x.cn/", "--max-pages", "0"], "greater than 0"),
    (["audit", "http://x.cn/", "--resolver", "dns.example"], "--resolver"),
    (["audit", "not-a-url-or-file"], "TARGET"),
])
def test_bad_options_exit_2(siteaudit, args, words):
    result = siteaudit(*args)
    assert result.returncode == 2
    assert words in result.stderr


def test_unreachable_site_is_a_finding_not_a_crash(siteaudit, dns_server, tmp_path):
    dns = dns_server(ZONE, host="127.0.0.2")
    out = tmp_path / "out"
    # Port 9 on loopback: nothing listens, the connection is refused.
    result = siteaudit("audit", "http://www.e2e-corp.cn:9/", "--resolver", dns.address, "-o", str(out),
                       "--format", "json", "--no-dns")
    assert result.returncode == 1, result.stderr
    doc = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    assert doc["pages"][0]["status"] == 0
    assert any(f["severity"] == "error" for f in doc["findings"])


def test_format_pdf_without_chromium_exits_3_with_the_other_outputs_written(site, siteaudit, tmp_path):
    """Lawyers want a PDF; without Chromium the audit says so clearly and still writes the rest."""
    web, dns, profile = site
    out = tmp_path / "out"
    result = siteaudit("audit", str(profile), "--resolver", dns.address, "-o", str(out), "--format",
                       "html,json,csv,pdf", "--no-uptime", env={"SITEAUDIT_CHROMIUM": str(tmp_path / "no-chromium")})
    assert result.returncode == 3, result.stderr
    assert "Traceback" not in result.stderr
    assert "无法生成 pdf 输出" in result.stderr and "Chromium" in result.stderr
    assert all((out / name).is_file() for name in ("report.html", "findings.json", "findings.csv", "groups.csv"))
    assert not (out / "report.pdf").exists()
    doc = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    assert doc["groups"] and sum(g["occurrences"] for g in doc["groups"]) == len(doc["findings"])
