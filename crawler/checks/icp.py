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
from crawler.checks.htmlutil import Parsed, TextIndex, ancestors, element_text, link_of, parse, squash
from crawler.checks.icp_numbers import (Number, find_filings, find_licences, find_psb, is_template, parse_declared,
                                        province_code_mismatch)
from crawler.page import Page
from rules.model import CheckOutcome, CheckResult, CheckStatus, Finding, Severity

MIIT_HOSTS = frozenset({"beian.miit.gov.cn"})
DEAD_MIIT_HOSTS = frozenset({"www.miitbeian.gov.cn", "miitbeian.gov.cn", "www.miibeian.gov.cn", "miibeian.gov.cn"})
PSB_HOSTS = frozenset({"beian.mps.gov.cn", "www.beian.gov.cn", "beian.gov.cn"})
MIIT_URL = "https://beian.miit.gov.cn/"

BASIS_FILING = "《非经营性互联网信息服务备案管理办法》第十三条；《互联网信息服务管理办法》第十二条"
BASIS_LICENCE = "《互联网信息服务管理办法》第十二条"
BASIS_PSB = "《计算机信息网络国际联网安全保护管理办法》第十二条（公安备案，unverified）"

# Problem name -> (rule offset within the kind's block, severity, zh, en).
_PROBLEMS = {
    "format": (4, Severity.ERROR, "编号格式不正确", "the number's format is invalid"),
    "spaces": (5, Severity.WARNING, "编号中含有空格", "the number contains spaces"),
    "no_hao": (6, Severity.WARNING, "编号缺少“号”字", "the number lacks the trailing 号"),
    "label": (7, Severity.WARNING, "编号标识写法不正确", "the number has a wrong label"),
    "placeholder": (8, Severity.ERROR, "编号是模板占位符", "the number is a template placeholder"),
}
_KIND = {  # kind -> (rule block start, zh name, en name, basis, correct form)
    "filing": (0, "ICP备案号", "ICP filing number", BASIS_FILING, "京ICP备12345678号-1"),
    "licence": (20, "经营许可证编号", "ICP licence number", BASIS_LICENCE, "京B2-20201234 / 京ICP证123456号"),
    "psb": (40, "公安备案号", "PSB filing number", BASIS_PSB, "京公网安备11010802012345号"),
}
_CODE_IN_LINK = re.compile(r"(?:recordcode|code)=([0-9A-Za-z]+)")
_IMG_FILING = re.compile(r"icp|beian|备案", re.I)
_IMG_PSB = re.compile(r"公网安备|公安备案|gongan|gaba|police|ghs", re.I)
_SCRIPT_FILING = re.compile(r"ICP\s*备|beian\.miit\.gov\.cn|miitbeian|miibeian", re.I)
_SCRIPT_PSB = re.compile(r"公网安备|beian\.mps\.gov\.cn|beian\.gov\.cn/portal", re.I)

STATE_CHECKED = "icp.homepages"      # declared host -> URL of the homepage that was checked for it
STATE_JUDGED = "icp.judged"          # hosts whose homepage footer was read (once each)
STATE_UNUSABLE = "icp.unusable"      # host -> (URL, status) of a homepage that was not HTML


def _rule(n: int) -> str:
    return f"ICP{n:03d}"


def _host(href: str) -> str:
    try:
        return (urlsplit(href.strip()).hostname or "").lower()
    except ValueError:
        return ""


