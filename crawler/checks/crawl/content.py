"""Pages that do not say what they seem to (category `content`): wrong encodings, soft 404s, empty
pages and pages whose text exists only after JavaScript runs."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterator

from crawler.checks.base import AuditContext
from crawler.page import Page
from rules.html import visible_text
from rules.model import Category, Finding, Severity

_SCRIPT = re.compile(r"<script\b[^>]*>(.*?)</script\s*>", re.IGNORECASE | re.DOTALL)
_SCRIPT_SRC = re.compile(r"<script\b[^>]*\bsrc\s*=", re.IGNORECASE)
_SPA_ROOT = re.compile(r"""<(div|main|section)\b[^>]*\bid\s*=\s*["']?(app|root|__next|__nuxt|main-app)\b[^>]*>\s*</\1>""",
                       re.IGNORECASE)
# "404" as a status, not as a number among others: never "第404页", "404期", "No. 404", "page 404",
# "共404条" or "404 results" (page numbers and counts are not status codes).
_NOT_FOUND = re.compile(r"(?<![\d第共#])(?<!第\s)(?<!共\s)(?<!no\.\s)(?<!no\.)(?<!page\s)(?<!p\.)404(?![\d期号条篇章楼届个件次位])(?!页(?!面))"
                        r"(?!\s*(?:results?|items?|pages?|of\b))"
                        r"|not\s+found|页面不存在|找不到|未找到|页面已删除|无法找到|不存在的页面|頁面不存在", re.IGNORECASE)

SOFT_404_SIMILARITY = 0.85   # share of the probe's text shingles a soft-404 page repeats
JS_ONLY_TEXT = 60            # visible characters below which a page is "empty" without its scripts
_SHINGLE = 3
_SIGNATURE_CHARS = 12000   # enough to get past a long shared navigation to the page's own text


_TEXT_RUN = re.compile(r">([^<]{8,})")
_BODY = re.compile(r"<body\b", re.IGNORECASE)
_NOT_TEXT_PARENT = ("<script", "<style", "<noscript", "<template", "<title", "<!--")


def has_visible_text(html: str, at_least: int) -> bool:
    """True when the body has `at_least` characters of readable text; stops as soon as it knows.

    Cheap for ordinary pages (the first paragraphs settle it), so `check_empty` costs little per page.
    """
    body = _BODY.search(html)
    total = 0
    for match in _TEXT_RUN.finditer(html, body.end() if body else 0):
        opening = html.rfind("<", 0, match.start(1))
        if html.startswith(_NOT_TEXT_PARENT, opening) or html.startswith("<!--", opening):
            continue
        total += len(match.group(1).strip())
        if total >= at_least:
            return True
    return False


def text_signature(text: str) -> frozenset[int]:
    """Hashed character shingles of the first few thousand characters: cheap, language-neutral."""
    text = text[:_SIGNATURE_CHARS]
    return frozenset(hash(text[i:i + _SHINGLE]) for i in range(max(0, len(text) - _SHINGLE + 1)))


def similarity(a: frozenset[int], b: frozenset[int]) -> float:
    """Jaccard similarity of two signatures (1.0 for two empty texts)."""
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


def check_encoding(page: Page, ctx: AuditContext) -> Iterator[Finding]:
    """The declared character encoding matches the bytes (undeclared GBK, wrong header, wrong <meta>)."""
    source = page.encoding_mismatch
    if not source or not page.encoding:
        return
    declared = page.declared_encoding or ctx.t("（未声明）", "(none)")
    header = page.content_type or ""
    # Undeclared UTF-8 is read right by current browsers' sniffing; a wrong or missing GBK/Big5
    # declaration shows mojibake to many readers (and to Scrapy).
    severity = Severity.INFO if not page.declared_encoding and page.encoding == "utf-8" else Severity.WARNING
    yield Finding(
        rule="CNT001", category=Category.CONTENT.value, severity=severity, url=page.url, where="http",
        message=ctx.t(f"声明的编码与实际不符：声明 {declared}，实际 {page.encoding}",
                      f"Declared encoding does not match the content: declared {declared}, actual {page.encoding}"),
        expected=declared, actual=page.encoding,
        context=ctx.t(f"Content-Type：{header}", f"Content-Type: {header}") if header else None,
        suggestion=ctx.t(f"在响应头 Content-Type 与 <meta charset> 中都声明 {page.encoding}（或把页面转为 UTF-8）。",
                         f"Declare {page.encoding} in both the Content-Type header and <meta charset> "
                         "(or convert the page to UTF-8)."))


