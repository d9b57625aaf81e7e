"""Pages built by JavaScript (crawl.render) and linked PDF documents: what could and could not be read.

Rule ids: REN001 a page could not be rendered (browser timeout or crash; its checks read the served
HTML), REN002 pages that needed rendering on a machine that cannot render (once per audit, with
the install hint); ICP003 as a warning when the 备案号 appears only after rendering. DOC001 a PDF
with no text layer, DOC002 encrypted, DOC003 over the size cap, DOC004 unreadable, DOC005 not
downloaded, DOC006 PDFs past the per-audit cap. Phrase findings in a PDF carry `where: pdf`,
`doc_page` and a `#page=N` URL; findings read from a rendered DOM carry `rendered: true`.
"""
from __future__ import annotations

import dataclasses
from typing import Any, Iterable

from crawler.checks.base import AuditContext
from crawler.checks.filing.icp import BASIS_FILING
from crawler.documents import DOCUMENTS_MAX, Document, DocumentProblem
from crawler.page import Page
from crawler.render import INSTALL_HINT_EN, INSTALL_HINT_ZH, shows_filing
from rules.model import Category, CheckOutcome, CheckResult, CheckStatus, Finding, Severity

RENDER_CHECK_ID = "render"
DOCUMENTS_CHECK_ID = "documents"
_SHOWN = 10


def mark_rendered(page: Page, findings: list[Finding]) -> list[Finding]:
    """Findings on a rendered page say so: their text came from the DOM after JavaScript ran."""
    if not page.rendered:
        return findings
    return [f.replace(rendered=True) if f.url == page.url and f.where not in ("http", "dns", "tls") else f
            for f in findings]


def check_render_failed(page: Page, ctx: AuditContext) -> Iterable[Finding]:
    """页面渲染：需要渲染的页面未能在无头浏览器中渲染"""
    if page.render is None or page.render.ok:
        return []
    return [Finding(
        rule="REN001", category=Category.CONTENT.value, severity=Severity.WARNING, url=page.url, where="body",
        message=ctx.t("页面需要在浏览器中渲染，但未能渲染完成（超时、浏览器崩溃，或抓取先结束）：本页按原始 HTML 审计，"
                      "脚本生成的内容未检查",
                      "The page needed rendering but it did not complete (timeout, browser crash, or the crawl "
                      "ended first): it was audited on its served HTML; script-built content was not checked"),
        expected=ctx.t("在无头浏览器中渲染完成", "rendered in the headless browser"), actual=page.render.error,
        suggestion=ctx.t("检查页面脚本是否在数秒内完成加载；可调大 crawl.timeout 后重试。",
                         "Check that the page's scripts finish loading within seconds; retry with a larger crawl.timeout."))]


def check_script_footer(page: Page, ctx: AuditContext) -> Iterable[Finding]:
    """首页备案号仅在脚本运行后出现"""
    if not (page.rendered and page.is_homepage) or page.render.reason not in ("js_only", "no_filing", "always"):
        return []
    if page.render.reason == "always" and shows_filing(dataclasses.replace(page, text=page.raw_html, render=None)):
        return []
    if not shows_filing(page):
        return []   # not there after rendering either: the filing check reports ICP001
    return [Finding(
        rule="ICP003", category=Category.ICP.value, severity=Severity.WARNING, url=page.url, where="footer",
        rendered=True,
        message=ctx.t("ICP备案号仅在脚本运行后出现：浏览器中可见，但 HTML 中没有，检查者和搜索引擎可能看不到",
                      "The ICP filing number appears only after scripts run: visible in a browser, absent from the HTML"),
        basis=BASIS_FILING,
        expected=ctx.t("备案号以文字形式写在首页 HTML 底部", "the number as text in the homepage's HTML footer"),
        actual=ctx.t("仅在渲染后的页面中", "only in the rendered page"),
        suggestion=ctx.t("将备案号直接写入首页底部 HTML（服务端渲染或静态页脚）。",
                         "Write the number into the homepage's footer HTML (server-side or a static footer)."))]


