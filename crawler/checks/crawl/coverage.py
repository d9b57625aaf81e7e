"""What the crawl did not see, and why (final checks over what the spider left in `ctx.crawl`):
robots.txt exclusions, sitemap coverage, caps, traps, hosts that throttled the audit, and the
coverage of the whole audit (findings.json `run.coverage`)."""
from __future__ import annotations

from crawler.checks.base import AuditContext
from reports.coverage import coverage_text
from rules.model import Category, CheckOutcome, CheckResult, CheckStatus, Finding, Severity

ROBOTS_CHECK_ID = "crawl.robots"
SITEMAP_CHECK_ID = "crawl.sitemap"
CAPS_CHECK_ID = "crawl.caps"
POLITENESS_CHECK_ID = "crawl.politeness"
TRAPS_CHECK_ID = "crawl.traps"
COVERAGE_CHECK_ID = "crawl.coverage"

_SHOWN = 20   # URLs named in one finding's evidence


def _listed(urls: list[str], total: int, ctx: AuditContext) -> str:
    shown = "\n".join(urls[:_SHOWN])
    more = total - min(len(urls), _SHOWN)
    return shown + (ctx.t(f"\n……另有 {more} 个", f"\n… and {more} more") if more > 0 else "")


def check_robots_excluded(ctx: AuditContext) -> CheckOutcome:
    """Pages robots.txt kept the audit from (listed, not hidden)."""
    count, urls = ctx.crawl.robots_excluded.count, ctx.crawl.robots_excluded.urls
    if not ctx.profile.crawl.obey_robots:
        return CheckOutcome(CheckResult(ROBOTS_CHECK_ID, CheckStatus.SKIPPED,
                                        ctx.t("已忽略 robots.txt（--ignore-robots）", "robots.txt ignored (--ignore-robots)")))
    if not count:
        return CheckOutcome(CheckResult(ROBOTS_CHECK_ID, CheckStatus.OK,
                                        ctx.t("robots.txt 未排除任何已发现的页面", "robots.txt excluded no page found")))
    detail = ctx.t(f"robots.txt 排除了 {count} 个页面，未审计", f"robots.txt excluded {count} pages; not audited")
    finding = Finding(
        rule="LNK009", category=Category.LINKS.value, severity=Severity.INFO, url=urls[0], where="http",
        message=ctx.t(f"robots.txt 禁止抓取 {count} 个页面，这些页面未被审计",
                      f"robots.txt disallows {count} pages; they were not audited"),
        expected=ctx.t("全部页面已审计", "every page audited"), actual=_listed(urls, count, ctx),
        suggestion=ctx.t("确认这些页面无需审计，或使用 --ignore-robots 对自己的网站进行完整审计。",
                         "Confirm these pages need no audit, or audit your own site with --ignore-robots."))
    return CheckOutcome(CheckResult(ROBOTS_CHECK_ID, CheckStatus.FAIL, detail, actual=str(count)), [finding])


def check_sitemap(ctx: AuditContext) -> CheckOutcome:
    """The sitemap and the links agree: no orphan pages, no linked pages missing from the sitemap."""
    info = ctx.crawl.sitemap
    unreadable = [Finding(
        rule="LNK017", category=Category.LINKS.value, severity=Severity.WARNING, url=url, where="http",
        message=ctx.t(f"站点地图（或 robots.txt）无法读取，其中的网址未被使用：{why}",
                      f"The sitemap (or robots.txt) could not be read; the URLs in it were not used: {why}"),
        expected=ctx.t("可读取的站点地图（XML，解压后不超过限制）", "a readable sitemap (XML, within the size limit)"),
        actual=why, suggestion=ctx.t("检查站点地图文件的压缩与大小；抓取已改从首页和链接继续。",
                                     "Check the sitemap file's compression and size; the crawl went on from the links."))
        for url, why in list(info.unreadable.items())[:_SHOWN]]
    if not info.sitemaps:
        if unreadable:
            return CheckOutcome(CheckResult(SITEMAP_CHECK_ID, CheckStatus.FAIL, ctx.t(
                f"{len(info.unreadable)} 个站点地图无法读取", f"{len(info.unreadable)} sitemaps could not be read")),
                unreadable)
        return CheckOutcome(CheckResult(SITEMAP_CHECK_ID, CheckStatus.SKIPPED,
                                        ctx.t("未找到站点地图（sitemap）", "no sitemap found")))
    findings: list[Finding] = list(unreadable)
    partial = ctx.crawl.finish_reason != "finished"
    if info.orphans.count and not partial:   # a cut-short crawl has not seen every link
        findings.append(Finding(
            rule="LNK010", category=Category.LINKS.value, severity=Severity.INFO, url=info.orphans.urls[0], where="http",
            message=ctx.t(f"站点地图中有 {info.orphans.count} 个页面没有任何页面链接到（孤立页面）",
                          f"{info.orphans.count} pages in the sitemap are linked from no page (orphans)"),
            expected=ctx.t("站点地图中的页面都有站内链接", "every sitemap page is linked"),
            actual=_listed(info.orphans.urls, info.orphans.count, ctx),
            suggestion=ctx.t("为这些页面添加站内链接，或从站点地图中删除已下线的页面。",
                             "Link these pages from the site, or remove retired pages from the sitemap.")))
    if info.unlisted.count:
        findings.append(Finding(
            rule="LNK011", category=Category.LINKS.value, severity=Severity.INFO, url=info.unlisted.urls[0],
            where="http",
            message=ctx.t(f"{info.unlisted.count} 个可访问的页面不在站点地图中",
                          f"{info.unlisted.count} reachable pages are missing from the sitemap"),
            expected=ctx.t("站点地图列出全部页面", "the sitemap lists every page"),
            actual=_listed(info.unlisted.urls, info.unlisted.count, ctx),
            suggestion=ctx.t("更新站点地图。", "Update the sitemap.")))
    detail = ctx.t(f"站点地图 {len(info.sitemaps)} 个，列出 {info.urls} 个地址；孤立 {info.orphans.count}，"
                   f"未列出 {info.unlisted.count}",
                   f"{len(info.sitemaps)} sitemaps listing {info.urls} URLs; {info.orphans.count} orphans, "
                   f"{info.unlisted.count} unlisted")
    return CheckOutcome(CheckResult(SITEMAP_CHECK_ID, CheckStatus.FAIL if findings else CheckStatus.OK, detail),
                        findings)


