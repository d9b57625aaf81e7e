"""`siteaudit audit` (the CLI, as a subprocess) on the messy crawl site: every crawl case at once,
through the real pipeline, phrase rules, store and findings.json."""
from __future__ import annotations

import json

import pytest

from tests.test_crawl_site import LIMITED, SHOP, WWW, crawl_profile, serve_crawl_site


@pytest.fixture(scope="module")
def site():
    web, dns = serve_crawl_site()
    yield web, dns
    web.stop()
    dns.stop()


def test_cli_audit_of_the_messy_site(site, siteaudit, tmp_path):
    web, dns = site
    profile = crawl_profile(tmp_path / "site.yaml", web.port)
    out = tmp_path / "out"
    result = siteaudit("audit", str(profile), "--resolver", dns.address, "-o", str(out), "--format", "json",
                       "--no-uptime", "--no-dns", env={"CRAWL_TEST_PASSWORD": "s3cret"})
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    doc = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    assert doc["run"]["finish_reason"] == "finished"   # the endless calendar ended by evidence

    def url(path, host=WWW):
        return f"http://{host}:{web.port}{path}"

    def rules_at(u):
        return {f["rule"] for f in doc["findings"] if f["url"] == u}

    def matched(u):
        return {f.get("match", "") for f in doc["findings"] if f["url"] == u and f["category"] != "content"}

    pages = {p["url"]: p for p in doc["pages"]}
    # Mis-encoded pages are read right: their violations are found, and the mismatch is reported.
    for path in ("/gbk.html", "/wrong-header.html"):
        assert pages[url(path)]["encoding"] == "gb18030"
        assert "CNT001" in rules_at(url(path))
    assert any("最佳" in m for m in matched(url("/gbk.html")))
    assert any("根治" in m for m in matched(url("/wrong-header.html")))
    # The 404 with its linking pages, the loop, the blocked host, the robots section, the orphan, the cap.
    (broken,) = [f for f in doc["findings"] if f["rule"] == "LNK001" and f["url"] == url("/missing.html")]
    assert url("/") in broken["actual"] and url("/about.html") in broken["actual"]
    assert "LNK005" in rules_at(url("/loop-a"))
    shop = url("/", SHOP)
    assert "LNK003" in rules_at(shop) and "LNK001" not in rules_at(shop)
    assert "LNK003" in rules_at(url("/", LIMITED))
    excluded = [f for f in doc["findings"] if f["rule"] == "LNK009"]
    assert excluded and url("/private/secret.html") in excluded[0]["actual"]
    assert "LNK010" in rules_at(url("/orphan.html"))
    assert [f for f in doc["findings"] if f["rule"] == "LNK016" and "calendar.html" in f["message"]]
    assert len([u for u in pages if "/calendar.html" in u]) == 4
    checks = {c["id"]: c["status"] for c in doc["checks"]}
    assert checks["crawl.robots"] == "fail" and checks["crawl.traps"] == "fail"
    # robots.txt kept real pages out: the audit says it is incomplete, and why.
    coverage = doc["run"]["coverage"]
    assert coverage["complete"] is False and coverage["not_audited_by_reason"]["robots"] == 1
    # shop.crawl-corp.cn (declared) kept refusing: its pages count as blocked; limited.ext-corp.cn's do not
    assert coverage["not_audited_by_reason"]["blocked"] >= 1
    assert coverage["not_audited_by_reason"]["trap"] >= 1 and coverage["audited"] < doc["run"]["pages"]
    assert set(coverage) == {"complete", "audited", "not_audited", "not_audited_by_reason"}   # as SPEC shows
    assert set(coverage["not_audited_by_reason"]) == {"max_pages", "time_limit", "max_depth", "robots", "blocked",
                                                      "trap"}


def test_cli_page_limit_ends_the_crawl(site, siteaudit, tmp_path):
    web, dns = site
    profile = crawl_profile(tmp_path / "site.yaml", web.port)
    out = tmp_path / "out"
    result = siteaudit("audit", str(profile), "--resolver", dns.address, "-o", str(out), "--format", "json",
                       "--no-uptime", "--no-dns", "--max-pages", "3", env={"CRAWL_TEST_PASSWORD": "s3cret"})
    assert "Traceback" not in result.stderr, result.stderr
    doc = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    assert doc["run"]["finish_reason"] == "page_limit"
    assert 3 <= doc["run"]["pages"] <= 6   # pages already downloading when the cap hit are still recorded


def test_cli_ignore_robots_audits_the_excluded_section(site, siteaudit, tmp_path):
    web, dns = site
    profile = crawl_profile(tmp_path / "site.yaml", web.port)
    out = tmp_path / "out"
    result = siteaudit("audit", str(profile), "--resolver", dns.address, "-o", str(out), "--format", "json",
                       "--no-uptime", "--no-dns", "--ignore-robots", env={"CRAWL_TEST_PASSWORD": "s3cret"})
    assert "Traceback" not in result.stderr, result.stderr
    doc = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    secret = f"http://{WWW}:{web.port}/private/secret.html"
    assert secret in {p["url"] for p in doc["pages"]}
    assert not [f for f in doc["findings"] if f["rule"] == "LNK009"]
    assert {c["id"]: c["status"] for c in doc["checks"]}["crawl.robots"] == "skipped"


def test_cli_missing_staging_password_is_a_config_error(siteaudit, tmp_path):
    profile = tmp_path / "site.yaml"
    profile.write_text("site:\n  start_urls: ['http://www.crawl-corp.cn:9/']\n"
                       "crawl:\n  auth: {username: audit, password_env: SITEAUDIT_TEST_NO_SUCH_VAR}\n", encoding="utf-8")
    result = siteaudit("audit", str(profile), "--no-dns", "--no-uptime", "-o", str(tmp_path / "out"))
    assert result.returncode == 2, result.stderr
    assert "crawl.auth.password_env" in result.stderr and "SITEAUDIT_TEST_NO_SUCH_VAR" in result.stderr
