"""Injected content: gambling, porn and illegal-service spam, hidden links (暗链), title/meta hijacking.

Hacked ICP sites lose their filings over this (DOMAIN.md §2). The signs: spam words in visible
text or in the title and meta tags, blocks of links to unrelated domains, content hidden by CSS
(reported with the technique and the element's path), and scripts that redirect visitors coming
from search engines. A mention inside a warning or a ban (严禁赌博, 举报色情) is not spam.
Rule ids: INJ001 visible spam text, INJ010 hidden spam, INJ011 hidden external links, INJ012 spam
link block, INJ013 hidden frame loading another site, INJ020 title/meta hijack, INJ021 search-engine redirect script, INJ022 a script that
writes spam (a run-time title or link injection, often in \\uXXXX escapes).
"""
from __future__ import annotations

import re
from typing import Iterable
from urllib.parse import urljoin, urlsplit

import ahocorasick

from crawler.checks.base import AuditContext
from crawler.checks.filing.hidden import hidden_elements
from crawler.checks.htmlutil import Parsed, element_text, parse, squash
from crawler.page import Page
from rules.lexicon import lexicon
from rules.model import Category, Finding, Severity
from rules.normalize import normalize, normalize_term

# Words that on an ordinary company site mean an attacker was here (simplified and traditional).
STRONG_MARKERS = (
    "博彩", "赌场", "賭場", "百家乐", "百家樂", "时时彩", "時時彩", "六合彩", "真人娱乐", "真人娛樂", "娱乐城", "娛樂城",
    "澳门新葡京", "澳門新葡京", "新葡京", "皇冠体育", "皇冠體育", "开户送", "開戶送", "老虎机",
    "老虎機", "成人视频", "成人視頻", "约炮", "約炮", "代开发票", "代開發票", "网上赌博", "网络赌博", "真人荷官",
    "体育投注", "北京赛车", "幸运飞艇", "一夜情", "裸聊", "黄色网站", "办假证", "私服发布", "网赌", "太阳城集团",
    "金沙娱乐", "葡京娱乐", "娱乐平台注册", "彩票平台", "赌博网站",
)
# Words with innocent uses (a games company, a government 办证 guide): spam only with other signs.
WEAK_MARKERS = ("棋牌", "色情", "av", "办证", "刻章", "私服", "外挂", "彩票", "赌博", "捕鱼", "彩金", "威尼斯人", "注册送")
# A marker right after one of these is a warning or a ban, not spam.
NEGATIONS = ("严禁", "禁止", "举报", "打击", "拒绝", "远离", "抵制", "防范", "谨防", "不得", "杜绝", "整治", "扫黄",
             "净网", "反对", "警惕", "涉嫌", "取缔", "不良信息", "违法", "非法")

_NEGATION_WINDOW = 8
_SPIDER_REDIRECT = (
    re.compile(r"navigator\.userAgent|document\.referrer", re.I),
    re.compile(r"baidu|sogou|so\.com|sm\.cn|spider|bot|google|bing|360", re.I),
    re.compile(r"location(?:\.href)?\s*=|location\.replace|window\.open|document\.write\s*\(\s*['\"]<(?:script|meta|iframe)",
               re.I),
)
_MAX_PER_PAGE = 10
# Every way `hidden_elements` finds a hidden element needs one of these in the (lower-cased) source.
_HIDING_SIGNS = ("style", "hidden", "bgcolor", "marquee", "iframe", "noscript")
_UNICODE_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")
_TECHNIQUE_ZH = (("off-screen", "移出可视区域"), ("same colour as background", "文字与背景同色"),
                 ("hidden attribute", "hidden 属性"), ("noscript", "noscript，仅对爬虫可见"))


def _zh(how: str) -> str:
    """The hiding technique in Chinese words for the message (CSS stays as written)."""
    for en, zh in _TECHNIQUE_ZH:
        how = how.replace(en, zh)
    return how


def _automaton() -> ahocorasick.Automaton:
    auto = ahocorasick.Automaton()
    for word in STRONG_MARKERS:
        auto.add_word(word.lower(), (word, True))
    for word in WEAK_MARKERS:
        if word.lower() not in auto:
            auto.add_word(word.lower(), (word, False))
    auto.make_automaton()
    return auto


_AUTO = _automaton()

# Stock-phrase families of injected spam, the lexicons rules PR105–PR108 are built from (rules/lexicons/): the
# phrases only spam uses, the everyday words it is padded with, and how many different ones a sentence of
# body text needs. Where they sit weighs too: a title, a meta tag or a hidden block is where hacked sites
# put them, so there one phrase fewer is enough (never fewer than two: 儿童娱乐场 is a title of its own),
# and a casino brand (casino_brands; a short one right before a site word: 开云app) is enough alone.
_FAMILIES = (("spam_porn_core", "spam_porn_words", 3), ("casino_core", "casino_words", 2),
             ("lottery_core", "lottery_words", 2))