def check_caps(ctx: AuditContext) -> CheckOutcome:
    """The user's crawl caps: pages past crawl.pattern_cap (off by default) and links past crawl.max_depth (none by default)."""
    truncated = ctx.crawl.truncated
    cap = ctx.crawl.pattern_cap if ctx.crawl.pattern_cap is not None else ctx.profile.crawl.pattern_cap
    deep = ctx.crawl.depth_ignored
    depth_findings = [Finding(
        rule="LNK014", category=Category.LINKS.value, severity=Severity.INFO, url=ctx.profile.site.start_urls[0]
        if ctx.profile.site.start_urls else "", where="http",
        message=ctx.t(f"{deep} 个链接超过最大深度 {ctx.profile.crawl.max_depth}，未抓取",
                      f"{deep} links beyond the maximum depth of {ctx.profile.crawl.max_depth} were not followed"),
        expected=ctx.t(f"深度 ≤ {ctx.profile.crawl.max_depth}", f"depth ≤ {ctx.profile.crawl.max_depth}"),
        actual=ctx.t(f"跳过 {deep} 个", f"{deep} skipped"),
        suggestion=ctx.t("如需审计更深的页面，调高 crawl.max_depth（或 --max-depth）。",
                         "Raise crawl.max_depth (or --max-depth) to audit deeper pages."))] if deep else []
    skipped = ctx.crawl.skipped
    if skipped.resources or skipped.links or skipped.external:
        depth_findings.append(Finding(
            rule="LNK018", category=Category.LINKS.value, severity=Severity.INFO,
            url=skipped.pages.urls[0] if skipped.pages.urls else (ctx.profile.site.start_urls or [""])[0],
            where="http",
            message=ctx.t(f"资源与链接数量超过检查上限：{skipped.resources:,} 个资源、{skipped.links:,} 个链接、"
                          f"{skipped.external:,} 个外部链接未检查（{skipped.pages.count} 个页面）",
                          f"More resources and links than the audit checks: {skipped.resources:,} resources, "
                          f"{skipped.links:,} links and {skipped.external:,} external links were not checked "
                          f"({skipped.pages.count} pages)"),
            expected=ctx.t(f"每页最多检查 {skipped.resource_cap} 个资源（全站 {skipped.resource_total_cap} 个）、"
                           f"跟随 {skipped.link_cap} 个新链接；外部链接最多 {skipped.external_cap} 个（每个主机 20 个）",
                           f"at most {skipped.resource_cap} resources per page ({skipped.resource_total_cap} per audit), "
                           f"{skipped.link_cap} new links per page, {skipped.external_cap} external links "
                           "(20 per host)"),
            actual=_listed(skipped.pages.urls, skipped.pages.count, ctx),
            suggestion=ctx.t("页面上资源或链接数量异常多时，检查是否被注入；未检查的资源可另行核对。",
                             "A page with this many resources or links may have been injected; check the rest "
                             "another way.")))
    if not truncated and not depth_findings:
        if not cap and not ctx.profile.crawl.max_depth:
            return CheckOutcome(CheckResult(CAPS_CHECK_ID, CheckStatus.OK, ctx.t(
                "未设置深度或地址模式上限（爬虫陷阱按证据停止）", "no depth or per-pattern cap set (traps end by evidence)")))
        return CheckOutcome(CheckResult(CAPS_CHECK_ID, CheckStatus.OK,
                                        ctx.t(f"没有地址模式超过上限（每个模式 {cap} 页）",
                                              f"no URL pattern reached the cap ({cap} pages each)")
                                        if cap else ctx.t("没有链接超过最大深度", "no link beyond the maximum depth")))
    refused = sum(v.refused for v in truncated.values())
    findings = depth_findings + [Finding(
        rule="LNK012", category=Category.LINKS.value, severity=Severity.INFO, url=v.example or pattern,
        where="http",
        message=ctx.t(f"地址模式 {pattern} 超过 {cap} 页上限，已跳过 {v.refused} 个地址（可能是无尽的日历或筛选组合）",
                      f"URL pattern {pattern} reached the cap of {cap} pages; {v.refused} URLs skipped "
                      "(an endless calendar or filter combination?)"),
        expected=ctx.t(f"每个模式最多 {cap} 页", f"at most {cap} pages per pattern"),
        actual=ctx.t(f"跳过 {v.refused} 个", f"{v.refused} skipped"),
        suggestion=ctx.t("如需审计更多此类页面，调高 crawl.pattern_cap；无尽链接可加 rel=nofollow 或从 robots.txt 排除。",
                         "Raise crawl.pattern_cap to audit more of them; mark endless links nofollow or "
                         "exclude them in robots.txt."))
        for pattern, v in sorted(truncated.items(), key=lambda kv: -kv[1].refused)[:_SHOWN]]
    detail = ctx.t(f"{len(truncated)} 个地址模式达到上限，共跳过 {refused} 个地址；超过最大深度 {deep} 个",
                   f"{len(truncated)} URL patterns reached the cap; {refused} URLs skipped; {deep} beyond max depth")
    if skipped.resources or skipped.links or skipped.external:
        detail += ctx.t(f"；未检查资源 {skipped.resources:,} 个、链接 {skipped.links:,} 个、外部链接 {skipped.external:,} 个",
                        f"; not checked: {skipped.resources:,} resources, {skipped.links:,} links, "
                        f"{skipped.external:,} external links")
    return CheckOutcome(CheckResult(CAPS_CHECK_ID, CheckStatus.FAIL, detail), findings)


