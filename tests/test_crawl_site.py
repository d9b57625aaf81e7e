"""The real spider against one messy fixture site on loopback: every crawl case at once.

tests/site/crawl holds the files; routes add what files cannot (wrong charset headers, redirect
loops and chains, an endless calendar, 429s with Retry-After). One crawl (a subprocess: a Twisted
reactor cannot restart) feeds every test in this module.
"""
from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from crawler.loopback.dns import DNSServer
from crawler.loopback.web import Reply, WebServer, _Handler
from tests.conftest import ROOT, SITE_FIXTURES

WWW, M, SHOP = "www.crawl-corp.cn", "m.crawl-corp.cn", "shop.crawl-corp.cn"
PARTNER, LIMITED = "partner.ext-corp.cn", "limited.ext-corp.cn"
AGENT = "Mozilla/5.0 (compatible; acme-audit/2.0)"
ZONE = {"origins": ["crawl-corp.cn", "ext-corp.cn"],
        "records": {h: {"A": ["127.0.0.1"]} for h in (WWW, M, SHOP, PARTNER, LIMITED)}}

GBK_PRODUCT = ('<!DOCTYPE html><html><head><meta charset="gbk"><title>产品</title></head>'
               '<body><p>本产品根治失眠，三天见效。</p></body></html>').encode("gbk")
BIG5_PAGE = ('<!DOCTYPE html><html><head><title>繁體頁面</title></head>'
             '<body><p>本公司是國內最佳的雲端服務提供商，歡迎聯繫我們了解更多資訊。</p></body></html>').encode("big5")
SOFT_404 = ('<!DOCTYPE html><html><head><meta charset="utf-8"><title>手机版</title></head><body>'
            '<p>抱歉，您访问的内容暂时无法显示，请返回首页继续浏览其他栏目。</p></body></html>')


class _SoftHandler(_Handler):
    """m.crawl-corp.cn answers unknown paths with 200 and a generic page, like many CMSs do."""

    def _file(self, root, host, path):
        reply = super()._file(root, host, path)
        if host == M and reply.status == 404:
            return Reply(200, SOFT_404)
        return reply


def _calendar(handler) -> Reply:
    month = parse_qs(urlsplit(handler.path).query).get("month", ["2026-01"])[0]
    year, mon = (int(x) for x in month.split("-"))
    year, mon = (year + 1, 1) if mon == 12 else (year, mon + 1)
    return Reply(200, f'<html><head><meta charset="utf-8"><title>日历 {month}</title></head><body>'
                      f'<p>{month} 活动安排：暂无活动，欢迎关注后续的线下交流会与产品发布会。</p>'
                      f'<a href="/calendar.html?month={year}-{mon:02d}">下个月</a></body></html>')


def _busy() -> callable:
    lock, calls = threading.Lock(), []

    def reply(handler) -> Reply:
        with lock:
            calls.append(1)
            first = len(calls) == 1
        if first:
            return Reply(429, "请求过于频繁", headers={"Retry-After": "1"})
        return Reply(200, '<html><head><meta charset="utf-8"><title>繁忙</title></head>'
                          '<body><p>稍后访问的页面内容已经正常显示，感谢您的耐心等待。</p></body></html>')
    return reply


def _staging(handler) -> Reply:
    """A page behind basic auth, a cookie and a custom header, as staging sites are."""
    ok = (handler.headers.get("Authorization") == "Basic " + base64.b64encode(b"audit:s3cret").decode()
          and "preview=1" in (handler.headers.get("Cookie") or "") and handler.headers.get("X-Staging") == "yes")
    if not ok:
        return Reply(401, "unauthorised", headers={"WWW-Authenticate": 'Basic realm="staging"'})
    return Reply(200, '<html><head><meta charset="utf-8"><title>预发布</title></head>'
                      '<body><p>预发布环境的页面内容，只有通过认证才能看到。</p></body></html>')