class _Homepage:
    """One homepage under check: the parse, the footer evidence, and a finding factory."""

    def __init__(self, page: Page, parsed: Parsed, ctx: AuditContext):
        self.page = page
        self.parsed = parsed
        self.index: TextIndex = parsed.index
        self.ctx = ctx
        self.findings: list[Finding] = []
        self.footer = self._footer_text()

    def _footer_text(self) -> str:
        for el in reversed(list(self.parsed.root.iter("footer"))):
            return element_text(el)[-200:]
        text = squash(self.index.text)
        return text[-200:]

    def context(self, n: Number) -> str:
        return self.index.context(n.start, n.end)

    def add(self, rule: str, severity: Severity, zh: str, en: str, *, basis: str, expected: str | None = None,
            actual: str | None = None, match: str | None = None, context: str | None = None,
            suggestion: str | None = None) -> None:
        self.findings.append(Finding(
            rule=rule, category="icp", severity=severity, url=self.page.url, message=self.ctx.t(zh, en),
            where="footer", match=match, context=context if context is not None else self.footer,
            basis=basis, suggestion=suggestion, expected=expected, actual=actual))

    def owner(self, n: Number):
        return self.index.owner_at(n.start)

    def nearby_links(self, n: Number, hosts: frozenset[str], levels: int = 3):
        """Links to `hosts` near the number: its own link, or one within a few enclosing elements."""
        own = link_of(self.owner(n))
        if own is not None:
            return [own]
        el = self.owner(n)
        for i, node in enumerate(ancestors(el)):
            if i > levels or node.tag in ("body", "html"):
                break
            near = [a for a in node.iter("a") if _host(a.get("href") or "") in hosts]
            if near:
                return near
        return []

    def links_to(self, hosts: frozenset[str]):
        return [a for a in self.parsed.links if _host(a.get("href") or "") in hosts]

    def image_shows(self, pattern: re.Pattern, hosts: frozenset[str] = frozenset(),
                    unless: re.Pattern | None = None) -> str | None:
        """An <img> that stands for the number: inside a link to `hosts`, or named like it (alt/title/src)."""
        for img in self.parsed.root.iter("img"):
            link = link_of(img)
            if link is not None and _host(link.get("href") or "") in hosts and not element_text(link):
                return f"<a href=\"{link.get('href')}\"><img src=\"{(img.get('src') or '')[:80]}\"></a> @ {self.parsed.path(img)}"
            if unless and unless.search(" ".join(img.get(a) or "" for a in ("alt", "title", "src"))):
                continue   # the 公安 badge is not the ICP number, and the other way round
            for attr in ("alt", "title", "src"):
                value = img.get(attr) or ""
                if pattern.search(value):
                    return f"<img {attr}=\"{value[:80]}\"> @ {self.parsed.path(img)}"
        return None

    def rendered_by_scripts(self) -> str | None:
        """A page whose HTML has next to no text but loads scripts: its footer is drawn in the browser."""
        sources = [el.get("src") for el in self.parsed.root.iter("script") if el.get("src")]
        if sources and len(squash(self.index.text)) < 40:
            return self.ctx.t(f"页面 HTML 几乎没有文字，内容由 {len(sources)} 个外部脚本生成（{sources[0]} …）",
                              f"the HTML has almost no text; {len(sources)} external scripts draw it ({sources[0]} …)")
        return None

    def script_shows(self, pattern: re.Pattern) -> str | None:
        for code in self.parsed.scripts():
            m = pattern.search(code)
            if m:
                return squash(code[max(0, m.start() - 40):m.end() + 60])
        return None


def _report_problems(hp: _Homepage, n: Number, declared: Number | None) -> bool:
    """Format findings for one shown number; True when it is a placeholder (not the declared number)."""
    block, zh_name, en_name, basis, correct = _KIND[n.kind]
    # A digits-only look-alike (12345678) equal to the declared number is that number; X's never are.
    placeholder = "placeholder" in n.problems and (is_template(n.digits) or not (declared and n.same_as(declared)))
    for problem in n.problems:
        if problem == "placeholder" and not placeholder:
            continue
        offset, severity, zh, en = _PROBLEMS[problem]
        zh_detail, en_detail = n.detail if problem == "format" and n.detail[0] else ("", "")
        hp.add(_rule(block + offset), severity, f"{zh_name}{zh}{'（' + zh_detail + '）' if zh_detail else ''}：{n.shown}",
               f"{en_name}: {en}{' (' + en_detail + ')' if en_detail else ''}: {n.shown}", basis=basis,
               expected=declared.shown if declared and problem == "placeholder" else correct,
               actual=n.shown, match=n.shown, context=hp.context(n))
    return placeholder


