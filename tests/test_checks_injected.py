"""Injected content: hidden spam and 暗链 with technique and path, title hijack, spider redirects; bans are not spam."""
from __future__ import annotations

from pathlib import Path

import pytest

from crawler.checks import PAGE_CHECKS
from crawler.checks.filing.hidden import colour, declarations
from crawler.checks.filing.injected import check_injected, is_spam
from crawler.page import Page
from crawler.profile import Profile, SiteSection
from crawler.checks.base import AuditContext
from rules.model import Severity

FIXTURES = Path(__file__).parent / "site" / "filing"
URL = "https://www.example.cn/news/"
LINKS = ('<a href="http://a-casino.example.net/">澳门新葡京</a> <a href="http://b.example.org/">百家乐</a> '
         '<a href="http://c.example.com/">时时彩</a>')
NEUTRAL_LINKS = ('<a href="http://one.example.net/">贷款</a><a href="http://two.example.org/">装修</a>'
                 '<a href="http://three.example.com/">减肥</a><a href="http://four.example.info/">seo</a>')


def ctx() -> AuditContext:
    return AuditContext(profile=Profile(site=SiteSection(start_urls=["https://www.example.cn/"],
                                                         domains=["example.cn", "www.example.cn"])))


def run(html: str, url: str = URL):
    return list(check_injected(Page(url=url, status=200, content_type="text/html", text=html), ctx()))


def doc(body: str, head: str = "<title>示例科技</title>") -> str:
    return f"<html><head><meta charset='utf-8'>{head}</head><body><div class='main'><h1>示例</h1></div>{body}</body></html>"


def test_fixture_hidden_gambling_links():
    found = run((FIXTURES / "inj_hidden_gambling.html").read_text(encoding="utf-8"))
    assert [(f.rule, f.severity, f.url, f.category) for f in found] == [("INJ010", Severity.ERROR, URL, "prohibited")]
    assert found[0].actual == "off-screen (left:-9999px) @ html/body/div[3]"
    assert found[0].message == "隐藏的违法内容（移出可视区域 (left:-9999px)）：html/body/div[3]"
    assert "澳门新葡京" in found[0].context


@pytest.mark.parametrize("wrapper,technique", [
    ('<div style="display:none">{}</div>', "display:none"),
    ('<div style="VISIBILITY: hidden">{}</div>', "visibility:hidden"),
    ('<div style="font-size:0px">{}</div>', "font-size:0px"),
    ('<p style="text-indent:-9999px">{}</p>', "off-screen (text-indent:-9999px)"),
    ('<div style="color:#FFF">{}</div>', "same colour as background (#ffffff)"),
    ('<div style="background:#000;color:rgb(0,0,0)">{}</div>', "same colour as background (#000000)"),
    ('<div style="background:#123456"><div style="color:#123456">{}</div></div>', "same colour as background (#123456)"),
    ('<div style="height:0;overflow:hidden">{}</div>', "height:0 + overflow:hidden"),
    ('<div style="width:1px;height:1px;overflow:hidden">{}</div>', "height:1px + overflow:hidden"),
    ('<marquee height="1" width="1">{}</marquee>', "<marquee height=1>"),
    ('<div hidden>{}</div>', "hidden attribute"),
    ('<style>#x{{position:absolute;top:-800px}}</style><div id="x">{}</div>', "off-screen (top:-800px)"),
    ('<style>div.seo{{display:none}}</style><div class="seo wrap">{}</div>', "display:none"),
])
def test_hiding_techniques_are_named(wrapper, technique):
    found = run(doc(wrapper.format(LINKS)))
    assert [f.rule for f in found] == ["INJ010"]
    assert found[0].actual.startswith(technique + " @ html/body/")