def _redirect(to: str, status: int = 302) -> Reply:
    return Reply(status, "", headers={"Location": to})


def _no_head(handler) -> Reply:
    """A server that refuses HEAD (405) but serves GET."""
    if handler.command == "HEAD":
        return Reply(405, "", headers={"Allow": "GET"})
    return Reply(200, "<html><body>ok</body></html>")


ROUTES = {
    (PARTNER, "/no-head.html"): _no_head,
    (WWW, "/wrong-header.html"): Reply(200, GBK_PRODUCT, content_type="text/html; charset=utf-8"),
    (WWW, "/big5.html"): Reply(200, BIG5_PAGE, content_type="text/html; charset=gb2312"),
    (WWW, "/loop-a"): _redirect("/loop-b"),
    (WWW, "/loop-b"): _redirect("/loop-a"),
    (WWW, "/chain-1"): _redirect("/chain-2", 301),
    (WWW, "/chain-2"): _redirect("/chain-3", 301),
    (WWW, "/chain-3"): _redirect("/chain-end.html", 301),
    (WWW, "/chain-end.html"): Reply(200, '<html><head><meta charset="utf-8"><title>新地址</title></head>'
                                         '<body><p>页面已经迁移到新的地址，内容保持不变。</p></body></html>'),
    (WWW, "/old-about"): _redirect("/old-about-2", 301),
    (WWW, "/old-about-2"): _redirect("/old-about-3", 301),
    (WWW, "/old-about-3"): _redirect("/about.html", 301),
    (WWW, "/calendar.html"): _calendar,
    (WWW, "/api/quota.html"): Reply(429, "Too Many Requests", headers={"Retry-After": "1"}),
    (WWW, "/staging.html"): _staging,
    (SHOP, "/"): Reply(429, "<html><body>请求过于频繁，请稍后再试</body></html>", headers={"Retry-After": "1"}),
    (SHOP, "/robots.txt"): Reply(429, "Too Many Requests", headers={"Retry-After": "1"}, content_type="text/plain"),
    (LIMITED, "/"): Reply(429, "Too Many Requests", headers={"Retry-After": "30"}),
}


def serve_crawl_site() -> tuple[WebServer, DNSServer]:
    """The fixture site on 127.0.0.1 and its names on a DNS server at 127.0.0.2; the caller stops both."""
    web = WebServer(SITE_FIXTURES / "crawl", routes={**ROUTES, (WWW, "/busy.html"): _busy()})
    web._httpd.RequestHandlerClass = _SoftHandler
    web.replace = {b"{port}": str(web.port).encode()}
    dns = DNSServer(ZONE, host="127.0.0.2").start()
    web.start()
    return web, dns


