"""Company details on the pages: name and 统一社会信用代码 match the profile, a phone, the licence display.

Inspectors compare the operator shown on the site with the filing: the company name in the
copyright or 主办单位 line, the 18-character credit code (its check character verified per
GB 32100-2015), a contact phone on the homepage, and for e-commerce operators the business-licence
information or link on the homepage (电子商务法 §15). Rule ids: CMP001 bad checksum, CMP002 code
differs, CMP003 the profile's own code is invalid, CMP010 name differs, CMP020/021 phone,
CMP030 e-commerce licence display.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable

from crawler.checks.base import AuditContext
from crawler.checks.htmlutil import Parsed, is_footerish, parse
from crawler.page import Page
from rules.model import Category, CheckOutcome, CheckResult, CheckStatus, Finding, Severity

CREDIT_CODE_CHECK_ID = "company.credit_code"

CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
_CODE = re.compile(r"(?:统一社会信用代码|社会信用代码|信用代码)\s*[:]?\s*([0-9A-Za-z]{18})(?![0-9A-Za-z])")
_NAME = re.compile(
    r"(?:版权所有|Copyright|©|\(c\)|主办单位|运营单位|运营主体|主办)\s*[:]?\s*(?:©|\(c\))?\s*(?:\d{4}(?:\s*-\s*\d{4})?)?\s*"
    r"(?P<name>[\u4e00-\u9fa5()]{2,40}?(?:有限责任公司|股份有限公司|有限公司))", re.I)
_NAME_BEFORE = re.compile(r"(?P<name>[\u4e00-\u9fa5()]{2,40}?(?:有限责任公司|股份有限公司|有限公司))\s*版权所有")
_NAME_HINT = re.compile(r"版权所有|Copyright|©|主办|运营", re.I)
_PHONE = re.compile(r"(?<!\d)(?:0\d{2,3}[- ]?\d{7,8}|1[3-9]\d[- ]?\d{4}[- ]?\d{4}|[48]00[- ]?\d{3}[- ]?\d{4})(?!\d)")
_LICENCE_DISPLAY = re.compile(r"营业执照|照面信息|电子营业执照|businesslicen[cs]e|gsxt\.gov\.cn|zzlz", re.I)

_WHITESPACE = re.compile(r"\s")
_NON_DIGIT = re.compile(r"\D")
_LEGAL_FORM = re.compile(r"(?:有限责任公司|股份有限公司|有限公司)$")

# What the per-page checks read is found near these words (the code after 信用代码, the name
# around the copyright or 主办 line), so a page whose source around all of them is the same as
# an earlier page's on the host can only repeat values already reported there. They are looked
# for in the lower-cased source, where © may also be an entity; a page that could hide them
# another way (numeric entities, full-width letters: ＣＯＰＹＲＩＧＨＴ) is always read in full.
_RAW_HINT = re.compile(r"信用代码|版权所有|copyright|©|&copy|主办|运营|\(c\)")
_AROUND = 300   # source characters kept on each side of a hint word (its value is within ~60 characters of text)
_MEMO_MAX = 20_000


BASIS_CODE = "GB 32100-2015《法人和其他组织统一社会信用代码编码规则》"
BASIS_ECOM = "《中华人民共和国电子商务法》第十五条"


@dataclass
class CompanyState:
    """What the company checks keep across pages."""

    memo: set = field(default_factory=set)   # (host, source around the hint words) of pages already read
    seen: set = field(default_factory=set)   # (host, rule, value) already reported


def credit_check_char(first17: str) -> str | None:
    """The check character for the first 17 characters, or None when one is outside the alphabet."""
    try:
        total = sum(CREDIT_ALPHABET.index(c) * w for c, w in zip(first17, _WEIGHTS))
    except ValueError:
        return None
    return CREDIT_ALPHABET[(31 - total % 31) % 31]


def credit_code_valid(code: str) -> bool:
    """True for an 18-character 统一社会信用代码 whose last character is the right check character."""
    code = code.strip().upper()
    return len(code) == 18 and credit_check_char(code[:17]) == code[17]


def _norm_name(name: str) -> str:
    return _WHITESPACE.sub("", name).replace("（", "(").replace("）", ")")


def _similarity(a: str, b: str) -> float:
    """Shared characters over the longer name, after the legal-form suffix: 0 (nothing) … 1 (same)."""
    a, b = _LEGAL_FORM.sub("", a), _LEGAL_FORM.sub("", b)
    if not a or not b:
        return 0.0
    return len(set(a) & set(b)) / max(len(set(a)), len(set(b)))


def _phone_digits(text: str) -> str:
    return _NON_DIGIT.sub("", text)


class _Reporter:
    def __init__(self, page: Page, ctx: AuditContext):
        self.page, self.ctx = page, ctx
        self.seen = ctx.scratch(CompanyState).seen
        self.found: list[Finding] = []

    def add(self, rule: str, severity: Severity, zh: str, en: str, *, once: str = "", **kw) -> None:
        key = (self.page.host, rule, once)
        if once and key in self.seen:
            return
        self.seen.add(key)
        self.found.append(Finding(rule=rule, category=Category.ICP.value, severity=severity, url=self.page.url,
                                  message=self.ctx.t(zh, en), **kw))


def _where(parsed: Parsed, offset: int) -> str:
    return "footer" if is_footerish(parsed.index.owner_at(offset)) else "body"


def _check_codes(parsed: Parsed, rep: _Reporter) -> None:
    declared = rep.ctx.profile.company.credit_code.strip().upper()
    index = parsed.index
    for m in _CODE.finditer(index.text):
        code = m.group(1).upper()
        ctx_text = index.context(m.start(), m.end())
        if not credit_code_valid(code):
            rep.add("CMP001", Severity.ERROR, f"统一社会信用代码校验位错误：{code}",
                    f"the unified social credit code fails its checksum: {code}", once=code, where=_where(parsed, m.start()),
                    match=code, context=ctx_text, basis=BASIS_CODE,
                    expected=ctx_text and (code[:17] + (credit_check_char(code[:17]) or "?")), actual=code)
        elif declared and code != declared:
            rep.add("CMP002", Severity.ERROR, "页面上的统一社会信用代码与申报的不一致",
                    "the unified social credit code differs from the declared one", once=code,
                    where=_where(parsed, m.start()), match=code, context=ctx_text, basis=BASIS_CODE,
                    expected=declared, actual=code)


def _check_name(parsed: Parsed, rep: _Reporter) -> None:
    declared = _norm_name(rep.ctx.profile.company.name)
    text = parsed.index.text
    if not declared or not _NAME_HINT.search(text):
        return
    for pattern in (_NAME, _NAME_BEFORE):
        for m in pattern.finditer(text):
            shown = _norm_name(m.group("name"))
            if shown == declared or shown.endswith(declared) or declared.endswith(shown) and len(shown) >= 6:
                continue
            # 示例科技（北京）有限公司 for 北京示例科技有限公司 is a way of writing the same name: worth a look,
            # not a warning. A name with little in common is another company.
            similar = _similarity(shown, declared) >= 0.75
            rep.add("CMP010", Severity.INFO if similar else Severity.WARNING, f"页面展示的主体名称“{shown}”与申报的“{declared}”不一致",
                    f"the company name shown ({shown}) differs from the declared one ({declared})", once=shown,
                    where=_where(parsed, m.start()), match=m.group("name"), context=parsed.index.context(m.start(), m.end()),
                    basis="《非经营性互联网信息服务备案管理办法》第二十条", expected=declared, actual=shown)


def _check_homepage(parsed: Parsed, rep: _Reporter) -> None:
    ctx, text = rep.ctx, parsed.index.text
    phones = [m.group(0) for m in _PHONE.finditer(text)]
    phones += [(a.get("href") or "")[4:] for a in parsed.links if (a.get("href") or "").lower().startswith("tel:")]
    declared_phone = _phone_digits(ctx.profile.company.phone)
    if not phones:
        rep.add("CMP020", Severity.INFO, "首页未展示联系电话", "the homepage shows no contact phone",
                where="footer", expected=ctx.profile.company.phone or ctx.t("联系电话", "a contact phone"),
                actual=ctx.t("未找到", "not found"), basis="备案核查：联系方式有效")
    elif declared_phone and not any(_phone_digits(p).endswith(declared_phone[-7:]) for p in phones):
        rep.add("CMP021", Severity.INFO, "首页展示的电话与申报的联系电话不同", "the homepage phone differs from the declared one",
                where="footer", expected=ctx.profile.company.phone, actual="、".join(dict.fromkeys(phones))[:120])
    if ctx.profile.license.ecommerce:
        shown = _LICENCE_DISPLAY.search(text) or any(
            _LICENCE_DISPLAY.search((a.get("href") or "") + " " + (a.get("title") or "")) for a in parsed.links) or any(
            _LICENCE_DISPLAY.search((img.get("alt") or "") + " " + (img.get("src") or "")) for img in parsed.root.iter("img"))
        if not shown:
            rep.add("CMP030", Severity.ERROR, "电子商务经营者首页未公示营业执照信息或其链接",
                    "an e-commerce operator's homepage does not show its business licence or a link to it",
                    where="footer", basis=BASIS_ECOM, expected=ctx.t("营业执照信息或电子营业执照链接", "business licence information or link"),
                    actual=ctx.t("未找到", "not found"))


def _footer_key(page: Page) -> tuple[str, str] | None:
    """The page's source around every hint word, with its host; None when hints may be hidden."""
    text = page.text
    low = text.lower()
    if "&#" in text or "ｃ" in low or len(low) != len(text):
        return None
    spans: list[list[int]] = []
    for m in _RAW_HINT.finditer(low):
        # A value follows its hint word, except the name written before 版权所有.
        a, b = (max(0, m.start() - _AROUND) if m.group() == "版权所有" else m.start()), m.end() + _AROUND
        if spans and a <= spans[-1][1]:
            spans[-1][1] = b
        else:
            spans.append([a, b])
    return page.host, "\x00".join(text[a:b] for a, b in spans)


