"""Company details: credit-code checksum and profile match, company name, homepage phone, e-commerce licence."""
from __future__ import annotations

from pathlib import Path

import pytest

from crawler.checks import FINAL_CHECKS, PAGE_CHECKS
from crawler.checks.base import AuditContext
from crawler.checks.filing.company import (check_company, check_company_profile, credit_check_char, credit_code_valid)
from crawler.page import Page
from crawler.profile import CompanySection, LicenseSection, Profile, SiteSection
from rules.model import CheckStatus, Severity

FIXTURES = Path(__file__).parent / "site" / "filing"
VALID = "91110000600037341L"


def ctx(code=VALID, name="北京示例科技有限公司", phone="010-62345678", ecommerce=False) -> AuditContext:
    return AuditContext(profile=Profile(
        site=SiteSection(start_urls=["https://www.example.cn/"]),
        company=CompanySection(name=name, credit_code=code, phone=phone),
        license=LicenseSection(ecommerce=ecommerce)))


def page(body: str, url="https://www.example.cn/", home=True) -> Page:
    return Page(url=url, status=200, content_type="text/html", is_homepage=home,
                text=f"<html><head><title>示例</title></head><body>{body}</body></html>")


FOOT = "<footer>Copyright © 2024 北京示例科技有限公司 版权所有 电话：010-62345678 统一社会信用代码：{code}</footer>"


@pytest.mark.parametrize("code,valid", [
    (VALID, True),
    ("91110000600037341M", False),       # one check character off
    ("91110000600037341", False),        # 17 characters
    ("9111000060003734IL", False),       # I is not in the alphabet
])
def test_credit_code_checksum(code, valid):
    assert credit_code_valid(code) is valid


def test_check_char_formula():
    assert credit_check_char(VALID[:17]) == "L"
    assert credit_check_char("91110108MA01ABCD2") == "H"


def test_correct_homepage_has_no_findings():
    c = ctx()
    assert list(check_company(page(FOOT.format(code=VALID)), c)) == []
    assert list(check_company(Page(url="https://www.example.cn/", status=200, content_type="text/html",
                                   is_homepage=True, text=(FIXTURES / "good_centered_div.html").read_text("utf-8")), c)) == []


def test_bad_checksum_and_mismatch():
    (bad,) = check_company(page(FOOT.format(code="91110000600037341M")), ctx())
    assert (bad.rule, bad.severity, bad.where, bad.actual, bad.expected) == (
        "CMP001", Severity.ERROR, "footer", "91110000600037341M", VALID)
    other = "91110108MA01ABCD2H"
    (diff,) = check_company(page(FOOT.format(code=other)), ctx())
    assert (diff.rule, diff.expected, diff.actual) == ("CMP002", VALID, other)


def test_reported_once_per_host():
    c = ctx()
    body = FOOT.format(code="91110000600037341M")
    assert len(list(check_company(page(body), c))) == 1
    assert list(check_company(page(body, url="https://www.example.cn/about/", home=False), c)) == []


def test_company_name_differs():
    body = "<footer>© 2024 上海另一家网络有限公司 版权所有 电话：010-62345678</footer>"
    (f,) = check_company(page(body), ctx())
    assert (f.rule, f.severity, f.actual, f.expected) == ("CMP010", Severity.WARNING, "上海另一家网络有限公司", "北京示例科技有限公司")


def test_same_name_written_another_way_is_info():
    body = "<footer>© 2024 示例科技（北京）有限公司 版权所有 电话：010-62345678</footer>"
    (f,) = check_company(page(body), ctx())
    assert (f.rule, f.severity) == ("CMP010", Severity.INFO)


def test_phone_missing_or_different():
    (f,) = check_company(page("<footer>© 2024 北京示例科技有限公司 版权所有</footer>"), ctx())
    assert f.rule == "CMP020"
    (g,) = check_company(page("<footer>© 2024 北京示例科技有限公司 客服：400-800-1234</footer>"), ctx())
    assert (g.rule, g.severity) == ("CMP021", Severity.INFO)
    assert list(check_company(page('<footer>北京示例科技有限公司 <a href="tel:01062345678">电话</a></footer>'), ctx())) == []


def test_ecommerce_licence_display():
    plain = FOOT.format(code=VALID)
    assert [f.rule for f in check_company(page(plain), ctx(ecommerce=True))] == ["CMP030"]
    shown = plain + '<a href="/licence/"><img src="/img/dzyyzz.png" alt="电子营业执照"></a>'
    assert list(check_company(page(shown), ctx(ecommerce=True))) == []
    assert list(check_company(page(plain), ctx(ecommerce=False))) == []


def test_profile_code_checked_once():
    assert check_company_profile(ctx()).result.status is CheckStatus.OK
    out = check_company_profile(ctx(code="91110000600037341M"))
    assert out.result.status is CheckStatus.FAIL and [f.rule for f in out.findings] == ["CMP003"]
    assert out.findings[0].expected == VALID
    assert check_company_profile(ctx(code="")).result.status is CheckStatus.SKIPPED


def test_registered():
    assert ("company", check_company) in PAGE_CHECKS and ("company.credit_code", check_company_profile) in FINAL_CHECKS


def test_a_footer_is_read_once_per_host(monkeypatch):
    import crawler.checks.filing.company as company

    calls = []
    real_parse = company.parse
    monkeypatch.setattr(company, "parse", lambda p: calls.append(p.url) or real_parse(p))
    c = ctx()
    foot = "<p>介绍</p>" * 300 + FOOT.format(code="91110000600037341M")   # a long page: body far from footer
    (first,) = check_company(page("<p>产品一</p>" + foot, url="https://www.example.cn/a", home=False), c)
    assert first.rule == "CMP001"
    # Same footer, another body: nothing new can be in it, and the page is not parsed.
    assert list(check_company(page("<p>产品二</p>" + foot, url="https://www.example.cn/b", home=False), c)) == []
    assert calls == ["https://www.example.cn/a"]
    # Another code in the body is read: the source around it differs.
    other = "91110108MA01ABCD2X"
    body = f"<p>合作方统一社会信用代码：{other}</p>" + foot
    (found,) = check_company(page(body, url="https://www.example.cn/c", home=False), c)
    assert (found.rule, found.actual) == ("CMP001", other)
    # Another host: its first page with this footer reports the footer's code again.
    (again,) = check_company(page("<p>产品二</p>" + foot, url="https://shop.example.cn/b", home=False), c)
    assert again.actual == "91110000600037341M"
    # A page that might hide a hint word (a numeric entity) is always read.
    n = len(calls)
    list(check_company(page("<p>&#29256;</p>" + foot, url="https://www.example.cn/d", home=False), c))
    assert len(calls) == n + 1
