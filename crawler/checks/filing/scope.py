"""Services that need another licence (前置审批 / 专项许可), offered without showing its number.

A site whose navigation, headings, buttons or link texts offer live streaming, games, online
consultations, drugs, online reading, video, news or religious content needs the matching licence
and shows its number (DOMAIN.md §2). Signals count only where a visitor is invited to use the
service — a single mention in body text is not one. The licence may be shown on any crawled page
of the same host, so the page check only collects; `check_scope` decides after the crawl.
Rule ids: SCP001 … SCP008, one per kind of service.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable

import ahocorasick

from crawler.checks.base import AuditContext
from crawler.checks.htmlutil import Parsed, element_text, parse
from crawler.checks.filing.icp_numbers import PROVINCES
from crawler.page import Page
from rules.model import Category, CheckOutcome, CheckResult, CheckStatus, Finding, Severity

CHECK_ID = "scope"


@dataclass(frozen=True)
class Service:
    rule: str
    zh: str
    en: str
    licence_zh: str
    licence_en: str
    terms: tuple[str, ...]
    evidence: re.Pattern


_P = f"[{PROVINCES}]"
SERVICES = (
    Service("SCP001", "网络直播", "live streaming", "网络文化经营许可证（含网络表演）", "Network Culture Business Licence",
            ("直播间", "在线直播", "直播", "开播", "看直播", "主播入驻", "直播带货"),
            re.compile(rf"网络文化经营许可证|{_P}网文\s*[\[〔【(（]?\s*\d{{4}}")),
    Service("SCP002", "网络游戏", "online games", "网络文化经营许可证", "Network Culture Business Licence",
            ("游戏", "游戏充值", "手游", "网游", "页游", "开始游戏", "立即游戏", "进入游戏", "游戏礼包"),
            re.compile(rf"网络文化经营许可证|{_P}网文\s*[\[〔【(（]?\s*\d{{4}}")),
    Service("SCP003", "在线问诊", "online medical consultation", "医疗机构执业许可证 / 互联网医院",
            "medical institution licence / internet hospital",
            ("问诊", "在线咨询医生", "互联网医院", "在线看病", "在线开方", "问医生", "在线医生", "医生在线",
             "远程医疗", "在线复诊"),
            re.compile(r"医疗机构执业许可证|互联网医院(?:执业)?(?:许可|登记)|互联网诊疗")),
    Service("SCP004", "药品和医疗器械", "drugs and medical devices", "互联网药品信息服务资格证书",
            "Internet Drug Information Service Certificate",
            ("处方药", "买药", "购药", "药店", "药房", "药品", "医疗器械", "医药商城"),
            re.compile(rf"互联网药品信息服务资格证书|[(（]{_P}[)）]\s*-\s*(?:非)?经营性\s*-\s*\d{{4}}\s*-\s*\d{{4}}"
                       r"|医疗器械网络交易服务|药品网络交易服务")),
    Service("SCP005", "网络出版（在线阅读）", "online publishing / reading", "网络出版服务许可证", "Online Publishing Licence",
            ("在线阅读", "网络文学", "电子书", "小说", "免费阅读", "书城", "开始阅读", "听书", "漫画", "有声书"),
            re.compile(rf"网络出版服务许可证|新出网证\s*[(（]?\s*{_P}")),
    Service("SCP006", "网络视听节目", "online video", "信息网络传播视听节目许可证", "Audio-Visual Programme Licence",
            ("在线观看", "视频点播", "在线影视", "影视剧", "短视频", "网络电视", "免费观看", "电影", "电视剧", "综艺",
             "追剧", "动漫", "在线视频"),
            re.compile(r"信息网络传播视听节目许可证|视听节目许可证|网络视听\S{0,6}备案|视听许可证")),
    Service("SCP007", "互联网新闻信息服务", "news service", "互联网新闻信息服务许可证", "Internet News Information Licence",
            ("新闻频道", "时政新闻", "新闻头条", "国内新闻", "国际新闻", "社会新闻", "新闻客户端", "要闻", "滚动新闻",
             "新闻热点", "新闻排行", "财经新闻", "娱乐新闻"),
            re.compile(r"互联网新闻信息服务许可证|新闻信息服务许可")),
    Service("SCP008", "互联网宗教信息服务", "religious information service", "互联网宗教信息服务许可证",
            "Internet Religious Information Licence",
            ("宗教", "佛教", "道教", "基督教", "伊斯兰教", "天主教", "讲经", "传教", "诵经", "法会", "在线祈福"),
            re.compile(r"互联网宗教信息服务许可证")),
)
_BY_RULE = {s.rule: s for s in SERVICES}
# Every evidence pattern above contains one of these literal strings.
_EVIDENCE_ANCHORS = ("许可证", "网文", "经营性", "新出网证", "网络视听", "互联网医院", "互联网诊疗", "交易服务")
# Longer words that contain a term but do not offer the service; blanked out before matching.
LOOK_ALIKES = ("游戏化", "游戏规则", "游戏机制", "摄影视频", "小说明", "电影院", "药品监督", "药品安全", "宗教事务")
_LOOK_ALIKE = re.compile("|".join(LOOK_ALIKES))
_NAV = re.compile(r"nav|menu", re.I)
_BUTTONISH = re.compile(r"btn|button", re.I)
_MAX_TEXT = 40          # a link or button text longer than this is prose, not a call to action
_MAX_FINDINGS = 5       # per host and service: the same nav on every page is one problem
@dataclass
class ScopeSeen:
    """What the scope check keeps across pages, for `check_scope`."""

    signals: dict[tuple[str, str], list] = field(default_factory=dict)   # (host, rule) -> [(url, where, term, context)]
    licences: dict[str, set[str]] = field(default_factory=dict)          # host -> rules whose licence was shown


def _automaton() -> ahocorasick.Automaton:
    auto = ahocorasick.Automaton()
    for service in SERVICES:
        for term in service.terms:
            auto.add_word(term, term)
    by_term: dict[str, list[str]] = {}
    for service in SERVICES:
        for term in service.terms:
            by_term.setdefault(term, []).append(service.rule)
    auto.make_automaton()
    return auto, by_term


_AUTO, _RULES_OF = _automaton()


def _prominent(parsed: Parsed) -> Iterable[tuple[str, str]]:
    """(where, text) of the places that invite a visitor to use something: title, nav, headings, buttons, links."""
    if parsed.title:
        yield "title", parsed.title
    root = parsed.root
    for el in root.iter("h1", "h2", "h3"):
        yield "heading", element_text(el)[:80]
    for el in root.iter("button"):
        yield "button", element_text(el)[:_MAX_TEXT]
    for el in root.iter("input"):
        if (el.get("type") or "").lower() in ("submit", "button") and el.get("value"):
            yield "button", el.get("value")[:_MAX_TEXT]
    for a in parsed.links:
        text = element_text(a)
        if not text or len(text) > _MAX_TEXT:
            continue
        marker = " ".join(filter(None, (n.get("class") for n in a.iterancestors())))
        where = "nav" if any(n.tag == "nav" for n in a.iterancestors()) or _NAV.search(marker) else (
            "button" if _BUTTONISH.search(a.get("class") or "") else "link")
        yield where, text


def collect_scope(page: Page, ctx: AuditContext) -> Iterable[Finding]:
    """业务范围：需要专项许可的服务（收集信号，爬取结束后判断）"""
    if not page.text:
        return []
    hits = {term for _, term in _AUTO.iter(page.text)}
    # The evidence patterns start with a character class (slow in `re`): look for their literal anchors first.
    shown = ({s.rule for s in SERVICES if s.evidence.search(page.text)}
             if any(anchor in page.text for anchor in _EVIDENCE_ANCHORS) else set())
    if shown:
        ctx.scratch(ScopeSeen).licences.setdefault(page.host, set()).update(shown)
    if not hits:
        return []
    parsed = parse(page)
    if parsed is None:
        return []
    signals = ctx.scratch(ScopeSeen).signals
    for where, text in _prominent(parsed):
        for _, term in _AUTO.iter(_LOOK_ALIKE.sub(lambda m: " " * len(m.group(0)), text)):
            for rule in _RULES_OF[term]:
                bucket = signals.setdefault((page.host, rule), [])
                if len(bucket) < 50 and not any(u == page.url and w == where for u, w, _, _ in bucket):
                    bucket.append((page.url, where, term, text))
    return []


def check_scope(ctx: AuditContext) -> CheckOutcome:
    """业务范围：提供需专项许可的服务时展示相应许可证编号"""
    licences = ctx.scratch(ScopeSeen).licences
    findings: list[Finding] = []
    for (host, rule), signals in sorted(ctx.scratch(ScopeSeen).signals.items()):
        if rule in licences.get(host, set()):
            continue
        service = _BY_RULE[rule]
        # Page-specific signals (title, heading, button) on each page; a nav or link signal once per host.
        specific = [s for s in signals if s[1] in ("title", "heading", "button")]
        chosen: list[tuple[str, str, str, str]] = []
        for s in specific + [s for s in signals if s not in specific]:
            if s[0] in {c[0] for c in chosen}:
                continue
            if s not in specific and chosen:
                break
            chosen.append(s)
            if len(chosen) >= _MAX_FINDINGS:
                break
        for url, where, term, text in chosen:
            findings.append(Finding(
                rule=rule, category=Category.SCOPE.value, severity=Severity.WARNING, url=url,
                message=ctx.t(f"网站提供“{service.zh}”服务（{term}），但未展示{service.licence_zh}编号",
                              f"the site offers {service.en} ({term}) without showing the {service.licence_en} number"),
                where={"title": "title", "nav": "header"}.get(where, "body"), match=term, context=text[:120],
                basis="《互联网信息服务管理办法》第五条（前置审批）", expected=service.licence_zh,
                actual=ctx.t(f"{where}：{text[:60]}；未找到许可证编号", f"{where}: {text[:60]}; no licence number found"),
                suggestion=ctx.t(f"取得并在页面底部展示{service.licence_zh}编号，或下线该服务",
                                 f"obtain and show the {service.licence_en} number, or take the service down")))
    status = CheckStatus.FAIL if findings else CheckStatus.OK
    detail = ctx.t(f"{len(findings)} 处需专项许可的服务未见许可证", f"{len(findings)} licensed services without a licence shown")
    return CheckOutcome(CheckResult(CHECK_ID, status, detail), findings)
