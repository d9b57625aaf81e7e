"""Pages built by JavaScript (crawl.render): what was rendered, and what could not be.

Rule ids: REN001 a page could not be rendered (browser timeout or crash, or the crawl ended first;
its checks read the served HTML), REN002 pages that needed rendering on a machine that cannot
render (once per audit, with the install hint); ICP003 as a warning when the 备案号 appears only
after rendering. Findings read from a rendered DOM carry `rendered: true` (`mark_rendered`).
"""
from __future__ import annotations

import dataclasses
from typing import Iterable

from crawler.checks.base import AuditContext
from crawler.checks.filing.icp import BASIS_FILING
from crawler.page import Page
from crawler.render import INSTALL_HINT_EN, INSTALL_HINT_ZH, shows_filing
from rules.model import Category, CheckOutcome, CheckResult, CheckStatus, Finding, Severity

RENDER_CHECK_ID = "render"
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
