"""crawl.render: pages built by JavaScript, rendered by the real headless Chromium, on a loopback site.

The site's homepage is an empty shell whose footer (备案号), claims and an injected hidden spam block
are all written by script; a second page exists only as a link the script writes; a third page's
script never finishes loading (the browser times out on it). The audits run as the real CLI.
"""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from crawler.page import Page, RenderInfo
from crawler.profile import parse_profile
from crawler.render import RenderSupport, render_reason, render_settings
from reports.browser import find_chromium
from rules.errors import ConfigError

HOST = "www.spa-corp.cn"
ZONE = {"origins": ["spa-corp.cn"], "records": {HOST: {"A": ["127.0.0.1"]}}}

SHELL = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>加载中</title>
<script src="/js/app.js"></script></head><body><div id="app"></div></body></html>"""
APP_JS = """
document.addEventListener("DOMContentLoaded", function () {
  document.title = "云净科技 - 首页";
  document.getElementById("app").innerHTML =
    '<h1>云净科技</h1><p>我们的净水器是全国最佳产品，效果立竿见影。</p>' +
    '<img src="/img/hero.png" alt="产品图">' +
    '<div style="position:absolute;left:-9999px"><a href="http://spam.example/">百家乐 真人娱乐 开户送彩金</a></div>' +
    '<p><a href="/news.html">新闻</a> <a href="/slow.html">慢页面</a></p>' +
    '<footer>版权所有 <a href="https://beian.miit.gov.cn/">京ICP备20268888号-1</a></footer>';
});
"""
NEWS = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>新闻</title></head><body>
<div id="root"></div><script>document.getElementById("root").innerHTML =
'<p>公司新闻：本公司获评国家级示范企业，产品销量第一。</p>';</script>
<script src="/js/app-vendor.js"></script><script src="/js/extra.js"></script></body></html>"""
SLOW = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>慢</title></head><body><div id="app"></div>
<script src="/js/never.js"></script><script src="/js/extra.js"></script></body></html>"""

browser_needed = pytest.mark.skipif(
    find_chromium() is None or importlib.util.find_spec("scrapy_playwright") is None,
    reason="needs headless Chromium (apt-get install chromium) and scrapy-playwright (pip install 'siteaudit[render]')")


@pytest.fixture
def spa_site(tmp_path: Path, web_server, dns_server):
    from crawler.loopback.web import Reply

    root = tmp_path / "site" / HOST
    (root / "js").mkdir(parents=True)
    (root / "img").mkdir()
    (root / "index.html").write_text(SHELL, encoding="utf-8")
    (root / "js" / "app.js").write_text(APP_JS, encoding="utf-8")
    (root / "js" / "app-vendor.js").write_text("var vendor = 1;", encoding="utf-8")
    (root / "js" / "extra.js").write_text("var extra = 1;", encoding="utf-8")
    (root / "img" / "hero.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (root / "news.html").write_text(NEWS, encoding="utf-8")
    (root / "slow.html").write_text(SLOW, encoding="utf-8")
    # A script that takes longer than the page may: the browser's per-page timeout ends it.
    web = web_server(tmp_path / "site", routes={(HOST, "/js/never.js"): Reply(200, "var late = 1;", delay=5,
                                                                              content_type="application/javascript")})
    dns = dns_server(ZONE)

    def profile(render: str) -> Path:
        path = tmp_path / f"site-{render}.yaml"
        path.write_text(f"""site:
  start_urls: ["{web.url(HOST)}"]
  domains: [{HOST}]