def _check_filing(hp: _Homepage, filings: list[Number], licences: list[Number]) -> None:
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
            # A licence shown without a declared filing is an older layout: still worth a look.
            hp.add("ICP001", Severity.ERROR if declared or not licences else Severity.WARNING, "首页底部未展示ICP备案号", "the homepage does not show the ICP filing number",
                   basis=BASIS_FILING, expected=expected, actual=t("未找到", "not found"),
                   suggestion=t(f"在首页底部居中位置展示备案号并链接到 {MIIT_URL}",
                                f"show the number at the bottom centre of the homepage, linked to {MIIT_URL}"))
        return
    placeholders = [n for n in filings if _report_problems(hp, n, declared)]
    real = [n for n in filings if n not in placeholders]
    comparable = [n for n in real if n.comparable]
    if declared and comparable and not any(n.same_as(declared) for n in comparable):
        hp.add("ICP010", Severity.ERROR, "首页展示的ICP备案号与申报的不一致", "the ICP filing number differs from the declared one",
               basis=BASIS_FILING, expected=declared.shown, actual="；".join(n.shown for n in comparable),
               match=comparable[0].shown, context=hp.context(comparable[0]))
    shown = ([n for n in real if declared and n.same_as(declared)] or real or placeholders)
    _check_link(hp, shown, MIIT_HOSTS, "filing")