def check_mixed_encoding(page: Page, ctx: AuditContext) -> Iterator[Finding]:
    """The page's bytes are one encoding (not GBK and UTF-8 mixed, not bytes no encoding reads)."""
    if not page.mixed_encoding or page.kind != "page":
        return
    if page.mixed_encoding.startswith("utf-8 with"):
        zh = "页面含有不符合 UTF-8 的字节（截断的字符或其他编码的片段），这些位置显示为乱码"
        en = "The page has bytes that are not valid UTF-8 (a cut character or text in another encoding); they show as garbage"
    elif page.mixed_encoding == "undecodable":
        zh = "页面字节无法按任何编码正确解码，部分文字为乱码，未能完整审计"
        en = "The page's bytes decode in no encoding; part of its text is garbled and was not fully audited"
    else:
        zh = f"页面混用多种编码（{page.mixed_encoding}）：任何一种编码读取都会有乱码"
        en = f"The page mixes encodings ({page.mixed_encoding}): any single decoding shows mojibake"
    yield Finding(
        rule="CNT001", category=Category.CONTENT.value, severity=Severity.WARNING, url=page.url, where="http",
        message=ctx.t(zh, en), expected=ctx.t("整页使用同一种编码（建议 UTF-8）", "one encoding for the whole page (UTF-8)"),
        actual=page.mixed_encoding, context=ctx.t(f"声明：{page.declared_encoding or '（未声明）'}",
                                                  f"declared: {page.declared_encoding or '(none)'}"),
        suggestion=ctx.t("把模板、包含文件和数据库内容统一转为 UTF-8，并在 Content-Type 与 <meta charset> 中声明。",
                         "Convert templates, includes and database text to UTF-8, and declare it in Content-Type "
                         "and <meta charset>."))


_UNREADABLE_ZH = (("decompressed body larger", "解压后超过大小上限（疑似压缩炸弹），未读取"),
                  ("does not decode", "压缩数据损坏，无法解压"),
                  ("unsupported Content-Encoding", "使用了无法识别的压缩编码"),
                  ("cut off", "压缩数据不完整（传输被截断），只读取了前一部分"))


def _unreadable_zh(reason: str) -> str:
    for key, zh in _UNREADABLE_ZH:
        if key in reason:
            return f"{zh}（{reason}）"
    return reason


def check_unreadable(page: Page, ctx: AuditContext) -> Iterator[Finding]:
    """Every fetched page could be read (no decompression bomb, broken or unknown Content-Encoding)."""
    if not page.unreadable or page.kind == "external":
        return
    yield Finding(
        rule="CNT006", category=Category.CONTENT.value, severity=Severity.ERROR, url=page.url, where="http",
        message=ctx.t(f"页面内容无法完整读取，未能完整审计：{_unreadable_zh(page.unreadable)}",
                      f"The page's content could not be read (in full) and was not fully audited: {page.unreadable}"),
        expected=ctx.t("可读取的页面内容", "readable content"), actual=page.unreadable,
        context=ctx.t(f"链接来源：{page.referer}", f"linked from {page.referer}") if page.referer else None,
        suggestion=ctx.t("检查服务器的压缩设置（Content-Encoding）与页面大小；该页面的备案信息与用语未能检查。",
                         "Check the server's compression (Content-Encoding) and the page size; this page's filing "
                         "details and wording were not checked."))


def check_soft_404(page: Page, ctx: AuditContext) -> Iterator[Finding]:
    """Pages that answer 200 but are really "not found" pages (soft 404)."""
    if page.status != 200 or not page.is_html or page.is_homepage or page.kind != "page":
        return
    probe = ctx.crawl.probes.get(page.host)
    probe_200 = probe is not None and probe.status == 200
    title_says = bool(_NOT_FOUND.search(page.title)) if page.title else False
    if not (probe_200 or title_says):
        return  # the host answers unknown paths with a real 404 and the title is innocent: nothing to compare
    score = 0.0
    if probe_200 and page.url != probe.url:
        score = similarity(text_signature(visible_text(page.text)), probe.signature)
    if score < SOFT_404_SIMILARITY and not title_says:
        return
    evidence = (ctx.t(f"与不存在页面的相似度 {score:.0%}", f"{score:.0%} similar to a not-found page")
                if score >= SOFT_404_SIMILARITY else ctx.t(f"标题：{page.title}", f"title: {page.title}"))
    yield Finding(
        rule="CNT002", category=Category.CONTENT.value, severity=Severity.WARNING, url=page.url, where="http",
        message=ctx.t("软 404：页面返回 200，但内容是“页面不存在”", "Soft 404: answers 200 but is a not-found page"),
        expected="HTTP 404", actual=f"HTTP 200; {evidence}",
        context=ctx.t(f"链接来源：{page.referer}", f"linked from {page.referer}") if page.referer else None,
        suggestion=ctx.t("让不存在的页面返回 404/410 状态码，并修正指向它的链接。",
                         "Answer missing pages with 404/410 and fix the links to them."))


