"""Homepage filing numbers: correct real-world footers pass, each planted mistake gives exactly its finding."""
from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from crawler.checks import FINAL_CHECKS, PAGE_CHECKS
from crawler.checks.base import AuditContext, run_page_checks
from crawler.checks.filing.icp import check_homepage_filing, check_homepages_seen
from crawler.checks.filing.icp_numbers import find_filings, find_licences, find_psb, is_placeholder
from crawler.page import Page
from crawler.profile import LicenseSection, Profile, SiteSection
from rules.model import CheckStatus, Severity

FIXTURES = Path(__file__).parent / "site" / "filing"


def make_ctx(domains=("example.cn", "www.example.cn"), filing="京ICP备2024012345号",
             licence="京B2-20201234", psb="京公网安备11010802030405号", lang="zh") -> AuditContext:
    profile = Profile(site=SiteSection(start_urls=[f"https://{domains[0]}/"], domains=list(domains)),
                      license=LicenseSection(icp_filing=filing, icp_license=licence, psb_filing=psb))
    return AuditContext(profile=profile, lang=lang)


def homepage(name: str, url: str = "https://www.example.cn/", encoding: str = "utf-8", **kw) -> Page:
    text = (FIXTURES / name).read_bytes().decode(encoding)
    return Page(url=url, status=200, content_type="text/html", text=text, is_homepage=True, **kw)


def icp_findings(page: Page, ctx: AuditContext):
    return [f for f in check_homepage_filing(page, ctx) if f.category == "icp"]


@pytest.mark.parametrize("name,encoding", [
    ("good_centered_div.html", "utf-8"),
    ("good_p_two_links.html", "utf-8"),
    ("good_label_variants.html", "utf-8"),
    ("good_icp_label_colon.html", "utf-8"),
    ("good_table_gbk.html", "gb18030"),
    ("good_responsive_footer.html", "utf-8"),
])
def test_correct_footers_have_no_icp_findings(name, encoding):
    ctx = make_ctx()
    page = homepage(name, encoding=encoding)
    assert icp_findings(page, ctx) == []
    facts = ctx.facts["www.example.cn"]
    assert facts["icp_filing"].startswith("京ICP备2024012345号")
    assert facts["psb_filing"].replace(" ", "") == "京公网安备11010802030405号"
    assert "B2-20201234" in facts["icp_license"]
    assert facts["title"]


@pytest.mark.parametrize("name,rule,severity", [
    ("bad_missing_miit_link.html", "ICP011", Severity.ERROR),
    ("bad_dead_miit_link.html", "ICP012", Severity.ERROR),
    ("bad_wrong_link.html", "ICP013", Severity.ERROR),
    ("bad_filing_missing.html", "ICP001", Severity.ERROR),
    ("bad_filing_image.html", "ICP002", Severity.ERROR),
    ("bad_filing_image_in_link.html", "ICP002", Severity.ERROR),
    ("bad_filing_missing_psb_badge.html", "ICP001", Severity.ERROR),   # the 公安 badge is not an ICP image
    ("bad_filing_script.html", "ICP003", Severity.ERROR),
    ("bad_filing_hidden.html", "ICP014", Severity.ERROR),
    ("bad_filing_no_province.html", "ICP004", Severity.ERROR),
    ("bad_filing_spaces.html", "ICP005", Severity.WARNING),
    ("bad_filing_no_hao.html", "ICP006", Severity.WARNING),
    ("bad_filing_label.html", "ICP007", Severity.WARNING),
    ("bad_filing_licence_label.html", "ICP007", Severity.WARNING),   # 京ICP证<filed number>: the filing, mislabelled
    ("bad_filing_placeholder.html", "ICP008", Severity.ERROR),
    ("bad_filing_mismatch.html", "ICP010", Severity.ERROR),
    ("bad_licence_missing.html", "ICP020", Severity.ERROR),
    ("bad_licence_mismatch.html", "ICP022", Severity.ERROR),
    ("bad_licence_placeholder.html", "ICP028", Severity.ERROR),
    ("bad_psb_missing.html", "ICP030", Severity.ERROR),
    ("bad_psb_province.html", "ICP032", Severity.ERROR),
    ("bad_psb_not_linked.html", "ICP033", Severity.WARNING),
    ("bad_psb_code_mismatch.html", "ICP034", Severity.ERROR),
    ("bad_psb_format.html", "ICP044", Severity.ERROR),
    ("bad_psb_label.html", "ICP047", Severity.WARNING),
])
def test_each_mistake_gives_exactly_its_finding(name, rule, severity):
    ctx = make_ctx()
    url = "https://shop.example.cn/"
    found = icp_findings(homepage(name, url=url), ctx)
    assert [(f.rule, f.severity) for f in found] == [(rule, severity)], [(f.rule, f.message) for f in found]
    f = found[0]
    assert f.url == url and f.where == "footer"
    assert f.expected and f.actual and f.context and f.basis


