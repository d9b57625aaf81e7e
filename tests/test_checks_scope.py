"""Scope: services that need another licence, judged by navigation/headings/buttons, decided after the crawl."""
from __future__ import annotations

import pytest

from crawler.checks import FINAL_CHECKS, PAGE_CHECKS
from crawler.checks.base import AuditContext
from crawler.checks.filing.scope import check_scope, collect_scope
from crawler.page import Page
from crawler.profile import Profile, SiteSection
from rules.model import CheckStatus, Severity

FOOTER = '<footer><a href="https://beian.miit.gov.cn/">京ICP备2024012345号-1</a></footer>'


def ctx() -> AuditContext:
    return AuditContext(profile=Profile(site=SiteSection(start_urls=["https://www.example.cn/"])))


def page(url: str, body: str, title: str = "示例科技") -> Page:
    return Page(url=url, status=200, content_type="text/html",
                text=f"<html><head><title>{title}</title></head><body>{body}{FOOTER}</body></html>")


def audit(*pages: Page):
    c = ctx()
    for p in pages:
        assert list(collect_scope(p, c)) == []
    return check_scope(c)


NAV = '<nav><a href="/">首页</a><a href="/live/">在线直播</a><a href="/about/">关于我们</a></nav>'


def test_nav_signal_without_licence_is_one_warning_per_host():
    out = audit(page("https://www.example.cn/", NAV), page("https://www.example.cn/about/", NAV))
    assert [(f.rule, f.severity, f.url, f.category, f.match) for f in out.findings] == [
        ("SCP001", Severity.WARNING, "https://www.example.cn/", "scope", "在线直播")]
    assert out.findings[0].where == "header" and "网络文化经营许可证" in out.findings[0].expected
    assert out.result.status is CheckStatus.FAIL


def test_heading_on_a_subpage_is_reported_on_that_page():
    out = audit(page("https://www.example.cn/", "<p>欢迎</p>"),
                page("https://www.example.cn/doctor/", '<h1>在线问诊</h1><p>三甲医生</p><button>立即咨询</button>'))
    assert [(f.rule, f.url, f.where) for f in out.findings] == [("SCP003", "https://www.example.cn/doctor/", "body")]


def test_licence_shown_anywhere_on_the_host_clears_it():
    licensed = page("https://www.example.cn/", NAV + "<p>网络文化经营许可证：京网文〔2024〕1234-056号</p>")
    assert audit(licensed, page("https://www.example.cn/live/", "<h1>在线直播</h1>")).findings == []


@pytest.mark.parametrize("body", [
    "<p>我们曾为客户的新品发布会提供直播技术支持，也做过在线阅读类产品的云存储。</p>",   # prose, not an offer
    '<nav><a href="/photo/">摄影视频</a></nav>',                                        # 影视 inside 摄影视频
    '<a href="/news/">新闻中心</a><h2>公司新闻</h2>',                                   # own news needs no licence
    '<a href="/n/1">阅读全文</a><a href="/video/">宣传视频</a><h2>游戏化学习平台的云架构</h2>',   # "read more", look-alikes
])
def test_body_mentions_and_look_alikes_are_not_signals(body):
    assert audit(page("https://www.example.cn/", body)).findings == []


@pytest.mark.parametrize("body,rule", [
    ('<a class="btn" href="/pay">游戏充值</a>', "SCP002"),
    ('<nav><a href="/rx/">处方药</a></nav>', "SCP004"),
    ('<h2>免费阅读</h2>', "SCP005"),
    ('<a href="/tv/">在线观看</a>', "SCP006"),
    ('<nav><a href="/n/">时政新闻</a></nav>', "SCP007"),
    ('<h1>在线祈福</h1>', "SCP008"),
])
def test_each_kind_of_service(body, rule):
    assert [f.rule for f in audit(page("https://www.example.cn/", body)).findings] == [rule]


def test_registered():
    assert ("scope.collect", collect_scope) in PAGE_CHECKS and ("scope", check_scope) in FINAL_CHECKS