@dataclass
class ProbesReported:
    """Hosts whose answer-200-to-anything probe was already reported (once per host)."""

    hosts: set[str] = field(default_factory=set)


def check_probe(page: Page, ctx: AuditContext) -> Iterator[Finding]:
    """Hosts that answer any unknown path with 200 (so search engines and checks cannot see missing pages)."""
    if not page.is_homepage:
        return
    probe = ctx.crawl.probes.get(page.host)
    reported = ctx.scratch(ProbesReported).hosts
    if probe is None or probe.status != 200 or page.host in reported:
        return
    reported.add(page.host)
    yield Finding(
        rule="CNT005", category=Category.CONTENT.value, severity=Severity.INFO, url=probe.url, where="http",
        message=ctx.t("不存在的地址返回 200（软 404），失效链接将无法被发现",
                      "A path that does not exist answers 200 (soft 404): broken links go unnoticed"),
        expected="HTTP 404", actual="HTTP 200",
        suggestion=ctx.t("为不存在的地址返回 404 状态码。", "Answer unknown paths with 404."))


def js_only_signs(html: str) -> tuple[int, int, int, bool] | None:
    """The signs that a page's text exists only after JavaScript runs, or None when it does not.

    (visible characters, bytes of inline script, external scripts, SPA root element): fewer than
    `JS_ONLY_TEXT` visible characters, and an SPA root or big/external scripts. Decides CNT003 and
    which pages `crawl.render: auto` renders.
    """
    if len(html) > 200_000 or has_visible_text(html, JS_ONLY_TEXT):
        return None  # a big page is not empty; a page with readable text is not either
    text = visible_text(html)
    if len(text) >= JS_ONLY_TEXT:
        return None
    scripts = sum(len(s) for s in _SCRIPT.findall(html))
    external = len(_SCRIPT_SRC.findall(html))
    spa_root = bool(_SPA_ROOT.search(html))
    if spa_root or scripts > 2000 or external >= 2:
        return len(text), scripts, external, spa_root
    return None


def check_empty(page: Page, ctx: AuditContext) -> Iterator[Finding]:
    """Pages with no readable text: blank, or text that only JavaScript puts on the page."""
    if page.status != 200 or not page.is_html or page.kind != "page" or page.unreadable:
        return
    html = page.raw_html   # the served HTML, also when the checks read the rendered DOM
    signs = js_only_signs(html)
    if signs is not None:
        chars, scripts, external, spa_root = signs
        if page.rendered:
            message = ctx.t("页面内容需运行 JavaScript 才显示：已在无头浏览器中渲染后审计，但检查者和搜索引擎可能看不到",
                            "The page's text appears only after JavaScript runs: audited after rendering in a "
                            "headless browser, but inspectors and search engines may not see it")
            suggestion = ctx.t("使用服务端渲染或预渲染，并在页面底部直接输出备案号等信息。",
                               "Render on the server (or pre-render) and write the footer details into the HTML.")
        else:
            message = ctx.t("页面内容需运行 JavaScript 才显示：审计（及搜索引擎、备案核查）看不到正文",
                            "The page's text appears only after JavaScript runs: the audit (and inspectors) cannot read it")
            suggestion = ctx.t("使用服务端渲染或预渲染，并在页面底部直接输出备案号等信息；本页用语未能审计，请人工复核。",
                               "Render on the server (or pre-render); this page's wording was not audited: review it.")
        yield Finding(
            rule="CNT003", category=Category.CONTENT.value, severity=Severity.WARNING, url=page.url, where="body",
            message=message,
            expected=ctx.t("HTML 中直接包含正文", "the text in the HTML"),
            actual=ctx.t(f"可见文字 {chars} 字；脚本 {scripts} 字节，外部脚本 {external} 个"
                         f"{'，含 SPA 根节点' if spa_root else ''}",
                         f"{chars} visible characters; {scripts} bytes of script, {external} external scripts"
                         f"{', an SPA root element' if spa_root else ''}"),
            suggestion=suggestion)
        return
    if page.rendered or len(html) > 200_000 or has_visible_text(html, JS_ONLY_TEXT):
        return
    if not visible_text(html):
        yield Finding(
            rule="CNT004", category=Category.CONTENT.value, severity=Severity.INFO, url=page.url, where="body",
            message=ctx.t("空白页面：没有可见文字", "Empty page: no visible text"),
            expected=ctx.t("有内容的页面", "a page with content"), actual=ctx.t("可见文字 0 字", "0 visible characters"),
            context=ctx.t(f"链接来源：{page.referer}", f"linked from {page.referer}") if page.referer else None)