def check_company(page: Page, ctx: AuditContext) -> Iterable[Finding]:
    """主体信息：单位名称、统一社会信用代码、联系电话、营业执照公示"""
    # The copyright line repeats on every page: the name is read on homepages and on pages that
    # also show the credit code (an about page), which keeps the per-page cost off ordinary pages.
    if not page.text or not (page.is_homepage or "信用代码" in page.text):
        return []
    key = None
    if not page.is_homepage:
        # Sites that print the credit code in the footer show it on every page: a footer read once
        # per host is enough, since every value it holds is reported once per host anyway.
        memo = ctx.scratch(CompanyState).memo
        key = _footer_key(page)
        if key is not None and key in memo:
            return []
    parsed = parse(page)
    if parsed is None:
        return []
    rep = _Reporter(page, ctx)
    _check_codes(parsed, rep)
    _check_name(parsed, rep)
    if page.is_homepage and page.status < 400:
        _check_homepage(parsed, rep)
    if key is not None:
        if len(memo) >= _MEMO_MAX:
            memo.clear()
        memo.add(key)
    return rep.found


def check_company_profile(ctx: AuditContext) -> CheckOutcome:
    """申报的统一社会信用代码校验位正确"""
    code = ctx.profile.company.credit_code.strip().upper()
    if not code:
        return CheckOutcome(CheckResult(CREDIT_CODE_CHECK_ID, CheckStatus.SKIPPED,
                                        ctx.t("未申报统一社会信用代码", "no credit code declared")))
    if credit_code_valid(code):
        return CheckOutcome(CheckResult(CREDIT_CODE_CHECK_ID, CheckStatus.OK, ctx.t("校验位正确", "checksum valid"),
                                        actual=code))
    url = ctx.profile.site.start_urls[0] if ctx.profile.site.start_urls else (ctx.profile.source or "site.yaml")
    expected = code[:17] + (credit_check_char(code[:17]) or "?") if len(code) >= 17 else ctx.t("18 位代码", "18 characters")
    finding = Finding(rule="CMP003", category=Category.ICP.value, severity=Severity.WARNING, url=url,
                      message=ctx.t(f"配置文件中的统一社会信用代码无效：{code}", f"the profile's credit code is invalid: {code}"),
                      basis=BASIS_CODE, expected=expected, actual=code)
    return CheckOutcome(CheckResult(CREDIT_CODE_CHECK_ID, CheckStatus.FAIL, finding.message, expected=expected, actual=code),
                        [finding])