def check_throttled(ctx: AuditContext) -> CheckOutcome:
    """Hosts that rate-limited the audit (429/503 with Retry-After) and the robots.txt Crawl-delay honoured."""
    throttled = ctx.crawl.throttled
    delays = ctx.crawl.crawl_delay
    findings = []
    for host, info in sorted(throttled.items()):
        recovered = info.recovered and not info.gave_up and not info.lost
        after = info.retry_after or ctx.t("无", "none")
        findings.append(Finding(
            rule="LNK013", category=Category.LINKS.value, severity=Severity.INFO if recovered else Severity.WARNING,
            url=info.url, where="http",
            message=ctx.t(f"{host} 被限流/拦截：HTTP {info.status}（Retry-After {after}），"
                          + ("已按要求等待后重试成功" if recovered else "等待重试后仍被拒绝，部分页面未审计"),
                          f"{host} rate-limited the audit: HTTP {info.status} (Retry-After {after}); "
                          + ("waited as asked and the retry succeeded" if recovered
                             else "still refused after waiting; some pages were not audited")),
            expected="HTTP 200",
            actual=ctx.t(f"{info.responses} 次 HTTP {info.status}"
                         + (f"；另有 {info.skipped} 个请求因此未发出" if info.skipped else ""),
                         f"{info.responses} × HTTP {info.status}"
                         + (f"; {info.skipped} more requests not sent" if info.skipped else "")),
            suggestion=ctx.t("为审计放行（User-Agent 可在 crawl.user_agent 中设置），或调大 crawl.delay。",
                             "Allow the audit through (set crawl.user_agent to identify it) or raise crawl.delay.")))
    timeout = ctx.profile.crawl.timeout
    for host, stalled in sorted(ctx.crawl.stalled.items()):
        findings.append(Finding(
            rule="LNK019", category=Category.LINKS.value, severity=Severity.WARNING, url=stalled.url, where="http",
            message=ctx.t(f"{host} 连续 {stalled.timeouts} 次未在 {timeout:g} 秒内传完页面，已停止抓取该主机"
                          f"（{stalled.skipped} 个请求未发出，部分页面未审计）",
                          f"{host} let {stalled.timeouts} downloads in a row run past {timeout:g} s; the audit stopped "
                          f"asking it ({stalled.skipped} requests not sent, some pages not audited)"),
            expected=ctx.t(f"每个页面 {timeout:g} 秒内传完", f"each page within {timeout:g} s"),
            actual=ctx.t(f"连续超时 {stalled.timeouts} 次；{stalled.skipped} 个请求未发出",
                         f"{stalled.timeouts} timeouts in a row; {stalled.skipped} requests not sent"),
            suggestion=ctx.t("检查服务器或 CDN 是否限速、挂起连接；需要时调大 crawl.timeout。",
                             "Check whether the server or CDN throttles or holds connections; raise crawl.timeout "
                             "if the pages are just slow.")))
    parts = [ctx.t(f"{h} Crawl-delay {d:g} 秒", f"{h} Crawl-delay {d:g} s") for h, d in sorted(delays.items())]
    parts += [ctx.t(f"{h} 限流", f"{h} throttled") for h in sorted(throttled)]
    parts += [ctx.t(f"{h} 超时停止", f"{h} given up on timeouts") for h in sorted(ctx.crawl.stalled)]
    detail = ctx.t("；", "; ").join(parts) if parts else ctx.t("没有主机限流", "no host throttled the audit")
    status = CheckStatus.FAIL if findings else CheckStatus.OK
    return CheckOutcome(CheckResult(POLITENESS_CHECK_ID, status, detail), findings)


