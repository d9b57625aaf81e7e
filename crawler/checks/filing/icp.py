"""Filing numbers on every declared domain's homepage: ICP 备案号, licence number, 公安备案号.

What an inspector looks at first (DOMAIN.md §2): the number is shown as text at the bottom of the
homepage, in a valid format, equal to the filed one (a per-domain `-N` suffix is fine), linked to
the MIIT system; the licence number when there is one; the 公安备案号 with the right province code,
linked to the 公安 platform with the same code. Rule ids are stable: ICP0xx filing, ICP02x licence,
ICP03x/ICP04x 公安, ICP050 homepage never checked.
"""
from __future__ import annotations

import dataclasses
import re
from typing import Iterable
from urllib.parse import urlsplit

from crawler.checks.base import AuditContext
from crawler.checks.htmlutil import parse
from crawler.checks.filing.icp_evidence import HomepageEvidence, host_of
from crawler.checks.filing.icp_numbers import (Number, find_filings, find_licences, find_psb, is_template, parse_declared,
                                        province_code_mismatch)
from crawler.page import Page
from rules.model import Category, CheckOutcome, CheckResult, CheckStatus, Finding, Severity

HOMEPAGES_CHECK_ID = "icp.homepages"

MIIT_HOSTS = frozenset({"beian.miit.gov.cn"})
DEAD_MIIT_HOSTS = frozenset({"www.miitbeian.gov.cn", "miitbeian.gov.cn", "www.miibeian.gov.cn", "miibeian.gov.cn"})
PSB_HOSTS = frozenset({"beian.mps.gov.cn", "www.beian.gov.cn", "beian.gov.cn"})
MIIT_URL = "https://beian.miit.gov.cn/"

BASIS_FILING = "《非经营性互联网信息服务备案管理办法》第十三条；《互联网信息服务管理办法》第十二条"
BASIS_LICENCE = "《互联网信息服务管理办法》第十二条"
BASIS_PSB = "《计算机信息网络国际联网安全保护管理办法》第十二条（公安备案，unverified）"

# Problem name -> (severity, zh, en).
_PROBLEMS = {
    "format": (Severity.ERROR, "格式不正确", "the number's format is invalid"),
    "spaces": (Severity.WARNING, "中含有空格", "the number contains spaces"),
    "no_hao": (Severity.WARNING, "缺少“号”字", "the number lacks the trailing 号"),
    "label": (Severity.WARNING, "的标识写法不正确", "the number has a wrong label"),
    "placeholder": (Severity.ERROR, "是模板占位符", "the number is a template placeholder"),
}
# (kind, problem) -> rule id, written out so that every id can be found with grep.
_PROBLEM_RULES = {
    ("filing", "format"): "ICP004", ("filing", "spaces"): "ICP005", ("filing", "no_hao"): "ICP006",
    ("filing", "label"): "ICP007", ("filing", "placeholder"): "ICP008",
    ("licence", "format"): "ICP024", ("licence", "spaces"): "ICP025", ("licence", "no_hao"): "ICP026",
    ("licence", "label"): "ICP027", ("licence", "placeholder"): "ICP028",
    ("psb", "format"): "ICP044", ("psb", "spaces"): "ICP045", ("psb", "no_hao"): "ICP046",
    ("psb", "label"): "ICP047", ("psb", "placeholder"): "ICP048",
}
_KIND = {  # kind -> (zh name, en name, basis, correct form)
    "filing": ("ICP备案号", "ICP filing number", BASIS_FILING, "京ICP备12345678号-1"),
    "licence": ("经营许可证编号", "ICP licence number", BASIS_LICENCE, "京B2-20201234 / 京ICP证123456号"),
    "psb": ("公安备案号", "PSB filing number", BASIS_PSB, "京公网安备11010802012345号"),
}
_CODE_IN_LINK = re.compile(r"(?:recordcode|code)=([0-9A-Za-z]+)")
_IMG_FILING = re.compile(r"icp|beian|备案", re.I)
_IMG_PSB = re.compile(r"公网安备|公安备案|gongan|gaba|police|ghs", re.I)
_SCRIPT_FILING = re.compile(r"ICP\s*备|beian\.miit\.gov\.cn|miitbeian|miibeian", re.I)
_SCRIPT_PSB = re.compile(r"公网安备|beian\.mps\.gov\.cn|beian\.gov\.cn/portal", re.I)