def crawl_profile(path: Path, port: int, extra: str = "") -> Path:
    path.write_text(
        "site:\n"
        "  name: 爬虫测试公司\n"
        f"  start_urls: ['http://{WWW}:{port}/']\n"
        f"  domains: [{WWW}, {M}, {SHOP}]\n"
        "crawl:\n"
        "  delay: 0\n  max_pages: 200\n  pattern_cap: 5\n  concurrency: 4\n  timeout: 5\n"
        f"  user_agent: {AGENT}\n"
        "  headers: {X-Staging: 'yes'}\n  cookies: {preview: '1'}\n"
        "  auth: {username: audit, password_env: CRAWL_TEST_PASSWORD}\n"
        "  exclude: ['^/drafts/']\n"
        "  strip_params: [ref]\n" + extra, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def crawl(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("crawl")
    web, dns = serve_crawl_site()
    try:
        profile = crawl_profile(tmp / "site.yaml", web.port)
        out = tmp / "crawl.json"
        result = subprocess.run([sys.executable, "-m", "tests.crawl_runner", str(profile), str(out), dns.address],
                                cwd=ROOT, capture_output=True, text=True, timeout=120,
                                env={**os.environ, "CRAWL_TEST_PASSWORD": "s3cret"})
        assert result.returncode == 0, result.stderr
        assert "Traceback" not in result.stderr, result.stderr
        data = json.loads(out.read_text(encoding="utf-8"))
        data["url"] = lambda host, path="/": f"http://{host}:{web.port}{path}"
        data["requests"] = list(web.requests)
        yield data
    finally:
        web.stop()
        dns.stop()


def _page(crawl, url):
    pages = [p for p in crawl["pages"] if p["url"] == url]
    assert pages, f"{url} was not crawled; got {[p['url'] for p in crawl['pages']]}"
    return pages[0]


def _findings(crawl, rule, url=None):
    return [f for f in crawl["findings"] if f["rule"] == rule and (url is None or f["url"] == url)]


def test_crawl_ends_by_itself(crawl):
    assert crawl["finish_reason"] == "finished"


def test_depth_counts_links_from_the_homepage(crawl):
    # robots.txt, sitemaps and the probe come first but are not link hops
    assert _page(crawl, crawl["url"](WWW, "/"))["depth"] == 0
    assert _page(crawl, crawl["url"](WWW, "/spa.html"))["depth"] == 1
    assert _page(crawl, crawl["url"](WWW, "/orphan.html"))["depth"] == 0   # a sitemap entry is an entry point


@pytest.mark.parametrize("path, encoding, phrase", [
    ("/gbk.html", "gb18030", "效果最佳"),           # no charset anywhere
    ("/wrong-header.html", "gb18030", "根治失眠"),  # header says utf-8, <meta> and bytes say GBK
    ("/big5.html", "big5hkscs", "國內最佳"),        # header says gb2312, bytes are Big5
    ("/bom.html", "utf-8", "全网最低价"),           # BOM, no declaration
])
def test_pages_are_decoded_by_their_bytes(crawl, path, encoding, phrase):
    page = _page(crawl, crawl["url"](WWW, path))
    assert page["encoding"] == encoding
    assert phrase in page["text"]


@pytest.mark.parametrize("path, declared, actual", [
    ("/gbk.html", "（未声明）", "gb18030"),
    ("/wrong-header.html", "utf-8", "gb18030"),
    ("/big5.html", "gb18030", "big5hkscs"),
])
def test_encoding_mismatch_is_a_finding(crawl, path, declared, actual):
    (finding,) = _findings(crawl, "CNT001", crawl["url"](WWW, path))
    assert finding["category"] == "content" and finding["severity"] == "warning"
    assert finding["expected"] == declared and finding["actual"] == actual


def test_correctly_declared_pages_have_no_encoding_finding(crawl):
    flagged = {f["url"] for f in _findings(crawl, "CNT001")}
    assert crawl["url"](WWW, "/about.html") not in flagged
    assert crawl["url"](WWW, "/bom.html") not in flagged


def test_phrases_on_misencoded_pages_are_found(crawl):
    for path, match in (("/gbk.html", "最佳"), ("/wrong-header.html", "根治")):
        url = crawl["url"](WWW, path)
        assert [f for f in crawl["findings"] if f["url"] == url and match in f.get("match", "")], path


def test_robots_excluded_pages_are_listed_not_fetched(crawl):
    secret = crawl["url"](WWW, "/private/secret.html")
    assert not any(path.startswith("/private/") for _, _, path, _ in crawl["requests"])
    (finding,) = _findings(crawl, "LNK009")
    assert finding["severity"] == "info" and secret in finding["actual"]
    assert crawl["state"]["robots_excluded"]["count"] == 1


def test_sitemap_seeds_and_orphans(crawl):
    orphan = crawl["url"](WWW, "/orphan.html")
    assert _page(crawl, orphan)["status"] == 200   # reached only through the sitemap index
    (finding,) = _findings(crawl, "LNK010")
    assert orphan in finding["actual"]
    assert crawl["url"](WWW, "/about.html") not in finding["actual"]  # linked: not an orphan
    (unlisted,) = _findings(crawl, "LNK011")
    assert crawl["url"](WWW, "/spa.html") in unlisted["actual"]


def test_broken_link_names_the_linking_pages(crawl):
    missing = crawl["url"](WWW, "/missing.html")
    (finding,) = _findings(crawl, "LNK001", missing)
    for referer in (crawl["url"](WWW, "/"), crawl["url"](WWW, "/about.html")):
        assert referer in finding["actual"] and referer in finding["context"]


def test_redirect_loop_and_chain(crawl):
    (loop,) = _findings(crawl, "LNK005")
    assert loop["url"] == crawl["url"](WWW, "/loop-a")
    assert "/loop-b" in loop["actual"] and loop["actual"].count("/loop-a") == 2
    (chain,) = _findings(crawl, "LNK004", crawl["url"](WWW, "/chain-1"))
    assert "chain-end.html" in chain["actual"]


def test_redirect_chain_to_a_page_already_crawled(crawl):
    (chain,) = _findings(crawl, "LNK004", crawl["url"](WWW, "/old-about"))
    assert chain["actual"].endswith("/about.html")
    assert len([p for p in crawl["pages"] if p["url"] == crawl["url"](WWW, "/about.html")]) == 1


def test_rate_limited_host_is_blocked_not_broken(crawl):
    shop = crawl["url"](SHOP, "/")
    assert not _findings(crawl, "LNK001", shop)
    (blocked,) = _findings(crawl, "LNK003", shop)
    assert "被限流/拦截" in blocked["message"]
    shop_gets = [r for r in crawl["requests"] if r[0] == SHOP and r[2] == "/"]
    assert len(shop_gets) == 2   # the first answer and one retry after waiting, then it gave up
    # robots.txt answered 429 too: no sitemap or probe was asked for while the host wanted a pause
    assert {r[2] for r in crawl["requests"] if r[0] == SHOP} == {"/robots.txt", "/"}
    (throttle,) = [f for f in _findings(crawl, "LNK013") if f["url"] == shop]
    assert throttle["severity"] == "warning"


def test_one_rate_limited_url_does_not_give_up_its_host(crawl):
    quota = crawl["url"](WWW, "/api/quota.html")
    assert _findings(crawl, "LNK003", quota) and not _findings(crawl, "LNK001", quota)
    assert len([r for r in crawl["requests"] if r[2] == "/api/quota.html"]) == 2   # asked, waited, asked again
    # pages linked from a page found after the refusal were still crawled
    assert _page(crawl, crawl["url"](WWW, "/calendar.html?month=2026-04"))["status"] == 200


def test_retry_after_is_waited_for_and_retried(crawl):
    busy = crawl["url"](WWW, "/busy.html")
    assert _page(crawl, busy)["status"] == 200
    # www also has /api/quota.html, refused even after waiting: the host note says pages were lost
    (note,) = [f for f in _findings(crawl, "LNK013") if WWW in f["message"]]
    assert note["severity"] == "warning"
    assert not _findings(crawl, "LNK003", busy)


def test_calendar_ends_by_evidence_before_the_users_cap(crawl):
    # Each month repeats the last and links to the next: three in a row end the pattern (the
    # profile's pattern_cap of 5 is never reached).
    months = [p for p in crawl["pages"] if "/calendar.html" in p["url"]]
    assert len(months) == 4
    (trap,) = [f for f in _findings(crawl, "LNK016") if "calendar.html?month" in f["message"]]
    assert "2026-01" in trap["actual"] and trap["severity"] == "info"
    (state,) = [t for t in crawl["state"]["traps"].values() if t["pattern"].endswith("/calendar.html?month")]
    assert state["kind"] == "near_duplicate" and state["skipped"] == 1
    assert not _findings(crawl, "LNK012")


def test_tracking_parameters_do_not_refetch(crawl):
    about = [p for p in crawl["pages"] if "/about.html" in p["url"]]
    assert [p["url"] for p in about] == [crawl["url"](WWW, "/about.html")]
    assert not [r for r in crawl["requests"] if "utm_" in r[2] or "ref=" in r[2]]


def test_profile_exclude_is_a_path_regex(crawl):
    assert not [r for r in crawl["requests"] if r[2].startswith("/drafts/")]


def test_resources_are_status_checked_with_head(crawl):
    missing = crawl["url"](WWW, "/img/missing.png")
    (broken,) = _findings(crawl, "LNK007", missing)
    assert crawl["url"](WWW, "/") in broken["actual"]
    heads = {(r[0], r[2]) for r in crawl["requests"] if r[1] == "HEAD"}
    assert {(WWW, "/img/logo.png"), (WWW, "/docs/manual.pdf"), (WWW, "/css/site.css")} <= heads
    assert not [r for r in crawl["requests"] if r[1] == "GET" and r[2].endswith(".png")]
    # A style sheet is read once more, whole, for the hidden-content checks (spiders/stylesheets.py).
    assert [r[2] for r in crawl["requests"] if r[1] == "GET" and r[2].endswith(".css")] == ["/css/site.css"]
    # A PDF is also downloaded once, for the phrase rules (crawler/documents.py).
    assert [r[2] for r in crawl["requests"] if r[1] == "GET" and r[2].endswith(".pdf")] == ["/docs/manual.pdf"]


def test_external_links_checked_not_followed(crawl):
    dead = crawl["url"](PARTNER, "/dead.html")
    (broken,) = _findings(crawl, "LNK008", dead)
    assert broken["severity"] == "warning"
    assert not _findings(crawl, "LNK008", crawl["url"](PARTNER, "/ok.html"))
    assert all(r[1] == "HEAD" for r in crawl["requests"] if r[0] in (PARTNER, LIMITED) and r[2] != "/no-head.html")
    limited = crawl["url"](LIMITED, "/")
    assert _findings(crawl, "LNK003", limited) and not _findings(crawl, "LNK008", limited)


def test_head_refused_falls_back_to_get(crawl):
    assert not [f for f in crawl["findings"] if f["url"] == crawl["url"](PARTNER, "/no-head.html")]
    methods = [r[1] for r in crawl["requests"] if r[0] == PARTNER and r[2] == "/no-head.html"]
    assert methods == ["HEAD", "GET"]


def test_soft_404_by_probe_comparison(crawl):
    old = crawl["url"](M, "/old-page.html")
    assert _page(crawl, old)["status"] == 200
    assert _findings(crawl, "CNT002", old)
    assert not _findings(crawl, "CNT002", crawl["url"](M, "/news.html"))
    assert _findings(crawl, "CNT005")   # the host itself answers unknown paths with 200


def test_js_only_page(crawl):
    assert _findings(crawl, "CNT003", crawl["url"](WWW, "/spa.html"))
    assert not _findings(crawl, "CNT003", crawl["url"](WWW, "/about.html"))


def test_crawl_delay_from_robots_is_recorded(crawl):
    assert crawl["state"]["crawl_delay"] == {M: 0.3}


def test_staging_access_goes_to_declared_hosts_only(crawl):
    assert _page(crawl, crawl["url"](WWW, "/staging.html"))["status"] == 200
    external = [headers for host, _, _, headers in crawl["requests"] if host in (PARTNER, LIMITED)]
    assert external
    for headers in external:
        assert not {"Authorization", "X-Staging", "Cookie"} & set(headers)


def test_user_agent_from_the_profile(crawl):
    # Header names are case-insensitive: the browser that renders spa.html sends them lower-case.
    agents = {next((v for k, v in headers.items() if k.lower() == "user-agent"), None)
              for _, _, _, headers in crawl["requests"]}
    assert agents == {AGENT}
