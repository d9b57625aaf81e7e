"""The crawl's page and final checks over plain `Page` values and `ctx.crawl` (no Scrapy)."""
from __future__ import annotations

import pytest

from crawler.checks.crawl import content, links
from crawler.checks.state import CrawlRecord, Listed, NotFoundProbe, SitemapCoverage, Throttle, Truncated
from crawler.checks.crawl import coverage as crawl
from crawler.checks.base import AuditContext
from crawler.middlewares.politeness import parse_retry_after
from crawler.page import Page
from crawler.profile import Profile, profile_for_url
from rules.model import CheckStatus

HOME = "http://www.x.cn/"


@pytest.fixture
def ctx() -> AuditContext:
    return AuditContext(profile=profile_for_url(HOME))


def _page(url="http://www.x.cn/a.html", status=200, text="", **kw) -> Page:
    return Page(url=url, status=status, text=text, content_type=kw.pop("content_type", "text/html"), **kw)


@pytest.mark.parametrize("status, headers, text, blocked", [
    (429, {}, "", True),
    (429, {"retry-after": "30"}, "", True),
    (403, {"cf-ray": "abc"}, "", True),
    (403, {"server": "Tengine"}, "<h1>您的访问被拦截</h1>", True),
    (403, {}, "<title>Access Denied</title>", True),
    (503, {}, "<title>Just a moment...</title>", True),
    (503, {"retry-after": "120"}, "maintenance", True),
    (403, {}, "<h1>403 Forbidden</h1>", False),   # a plain permission error is a broken link
    (503, {}, "Service Unavailable", False),
    (404, {"cf-ray": "abc"}, "", False),
    (500, {}, "拦截", False),
])
def test_blocked_reason(status, headers, text, blocked):
    assert bool(links.blocked_reason(_page(status=status, headers=headers, text=text))) is blocked


def test_broken_link_names_the_referer(ctx):
    (f,) = links.check_page_status(_page(status=404, referer=HOME), ctx)
    assert (f.rule, f.severity.value, f.url) == ("LNK001", "error", "http://www.x.cn/a.html")
    assert HOME in f.context and HOME in f.actual


@pytest.mark.parametrize("kind, status, rule, severity", [
    ("", 404, "LNK001", "error"), ("resource", 404, "LNK007", "error"), ("external", 404, "LNK008", "warning"),
    ("", 429, "LNK003", "warning"), ("external", 429, "LNK003", "info"), ("", 0, "LNK002", "error"),
    ("external", 0, "LNK002", "warning"),
])
def test_status_rules_by_kind(ctx, kind, status, rule, severity):
    (f,) = links.check_page_status(_page(status=status, kind=kind or "page", referer=HOME), ctx)
    assert (f.rule, f.severity.value) == (rule, severity)
    if rule == "LNK003":
        assert "被限流/拦截" in f.message


def test_unresolved_external_host_under_resolver_is_only_info():
    page = _page(status=0, kind="external", error="CannotResolveHostError: DNS lookup failed")
    with_resolver = AuditContext(profile=profile_for_url(HOME), resolver=("127.0.0.2", 53))
    assert [f.severity.value for f in links.check_page_status(page, with_resolver)] == ["info"]
    assert [f.severity.value for f in links.check_page_status(page, AuditContext(profile=profile_for_url(HOME)))] \
        == ["warning"]


@pytest.mark.parametrize("status", [200, 301, 304])
def test_ok_statuses_are_not_findings(ctx, status):
    assert not list(links.check_page_status(_page(status=status), ctx))


def test_redirect_findings(ctx):
    chain = ("https://x.cn/1", "https://x.cn/2", "http://x.cn/3")
    found = {f.rule: f for f in links.check_redirects(_page(url="http://x.cn/4", redirects=chain), ctx)}
    assert set(found) == {"LNK004", "LNK006"}
    assert found["LNK006"].actual == "https://x.cn/2 → http://x.cn/3"
    assert not list(links.check_redirects(_page(redirects=("http://www.x.cn/old",)), ctx))
    loop = _page(status=302, redirect_loop=("http://x.cn/a", "http://x.cn/b", "http://x.cn/a"))
    (f,) = links.check_redirects(loop, ctx)
    assert (f.rule, f.url, f.message) == ("LNK005", "http://x.cn/a", "重定向循环")


def test_encoding_finding_only_on_mismatch(ctx):
    page = _page(encoding="gb18030", declared_encoding="utf-8", encoding_mismatch="detected")
    (f,) = content.check_encoding(page, ctx)
    assert (f.rule, f.category, f.expected, f.actual) == ("CNT001", "content", "utf-8", "gb18030")
    assert not list(content.check_encoding(_page(encoding="utf-8", declared_encoding="utf-8"), ctx))
    (utf8,) = content.check_encoding(_page(encoding="utf-8", encoding_mismatch="utf-8"), ctx)
    (gbk,) = content.check_encoding(_page(encoding="gb18030", encoding_mismatch="utf-8"), ctx)
    assert (utf8.severity.value, gbk.severity.value) == ("info", "warning")