@dataclasses.dataclass
class HomepagesSeen:
    """What the footer check keeps across pages, for `check_homepages_seen`."""

    checked: dict[str, str] = dataclasses.field(default_factory=dict)   # declared host -> URL of the homepage checked for it
    judged: set[str] = dataclasses.field(default_factory=set)           # hosts whose homepage footer was read (once each)
    unusable: dict[str, tuple[str, int, str]] = dataclasses.field(default_factory=dict)   # host -> (URL, status, error)


def _differs_from_declared(hp: HomepageEvidence, real: list[Number], declared: Number | None, rule: str, zh: str, en: str,
                           basis: str) -> None:
    """A shown number (of those that can be compared) that is not the profile's declared one."""
    comparable = [n for n in real if n.comparable]
    if declared and comparable and not any(n.same_as(declared) for n in comparable):
        hp.add(rule, Severity.ERROR, zh, en, basis=basis, expected=declared.shown,
               actual="；".join(n.shown for n in comparable), match=comparable[0].shown,
               context=hp.context(comparable[0]))


def _report_problems(hp: HomepageEvidence, n: Number, declared: Number | None) -> bool:
    """Format findings for one shown number; True when it is a placeholder (not the declared number)."""
    zh_name, en_name, basis, correct = _KIND[n.kind]
    # A digits-only look-alike (12345678) equal to the declared number is that number; X's never are.
    placeholder = "placeholder" in n.problems and (is_template(n.digits) or not (declared and n.same_as(declared)))
    for problem in n.problems:
        if problem == "placeholder" and not placeholder:
            continue
        severity, zh, en = _PROBLEMS[problem]
        zh_detail, en_detail = n.detail if problem == "format" and n.detail[0] else ("", "")
        hp.add(_PROBLEM_RULES[n.kind, problem], severity, f"{zh_name}{zh}{'（' + zh_detail + '）' if zh_detail else ''}：{n.shown}",
               f"{en_name}: {en}{' (' + en_detail + ')' if en_detail else ''}: {n.shown}", basis=basis,
               expected=declared.shown if declared and problem == "placeholder" else correct,
               actual=n.shown, match=n.shown, context=hp.context(n))
    return placeholder


def _check_filing(hp: HomepageEvidence, filings: list[Number], licences: list[Number]) -> None:
    declared = parse_declared("filing", hp.ctx.profile.license.icp_filing)
    t = hp.ctx.t
    if not filings:
        image = hp.image_shows(_IMG_FILING, MIIT_HOSTS | DEAD_MIIT_HOSTS, unless=_IMG_PSB)
        script = hp.script_shows(_SCRIPT_FILING) or hp.rendered_by_scripts()
        expected = declared.shown if declared else "京ICP备12345678号-1"
        if script:
            hp.add("ICP003", Severity.ERROR, "ICP备案号由脚本生成，页面文本中没有：检查者和搜索引擎可能看不到",
                   "the ICP filing number is drawn by a script, not present as text", basis=BASIS_FILING,
                   expected=expected, actual=script, suggestion=t("将备案号以文字形式写在首页底部 HTML 中",
                                                                 "write the number as text in the footer HTML"))
        elif image:
            hp.add("ICP002", Severity.ERROR, "ICP备案号只以图片形式展示，页面中没有文字形式的备案号",
                   "the ICP filing number is shown only as an image, not as text", basis=BASIS_FILING,
                   expected=expected, actual=image, suggestion=t("将备案号以文字形式展示并链接到 " + MIIT_URL,
                                                                "show the number as text linked to " + MIIT_URL))
        else:
            # Error when the profile declares a filing or licence. Without one we cannot tell whether the
            # site needs a filing at all (a site hosted outside mainland China does not), and a licence
            # shown without a declared filing is an older layout: both are worth a look, not a verdict.
            lic = hp.ctx.profile.license
            hp.add("ICP001", Severity.ERROR if declared or (lic.icp_license and not licences) else Severity.WARNING,
                   "首页底部未展示ICP备案号", "the homepage does not show the ICP filing number", basis=BASIS_FILING, expected=expected, actual=t("未找到", "not found"),
                   suggestion=t(f"在首页底部居中位置展示备案号并链接到 {MIIT_URL}",
                                f"show the number at the bottom centre of the homepage, linked to {MIIT_URL}"))
        return
    hiding = [hp.hidden_by(n) for n in filings]
    if all(hiding):
        n, how = filings[0], hiding[0]
        hp.add("ICP014", Severity.ERROR, f"ICP备案号被 CSS 隐藏（{how}），访问者看不到",
               f"the ICP filing number is hidden by CSS ({how})", basis=BASIS_FILING,
               expected=hp.ctx.t("在首页底部可见", "visible at the bottom of the homepage"), actual=f"{how}: {n.shown}",
               match=n.shown, context=hp.context(n))
    placeholders = [n for n in filings if _report_problems(hp, n, declared)]
    real = [n for n in filings if n not in placeholders]
    _differs_from_declared(hp, real, declared, "ICP010", "首页展示的ICP备案号与申报的不一致",
                           "the ICP filing number differs from the declared one", BASIS_FILING)
    shown = ([n for n in real if declared and n.same_as(declared)] or real or placeholders)
    _check_miit_link(hp, shown)