def test_single_page_app_footer_is_drawn_by_scripts():
    spa = Page(url="https://www.example.cn/", status=200, content_type="text/html", is_homepage=True,
               text='<html><head><title>示例</title></head><body><div id="app"></div>'
                    '<script src="/js/chunk-vendors.js"></script><script src="/js/app.js"></script></body></html>')
    (f,) = icp_findings(spa, make_ctx(licence="", psb=""))
    assert f.rule == "ICP003" and "/js/chunk-vendors.js" in f.actual


def test_numbers_quoted_in_the_body_do_not_count_when_the_footer_has_them():
    text = (FIXTURES / "good_centered_div.html").read_text("utf-8").replace(
        "<h1>企业云服务</h1>", "<h1>企业云服务</h1><p>我们已为客户办理 京ICP备 XXXX号、沪ICP备2023999999号 等备案。</p>")
    page = Page(url="https://www.example.cn/", status=200, content_type="text/html", text=text, is_homepage=True)
    assert icp_findings(page, make_ctx()) == []


def test_number_linked_to_nowhere_is_not_linked():
    text = (FIXTURES / "good_centered_div.html").read_text("utf-8").replace(
        '<a href="https://beian.miit.gov.cn/" target="_blank">', '<a href="javascript:;">')
    page = Page(url="https://www.example.cn/", status=200, content_type="text/html", text=text, is_homepage=True)
    assert [f.rule for f in icp_findings(page, make_ctx())] == ["ICP011"]


def test_miit_link_a_few_levels_away_counts():
    footer = ('<div class="footer"><div class="row"><div class="col"><p><span>京ICP备2024012345号-1</span></p></div>'
              '<div class="col"><ul><li><a href="https://beian.miit.gov.cn/">备案查询</a></li></ul></div></div></div>')
    page = Page(url="https://www.example.cn/", status=200, content_type="text/html", is_homepage=True,
                text=f"<html><body><main>示例</main>{footer}</body></html>")
    assert icp_findings(page, make_ctx(licence="", psb="")) == []


def test_evidence_names_what_was_found_and_expected():
    ctx = make_ctx()
    (code,) = icp_findings(homepage("bad_psb_code_mismatch.html"), ctx)
    assert code.expected == "11010802030405" and code.actual == "11010802099999"
    assert "京公网安备11010802030405号" in code.context
    (dead,) = icp_findings(homepage("bad_dead_miit_link.html"), make_ctx())
    assert dead.actual == "http://www.miitbeian.gov.cn/" and dead.expected == "https://beian.miit.gov.cn/"
    (mismatch,) = icp_findings(homepage("bad_filing_mismatch.html"), make_ctx())
    assert mismatch.expected == "京ICP备2024012345号" and "2024099999" in mismatch.actual
    assert "北京示例科技有限公司" in mismatch.context


def test_messages_in_english_with_lang_en():
    (f,) = icp_findings(homepage("bad_missing_miit_link.html"), make_ctx(lang="en"))
    assert f.message == "the ICP filing number is not linked to the MIIT system"
    (g,) = icp_findings(homepage("bad_psb_format.html"), make_ctx(lang="en"))
    assert g.message == "PSB filing number: the number's format is invalid (13 digits, expected 14): 京公网安备1101080203040号"
    (h,) = icp_findings(homepage("bad_psb_format.html"), make_ctx())
    assert h.message == "公安备案号格式不正确（13 位数字，应为 14 位）：京公网安备1101080203040号"


def test_any_domain_suffix_matches_even_when_the_profile_names_one():
    assert icp_findings(homepage("good_centered_div.html"), make_ctx(filing="京ICP备2024012345号-2")) == []
    assert icp_findings(homepage("good_p_two_links.html"), make_ctx(filing="京ICP备2024012345号-2")) == []
    assert [f.rule for f in icp_findings(homepage("good_centered_div.html"), make_ctx(filing="沪ICP备2024012345号"))] == [
        "ICP010"]   # another province is another number