SOFT = "<html><head><title>网站</title></head><body><p>抱歉，您访问的内容暂时无法显示，请返回首页。</p></body></html>"
REAL = "<html><head><title>新闻</title></head><body><p>公司近期发布了新的产品线，详细信息请咨询客服。</p></body></html>"


def _probe(ctx, status, html):
    ctx.crawl.probes["www.x.cn"] = NotFoundProbe(status, "http://www.x.cn/siteaudit-probe-1.html",
                                                 content.text_signature(content.visible_text(html)))


def test_soft_404_against_the_probe(ctx):
    _probe(ctx, 200, SOFT)
    (f,) = content.check_soft_404(_page(text=SOFT, title="网站"), ctx)
    assert f.rule == "CNT002" and f.expected == "HTTP 404"
    assert not list(content.check_soft_404(_page(text=REAL, title="新闻"), ctx))
    _probe(ctx, 404, SOFT)   # the host answers real 404s: the same text is a real page then
    assert not list(content.check_soft_404(_page(text=SOFT, title="网站"), ctx))


@pytest.mark.parametrize("title, soft", [
    ("404 页面不存在", True), ("404页面", True), ("Page Not Found", True), ("抱歉，找不到该页面", True),
    ("型号 14040 参数", False), ("新闻", False),
])
def test_soft_404_by_title(ctx, title, soft):
    assert bool(list(content.check_soft_404(_page(text=REAL, title=title), ctx))) is soft


def test_shared_navigation_is_not_a_soft_404(ctx):
    nav = "<nav>" + "".join(f"<a>栏目{i}导航链接</a>" for i in range(150)) + "</nav>"
    _probe(ctx, 200, f"<html><body>{nav}<p>欢迎访问我们的网站首页。</p></body></html>")
    body = "".join(f"第{i}期产品在{i * 3}个城市上线，服务客户{i * 120}家。" for i in range(1, 40))
    article = f"<html><body>{nav}<p>{body}</p></body></html>"
    assert not list(content.check_soft_404(_page(text=article, title="新品发布"), ctx))


def test_probe_200_reported_once_per_host(ctx):
    _probe(ctx, 200, SOFT)
    home = _page(url=HOME, text=REAL, is_homepage=True)
    assert [f.rule for f in content.check_probe(home, ctx)] == ["CNT005"]
    assert not list(content.check_probe(home, ctx))


@pytest.mark.parametrize("html, rule", [
    ('<html><body><div id="app"></div><script src="/a.js"></script></body></html>', "CNT003"),
    ("<html><body><div></div><script>" + "var a=1;" * 400 + "</script></body></html>", "CNT003"),
    ("<html><head><title>t</title></head><body>  </body></html>", "CNT004"),
    ("<html><body><p>" + "正文内容" * 30 + "</p><script src='/a.js'></script><script src='/b.js'></script></body></html>",
     None),
])
def test_empty_and_js_only(ctx, html, rule):
    assert [f.rule for f in content.check_empty(_page(text=html), ctx)] == ([rule] if rule else [])


def test_final_checks_from_state(ctx):
    ctx.crawl = CrawlRecord(
        robots_excluded=Listed(3, ["http://www.x.cn/p/1", "http://www.x.cn/p/2"]),
        sitemap=SitemapCoverage(sitemaps=["http://www.x.cn/sitemap.xml"], urls=5, orphans=Listed(1, ["http://www.x.cn/o"])),
        truncated={"www.x.cn/cal?m": Truncated(7, "http://www.x.cn/cal?m=9")},
        pattern_cap=5,
        throttled={"www.x.cn": Throttle(status=429, url="http://www.x.cn/b", retry_after="1", responses=1,
                                        recovered=True)})
    robots = crawl.check_robots_excluded(ctx)
    assert robots.result.status is CheckStatus.FAIL
    assert robots.findings[0].rule == "LNK009" and "http://www.x.cn/p/2" in robots.findings[0].actual
    assert "1 个" in robots.findings[0].actual   # 3 excluded, 2 listed: the rest is counted
    sitemap = crawl.check_sitemap(ctx)
    assert [f.rule for f in sitemap.findings] == ["LNK010"]
    caps = crawl.check_caps(ctx)
    assert caps.findings[0].url == "http://www.x.cn/cal?m=9" and "7" in caps.findings[0].message
    throttled = crawl.check_throttled(ctx)
    assert throttled.findings[0].severity.value == "info"