license: {{icp_filing: 京ICP备20268888号}}
crawl: {{delay: 0, render: {render}, timeout: 3, max_depth: 3}}
uptime: {{probes: 1, timeout: 2}}
""", encoding="utf-8")
        return path

    return web, dns, profile


def _audit(siteaudit, profile: Path, dns, out: Path, env: dict | None = None) -> dict:
    result = siteaudit("audit", str(profile), "--resolver", dns.address, "-o", str(out), "--format", "json",
                       "--no-uptime", "--quiet", "--fail-on", "never", env=env or {})
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads((out / "findings.json").read_text(encoding="utf-8"))


def _rules(doc: dict, url: str) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for f in doc["findings"]:
        if f["url"] == url:
            out.setdefault(f["rule"], []).append(f)
    return out


@browser_needed
def test_script_built_pages_are_rendered_and_checked(spa_site, siteaudit, tmp_path):
    web, dns, profile = spa_site
    doc = _audit(siteaudit, profile("auto"), dns, tmp_path / "out")
    home, news, slow = web.url(HOST), web.url(HOST, "/news.html"), web.url(HOST, "/slow.html")
    found = _rules(doc, home)
    # The copy, the injected block and the footer exist only after the script ran: all found, all marked.
    phrases = [f for f in doc["findings"] if f["url"] == home and f["category"] == "absolute"]
    assert phrases and all(f.get("rendered") for f in phrases)
    assert any("最佳" in f["match"] for f in phrases)
    assert any(f["match"] == "百家乐" and f.get("rendered") for f in found["INJ010"])
    assert "ICP001" not in found                     # the number is there, once rendered ...
    (script_footer,) = found["ICP003"]               # ... but only after the script ran
    assert script_footer["severity"] == "warning" and script_footer["rendered"] is True
    assert "ICP010" not in found                     # and it is the declared number
    # A page only the script links to was crawled (and, being script-built too, rendered).
    pages = {p["url"]: p for p in doc["pages"]}
    assert pages[home]["rendered"] is True and pages[home]["title"] == "云净科技 - 首页"
    assert pages[news]["rendered"] is True
    assert any(f["match"] == "销量第一" and f.get("rendered") for f in _rules(doc, news).get("AD103", []))
    # The page whose script never loads: a finding on that page, checked on its served HTML, audit done.
    (failed,) = _rules(doc, slow)["REN001"]
    assert "Timeout" in failed["actual"]
    assert not pages[slow].get("rendered")
    assert doc["run"]["finish_reason"] == "finished"
    # The checks list says which pages were rendered.
    (row,) = [c for c in doc["checks"] if c["id"] == "render"]
    assert home in row["actual"] and news in row["actual"] and slow in row["actual"]
    # No media downloads: the browser never asked for the picture (the crawl HEADs it, as every resource).
    assert not [r for r in web.requests if r[2] == "/img/hero.png" and r[1] == "GET"]


@browser_needed
def test_never_keeps_the_raw_html(spa_site, siteaudit, tmp_path):
    web, dns, profile = spa_site
    doc = _audit(siteaudit, profile("never"), dns, tmp_path / "out")
    home = web.url(HOST)
    found = _rules(doc, home)
    assert "CNT003" in found and not any(f.get("rendered") for f in doc["findings"])
    assert web.url(HOST, "/news.html") not in {p["url"] for p in doc["pages"]}   # only the script links to it
    (row,) = [c for c in doc["checks"] if c["id"] == "render"]
    assert row["status"] == "skipped"


def test_without_chromium_the_audit_says_what_it_could_not_render(spa_site, siteaudit, tmp_path):
    web, dns, profile = spa_site
    doc = _audit(siteaudit, profile("auto"), dns, tmp_path / "out",
                 env={"SITEAUDIT_CHROMIUM": str(tmp_path / "no-chromium-here")})
    (info,) = [f for f in doc["findings"] if f["rule"] == "REN002"]   # said once, for the whole audit
    assert info["severity"] == "info" and info["message"].startswith("1 个页面需要在浏览器中渲染")
    assert "siteaudit[render]" in info["suggestion"] and "Chromium" in info["message"]
    assert web.url(HOST) in info["actual"]
    assert not any(f.get("rendered") for f in doc["findings"])
    assert "CNT003" in _rules(doc, web.url(HOST))
    assert doc["run"]["finish_reason"] == "finished"


@pytest.mark.skipif(importlib.util.find_spec("scrapy_playwright") is None, reason="needs scrapy-playwright")
def test_a_browser_that_does_not_start_is_a_finding_not_a_crashed_audit(spa_site, siteaudit, tmp_path):
    web, dns, profile = spa_site
    broken = tmp_path / "chromium"
    broken.write_text("#!/bin/sh\necho 'cannot start' >&2\nexit 1\n")
    broken.chmod(0o755)
    doc = _audit(siteaudit, profile("always"), dns, tmp_path / "out", env={"SITEAUDIT_CHROMIUM": str(broken)})
    (failed,) = _rules(doc, web.url(HOST))["REN001"]
    assert "BrowserType.launch" in failed["actual"]
    assert "CNT003" in _rules(doc, web.url(HOST)) and doc["run"]["finish_reason"] == "finished"


# -- which pages auto renders ---------------------------------------------------------------------
FOOTER = '<footer><a href="https://beian.miit.gov.cn/">京ICP备20268888号-1</a></footer>'
TEXT = "<p>" + "本公司专注于家用净水设备的研发与生产，服务全国各地的家庭用户和企业客户。" * 2 + "</p>"


@pytest.mark.parametrize("mode, html, homepage, status, reason", [
    ("auto", SHELL, False, 200, "js_only"),
    ("auto", SHELL, True, 200, "js_only"),
    ("auto", f"<html><body>{TEXT}</body></html>", True, 200, "no_filing"),
    ("auto", f"<html><body>{TEXT}{FOOTER}</body></html>", True, 200, ""),
    ("auto", f"<html><body>{TEXT}</body></html>", False, 200, ""),       # an ordinary page: Scrapy alone
    ("auto", SHELL, False, 404, ""),
    ("always", f"<html><body>{TEXT}{FOOTER}</body></html>", False, 200, "always"),
    ("never", SHELL, True, 200, ""),
])
def test_render_reason(mode, html, homepage, status, reason):
    page = Page(url="http://www.spa-corp.cn/x", status=status, content_type="text/html", text=html,
                is_homepage=homepage)
    assert render_reason(page, mode) == reason


def test_a_page_is_rendered_once():
    page = Page(url="http://www.spa-corp.cn/", status=200, content_type="text/html", text=SHELL,
                render=RenderInfo("js_only", raw_html=SHELL))
    assert render_reason(page, "always") == ""


def test_render_settings_switch_the_browser_on_only_when_it_can_work():
    class Crawl:
        render, timeout = "auto", 20

    on = render_settings(Crawl, support=RenderSupport("/usr/bin/chromium"))
    assert on["DOWNLOAD_HANDLERS"]["https"] == "crawler.render.LazyPlaywrightHandler"
    assert on["PLAYWRIGHT_LAUNCH_OPTIONS"]["executable_path"] == "/usr/bin/chromium"
    assert "--no-sandbox" in on["PLAYWRIGHT_LAUNCH_OPTIONS"]["args"]
    assert on["PLAYWRIGHT_MAX_PAGES_PER_CONTEXT"] == 2
    off = render_settings(Crawl, support=RenderSupport(None, "Chromium"))
    assert "DOWNLOAD_HANDLERS" not in off and off["AUDIT_RENDER_MISSING"] == "Chromium"
    Crawl.render = "never"
    assert "DOWNLOAD_HANDLERS" not in render_settings(Crawl, support=RenderSupport("/usr/bin/chromium"))


@pytest.mark.parametrize("value", ["sometimes", "yes", ""])
def test_render_must_be_auto_always_or_never(value):
    with pytest.raises(ConfigError) as err:
        parse_profile(f"site:\n  start_urls: [http://a.cn/]\ncrawl:\n  render: '{value}'\n", "site.yaml")
    assert err.value.field == "crawl.render" and err.value.line == 4


def test_render_defaults_to_auto():
    assert parse_profile("site:\n  start_urls: [http://a.cn/]\n").crawl.render == "auto"


def _kill_marked_chromium(mark: str) -> int:
    """Kill the Chromium processes of one audit (found by a variable only that audit's environment has)."""
    import os
    import signal

    killed = 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/environ", "rb") as fh:
                environ = fh.read()
            with open(f"/proc/{pid}/comm") as fh:
                comm = fh.read().strip()
        except OSError:
            continue
        if mark.encode() in environ and "chrom" in comm:
            try:
                os.kill(int(pid), signal.SIGKILL)
                killed += 1
            except ProcessLookupError:
                pass
    return killed


@browser_needed
def test_a_browser_crash_is_a_finding_on_that_page(tmp_path, web_server, dns_server, siteaudit):
    import uuid

    from crawler.loopback.web import Reply

    mark = f"siteaudit-crash-{uuid.uuid4().hex}"
    kills: list[int] = []

    def crash(handler) -> Reply:   # the browser dies while it loads this page's script
        kills.append(_kill_marked_chromium(mark))
        return Reply(200, "var never = 1;", content_type="application/javascript")

    root = tmp_path / "site" / HOST
    root.mkdir(parents=True)
    (root / "index.html").write_text(SHELL.replace("/js/app.js", "/js/crash.js"), encoding="utf-8")
    web = web_server(tmp_path / "site", routes={(HOST, "/js/crash.js"): crash})
    dns = dns_server(ZONE)
    profile = tmp_path / "site.yaml"
    profile.write_text(f'site: {{start_urls: ["{web.url(HOST)}"], domains: [{HOST}]}}\n'
                       "crawl: {delay: 0, timeout: 10}\n", encoding="utf-8")
    doc = _audit(siteaudit, profile, dns, tmp_path / "out", env={"SITEAUDIT_TEST_MARK": mark})
    assert max(kills) >= 1     # the real browser was killed (the first request is the crawl's HEAD check)
    (failed,) = _rules(doc, web.url(HOST))["REN001"]
    assert "closed" in failed["actual"].lower() or "crash" in failed["actual"].lower(), failed["actual"]
    assert "CNT003" in _rules(doc, web.url(HOST)) and doc["run"]["finish_reason"] == "finished"
