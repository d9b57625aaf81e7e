"""External style sheets in the hidden-content checks: a real audit on loopback.

Hacked sites hide their links (暗链) with a rule in the site's own .css file as often as with an
inline style. The spider reads each linked sheet once (crawler/spiders/stylesheets.py) and the
checks apply its rules (checks/filing/hidden.py). The site: a homepage and pages that hide
off-screen links to unrelated domains and gambling text by classes defined only in /css/site.css;
a page whose sheet is missing (404) and one whose sheet is not CSS; a closed menu hidden by
display:none (a menu, not an attack); and a sheet that is too big to read.
"""
from __future__ import annotations

import json

import pytest

from crawler.checks.filing.hidden import sheet_rules
from crawler.loopback.dns import DNSServer
from crawler.loopback.web import Reply, WebServer
from tests.hostile import audit_loopback_site

HOST = "css-corp.cn"
HTML = "text/html; charset=utf-8"
SPAM_HOSTS = ("bet-a.example", "bet-b.example", "bet-c.example", "bet-d.example")
SITE_CSS = """
/* the site's own look */
body { font-family: sans-serif; color: #333 }
.menu-sub { display: none }
@media (max-width: 600px) { .wide { display: none } }
.fl, .friend-links { position: absolute; left: -9999px; top: 0 }
#gg { display: none !important }
"""


def _page(title: str, body: str, sheets: tuple[str, ...] = ("/css/site.css",)) -> str:
    links = "".join(f'<link rel="stylesheet" href="{s}">' for s in sheets)
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}</title>{links}</head><body>"
            f"<p>欢迎访问本公司网站，我们专业生产工业阀门，产品远销海内外。</p>{body}"
            "<footer><a href='/'>首页</a> <a href='/hidden-links.html'>合作</a> <a href='/hidden-spam.html'>资讯</a> "
            "<a href='/menu.html'>菜单</a> <a href='/no-sheet.html'>无样式</a> <a href='/not-css.html'>样式</a> "
            "<a href='/huge.html'>大样式</a></footer></body></html>")


def _spam_links() -> str:
    return "".join(f'<a href="http://www.{h}/">{h}</a> ' for h in SPAM_HOSTS)


@pytest.fixture(scope="module")
def css_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("css")
    routes = {
        (HOST, "/"): Reply(200, _page("首页", "<nav><a href='/menu.html'>产品</a></nav>")),
        (HOST, "/css/site.css"): Reply(200, SITE_CSS, content_type="text/css"),
        (HOST, "/css/not.css"): Reply(200, b"\x89PNG\r\n\x1a\n\0\0\0binary", content_type="image/png"),
        (HOST, "/css/huge.css"): Reply(200, ".x{color:red}\n" * 60_000 + ".hh{display:none}", content_type="text/css"),
        (HOST, "/hidden-links.html"): Reply(200, _page("合作伙伴", f"<div class='fl'>{_spam_links()}</div>")),
        (HOST, "/hidden-spam.html"): Reply(200, _page(
            "行业资讯", "<div id='gg'>澳门威尼斯人娱乐城 真人百家乐 注册送彩金 <a href='/'>点此</a></div>")),
        (HOST, "/menu.html"): Reply(200, _page(
            "产品", f"<ul class='menu-sub'><li>{_spam_links()}</li></ul>")),
        (HOST, "/no-sheet.html"): Reply(200, _page(
            "无样式", f"<div class='friend-links'>{_spam_links()}</div>", sheets=("/css/missing.css",))),
        (HOST, "/not-css.html"): Reply(200, _page(
            "样式", f"<div class='friend-links'>{_spam_links()}</div>", sheets=("/css/not.css",))),
        (HOST, "/huge.html"): Reply(200, _page(
            "大样式", f"<div class='hh'>澳门威尼斯人娱乐城 真人百家乐 <a href='/'>点此</a></div>", sheets=("/css/huge.css",))),
    }
    zone = {"origins": [HOST], "records": {HOST: {"A": ["127.0.0.1"]}}}
    with WebServer(routes=routes) as web, DNSServer(zone, host="127.0.0.2") as dns:
        result, out = audit_loopback_site(tmp, f"http://{HOST}:{web.port}/", [HOST], dns.address,
                                          max_pages=50, limit=120)
        requests = list(web.requests)
    doc = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    return result, doc, requests


def _on(doc, rule, path):
    return [f for f in doc["findings"] if f["rule"] == rule and f["url"].endswith(path)]


def test_links_hidden_by_a_class_of_the_sites_stylesheet_are_found(css_run):
    result, doc, _ = css_run
    assert "Traceback" not in result.stderr
    found = _on(doc, "INJ011", "/hidden-links.html")
    assert len(found) == 1, [f["rule"] for f in doc["findings"] if "hidden" in f["url"]]
    assert "left:-9999px" in found[0]["actual"]


def test_spam_text_hidden_by_an_id_rule_of_the_stylesheet_is_found(css_run):
    _, doc, _ = css_run
    assert _on(doc, "INJ010", "/hidden-spam.html")


def test_a_closed_menu_is_not_an_attack(css_run):
    _, doc, _ = css_run
    assert not [f for f in doc["findings"] if f["rule"].startswith("INJ01") and f["url"].endswith("/menu.html")]


def test_sheets_that_cannot_be_read_change_nothing_and_stop_nothing(css_run):
    _, doc, _ = css_run
    urls = {p["url"].rsplit("/", 1)[-1] for p in doc["pages"]}
    assert {"no-sheet.html", "not-css.html", "huge.html"} <= urls
    for path in ("/no-sheet.html", "/not-css.html", "/huge.html"):
        assert not [f for f in doc["findings"] if f["rule"] in ("INJ010", "INJ011") and f["url"].endswith(path)]
    # The missing sheet is still reported as a broken resource by the link check.
    assert [f for f in doc["findings"] if f["url"].endswith("/css/missing.css")]


def test_each_sheet_is_read_once(css_run):
    # Seven pages link site.css. It is read once for its rules; the link check's HEAD may add one
    # GET of its own (the loopback server refuses HEAD on routes, and the check asks again).
    _, _, requests = css_run
    gets = [(method, path) for _, method, path, _ in requests if path == "/css/site.css" and method == "GET"]
    heads = [path for _, method, path, _ in requests if path == "/css/site.css" and method == "HEAD"]
    assert len(gets) == 1 + len(heads), [(method, path) for _, method, path, _ in requests if path.startswith("/css/")]


def test_sheet_rules_keep_only_simple_rules_that_can_hide():
    rules = dict(sheet_rules(SITE_CSS))
    assert rules[".fl"]["left"] == "-9999px" and rules[".friend-links"]["position"] == "absolute"
    assert rules["#gg"]["display"] == "none"
    assert "body" in rules                       # sets colour: read for the same-colour test
    assert ".wide" not in rules                  # inside @media: only sometimes applies
    assert not sheet_rules("div > a.x { display:none } ul li { display: none }")   # descendant rules are not trusted
    assert not sheet_rules("")