def test_final_checks_when_nothing_happened(ctx):
    assert crawl.check_robots_excluded(ctx).result.status is CheckStatus.OK
    assert crawl.check_sitemap(ctx).result.status is CheckStatus.SKIPPED
    assert crawl.check_caps(ctx).result.status is CheckStatus.OK
    assert crawl.check_throttled(ctx).result.status is CheckStatus.OK
    ignoring = AuditContext(profile=Profile().replace("crawl", obey_robots=False))
    assert crawl.check_robots_excluded(ignoring).result.status is CheckStatus.SKIPPED


def test_links_past_max_depth_are_reported(ctx):
    ctx.crawl.depth_ignored = 4
    outcome = crawl.check_caps(ctx)
    assert outcome.result.status is CheckStatus.FAIL
    (f,) = outcome.findings
    assert f.rule == "LNK014" and f.severity.value == "info" and "4" in f.message


def test_orphans_are_not_claimed_after_a_cut_short_crawl(ctx):
    ctx.crawl.sitemap = SitemapCoverage(sitemaps=["s"], urls=1, orphans=Listed(1, ["http://www.x.cn/o"]))
    ctx.crawl.finish_reason = "page_limit"
    assert not crawl.check_sitemap(ctx).findings


@pytest.mark.parametrize("value, seconds", [
    ("5", 5.0), (b"120", 120.0), (" 7 ", 7.0), ("Wed, 21 Oct 2015 07:28:10 GMT", 0.0), ("soon", None), (None, None),
])
def test_parse_retry_after(value, seconds):
    assert parse_retry_after(value) == seconds


def test_parse_retry_after_http_date_in_the_future():
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:10 GMT", now=1445412480.0) == 10.0


def test_english_texts_have_no_chinese():
    import re

    ctx = AuditContext(profile=profile_for_url(HOME), lang="en")
    _probe(ctx, 200, SOFT)
    probes = ctx.crawl.probes
    ctx.crawl = CrawlRecord(
        robots_excluded=Listed(30, [f"http://www.x.cn/p/{i}" for i in range(25)]),
        sitemap=SitemapCoverage(sitemaps=["s"], urls=5, orphans=Listed(1, ["http://www.x.cn/o"]),
                                unlisted=Listed(1, ["http://www.x.cn/u"])),
        truncated={"www.x.cn/cal?m": Truncated(7, "http://www.x.cn/cal?m=9")},
        crawl_delay={"www.x.cn": 2.0}, depth_ignored=3, probes=probes,
        throttled={"www.x.cn": Throttle(status=429, url="http://www.x.cn/b", responses=3, gave_up=True)})
    pages = [
        _page(status=404, referer=HOME), _page(status=0, error="DNS"),
        _page(status=429), _page(status=404, kind="resource"),
        _page(url="http://x.cn/4", redirects=("https://x.cn/1", "https://x.cn/2", "http://x.cn/3")),
        _page(status=302, redirect_loop=("http://x.cn/a", "http://x.cn/b", "http://x.cn/a")),
        _page(encoding="gb18030", encoding_mismatch="detected"),
        _page(text=SOFT, title="site"), _page(url=HOME, text=REAL, is_homepage=True),
        _page(text='<html><body><div id="app"></div><script src="/a.js"></script></body></html>'),
        _page(text="<html><body> </body></html>"),
    ]
    findings = [f for fn in (links.check_page_status, links.check_redirects, content.check_encoding,
                             content.check_soft_404, content.check_probe, content.check_empty)
                for p in pages for f in fn(p, ctx)]
    outcomes = [fn(ctx) for fn in (crawl.check_robots_excluded, crawl.check_sitemap, crawl.check_caps,
                                   crawl.check_throttled)]
    findings += [f for o in outcomes for f in o.findings]
    assert len({f.rule for f in findings}) >= 16
    texts = [t for f in findings for t in (f.message, f.expected or "", f.actual or "", f.suggestion or "",
                                           f.context or "")]
    texts += [o.result.detail for o in outcomes]
    cjk = re.compile(r"[\u4e00-\u9fff；：，（）]")
    assert not [t for t in texts if cjk.search(t)]


@pytest.mark.parametrize("title, soft", [
    ("404 Not Found", True), ("404", True), ("错误 404", True), ("页面不存在", True), ("Error 404 - 页面", True),
    ("产品中心 第404页", False), ("第 404 期简报", False), ("新闻动态 - 第404页", False), ("共404条结果", False),
    ("Page 404 of 510", False), ("No. 404 阀门", False), ("404 results for valves", False), ("KT-4040 球阀", False),
])
def test_soft_404_title_reads_404_as_a_status_only(ctx, title, soft):
    # the host answers unknown paths with a real 404 (no probe): only the title can say "not found"
    found = list(content.check_soft_404(_page(text="<p>产品列表</p>", title=title), ctx))
    assert bool(found) is soft, title