_TRAP_KINDS = {
    "near_duplicate": ("内容重复的页面（日历、空搜索结果、翻页越界、筛选排序组合）",
                       "near-duplicate pages (calendar, empty search results, paging past the end, filter orders)"),
    "calendar": ("日期不断远离今天的日历", "a calendar walking away from today"),
    "search": ("搜索页链接到更多搜索", "search pages linking to more searches"),
    "repeated_segments": ("路径片段不断重复", "repeating path segments"),
    "session_id": ("地址中的会话 ID", "session ids in URLs"),
    "facets": ("筛选与排序组合重复显示相同商品", "filter and sort combinations showing the same items"),
}


def check_traps(ctx: AuditContext) -> CheckOutcome:
    """Crawler traps (endless calendars, filters, searches, session ids, nesting links) ended by evidence."""
    traps = ctx.crawl.traps
    if not traps:
        return CheckOutcome(CheckResult(TRAPS_CHECK_ID, CheckStatus.OK,
                                        ctx.t("未发现爬虫陷阱", "no crawler trap found")))
    findings = []
    ordered = sorted(traps.values(), key=lambda t: -t.skipped)
    for trap in ordered[:_SHOWN]:
        zh, en = _TRAP_KINDS.get(trap.kind, (trap.kind, trap.kind))
        findings.append(Finding(
            rule="LNK016", category=Category.LINKS.value, severity=Severity.INFO, url=trap.example, where="http",
            message=ctx.t(f"爬虫陷阱：{zh}，地址模式 {trap.pattern}；已跳过 {trap.skipped} 个地址",
                          f"Crawler trap: {en}, URL pattern {trap.pattern}; {trap.skipped} URLs skipped"),
            expected=ctx.t("每个地址对应不同的内容", "each URL says something of its own"),
            actual=ctx.t(f"证据：{trap.evidence}；发现前已抓取 {trap.fetched} 个，跳过 {trap.skipped} 个",
                         f"evidence: {trap.evidence}; {trap.fetched} fetched before it was known, "
                         f"{trap.skipped} skipped"),
            context=trap.example,
            suggestion=ctx.t("为无尽的链接加 rel=nofollow、在 robots.txt 中排除，或让越界页面返回 404。",
                             "Mark endless links nofollow, exclude them in robots.txt, or answer pages past "
                             "the end with 404.")))
    skipped = sum(t.skipped for t in traps.values())
    detail = ctx.t(f"{len(traps)} 个爬虫陷阱已自动停止，共跳过 {skipped} 个地址",
                   f"{len(traps)} crawler traps ended by evidence; {skipped} URLs skipped")
    return CheckOutcome(CheckResult(TRAPS_CHECK_ID, CheckStatus.FAIL, detail, actual=str(skipped)), findings)


def check_coverage(ctx: AuditContext) -> CheckOutcome:
    """Every known page of the declared domains was audited (pages audited, URLs checked, pages left out by reason)."""
    coverage = ctx.crawl.coverage.to_dict()
    checked = ctx.crawl.coverage.checked
    detail = coverage_text(coverage, ctx.lang) + ctx.t(
        f"；审计页面 {coverage['audited']:,} 个，检查地址 {checked:,} 个",
        f"; {coverage['audited']:,} pages audited, {checked:,} URLs checked")
    status = CheckStatus.OK if coverage["complete"] else CheckStatus.FAIL
    return CheckOutcome(CheckResult(COVERAGE_CHECK_ID, status, detail, actual=str(coverage["not_audited"])))