def test_nothing_declared_validates_what_is_shown():
    ctx = make_ctx(filing="", licence="", psb="")
    assert icp_findings(homepage("good_centered_div.html"), ctx) == []
    assert [f.rule for f in icp_findings(homepage("bad_psb_code_mismatch.html"), make_ctx(licence="", psb=""))] == ["ICP034"]
    # No filing declared: a missing number is still reported, as a warning (a licence is shown here).
    found = icp_findings(homepage("bad_filing_missing.html"), make_ctx(filing=""))
    assert [(f.rule, f.severity) for f in found] == [("ICP001", Severity.WARNING)]
    # Nothing shown and nothing declared: we cannot tell whether the site needs a filing (it may be
    # hosted outside mainland China), so a warning, not an error.
    bare = Page(url="https://a.cn/", status=200, content_type="text/html", is_homepage=True,
                text="<html><body><footer>© 2024 示例</footer></body></html>")
    assert [(f.rule, f.severity) for f in icp_findings(bare, make_ctx(filing="", licence="", psb=""))] == [
        ("ICP001", Severity.WARNING)]
    # A declared licence that the homepage does not show makes the missing filing an error.
    assert [(f.rule, f.severity) for f in icp_findings(bare, make_ctx(filing="", psb=""))][0] == (
        "ICP001", Severity.ERROR)


def test_only_homepages_are_checked_and_once_per_host():
    ctx = make_ctx()
    page = homepage("bad_filing_missing.html")
    inner = Page(url="https://www.example.cn/about/", status=200, content_type="text/html", text=page.text)
    assert list(check_homepage_filing(inner, ctx)) == []
    assert len(icp_findings(page, ctx)) == 1
    again = Page(url="http://www.example.cn/", status=200, content_type="text/html", text=page.text, is_homepage=True)
    assert list(check_homepage_filing(again, ctx)) == []


def test_final_check_reports_declared_domains_never_checked():
    ctx = make_ctx(domains=("example.cn", "www.example.cn", "shop.example.cn", "down.example.cn"))
    # example.cn redirects to www, and arrives after www itself: it counts as checked, findings are not repeated.
    assert list(check_homepage_filing(homepage("bad_dead_miit_link.html"), ctx))
    assert list(check_homepage_filing(homepage("bad_dead_miit_link.html", redirects=("https://example.cn/",)), ctx)) == []
    broken = Page(url="https://shop.example.cn/", status=502, content_type="text/html", text="<html>bad gateway</html>",
                  is_homepage=True)
    assert list(check_homepage_filing(broken, ctx)) == []
    outcome = check_homepages_seen(ctx)
    assert outcome.result.status is CheckStatus.FAIL
    by_url = {f.url: f for f in outcome.findings}
    assert set(by_url) == {"https://shop.example.cn/", "https://down.example.cn/"}
    assert all(f.rule == "ICP050" and f.severity is Severity.WARNING for f in outcome.findings)
    assert "502" in by_url["https://shop.example.cn/"].actual
    assert ctx.facts["down.example.cn"]["icp_filing"] is None
    assert ctx.facts["www.example.cn"]["icp_filing"] == ctx.facts["example.cn"]["icp_filing"] == "京ICP备2024012345号-1"


def test_final_check_names_the_download_error_and_keeps_the_port():
    ctx = make_ctx(domains=("www.example.cn", "dns.example.cn", "late.example.cn"))
    ctx.profile = ctx.profile.replace("site", start_urls=["http://www.example.cn:8080/"])
    failed = Page(url="http://dns.example.cn:8080/", status=0,
                  error="CannotResolveHostError: dns.example.cn")
    assert list(check_homepage_filing(failed, ctx)) == []
    by_url = {f.url: f for f in check_homepages_seen(ctx).findings}
    assert set(by_url) == {"http://www.example.cn:8080/", "http://dns.example.cn:8080/", "http://late.example.cn:8080/"}
    assert "CannotResolveHostError" in by_url["http://dns.example.cn:8080/"].actual


def test_final_check_names_an_unreadable_declared_number():
    ctx = make_ctx(domains=("www.example.cn",), filing="京备案12345678")
    ctx.profile = dataclasses.replace(ctx.profile, source="site.yaml")
    check_homepage_filing(homepage("good_centered_div.html"), ctx)
    (f,) = check_homepages_seen(ctx).findings
    assert f.rule == "ICP051" and "license.icp_filing" in f.message and "site.yaml" in f.message


def test_final_check_ok_when_every_homepage_seen():
    ctx = make_ctx(domains=("www.example.cn",))
    check_homepage_filing(homepage("good_centered_div.html"), ctx)
    assert check_homepages_seen(ctx).result.status is CheckStatus.OK