@pytest.mark.parametrize("wrapper", [
    '<div style="color:#fff;background:#333">{}</div>',      # white on dark: visible
    '<div style="background:url(/bg.jpg) no-repeat;color:#fff">{}</div>',   # white on a picture
    '<div style="background:#222"><p style="color:#222000">{}</p></div>',   # close is not equal
    '<style>.w{{color:#fff}}</style><div class="w">{}</div>',   # colour from a style sheet: not judged
    '<div style="position:absolute;left:-20px">{}</div>',    # nudged, not off-screen
    '<div style="font-size:12px">{}</div>',
    '<div class="seo">{}</div><style>.wrap .seo{{display:none}}</style>',  # descendant selector: not trusted
    '<style>@media (max-width: 768px) {{ .pc {{ display:none }} }} .x{{color:red}}</style><div class="pc">{}</div>',
    '<style media="print">.pc{{display:none}}</style><div class="pc">{}</div>',
])
def test_visible_wrappers_are_not_hidden(wrapper):
    found = run(doc(wrapper.format(LINKS)))
    assert "INJ010" not in [f.rule for f in found]


def test_spam_for_spiders_only_in_noscript():
    found = run(doc(f"<noscript>{LINKS}</noscript>"))
    assert [f.rule for f in found] == ["INJ010"] and found[0].actual.startswith("noscript @ html/body/noscript")
    # The usual noscript contents: a notice, a tracking pixel, a tag manager frame.
    assert run(doc('<noscript>请启用 JavaScript<img src="https://hm.example.com/hm.gif?x=1">'
                   '<a href="https://www.example.cn/help">帮助</a></noscript>')) == []


def test_hidden_links_to_unrelated_domains_without_spam_words():
    found = run(doc(f'<div style="position:absolute;left:-5000px">{NEUTRAL_LINKS}</div>'))
    assert [(f.rule, f.severity) for f in found] == [("INJ011", Severity.ERROR)]
    assert "one.example.net" in found[0].actual
    # A closed share menu, or a closed menu of the site's own pages, is ordinary UI.
    share = ('<div class="share" style="display:none"><a href="https://service.weibo.com/share">微博</a>'
             '<a href="https://sns.qzone.qq.com/">QQ空间</a><a href="https://www.douban.com/share">豆瓣</a></div>')
    assert run(doc(share)) == []
    menu = '<ul style="display:none"><li><a href="/a">A</a></li><li><a href="https://example.cn/b">B</a></li>' \
           '<li><a href="http://www.example.cn/c">C</a></li></ul>'
    assert run(doc(menu)) == []


def test_hidden_frame_loading_another_site():
    found = run(doc('<iframe src="http://c.example.net/x.html" width="0" height="0" frameborder="0"></iframe>'))
    assert [(f.rule, f.match) for f in found] == [("INJ013", "http://c.example.net/x.html")]
    wrapped = run(doc('<div style="display:none"><iframe src="//ads.example.org/"></iframe></div>'))
    assert [f.rule for f in wrapped] == ["INJ013"]
    # A visible map or video frame, and a hidden frame of the site itself, are fine.
    assert run(doc('<iframe src="https://map.example.com/embed" width="600" height="400"></iframe>'
                   '<iframe src="/track.html" width="0" height="0"></iframe>'
                   '<noscript><iframe src="https://www.googletagmanager.com/ns.html?id=GTM-X" height="0" width="0" '
                   'style="display:none"></iframe></noscript>')) == []


def test_visible_spam_link_block():
    found = run(doc(f'<div class="links">友情链接：{LINKS}</div>'))
    assert [f.rule for f in found] == ["INJ012"]
    assert found[0].actual.startswith("html/body/div[2]")


def test_visible_spam_text():
    found = run(doc("<p>欢迎光临真人娱乐平台，注册即送彩金</p>"))
    assert [(f.rule, f.match) for f in found] == [("INJ001", "真人娱乐")]


@pytest.mark.parametrize("text", [
    "本站严禁赌博、色情等违法信息，发现请举报色情内容。",
    "我们远离百家乐等网络赌博，抵制六合彩。",
    "支持 Java 开发，available now；AV设备租赁；棋牌室装修",
    "打击代开发票违法行为",
])
def test_bans_warnings_and_innocent_words_are_not_spam(text):
    assert run(doc(f"<p>{text}</p>")) == []


def test_title_and_meta_hijack():
    head = ("<title>澳门新葡京_百家乐_示例科技</title><meta name='keywords' content='时时彩,六合彩'>"
            "<meta name='description' content='示例科技提供云服务'>")
    found = run(doc("<p>示例</p>", head=head))
    assert [(f.rule, f.where) for f in found] == [("INJ020", "title"), ("INJ020", "meta")]