_WEIGHTED = ("title", "meta", "hidden")


def _family_automaton(core_only: bool = False) -> ahocorasick.Automaton:
    auto = ahocorasick.Automaton()
    for n, (core, padding, _need) in enumerate(_FAMILIES):
        for name, is_core in ((padding, False), (core, True)):
            if core_only and not is_core:
                continue
            for word in lexicon(name).words:
                key = normalize_term(word)
                if key:
                    auto.add_word(key, (key, n, is_core))
    for word in lexicon("casino_brands").words:
        if key := normalize_term(word):
            auto.add_word(key, (key, -1, True))
    auto.make_automaton()
    return auto


_FAMILY_AUTO = _family_automaton()
# The core phrases alone, for the pre-check over a whole page source: the padding words match all
# over ordinary HTML, and the pre-check would walk each of those matches for nothing.
_CORE_AUTO = _family_automaton(core_only=True)
_BRAND_AT_SITE = re.compile("(?:" + lexicon("casino_brand_words").alternation() + ")"
                            + lexicon("casino_site_words").alternation())


def _ascii_alone(text: str, start: int, end: int) -> bool:
    """An ASCII phrase is a word of its own ("av" is not in "java", "bet" not in "better")."""
    before = text[start - 1] if start else " "
    after = text[end] if end < len(text) else " "
    return not ((before.isascii() and before.isalnum()) or (after.isascii() and after.isalnum()))


def family_spam(text: str, where: str = "body") -> list[str]:
    """The stock phrases that make `text` injected spam by density (see _FAMILIES), weighted by where it
    sits (`title`, `meta` and `hidden` need one phrase fewer and take a casino brand alone); [] when not."""
    norm = normalize(text).text
    weighted = where in _WEIGHTED
    found: dict[int, dict[str, bool]] = {}
    for end, (key, family, is_core) in _FAMILY_AUTO.iter(norm):
        start = end - len(key) + 1
        if key.isascii() and not _ascii_alone(norm, start, end + 1):
            continue
        if family < 0:
            if weighted:
                return [key]
            continue
        found.setdefault(family, {})[key] = found.get(family, {}).get(key, False) or is_core
    if weighted and (m := _BRAND_AT_SITE.search(norm)):
        return [m.group(0)]
    for family, words in found.items():
        if not any(words.values()):
            continue
        # A phrase inside a longer one found counts once (久久 in 久久精品).
        distinct = [w for w in words if not any(w != v and w in v for v in words)]
        need = _FAMILIES[family][2]
        if len(distinct) >= (max(2, need - 1) if weighted else need):
            return sorted(distinct, key=norm.find)
    return []


def spam_hits(text: str) -> list[tuple[int, int, str, bool]]:
    """Spam markers in `text` outside a warning or ban: (start, end, marker, strong)."""
    lowered = text.lower()
    hits: list[tuple[int, int, str, bool]] = []
    for end, (word, strong) in _AUTO.iter(lowered):
        start = end - len(word) + 1
        if word == "av" and ((start > 0 and lowered[start - 1].isascii() and lowered[start - 1].isalpha())
                             or (end + 1 < len(lowered) and lowered[end + 1].isascii() and lowered[end + 1].isalpha())):
            continue   # "available", "java": not the marker
        before = lowered[max(0, start - _NEGATION_WINDOW):start]
        if any(n in before for n in NEGATIONS):
            continue
        hits.append((start, end + 1, word, strong))
    return hits


def is_spam(text: str, where: str = "body") -> tuple[bool, list[str]]:
    """Spam when a strong marker is present, or two different weak ones, or stock phrases of one spam family
    dense enough for where the text sits (family_spam): (verdict, markers)."""
    hits = spam_hits(text)
    words = list(dict.fromkeys(h[2] for h in hits))
    strong = any(h[3] for h in hits)
    if strong or len(words) >= 2:
        return True, words
    phrases = family_spam(text, where) if where in _WEIGHTED else []
    return bool(phrases), words + [p for p in phrases if p not in words]


def _site(host: str) -> str:
    """The registrable part of a host, roughly: example.com.cn → example.com.cn, www.a.cn → a.cn."""
    labels = host.split(".")
    if len(labels) >= 3 and labels[-2] in ("com", "net", "org", "gov", "edu", "ac") and len(labels[-1]) == 2:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def _external_hosts(el, page: Page, ctx: AuditContext) -> list[str]:
    own = {_site(d) for d in ctx.profile.domains} | {_site(page.host)}
    hosts: dict[str, None] = {}
    for a in el.iter("a"):
        href = (a.get("href") or "").strip()
        if not href or href.startswith(("#", "javascript:", "mailto:", "tel:")):
            continue
        try:
            host = (urlsplit(urljoin(page.url, href)).hostname or "").lower()
        except ValueError:
            continue
        if host and _site(host) not in own:
            hosts.setdefault(host, None)
    return list(hosts)