def test_registered_in_check_lists():
    assert ("icp.footer", check_homepage_filing) in PAGE_CHECKS
    assert ("icp.homepages", check_homepages_seen) in FINAL_CHECKS
    ctx = make_ctx()
    assert [f.rule for f in run_page_checks(homepage("bad_dead_miit_link.html"), ctx) if f.category == "icp"] == ["ICP012"]


@pytest.mark.parametrize("text,kind,problems", [
    ("京ICP备12345678号-1", "filing", ("placeholder",)),
    ("浙ICP备2021012345号-2", "filing", ()),
    ("粤ICP备 2021 0123号", "filing", ("spaces",)),
    ("京ICP备20210123", "filing", ("no_hao",)),
    ("京ICP备2021012345-1号", "filing", ()),                       # 号 after the suffix is complete too
    ("京ICP备2021012345 2024", "filing", ("no_hao",)),            # a year after the number is not more digits
    ("京ICP备 2021 012345号", "filing", ("spaces",)),
    ("京公网安备11010802030405 版权所有 2024", "psb", ("no_hao",)),
    ("京ICP备20215号", "filing", ("format",)),          # 5 digits: one short of the minimum
    ("京ICP备20210123456号", "filing", ("format",)),    # 11 digits: one over the maximum
    ("京ICP证080047号", "licence", ()),
    ("京B2-20201234", "licence", ()),
    ("京B2-2020123", "licence", ("format",)),
    ("京公网安备11010802012346号", "psb", ()),
    ("京公网安备110108020123456号", "psb", ("format",)),
    ("京公网安备00000000000000号", "psb", ("placeholder",)),
])
def test_number_parsing_boundaries(text, kind, problems):
    filings, licences = find_filings(text)
    found = {"filing": filings, "licence": licences + find_licences(text), "psb": find_psb(text)}[kind]
    assert len(found) == 1
    assert found[0].problems == problems


@pytest.mark.parametrize("shown,declared,rules", [
    ("京B2-2020XXXX", "京B2-20201234", ["ICP028"]),
    ("京B2-20200000", "京B2-20201234", ["ICP028"]),
    ("京B2-12345678", "", ["ICP028"]),
    ("京B2-12345678", "京B2-12345678", []),           # what the profile declares is not a placeholder
    ("京B2-XXXXXXXX", "京B2-XXXXXXXX", ["ICP028"]),   # X's never are a number, declared or not
    ("京B2-2020××××", "", ["ICP028"]),
])
def test_licence_placeholders(shown, declared, rules):
    page = Page(url="https://www.example.cn/", status=200, content_type="text/html", is_homepage=True,
                text=f'<html><body><footer><a href="https://beian.miit.gov.cn/">京ICP备2024012345号-1</a> '
                     f'增值电信业务经营许可证：{shown}</footer></body></html>')
    assert [f.rule for f in icp_findings(page, make_ctx(licence=declared, psb=""))] == rules


def test_declared_numbers_in_full_width_are_read():
    assert icp_findings(homepage("good_centered_div.html"), make_ctx(filing="京ICP备２０２４０１２３４５号")) == []
    assert [f.rule for f in icp_findings(homepage("good_centered_div.html"), make_ctx(filing="京ICP备２０２４０９９９９９号"))] == [
        "ICP010"]


def test_placeholders():
    assert is_placeholder("XXXXXXXX") and is_placeholder("00000000") and is_placeholder("87654321")
    assert not is_placeholder("2024012345") and not is_placeholder("11010802030405")