def _check_link(hp: _Homepage, numbers: list[Number], good: frozenset[str], kind: str) -> None:
    """The MIIT link of the 备案号: its own link or one right next to it, to the live host."""
    t = hp.ctx.t
    best: tuple[int, Number, str] | None = None   # (badness, number, href)
    for n in numbers:
        links = hp.nearby_links(n, good | DEAD_MIIT_HOSTS)
        hrefs = [a.get("href") or "" for a in links]
        if any(_host(h) in good for h in hrefs):
            return
        badness, href = (1, hrefs[0]) if hrefs and _host(hrefs[0]) in DEAD_MIIT_HOSTS else (
            (2, hrefs[0]) if hrefs else (3, ""))
        if best is None or badness < best[0]:
            best = (badness, n, href)
    if best is None:
        return
    badness, n, href = best
    if badness == 1:
        hp.add("ICP012", Severity.ERROR, f"ICP备案号链接到已停用的地址 {_host(href)}",
               f"the ICP filing number links to the dead host {_host(href)}", basis=BASIS_FILING,
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


def _check_licence(hp: _Homepage, licences: list[Number]) -> None:
    declared = parse_declared("licence", hp.ctx.profile.license.icp_license)
    if hp.ctx.profile.license.icp_license and not licences:
        hp.add("ICP020", Severity.ERROR, "首页未展示经营许可证编号", "the homepage does not show the ICP licence number",
               basis=BASIS_LICENCE, expected=hp.ctx.profile.license.icp_license, actual=hp.ctx.t("未找到", "not found"))
        return
    placeholders = [n for n in licences if _report_problems(hp, n, declared)]
    real = [n for n in licences if n not in placeholders]
    comparable = [n for n in real if n.comparable]
    if declared and comparable and not any(n.same_as(declared) for n in comparable):
        hp.add("ICP022", Severity.ERROR, "首页展示的经营许可证编号与申报的不一致", "the ICP licence number differs from the declared one",
               basis=BASIS_LICENCE, expected=declared.shown, actual="；".join(n.shown for n in comparable),
               match=comparable[0].shown, context=hp.context(comparable[0]))


def _check_psb(hp: _Homepage, psbs: list[Number]) -> None:
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
    comparable = [n for n in real if n.comparable]
    if declared and comparable and not any(n.same_as(declared) for n in comparable):
        hp.add("ICP031", Severity.ERROR, "首页展示的公安备案号与申报的不一致", "the PSB filing number differs from the declared one",
               basis=BASIS_PSB, expected=declared.shown, actual="；".join(n.shown for n in comparable),
               match=comparable[0].shown, context=hp.context(comparable[0]))
    for n in real or placeholders:
        links = hp.nearby_links(n, PSB_HOSTS, levels=2)
        if not links:
            hp.add("ICP033", Severity.WARNING, "公安备案号未链接到公安备案平台", "the PSB number is not linked to the PSB platform",
                   basis=BASIS_PSB, expected=f"https://beian.mps.gov.cn/#/query/webSearch?code={n.digits}",
                   actual=t("无链接", "no link"), match=n.shown, context=hp.context(n))
            continue
        href = links[0].get("href") or ""
        if _host(href) not in PSB_HOSTS:
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
    if not page.is_homepage:
        return []
    host = page.host
    parsed = parse(page)
    if parsed is None or page.status >= 400:
        ctx.state.setdefault(STATE_UNUSABLE, {}).setdefault(host, (page.url, page.status))
        return []
    covered = ctx.state.setdefault(STATE_CHECKED, {})
    judged = ctx.state.setdefault(STATE_JUDGED, set())
    # A declared domain that redirects here is judged by this page (apex → www is the usual case).
    for earlier in page.redirects:
        covered.setdefault(_host(earlier), page.url)
    covered.setdefault(host, page.url)
    if host in judged:
        # The same homepage reached twice (apex → www, http and https): one set of findings; the
        # redirecting domain shows what this page shows in the 年报 table.
        for earlier in {_host(u) for u in page.redirects} & set(ctx.profile.domains):
            ctx.facts.setdefault(earlier, {}).update(ctx.facts.get(host, {}))
        return []
    judged.add(host)
    hp = _Homepage(page, parsed, ctx)
    filings, old_licences = find_filings(hp.index.text)
    filings, old_licences = _relabel_filing(filings, old_licences, ctx)
    licences = old_licences + find_licences(hp.index.text)
    licences.sort(key=lambda n: n.start)
    psbs = find_psb(hp.index.text)
    _check_filing(hp, filings, licences)
    _check_licence(hp, licences)
    _check_psb(hp, psbs)
    facts = {"icp_filing": filings[0].shown if filings else None,
             "icp_license": licences[0].shown if licences else None,
             "psb_filing": psbs[0].shown if psbs else None,
             "title": parsed.title or page.title or None}
    for h in {host, *(_host(u) for u in page.redirects)} - {""}:
        if h == host or h in ctx.profile.domains:
            ctx.facts.setdefault(h, {}).update(facts)
    return hp.findings


def check_homepages_seen(ctx: AuditContext) -> CheckOutcome:
    """每个申报域名的首页都已检查备案信息"""
    checked = ctx.state.get(STATE_CHECKED, {})
    unusable = ctx.state.get(STATE_UNUSABLE, {})
    findings: list[Finding] = []
    start_urls = {(_host(u)): u for u in ctx.profile.site.start_urls}
    missing = []
    for domain in ctx.profile.domains:
        if domain in checked:
            continue
        missing.append(domain)
        url, status = unusable.get(domain, (start_urls.get(domain, f"https://{domain}/"), None))
        actual = (ctx.t(f"首页返回 HTTP {status}，不是可检查的页面", f"the homepage answered HTTP {status}, not a usable page")
                  if status else ctx.t("首页未被抓取（无法访问或未爬到）", "the homepage was never fetched (down or not crawled)"))
        findings.append(Finding(
            rule="ICP050", category="icp", severity=Severity.WARNING, url=url,
            message=ctx.t(f"申报域名 {domain} 的首页未能检查备案信息", f"the filing details of {domain}'s homepage were not checked"),
            where="footer", basis=BASIS_FILING, expected=ctx.t("首页可访问并展示备案号", "a reachable homepage showing the number"),
            actual=actual))
        ctx.facts.setdefault(domain, {}).update({"icp_filing": None, "icp_license": None, "psb_filing": None})
    if missing:
        result = CheckResult("icp.homepages", CheckStatus.FAIL, ctx.t(f"{len(missing)} 个申报域名的首页未检查：{'、'.join(missing)}",
                                                                   f"{len(missing)} declared homepages not checked: {', '.join(missing)}"),
                             expected=", ".join(ctx.profile.domains), actual=", ".join(sorted(checked)))
    else:
        result = CheckResult("icp.homepages", CheckStatus.OK, ctx.t(f"已检查 {len(checked)} 个首页", f"{len(checked)} homepages checked"))
    return CheckOutcome(result, findings)