def check_rendering(ctx: AuditContext) -> CheckOutcome:
    """页面渲染（JavaScript 生成的页面）"""
    log = ctx.render
    if log.mode == "never":
        return CheckOutcome(CheckResult(RENDER_CHECK_ID, CheckStatus.SKIPPED,
                                        ctx.t("未开启渲染（crawl.render: never）", "rendering is off (crawl.render: never)")))
    findings: list[Finding] = []
    if log.unrendered_count:
        shown = "、".join(log.unrendered[:_SHOWN]) if ctx.lang != "en" else ", ".join(log.unrendered[:_SHOWN])
        findings.append(Finding(
            rule="REN002", category=Category.CONTENT.value, severity=Severity.INFO, url=log.unrendered[0],
            where="body",
            message=ctx.t(f"{log.unrendered_count} 个页面需要在浏览器中渲染才能审计，但本机无法渲染（缺少 {log.missing}）："
                          "这些页面只按原始 HTML 审计",
                          f"{log.unrendered_count} pages need rendering in a browser to be audited, but this machine "
                          f"cannot render (missing {log.missing}): they were audited on their served HTML only"),
            expected=ctx.t("渲染后审计", "audited after rendering"), actual=shown,
            suggestion=ctx.t(INSTALL_HINT_ZH, INSTALL_HINT_EN)))
        detail = ctx.t(f"{log.unrendered_count} 个页面未能渲染（缺少 {log.missing}）",
                       f"{log.unrendered_count} pages could not be rendered (missing {log.missing})")
        return CheckOutcome(CheckResult(RENDER_CHECK_ID, CheckStatus.SKIPPED, detail,
                                        expected=ctx.t("渲染需要渲染的页面", "pages that need it are rendered"),
                                        actual=shown), findings)
    if not log.rendered_count and not log.failed_count:
        return CheckOutcome(CheckResult(RENDER_CHECK_ID, CheckStatus.OK,
                                        ctx.t("没有需要渲染的页面", "no page needed rendering")))
    shown = [*log.rendered[:_SHOWN]]
    detail = ctx.t(f"已在无头浏览器中渲染 {log.rendered_count} 个页面", f"{log.rendered_count} pages rendered in headless Chromium")
    if log.failed_count:
        detail += ctx.t(f"；{log.failed_count} 个渲染失败", f"; {log.failed_count} failed")
        shown += [f"{url} ✗ {error}" for url, error in log.failed[:_SHOWN]]
    return CheckOutcome(CheckResult(RENDER_CHECK_ID, CheckStatus.FAIL if log.failed_count else CheckStatus.OK, detail,
                                    actual="; ".join(shown)), findings)


# -- documents ------------------------------------------------------------------------------------
_PROBLEM = {  # problem -> (rule, zh, en)
    DocumentProblem.NO_TEXT: ("DOC001", "PDF 没有文字层（扫描件或纯图片），其中的用语无法检查",
                              "The PDF has no text layer (a scan or images only): its wording could not be checked"),
    DocumentProblem.ENCRYPTED: ("DOC002", "PDF 已加密，需要密码才能打开，其中的用语无法检查",
                                "The PDF is encrypted and needs a password: its wording could not be checked"),
    DocumentProblem.OVERSIZED: ("DOC003", "PDF 超过下载大小上限，未检查",
                                "The PDF is larger than the download cap: not checked"),
    DocumentProblem.UNREADABLE: ("DOC004", "PDF 无法解析（文件损坏或不是 PDF），其中的用语无法检查",
                                 "The PDF could not be parsed (damaged, or not a PDF): its wording could not be checked"),
    DocumentProblem.FAILED: ("DOC005", "PDF 下载失败，未检查", "The PDF could not be downloaded: not checked"),
}


def check_document(doc: Document, ruleset: Any, ctx: AuditContext) -> list[Finding]:
    """A linked PDF: the phrase rules on each page's text, or why it could not be read (info)."""
    if doc.problem is not None:
        rule, zh, en = _PROBLEM[doc.problem]
        return [Finding(
            rule=rule, category=Category.CONTENT.value, severity=Severity.INFO, url=doc.url, where="pdf",
            message=ctx.t(zh, en), actual=doc.detail or None,
            context=ctx.t(f"链接来源：{doc.referer}", f"linked from {doc.referer}") if doc.referer else None,
            suggestion=ctx.t("请人工审阅该文件的宣传用语；可提供带文字层、未加密的 PDF。",
                             "Review the document's wording by hand; publish a text PDF without a password."))]
    found: list[Finding] = []
    for number, text in enumerate(doc.pages, 1):
        if not text:
            continue
        for f in ruleset.check(text, url=f"{doc.url}#page={number}", where="pdf"):
            found.append(f.replace(doc_page=number))
    return found


def check_documents(ctx: AuditContext) -> CheckOutcome:
    """链接的 PDF 文档"""
    log = ctx.documents
    findings: list[Finding] = []
    if log.skipped_over_cap:
        findings.append(Finding(
            rule="DOC006", category=Category.CONTENT.value, severity=Severity.INFO,
            url=log.checked[0] if log.checked else (ctx.profile.site.start_urls or ["-"])[0], where="pdf",
            message=ctx.t(f"链接的 PDF 超过每次审计 {DOCUMENTS_MAX} 个的上限：另有 {log.skipped_over_cap} 个未检查",
                          f"More linked PDFs than the {DOCUMENTS_MAX} read per audit: {log.skipped_over_cap} were not checked"),
            actual=str(log.skipped_over_cap)))
    total = log.checked_count + log.unchecked_count
    if not total and not log.skipped_over_cap:
        return CheckOutcome(CheckResult(DOCUMENTS_CHECK_ID, CheckStatus.OK, ctx.t("没有链接的 PDF 文档", "no linked PDF documents")))
    detail = ctx.t(f"读取 {log.checked_count} 个 PDF；{log.unchecked_count} 个无法检查",
                   f"{log.checked_count} PDFs read; {log.unchecked_count} could not be checked")
    status = CheckStatus.FAIL if log.unchecked_count or log.skipped_over_cap else CheckStatus.OK
    return CheckOutcome(CheckResult(DOCUMENTS_CHECK_ID, status, detail, actual="; ".join(log.checked[:_SHOWN]) or None),
                        findings)