def test_multi_domain_site_served_on_loopback(web_server):
    """A site like the held-out one: each planted problem on its URL, the correct domain clean."""
    import requests

    from crawler.checks.base import run_site_check

    web = web_server(FIXTURES / "multi")
    hosts = ["www.corp-a.cn", "shop.corp-a.cn", "m.corp-a.cn", "bbs.corp-a.cn", "live.corp-a.cn", "down.corp-a.cn"]
    ctx = make_ctx(domains=tuple(hosts))
    ctx.profile = ctx.profile.replace("company", name="北京示例科技有限公司", phone="010-62345678")
    fetched = [(h, "/") for h in hosts[:-1]] + [("www.corp-a.cn", "/news/1.html"), ("www.corp-a.cn", "/privacy.html")]
    findings = []
    for host, path in fetched:
        reply = requests.get(f"http://127.0.0.1:{web.port}{path}", headers={"Host": host}, timeout=5)
        reply.encoding = "utf-8"
        page = Page(url=web.url(host, path), status=reply.status_code, content_type=reply.headers["Content-Type"],
                    text=reply.text, is_homepage=path == "/")
        findings += run_page_checks(page, ctx)
    for check_id, fn in FINAL_CHECKS:
        findings += run_site_check(check_id, fn, ctx).findings
    assert not ctx.page_errors
    serious = {(f.url, f.rule) for f in findings if f.severity.rank >= Severity.WARNING.rank}
    planted = {
        (web.url("shop.corp-a.cn"), "ICP011"),            # no MIIT link
        (web.url("m.corp-a.cn"), "ICP034"),               # 公安 link code differs from the number shown
        (web.url("bbs.corp-a.cn"), "ICP028"),             # placeholder licence number
        ("https://down.corp-a.cn/", "ICP050"),            # declared, never fetched
        (web.url("www.corp-a.cn", "/news/1.html"), "INJ010"),   # hidden gambling links
        (web.url("live.corp-a.cn"), "SCP001"),            # live streaming without the licence
    }
    assert serious == planted
    assert not [f for f in findings if f.url.startswith(web.url("www.corp-a.cn", "/")) and f.category == "icp"]
    assert ctx.facts["bbs.corp-a.cn"]["icp_license"] == "京B2-2024XXXX"
    assert ctx.facts["shop.corp-a.cn"]["icp_filing"] == "京ICP备2024012345号-2"


def test_multi_domain_site_through_the_audit_command(web_server, dns_server, siteaudit, tmp_path):
    """The same site through `siteaudit audit`: the crawl reaches every page, the findings land on their URLs."""
    import json

    hosts = ["www.corp-a.cn", "shop.corp-a.cn", "m.corp-a.cn", "bbs.corp-a.cn", "live.corp-a.cn", "down.corp-a.cn"]
    records = {h: {"A": ["127.0.0.1"]} for h in hosts[:-1]}
    records.update({"corp-a.cn": {"NS": ["ns1.corp-a.cn."]}, "ns1.corp-a.cn": {"A": ["127.0.0.2"]}})
    web = web_server(FIXTURES / "multi")
    dns = dns_server({"origins": ["corp-a.cn"], "records": records}, host="127.0.0.2")
    profile = tmp_path / "site.yaml"
    profile.write_text(
        f"site:\n  start_urls: ['{web.url('www.corp-a.cn')}']\n  domains: [{', '.join(hosts)}]\n"
        "company: {name: 北京示例科技有限公司, phone: 010-62345678}\n"
        "license: {icp_filing: 京ICP备2024012345号, icp_license: 京B2-20201234, psb_filing: 京公网安备11010802030405号}\n"
        "crawl: {delay: 0, max_pages: 40}\nuptime: {probes: 1, timeout: 2}\n", encoding="utf-8")
    result = siteaudit("audit", str(profile), "--resolver", dns.address, "-o", str(tmp_path / "out"),
                       "--format", "json", "--no-dns", "--no-uptime")
    assert result.returncode == 1, result.stderr
    doc = json.loads((tmp_path / "out" / "findings.json").read_text(encoding="utf-8"))
    mine = {(f["url"], f["rule"]) for f in doc["findings"]
            if f["rule"][:3] in ("ICP", "INJ", "SCP") and f["severity"] in ("error", "warning")}
    assert mine == {
        (web.url("shop.corp-a.cn"), "ICP011"), (web.url("m.corp-a.cn"), "ICP034"),
        (web.url("bbs.corp-a.cn"), "ICP028"), (web.url("down.corp-a.cn"), "ICP050"),
        (web.url("www.corp-a.cn", "/news/1.html"), "INJ010"), (web.url("live.corp-a.cn"), "SCP001"),
    }
    www = web.url("www.corp-a.cn", "/")
    assert not [f for f in doc["findings"] if f["url"].startswith(www) and f["category"] == "icp"]


def test_xhtml_page_with_an_xml_declaration_is_read():
    text = ('<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" '
            '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">\n<html xmlns="http://www.w3.org/1999/xhtml">'
            '<body><div id="footer"><a href="https://beian.miit.gov.cn/">京ICP备2024012345号-1</a></div></body></html>')
    page = Page(url="https://www.example.cn/", status=200, content_type="application/xhtml+xml", text=text,
                is_homepage=True)
    assert icp_findings(page, make_ctx(licence="", psb="")) == []