def _check_miit_link(hp: HomepageEvidence, numbers: list[Number], good: frozenset[str] = MIIT_HOSTS) -> None:
    """The MIIT link of the 备案号: its own link or one near it, to the live host; the best copy is judged."""
    t = hp.ctx.t
    best: tuple[int, Number, str] | None = None   # (badness, number, href)
    for n in numbers:
        links = hp.nearby_links(n, good | DEAD_MIIT_HOSTS)
        hrefs = [a.get("href") or "" for a in links]
        if any(host_of(h) in good for h in hrefs):
            return
        badness, href = (1, hrefs[0]) if hrefs and host_of(hrefs[0]) in DEAD_MIIT_HOSTS else (
            (2, hrefs[0]) if hrefs else (3, ""))
        if best is None or badness < best[0]:
            best = (badness, n, href)
    if best is None:
        return
    badness, n, href = best
    if badness == 1:
        hp.add("ICP012", Severity.ERROR, f"ICP备案号链接到已停用的地址 {host_of(href)}",
               f"the ICP filing number links to the dead host {host_of(href)}", basis=BASIS_FILING,
               expected=MIIT_URL, actual=href, match=n.shown, context=hp.context(n),
               suggestion=t(f"将链接改为 {MIIT_URL}", f"link to {MIIT_URL}"))
        return
    elsewhere = hp.links_to(good)
    if badness == 2:
        hp.add("ICP013", Severity.ERROR, "ICP备案号链接到了错误的地址", "the ICP filing number links to the wrong address",
               basis=BASIS_FILING, expected=MIIT_URL, actual=href, match=n.shown, context=hp.context(n))
    elif elsewhere:
        hp.add("ICP013", Severity.WARNING, "ICP备案号本身没有链接到工信部备案系统（链接在页面其他位置）",
               "the ICP filing number is not itself linked to the MIIT system (a link is elsewhere)",
               basis=BASIS_FILING, expected=MIIT_URL, actual=elsewhere[0].get("href"), match=n.shown,
               context=hp.context(n))
    else:
        dead = hp.links_to(DEAD_MIIT_HOSTS)
        hp.add("ICP011", Severity.ERROR, "ICP备案号未链接到工信部备案系统", "the ICP filing number is not linked to the MIIT system",
               basis=BASIS_FILING, expected=MIIT_URL, actual=(dead[0].get("href") if dead else t("无链接", "no link")),
               match=n.shown, context=hp.context(n),
               suggestion=t(f"为备案号加上指向 {MIIT_URL} 的链接", f"link the number to {MIIT_URL}"))


def _check_licence(hp: HomepageEvidence, licences: list[Number]) -> None:
    declared = parse_declared("licence", hp.ctx.profile.license.icp_license)
    if hp.ctx.profile.license.icp_license and not licences:
        hp.add("ICP020", Severity.ERROR, "首页未展示经营许可证编号", "the homepage does not show the ICP licence number",
               basis=BASIS_LICENCE, expected=hp.ctx.profile.license.icp_license, actual=hp.ctx.t("未找到", "not found"))
        return
    placeholders = [n for n in licences if _report_problems(hp, n, declared)]
    real = [n for n in licences if n not in placeholders]
    _differs_from_declared(hp, real, declared, "ICP022", "首页展示的经营许可证编号与申报的不一致",
                           "the ICP licence number differs from the declared one", BASIS_LICENCE)