def _external_frames(el, page: Page, ctx: AuditContext) -> list[str]:
    """The sources of <iframe>s in `el` (or `el` itself) that load another site."""
    own = {_site(d) for d in ctx.profile.domains} | {_site(page.host)}
    out = []
    for frame in el.iter("iframe"):
        if any(a.tag == "noscript" for a in frame.iterancestors()):
            continue   # tag managers' no-JS fallback frames (`<noscript><iframe … height=0>`) are ordinary
        src = (frame.get("src") or "").strip()
        try:
            host = (urlsplit(urljoin(page.url, src)).hostname or "").lower() if src else ""
        except ValueError:
            continue
        if host and _site(host) not in own:
            out.append(src)
    return out


def _finding(ctx: AuditContext, page: Page, rule: str, severity: Severity, zh: str, en: str, **kw) -> Finding:
    return Finding(rule=rule, category=Category.PROHIBITED.value, severity=severity, url=page.url, message=ctx.t(zh, en),
                   basis="《网络信息内容生态治理规定》第六条；《互联网信息服务管理办法》第十五条", **kw)


def _check_hidden(parsed: Parsed, page: Page, ctx: AuditContext, found: list[Finding], covered: set,
                  page_has_spam: bool) -> None:
    def interesting(el) -> bool:
        # Only hidden elements holding links, frames or spam words are reported; skip the rest early.
        return (el.tag in ("a", "iframe") or el.find(".//a") is not None or el.find(".//iframe") is not None
                or (page_has_spam and (bool(spam_hits(el.text_content()))
                                       or _has_family_phrase(el.text_content()))))

    for el, how in hidden_elements(parsed.root, interesting, page.text, page.stylesheets):
        # The text index leaves <noscript> out (browsers do not show it), so read it directly there.
        text = squash(el.text_content()) if el.tag == "noscript" else element_text(el)
        spam, words = is_spam(text + " " + " ".join(a.get("href") or "" for a in el.iter("a")), "hidden")
        hosts = _external_hosts(el, page, ctx)
        path = parsed.path(el)
        if spam:
            found.append(_finding(
                ctx, page, "INJ010", Severity.ERROR, f"隐藏的违法内容（{_zh(how)}）：{path}",
                f"hidden prohibited content ({how}) at {path}", where="body", match=words[0],
                context=text[:200], actual=f"{how} @ {path}", expected=ctx.t("页面不含隐藏内容", "no hidden content"),
                suggestion=ctx.t("网站可能被入侵：删除注入的代码并排查后门、修改密码",
                                 "the site may be hacked: remove the injected code, look for backdoors, change passwords")))
            covered.add(el)
        elif frames := _external_frames(el, page, ctx):
            # A page loaded invisibly from another site: click fraud, SEO spam or a drive-by download.
            found.append(_finding(
                ctx, page, "INJ013", Severity.ERROR, f"隐藏的外部框架（{_zh(how)}）：{path} 加载 {frames[0]}",
                f"a hidden frame ({how}) at {path} loads {frames[0]}", where="body", match=frames[0],
                context=path, actual=f"{how} @ {path}: {', '.join(frames[:4])}",
                expected=ctx.t("页面不含隐藏的外部框架", "no hidden external frames")))
            covered.add(el)
        elif len(hosts) >= 3 and not how.startswith(("display", "visibility", "hidden", "noscript")):
            # Closed menus and share pop-ups use display:none; pushing links off-screen, shrinking
            # them to nothing or painting them in the background colour is what 暗链 do.
            found.append(_finding(
                ctx, page, "INJ011", Severity.ERROR,
                f"隐藏的外部链接（暗链，{_zh(how)}）：{path}，链接到 {len(hosts)} 个无关域名",
                f"hidden links to {len(hosts)} unrelated domains ({how}) at {path}", where="body",
                match=hosts[0], context=text[:200], actual=f"{how} @ {path}: {', '.join(hosts[:8])}",
                expected=ctx.t("页面不含隐藏的外部链接", "no hidden external links")))
            covered.add(el)


