"""Linked PDF documents (crawler/documents.py): the phrase rules on their text, or why they could not be read.

Rule ids: DOC001 a PDF with no text layer, DOC002 encrypted, DOC003 over the size cap, DOC004
unreadable, DOC005 not downloaded, DOC006 PDFs past the per-audit cap (all info). Phrase findings
in a PDF carry `where: pdf`, `doc_page` and the document's URL with `#page=N`.
"""
from __future__ import annotations

from typing import Any

from crawler.checks.base import AuditContext
from crawler.documents import DOCUMENTS_MAX, Document, DocumentProblem
from rules.model import Category, CheckOutcome, CheckResult, CheckStatus, Finding, Severity

DOCUMENTS_CHECK_ID = "documents"
_SHOWN = 10

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