def _check_psb(hp: HomepageEvidence, psbs: list[Number]) -> None:
    t = hp.ctx.t
    declared_text = hp.ctx.profile.license.psb_filing
    declared = parse_declared("psb", declared_text)
    if not psbs:
        if not declared_text:
            return
        script = hp.script_shows(_SCRIPT_PSB) or hp.rendered_by_scripts()
        image = hp.image_shows(_IMG_PSB, PSB_HOSTS) if not script else None
        if script or image:
            rule, zh, en = (("ICP043", "公安备案号由脚本生成，页面文本中没有", "the PSB number is drawn by a script, not present as text")
                            if script else ("ICP042", "公安备案号只以图片形式展示，页面中没有文字形式的编号",
                                            "the PSB number is shown only as an image"))
            hp.add(rule, Severity.ERROR, zh, en, basis=BASIS_PSB, expected=declared_text, actual=script or image)
        else:
            hp.add("ICP030", Severity.ERROR, "首页底部未展示公安备案号", "the homepage does not show the PSB filing number",
                   basis=BASIS_PSB, expected=declared_text, actual=t("未找到", "not found"))
        return
    placeholders = [n for n in psbs if _report_problems(hp, n, declared)]
    real = [n for n in psbs if n not in placeholders]
    for n in real:
        want = province_code_mismatch(n)
        if want:
            hp.add("ICP032", Severity.ERROR, f"公安备案号的省份代码 {n.digits[:2]} 与简称“{n.province}”（{want}）不符",
                   f"the PSB number's province code {n.digits[:2]} does not match {n.province} ({want})",
                   basis=BASIS_PSB, expected=f"{n.province}…{want}…", actual=n.shown, match=n.shown, context=hp.context(n))
    _differs_from_declared(hp, real, declared, "ICP031", "首页展示的公安备案号与申报的不一致",
                           "the PSB filing number differs from the declared one", BASIS_PSB)
    for n in real or placeholders:
        links = hp.nearby_links(n, PSB_HOSTS, levels=2)
        if not links:
            hp.add("ICP033", Severity.WARNING, "公安备案号未链接到公安备案平台", "the PSB number is not linked to the PSB platform",
                   basis=BASIS_PSB, expected=f"https://beian.mps.gov.cn/#/query/webSearch?code={n.digits}",
                   actual=t("无链接", "no link"), match=n.shown, context=hp.context(n))
            continue
        href = links[0].get("href") or ""
        if host_of(href) not in PSB_HOSTS:
            hp.add("ICP035", Severity.WARNING, "公安备案号链接到了错误的地址", "the PSB number links to the wrong address",
                   basis=BASIS_PSB, expected=f"https://beian.mps.gov.cn/#/query/webSearch?code={n.digits}",
                   actual=href, match=n.shown, context=hp.context(n))
            continue
        code = _CODE_IN_LINK.search(href)
        if code and code.group(1) != n.digits:
            hp.add("ICP034", Severity.ERROR, "公安备案号链接中的编号与页面展示的编号不一致",
                   "the code in the PSB link differs from the number shown", basis=BASIS_PSB,
                   expected=n.digits, actual=code.group(1), match=n.shown, context=hp.context(n))


def _relabel_filing(filings: list[Number], licences: list[Number], ctx: AuditContext
                    ) -> tuple[list[Number], list[Number]]:
    """`京ICP证<the filed number>号` is the 备案号 under the licence's label: judge it as a filing with a wrong label."""
    declared = parse_declared("filing", ctx.profile.license.icp_filing)
    if filings or not declared:
        return filings, licences
    moved = [dataclasses.replace(n, kind="filing", label="证", problems=("label",) + tuple(
        p for p in n.problems if p not in ("format", "label"))) for n in licences if n.digits == declared.digits]
    return moved, [n for n in licences if n.digits != declared.digits]


def check_homepage_filing(page: Page, ctx: AuditContext) -> Iterable[Finding]:
    """首页备案信息：ICP备案号、经营许可证、公安备案号"""
    host = page.host
    if not page.is_homepage:
        # A failed download carries no homepage mark; a declared domain's root that failed is still
        # worth naming in the final check (with the error) instead of "never fetched".
        if page.status == 0 and urlsplit(page.url).path in ("", "/") and host in ctx.profile.domains:
            ctx.scratch(HomepagesSeen).unusable.setdefault(
                host, (page.url, 0, page.error))
        return []
    parsed = parse(page)
    if parsed is None or page.status >= 400 or page.status == 0:
        ctx.scratch(HomepagesSeen).unusable.setdefault(
            host, (page.url, page.status, page.error))
        return []
    covered = ctx.scratch(HomepagesSeen).checked
    judged = ctx.scratch(HomepagesSeen).judged
    # A declared domain that redirects here is judged by this page (apex → www is the usual case).
    for earlier in page.redirects:
        covered.setdefault(host_of(earlier), page.url)
    covered.setdefault(host, page.url)
    if host in judged:
        # The same homepage reached twice (apex → www, http and https): one set of findings; the
        # redirecting domain shows what this page shows in the 年报 table.
        for earlier in {host_of(u) for u in page.redirects} & set(ctx.profile.domains):
            ctx.facts.setdefault(earlier, {}).update(ctx.facts.get(host, {}))
        return []
    judged.add(host)
    hp = HomepageEvidence(page, parsed, ctx)
    filings, old_licences = find_filings(hp.index.text)
    filings, old_licences = _relabel_filing(filings, old_licences, ctx)
    licences = old_licences + find_licences(hp.index.text)
    licences.sort(key=lambda n: n.start)
    psbs = find_psb(hp.index.text)
    filings, licences, psbs = hp.footer_first(filings), hp.footer_first(licences), hp.footer_first(psbs)
    _check_filing(hp, filings, licences)
    _check_licence(hp, licences)
    _check_psb(hp, psbs)
    facts = {"icp_filing": filings[0].shown if filings else None,
             "icp_license": licences[0].shown if licences else None,
             "psb_filing": psbs[0].shown if psbs else None,
             "title": parsed.title or page.title or None}
    for h in {host, *(host_of(u) for u in page.redirects)} - {""}:
        if h == host or h in ctx.profile.domains:
            ctx.facts.setdefault(h, {}).update(facts)
    return hp.findings


