"""Privacy: a policy linked from the homepage, the PIPL §17 elements in it, forms that link to it.

The homepage links to the privacy policy; the crawler follows internal links, so the policy page
arrives later and is read when it does (`check_privacy`); whether it states what 个人信息保护法
§17 requires is decided after the crawl (`check_privacy_policies`). Pages whose forms collect
personal data (phone, 身份证, name, email) must link to the policy too.
Rule ids: PRV001 no policy link on the homepage, PRV002 policy lacks §17 elements, PRV003 the
linked policy was never fetched, PRV004 a personal-data form without a policy link.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable
from urllib.parse import urldefrag, urljoin

from crawler.checks.base import AuditContext
from crawler.checks.htmlutil import Parsed, element_text, parse
from crawler.page import Page
from rules.model import Category, CheckOutcome, CheckResult, CheckStatus, Finding, Severity

POLICY_CHECK_ID = "privacy.policy"

BASIS = "《中华人民共和国个人信息保护法》第十七条"
_POLICY_TEXT = re.compile(r"隐私政策|隐私条款|隐私声明|隐私保护|隐私协议|隐私指引|隐私说明|隐私权|个人信息保护|privacy", re.I)
_POLICY_TITLE = re.compile(r"隐私政策|隐私条款|隐私声明|隐私协议|隐私指引|隐私权政策|个人信息保护政策|privacy policy", re.I)
_POLICY_HREF = re.compile(r"privacy|yinsi|yszc", re.I)
_PERSONAL_FIELD = re.compile(r"phone|mobile|tel|手机|电话|身份证|idcard|id_card|idno|id_no|name|姓名|email|e-mail|邮箱|证件",
                             re.I)
_NOT_PERSONAL_TYPES = frozenset({"hidden", "submit", "button", "checkbox", "radio", "reset", "image", "file",
                                 "search", "password"})
_NOT_PERSONAL_NAMES = re.compile(r"^(?:q|s|wd|kw|keyword|keywords|search|query|captcha|code|verify)$", re.I)

# (element, zh, en, pattern): what a §17 policy states, as words a policy uses for it.
ELEMENTS = (
    ("processor", "个人信息处理者名称", "the processor's name",
     re.compile(r"有限公司|有限责任公司|个人信息处理者|运营者|运营主体|运营方|我们是")),
    ("contact", "联系方式", "contact details", re.compile(r"联系方式|联系我们|联系电话|客服电话|邮箱|电子邮件|[\w.+-]+@[\w-]+\.[\w.]+")),
    ("purposes", "处理目的", "purposes", re.compile(r"目的|用途|用于")),
    ("methods", "处理方式", "methods", re.compile(r"处理方式|收集方式|使用方式|方式收集|自动收集|通过[^。]{0,20}收集")),
    ("categories", "个人信息种类", "categories of personal information",
     re.compile(r"个人信息(?:的)?(?:种类|类型|范围)|收集[^。]{0,30}(?:手机号|姓名|身份证|设备信息|位置信息|联系方式)")),
    ("retention", "保存期限", "retention period",
     re.compile(r"保存期限|保留期限|存储期限|保存期|保存时间|保留时间|存储时间|期限届满|最短时间|保存[^。]{0,12}期限")),
    ("查阅", "查阅权", "right of access", re.compile(r"查阅|访问您的个人信息|查询")),
    ("复制", "复制权", "right to copy", re.compile(r"复制|副本|导出")),
    ("更正", "更正权", "right to correct", re.compile(r"更正|修改|补充")),
    ("删除", "删除权", "right to delete", re.compile(r"删除")),
    ("撤回同意", "撤回同意", "withdrawing consent", re.compile(r"撤回")),
    ("注销", "注销账号", "closing the account", re.compile(r"注销")),
)
@dataclass
class PoliciesSeen:
    """What the privacy checks keep across pages, for `check_privacy_policies`."""

    links: dict[str, str] = field(default_factory=dict)      # policy URL -> homepage URL that links to it
    policies: dict[str, list[str]] = field(default_factory=dict)   # policy URL -> missing element names
    broken: dict[str, int] = field(default_factory=dict)     # policy URL -> HTTP status (0: failed) when it did not answer
_MAX_POLICIES = 20


def policy_links(parsed: Parsed, base: str) -> list[str]:
    """Absolute URLs (no fragment) of the links that lead to a privacy policy."""
    out: dict[str, None] = {}
    for a in parsed.links:
        href = (a.get("href") or "").strip()
        if not href or href.startswith(("javascript:", "mailto:", "tel:")):
            continue
        if _POLICY_HREF.search(href) or _POLICY_TEXT.search(a.text_content() + " " + (a.get("title") or "")):
            try:
                out.setdefault(urldefrag(urljoin(base, href))[0], None)
            except ValueError:   # a malformed href (`http://[bad`) is no link to follow
                continue
    return list(out)


def missing_elements(text: str) -> list[str]:
    """The §17 elements a policy text does not state, by name (see ELEMENTS)."""
    return [name for name, _, _, pattern in ELEMENTS if not pattern.search(text)]


def _is_policy_page(page: Page, parsed: Parsed, links: dict[str, str]) -> bool:
    if urldefrag(page.url)[0] in links:
        return True
    heading = parsed.root.find(".//h1")
    head = parsed.title + " " + (element_text(heading) if heading is not None else "")
    return bool(_POLICY_TITLE.search(head))


def _personal_inputs(form) -> list[str]:
    fields = []
    for el in form.iter("input", "textarea"):
        kind = (el.get("type") or "text").lower()
        if kind in _NOT_PERSONAL_TYPES:
            continue
        name = el.get("name") or el.get("id") or ""
        if _NOT_PERSONAL_NAMES.match(name):
            continue
        described = " ".join(filter(None, (name, el.get("id"), el.get("placeholder"), el.get("aria-label"))))
        if kind in ("tel", "email") or _PERSONAL_FIELD.search(described):
            fields.append(described or kind)
    return fields


def check_privacy(page: Page, ctx: AuditContext) -> Iterable[Finding]:
    """隐私政策：首页链接、个人信息表单链接"""
    if page.status >= 400 or page.status == 0:
        url = urldefrag(page.url)[0]
        if url in ctx.scratch(PoliciesSeen).links:   # only policy pages: the set stays small
            ctx.scratch(PoliciesSeen).broken.setdefault(url, page.status)
        return []
    if not page.text:
        return []
    parsed = parse(page)
    if parsed is None:
        return []
    found: list[Finding] = []
    has_form = "<form" in page.text.lower()
    # Links are only needed on homepages and on pages with forms.
    links_here = policy_links(parsed, page.url) if page.is_homepage or has_form else []
    known = ctx.scratch(PoliciesSeen).links
    if page.is_homepage:
        if not links_here:
            found.append(Finding(
                rule="PRV001", category=Category.PRIVACY.value, severity=Severity.WARNING, url=page.url,
                message=ctx.t("首页没有指向隐私政策的链接", "the homepage does not link to a privacy policy"),
                where="footer", basis=BASIS, expected=ctx.t("“隐私政策”链接", "a 隐私政策 link"),
                actual=ctx.t("未找到", "not found")))
        for url in links_here:
            known.setdefault(url, page.url)
    policies = ctx.scratch(PoliciesSeen).policies
    if _is_policy_page(page, parsed, known) and len(policies) < _MAX_POLICIES:
        policies.setdefault(urldefrag(page.url)[0], missing_elements(parsed.index.text))
    if not links_here and has_form:
        for form in parsed.root.iter("form"):
            fields = _personal_inputs(form)
            if fields and not _POLICY_TEXT.search(element_text(form)):
                found.append(Finding(
                    rule="PRV004", category=Category.PRIVACY.value, severity=Severity.WARNING, url=page.url,
                    message=ctx.t("收集个人信息的表单所在页面没有隐私政策链接",
                                  "a form collecting personal data is on a page without a privacy policy link"),
                    where="body", basis=BASIS, match=fields[0], context=f"{parsed.path(form)}: {', '.join(fields[:6])}",
                    expected=ctx.t("表单附近提供隐私政策链接并取得同意", "a privacy policy link and consent near the form"),
                    actual=f"{parsed.path(form)}: {', '.join(fields[:6])}"))
                break
    return found


def check_privacy_policies(ctx: AuditContext) -> CheckOutcome:
    """隐私政策内容：个人信息保护法第十七条要求的告知事项"""
    links = ctx.scratch(PoliciesSeen).links
    policies = ctx.scratch(PoliciesSeen).policies
    names = {name: (zh, en) for name, zh, en, _ in ELEMENTS}
    findings: list[Finding] = []
    broken = ctx.scratch(PoliciesSeen).broken
    for url in dict.fromkeys([*links, *policies]):
        if url not in policies and url in broken:
            status = broken[url]
            findings.append(Finding(
                rule="PRV003", category=Category.PRIVACY.value, severity=Severity.WARNING, url=url,
                message=ctx.t(f"首页链接的隐私政策页面无法打开（HTTP {status}）",
                              f"the privacy policy linked from the homepage does not open (HTTP {status})"),
                where="body", basis=BASIS, expected=ctx.t("可访问的隐私政策页面", "a reachable policy page"),
                actual=ctx.t(f"由 {links[url]} 链接，返回 HTTP {status}", f"linked from {links[url]}, HTTP {status}")))
            continue
        if url not in policies:
            findings.append(Finding(
                rule="PRV003", category=Category.PRIVACY.value, severity=Severity.INFO, url=url,
                message=ctx.t("首页链接的隐私政策页面未被抓取，无法检查其内容",
                              "the privacy policy linked from the homepage was not fetched; its content is unchecked"),
                where="body", basis=BASIS, expected=ctx.t("可访问的隐私政策页面", "a reachable policy page"),
                actual=ctx.t(f"由 {links[url]} 链接，未抓取", f"linked from {links[url]}, not fetched")))
            continue
        missing = policies[url]
        if missing:
            zh = "、".join(names[m][0] for m in missing)
            en = ", ".join(names[m][1] for m in missing)
            findings.append(Finding(
                rule="PRV002", category=Category.PRIVACY.value, severity=Severity.WARNING, url=url,
                message=ctx.t(f"隐私政策缺少个人信息保护法第十七条要求的告知事项：{zh}",
                              f"the privacy policy does not state what PIPL §17 requires: {en}"),
                where="body", basis=BASIS, expected="、".join(n[0] for n in names.values()),
                actual=ctx.t(f"缺少：{zh}", f"missing: {en}")))
    status = CheckStatus.FAIL if any(f.severity is not Severity.INFO for f in findings) else CheckStatus.OK
    if not links and not policies:
        status = CheckStatus.SKIPPED
    detail = ctx.t(f"检查了 {len(policies)} 份隐私政策", f"{len(policies)} privacy policies read")
    return CheckOutcome(CheckResult(POLICY_CHECK_ID, status, detail), findings)
