"""Privacy: the homepage links the policy, the policy states the PIPL §17 elements, forms link the policy."""
from __future__ import annotations

from pathlib import Path

import pytest

from crawler.checks import FINAL_CHECKS, PAGE_CHECKS
from crawler.checks.base import AuditContext
from crawler.checks.filing.privacy import check_privacy, check_privacy_policies, missing_elements
from crawler.page import Page
from crawler.profile import Profile, SiteSection
from rules.model import CheckStatus, Severity

FIXTURES = Path(__file__).parent / "site" / "filing"
HOME = "https://www.example.cn/"


def ctx() -> AuditContext:
    return AuditContext(profile=Profile(site=SiteSection(start_urls=[HOME])))


def page(url: str, body: str = "", home: bool = False, text: str | None = None) -> Page:
    html = text if text is not None else f"<html><head><title>示例</title></head><body>{body}</body></html>"
    return Page(url=url, status=200, content_type="text/html", is_homepage=home, text=html)


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


LINKED = '<footer><a href="/privacy.html#top">隐私政策</a></footer>'


def crawl(c: AuditContext, *pages: Page) -> list:
    found = []
    for p in pages:
        found.extend(check_privacy(p, c))
    return found


def test_complete_policy_linked_from_homepage_passes():
    c = ctx()
    assert crawl(c, page(HOME, LINKED, home=True),
                 page(HOME + "privacy.html", text=fixture("privacy_policy_complete.html"))) == []
    out = check_privacy_policies(c)
    assert out.result.status is CheckStatus.OK and out.findings == []


@pytest.mark.parametrize("link", ['<a href="/legal/ys.html">隐私协议</a>', '<a href="/p?id=9">个人信息保护政策</a>',
                                  '<a href="/privacy">Privacy</a>', '<a href="/yinsi.html">《用户协议》与隐私</a>'])
def test_policy_link_variants(link):
    assert crawl(ctx(), page(HOME, f"<footer>{link}</footer>", home=True)) == []


def test_homepage_without_policy_link():
    found = crawl(ctx(), page(HOME, "<footer>© 2024 示例</footer>", home=True))
    assert [(f.rule, f.severity, f.url, f.category) for f in found] == [("PRV001", Severity.WARNING, HOME, "privacy")]


def test_thin_policy_names_the_missing_elements():
    c = ctx()
    crawl(c, page(HOME, LINKED, home=True), page(HOME + "privacy.html", text=fixture("privacy_policy_thin.html")))
    (f,) = check_privacy_policies(c).findings
    assert (f.rule, f.severity, f.url) == ("PRV002", Severity.WARNING, HOME + "privacy.html")
    for name in ("保存期限", "查阅权", "撤回同意", "注销账号", "个人信息处理者名称"):
        assert name in f.actual
    for present in ("联系方式", "处理目的", "删除权"):
        assert present not in f.actual


def test_linked_policy_never_fetched():
    c = ctx()
    crawl(c, page(HOME, LINKED, home=True))
    (f,) = check_privacy_policies(c).findings
    assert (f.rule, f.severity, f.url) == ("PRV003", Severity.INFO, HOME + "privacy.html")


def test_linked_policy_that_does_not_open():
    c = ctx()
    crawl(c, page(HOME, LINKED, home=True),
          Page(url=HOME + "privacy.html", status=404, content_type="text/html", text="<html>Not found</html>"))
    (f,) = check_privacy_policies(c).findings
    assert (f.rule, f.severity) == ("PRV003", Severity.WARNING) and "404" in f.actual


def test_policy_found_by_its_title_even_when_not_linked():
    c = ctx()
    crawl(c, page(HOME + "legal/ys.html", text=fixture("privacy_policy_thin.html")))
    assert [f.rule for f in check_privacy_policies(c).findings] == ["PRV002"]


FORM = ('<form action="/apply" method="post"><input name="{field}" placeholder="{ph}">'
        '<input type="hidden" name="csrf"><button>提交</button></form>')


@pytest.mark.parametrize("field,ph", [("mobile", "请输入手机号"), ("idcard", "身份证号"), ("contact", "您的邮箱"),
                                      ("realname", "姓名")])
def test_personal_data_form_without_policy_link(field, ph):
    found = crawl(ctx(), page(HOME + "apply/", FORM.format(field=field, ph=ph)))
    assert [(f.rule, f.url) for f in found] == [("PRV004", HOME + "apply/")]
    assert field in found[0].actual and found[0].actual.startswith("html/body/form")


@pytest.mark.parametrize("body", [
    FORM.format(field="mobile", ph="手机号") + LINKED,                                   # page links the policy
    FORM.format(field="mobile", ph="手机号").replace("<button>", "<label>我已阅读并同意《隐私政策》</label><button>"),
    '<form action="/search"><input name="q" placeholder="搜索"><button>搜索</button></form>',   # a search box
])
def test_forms_that_are_fine(body):
    assert crawl(ctx(), page(HOME + "apply/", body)) == []


def test_malformed_links_do_not_crash():
    found = crawl(ctx(), page(HOME, '<a href="http://[bad">隐私政策</a><a href="/privacy.html">隐私政策</a>', home=True))
    assert found == []


def test_missing_elements_on_empty_text():
    assert len(missing_elements("")) == 12


def test_registered():
    assert ("privacy", check_privacy) in PAGE_CHECKS and ("privacy.policy", check_privacy_policies) in FINAL_CHECKS