def _unreadable_declarations(ctx: AuditContext) -> list[Finding]:
    """A declared number this check cannot read is never compared: say so rather than stay silent."""
    lic = ctx.profile.license
    findings = []
    for kind, field, value, example in (("filing", "license.icp_filing", lic.icp_filing, "京ICP备12345678号"),
                                        ("licence", "license.icp_license", lic.icp_license, "京B2-20201234"),
                                        ("psb", "license.psb_filing", lic.psb_filing, "京公网安备11010802012345号")):
        if value and parse_declared(kind, value) is None:
            where = ctx.profile.source or "site.yaml"
            findings.append(Finding(
                rule="ICP051", category=Category.ICP.value, severity=Severity.WARNING,
                url=ctx.profile.site.start_urls[0] if ctx.profile.site.start_urls else where,
                message=ctx.t(f"{where}: {field} 的值无法识别，未与页面比对：{value}",
                              f"{where}: {field} is not a number this check can read; not compared: {value}"),
                where="footer", expected=example, actual=value))
    return findings


def check_homepages_seen(ctx: AuditContext) -> CheckOutcome:
    """每个申报域名的首页都已检查备案信息"""
    checked = ctx.scratch(HomepagesSeen).checked
    unusable = ctx.scratch(HomepagesSeen).unusable
    findings: list[Finding] = []
    start_urls = {(host_of(u)): u for u in ctx.profile.site.start_urls}
    first = urlsplit(ctx.profile.site.start_urls[0]) if ctx.profile.site.start_urls else None

    def homepage_url(domain: str) -> str:
        # The URL the crawl would have used: the first start URL's scheme and port on this domain.
        if domain in start_urls:
            return start_urls[domain]
        if first is None:
            return f"https://{domain}/"
        return f"{first.scheme}://{domain}{':' + str(first.port) if first.port else ''}/"

    missing = []
    for domain in ctx.profile.domains:
        if domain in checked:
            continue
        missing.append(domain)
        url, status, error = unusable.get(domain, (homepage_url(domain), None, ""))
        if status:
            actual = ctx.t(f"首页返回 HTTP {status}，不是可检查的页面", f"the homepage answered HTTP {status}, not a usable page")
        elif status == 0:
            actual = ctx.t(f"首页无法访问：{error}", f"the homepage could not be fetched: {error}")
        else:
            actual = ctx.t("首页未被抓取（无法访问或未爬到）", "the homepage was never fetched (down or not crawled)")
        findings.append(Finding(
            rule="ICP050", category=Category.ICP.value, severity=Severity.WARNING, url=url,
            message=ctx.t(f"申报域名 {domain} 的首页未能检查备案信息", f"the filing details of {domain}'s homepage were not checked"),
            where="footer", basis=BASIS_FILING, expected=ctx.t("首页可访问并展示备案号", "a reachable homepage showing the number"),
            actual=actual))
        ctx.facts.setdefault(domain, {}).update({"icp_filing": None, "icp_license": None, "psb_filing": None,
                                                 "title": None})
    findings += _unreadable_declarations(ctx)
    if missing:
        result = CheckResult(HOMEPAGES_CHECK_ID, CheckStatus.FAIL, ctx.t(f"{len(missing)} 个申报域名的首页未检查：{'、'.join(missing)}",
                                                                   f"{len(missing)} declared homepages not checked: {', '.join(missing)}"),
                             expected=", ".join(ctx.profile.domains), actual=", ".join(sorted(checked)))
    else:
        result = CheckResult(HOMEPAGES_CHECK_ID, CheckStatus.OK, ctx.t(f"已检查 {len(checked)} 个首页", f"{len(checked)} homepages checked"))
    return CheckOutcome(result, findings)