def _check_visible(parsed: Parsed, page: Page, ctx: AuditContext, found: list[Finding], covered: set) -> None:
    index = parsed.index
    seen_blocks: set = set()
    reported: set[str] = set()
    for start, end, word, strong in spam_hits(index.text):
        owner = index.owner_at(start)
        if owner is None or any(c in covered for c in _ancestors(owner)):
            continue
        block = _link_block(owner)
        if block is not None and block not in seen_blocks:
            hosts = _external_hosts(block, page, ctx)
            spam, words = is_spam(element_text(block))
            if len(hosts) >= 3 and spam:
                seen_blocks.add(block)
                covered.add(block)
                path = parsed.path(block)
                found.append(_finding(
                    ctx, page, "INJ012", Severity.ERROR, f"成组的违法外链（{'、'.join(words[:5])}）：{path}",
                    f"a block of spam links to unrelated domains at {path}", where="body", match=words[0],
                    context=element_text(block)[:200], actual=f"{path}: {', '.join(hosts[:8])}"))
                continue
        if strong and word not in reported and len(reported) < _MAX_PER_PAGE:
            reported.add(word)
            found.append(_finding(
                ctx, page, "INJ001", Severity.ERROR, f"页面含有赌博、色情或违法服务内容：{word}",
                f"gambling, porn or illegal-service text: {word}", where="body", match=word,
                context=index.context(start, end), actual=parsed.path(owner)))


def _ancestors(el):
    while el is not None:
        yield el
        el = el.getparent()


def _link_block(el):
    """The nearest enclosing element with at least three links: where a spam link list lives."""
    for i, node in enumerate(_ancestors(el)):
        if i > 4 or node.tag in ("body", "html"):
            return None
        if sum(1 for _ in node.iter("a")) >= 3:
            return node
    return None


def _unescape(m: re.Match) -> str:
    # Surrogate halves stay escaped: a lone one cannot be written to findings.json as UTF-8.
    value = int(m.group(1), 16)
    return m.group(0) if 0xD800 <= value <= 0xDFFF else chr(value)


def _check_head(parsed: Parsed, page: Page, ctx: AuditContext, found: list[Finding]) -> None:
    for where, label, text in (("title", "<title>", parsed.title), ("meta", "meta keywords", parsed.meta("keywords")),
                               ("meta", "meta description", parsed.meta("description"))):
        spam, words = is_spam(text, where)
        if spam:
            found.append(_finding(
                ctx, page, "INJ020", Severity.ERROR, f"{label} 被篡改，含有违法内容：{'、'.join(words[:5])}",
                f"{label} hijacked with spam: {', '.join(words[:5])}", where=where, match=words[0],
                context=squash(text)[:200], actual=squash(text)[:200]))
    redirect_reported = spam_reported = False
    for code in parsed.scripts():
        if not redirect_reported and all(p.search(code) for p in _SPIDER_REDIRECT):
            redirect_reported = True
            m = _SPIDER_REDIRECT[0].search(code)
            found.append(_finding(
                ctx, page, "INJ021", Severity.ERROR, "脚本按搜索引擎来源或爬虫身份跳转（劫持）",
                "a script redirects visitors by search-engine referrer or spider user agent (hijack)", where="body",
                match=m.group(0), context=squash(code[max(0, m.start() - 80):m.end() + 160])))
        if not spam_reported:
            # Hijack scripts write the spam title or links at run time, often as \uXXXX escapes.
            decoded = _UNICODE_ESCAPE.sub(_unescape, code) if "\\u" in code else code
            strong = [h for h in spam_hits(decoded) if h[3]]
            if strong:
                spam_reported = True
                start, end, word, _ = strong[0]
                found.append(_finding(
                    ctx, page, "INJ022", Severity.ERROR, f"脚本中写入违法内容（{word}），可能是劫持代码",
                    f"a script writes prohibited content ({word}): likely hijack code",
                    where="title" if "document.title" in code else "body", match=word,
                    context=squash(decoded[max(0, start - 80):end + 80])))


def _has_family_phrase(text: str, lowered: bool = False) -> bool:
    """A core stock phrase of a spam family (or a casino brand) anywhere in `text`: worth reading hidden blocks.
    With `lowered` the text is only lower-cased, not normalised (the cheap pre-check over a whole page source)."""
    norm = text if lowered else normalize(text).text
    for end, (key, _family, _core) in _CORE_AUTO.iter(norm):
        if not key.isascii() or _ascii_alone(norm, end - len(key) + 1, end + 1):
            return True
    return False


def check_injected(page: Page, ctx: AuditContext) -> Iterable[Finding]:
    """注入内容：赌博色情等违法内容、隐藏链接（暗链）、标题劫持"""
    parsed = parse(page)
    if parsed is None:
        return []
    found: list[Finding] = []
    covered: set = set()
    _check_head(parsed, page, ctx, found)
    markers = bool(spam_hits(page.text))
    low = page.text.lower()
    if any(sign in low for sign in _HIDING_SIGNS):   # a page with none of them hides nothing
        # Hidden blocks are read for spam words when the page has a marker or a stock phrase of a spam family.
        _check_hidden(parsed, page, ctx, found, covered, markers or _has_family_phrase(low, lowered=True))
    if markers:   # the visible-text pass needs the text index: only when a marker is there at all
        _check_visible(parsed, page, ctx, found, covered)
    return found