def test_spider_redirect_script():
    script = ("<script>var r=document.referrer;if(r.indexOf('baidu')>=0||r.indexOf('sogou')>=0)"
              "{window.location.href='http://x.example.net/';}</script>")
    found = run(doc("<p>示例</p>" + script))
    assert [f.rule for f in found] == ["INJ021"]
    plain = "<script>if(navigator.userAgent.match(/Mobile/)){document.body.className='m'}</script>"
    assert run(doc("<p>示例</p>" + plain)) == []


def test_script_writing_spam_in_unicode_escapes():
    escaped = "".join(f"\\u{ord(c):04x}" for c in "澳门新葡京")
    script = f"<script>document.title = '{escaped}';</script>"
    found = run(doc("<p>示例</p>" + script))
    assert [(f.rule, f.where, f.match) for f in found] == [("INJ022", "title", "澳门新葡京")]
    assert run(doc("<p>示例</p><script>var msg = '\\u4f60\\u597d';</script>")) == []
    emoji = run(doc("<p>示例</p><script>var t = '\\ud83c\\udfb0 " + escaped + "';</script>"))
    assert [f.rule for f in emoji] == ["INJ022"]
    emoji[0].context.encode("utf-8")   # no lone surrogates in the evidence


def test_clean_pages_have_no_findings():
    for name in ("good_centered_div.html", "good_label_variants.html"):
        assert run((FIXTURES / name).read_text(encoding="utf-8")) == []


def test_rules_after_an_at_rule_still_apply():
    html = doc('<style>@import url(x.css); @media print{{.a{{color:red}}}} .lk{{display:none}}</style>'
               .replace("{{", "{").replace("}}", "}") + f'<div class="lk">{LINKS}</div>')
    assert [f.rule for f in run(html)] == ["INJ010"]


def test_helpers():
    assert declarations("Display : NONE !important; color:#FFF") == {"display": "none", "color": "#fff"}
    assert colour("white") == colour("#FFF") == colour("rgb(255, 255, 255)") == "#ffffff"
    assert colour("transparent") is None and colour("rgba(0,0,0,0)") is None
    assert is_spam("百家乐")[0] and not is_spam("棋牌")[0] and is_spam("棋牌 私服")[0]


def test_registered():
    assert ("injected", check_injected) in PAGE_CHECKS


def test_hiding_written_in_upper_case_is_still_read():
    # The cheap pre-filter looks for hiding signs in the lower-cased source: upper-case markup passes it.
    found = run(doc(f'<DIV STYLE="position:absolute;left:-5000px">{NEUTRAL_LINKS}</DIV>'))
    assert [f.rule for f in found] == ["INJ011"]
    assert run(doc(NEUTRAL_LINKS)) == []


def test_stock_phrases_weigh_more_in_the_title_meta_and_hidden_blocks():
    # Two phrases of the porn-SEO family: spam in the title, not yet in a body sentence (the phrase rules
    # need three there); a casino brand alone hijacks a title; a hidden block of slot-site phrases is spam.
    assert is_spam("国产精品_久久免费", "title")[0] and not is_spam("国产精品_久久免费")[0]
    found = run(doc("<p>示例</p>", head="<title>久久精品_亚洲视频_示例科技</title>"))
    assert [(f.rule, f.where) for f in found] == [("INJ020", "title")]
    found = run(doc("<p>示例</p>", head="<title>开云体育app-示例科技</title>"))
    assert [(f.rule, f.where, f.match) for f in found] == [("INJ020", "title", "开云体育")]
    found = run(doc('<div style="display:none">slot gacor maxwin, free spin setiap hari</div>'))
    assert [f.rule for f in found] == ["INJ010"]
    # Ordinary titles with one such word, and a children's playground, are not spam.
    for title in ("精品茶叶礼盒_示例科技", "儿童娱乐场周末开放", "久久不忘的家乡味道", "Java 与 AV 设备"):
        assert run(doc("<p>示例</p>", head=f"<title>{title}</title>")) == [], title
