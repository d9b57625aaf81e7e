"""One audit run: profile → site checks → crawl → final checks → store → outputs → notify → exit code.

Everything the CLI's `audit` does lives here, so `demo` and the tests run exactly the same code.
"""
from __future__ import annotations

import dataclasses
import logging
import os
import shutil
import signal
import sys
from collections import Counter
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crawler import __version__
from crawler.checks.health.uptime import uptime_percent
from crawler.checks import FINAL_CHECKS, PAGE_CHECKS, SITE_CHECKS, AuditContext, run_page_checks, run_site_check
from crawler.checks.crawl.documents import check_document
from crawler.checks.crawl.render import mark_rendered
from crawler.checks.state import PageCheckError
from crawler.documents import Document
from crawler import gcpolicy, interrupt, netdeadline
from crawler.page import Page
from crawler.pipelines import FindingCap
from crawler.phrases import PhraseChecker, RepeatedText, RulesSpec, for_crawl  # noqa: F401 (RepeatedText: its old home)
from crawler.idn import unicode_host, unicode_text
from crawler.profile import Profile, load_profile, profile_for_url
from crawler.resolver import parse_resolver
from crawler.resume import resume_run, save_state
from crawler.history.changes import fixed_scope
from crawler.history.store import Store
from crawler.clock import now_iso
from rules.errors import ConfigError
from rules.model import PHRASE_CATEGORIES, CheckOutcome, CheckResult, CheckStatus, Finding, Severity, severity_name

logger = logging.getLogger(__name__)

# Site checks that need DNS or that probe uptime, switched off by --no-dns / --no-uptime.
_DNS_CHECKS = ("dns", "ipv6")
_UPTIME_CHECKS = ("uptime",)


@dataclass
class AuditOptions:
    """Command-line options of `audit`; None means "as the profile says"."""

    out: str | None = None
    formats: list[str] = field(default_factory=lambda: ["html", "json"])
    max_pages: int | None = None
    max_depth: int | None = None
    concurrency: int | None = None
    delay: float | None = None
    time_limit: float | None = None
    ignore_robots: bool = False
    fail_on: str = "error"
    db: str | None = None
    rules: list[str] = field(default_factory=list)
    lang: str | None = None
    resolver: str | None = None
    no_dns: bool = False
    no_uptime: bool = False
    quiet: bool = False
    progress: bool = False
    resume: bool = False
    check_budget: float = 60.0
    phrase_worker: str = "auto"     # the phrase rules in a worker process: auto, on, off (crawler/phrases.py)


def default_db() -> str:
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return os.path.join(base, "siteaudit", "history.sqlite3")


def resolve_profile(target: str, options: AuditOptions) -> Profile:
    """The profile from a file or a bare URL, with the command-line overrides applied."""
    path = Path(target)
    if path.suffix in (".yaml", ".yml") or path.is_file():
        profile = load_profile(path)
    else:
        profile = profile_for_url(target)
    crawl = {k: v for k, v in {
        "max_pages": options.max_pages, "max_depth": options.max_depth, "concurrency": options.concurrency,
        "delay": options.delay, "time_limit": options.time_limit,
    }.items() if v is not None}
    if options.ignore_robots:
        crawl["obey_robots"] = False
    if crawl:
        profile = profile.replace("crawl", **crawl)
    if options.lang:
        profile = profile.replace("report", lang=options.lang)
    if profile.crawl.auth.username:
        # A staging password missing from the environment is a configuration error (exit 2), found
        # before the run starts rather than as a crashed crawl.
        from crawler.profile import basic_auth

        basic_auth(profile.crawl.auth.username, profile.crawl.auth.password_env, profile.source)
    return profile


class AuditSession:
    """What the crawl's pipeline talks to: phrase rules and page checks on each page, streamed to the store."""

    def __init__(self, ruleset: Any, ctx: AuditContext, store: Store, run_id: str,
                 phrases: PhraseChecker | None = None):
        self.ruleset = ruleset
        self.ctx = ctx
        self.store = store
        self.run_id = run_id
        self.pages = 0
        # A declared international domain: people read 中文.中国, not its punycode (URLs keep the A-label).
        self.idn = any("xn--" in d for d in ctx.profile.domains)
        self.fetched = 0      # pages read (2xx/3xx, readable): a run that read none proves nothing
        self.check_counts: dict[str, int] = {check_id: 0 for check_id, _ in PAGE_CHECKS}
        self.phrase_count = 0
        # A homepage can arrive twice (another declared domain redirects to it); its findings
        # are stored once. Only homepages are remembered, so memory does not grow with the site.
        self.homepage_findings: dict[str, set[tuple]] = {}
        # The phrase rules: in this process, or in a worker on the other core (crawler/phrases.py).
        self.phrases = phrases or PhraseChecker(ruleset)

    def process_page(self, page: Page) -> int:
        """One page, its phrase rules checked in this process (pages handed on after the crawl)."""
        self._count(page)
        cap = self._phrases_here(page) if page.text and page.is_html else FindingCap()
        return self._page_done(page, cap, run_page_checks(page, self.ctx, self.check_counts))

    async def process_page_async(self, page: Page) -> int:
        """One page from the crawl's pipeline: its phrase rules go to the worker when there is one,
        and the page checks run here meanwhile."""
        self._count(page)
        if not (page.text and page.is_html):
            return self._page_done(page, FindingCap(), run_page_checks(page, self.ctx, self.check_counts))
        try:
            started = await self.phrases.start(page.text, page.url)
        except Exception as exc:   # a rule that raised while the page was checked here
            self._phrase_error(page, exc)
            started = FindingCap()
        checked = run_page_checks(page, self.ctx, self.check_counts)
        try:
            cap = await self.phrases.finish(started)
        except Exception as exc:   # a rule that raised in the worker
            self._phrase_error(page, exc)
            cap = FindingCap()
        return self._page_done(page, cap, checked)

    def _count(self, page: Page) -> None:
        if page.kind == "page" and 200 <= page.status < 400 and not page.unreadable:
            self.fetched += 1

    def _phrases_here(self, page: Page) -> FindingCap:
        try:
            return self.phrases.check(page.text, page.url)
        except Exception as exc:
            self._phrase_error(page, exc)
            return FindingCap()

    def _phrase_error(self, page: Page, exc: Exception) -> None:
        """A phrase rule that raised on a page: logged, and the checks list's `phrases` row says so
        (as a crashing page check's row does); the page keeps its page checks' findings."""
        logger.error("phrase rules crashed on %s: %s: %s", page.url, type(exc).__name__, exc)
        seen = self.ctx.page_errors.get("phrases")
        self.ctx.page_errors["phrases"] = PageCheckError(
            pages=(seen.pages if seen else 0) + 1, url=seen.url if seen else page.url,
            error=seen.error if seen else f"{type(exc).__name__}: {exc}")

    def _page_done(self, page: Page, cap: FindingCap, checked: list[Finding]) -> int:
        # At most FINDINGS_PER_PAGE findings per page, FINDINGS_PER_MATCH per (rule, match), with the
        # true count: one hostile page cannot exhaust memory or flood the report (crawler/pipelines.py).
        cap.extend(checked)
        findings = mark_rendered(page, cap.findings(self.ctx.lang))
        if self.idn:
            findings = [shown_in_unicode(f) for f in findings]
        if page.is_homepage:
            known = self.homepage_findings.get(page.url)
            fresh = known is None
            known = self.homepage_findings.setdefault(page.url, set())
            findings = [f for f in findings if (f.key, f.line, f.column) not in known]
            known.update((f.key, f.line, f.column) for f in findings)
            if not fresh:
                return self._store([], findings, cap.prepared)
        # Resources and external links are status-checked, not crawled: findings, but no page entry.
        return self._store([page.to_record()] if page.kind == "page" else [], findings, cap.prepared)

    def process_document(self, document: Document) -> int:
        """A linked PDF (crawler/documents.py): phrase findings by page, or why it could not be read."""
        findings = FindingCap().extend(check_document(document, self.ruleset, self.ctx)).findings(self.ctx.lang)
        return self._store([], [shown_in_unicode(f) for f in findings] if self.idn else findings)

    def _store(self, records: list[dict], findings: list[Finding],
               prepared: dict[int, tuple[str, str]] | None = None) -> int:
        self.pages += len(records)
        self.phrase_count += sum(1 for f in findings if f.category in PHRASE_CATEGORIES)
        if records:
            self.store.add_pages(self.run_id, records)
        if findings:
            self.store.add_findings(self.run_id, findings, prepared)
        return len(findings)


def _crawl(profile: Profile, session: AuditSession, options: AuditOptions, jobdir: str | None) -> str:
    """Run the Scrapy crawl in this process; returns the finish reason."""
    from crawler.interrupt import BoundedStopProcess

    from crawler.settings import audit_settings, use_bundled_public_suffix_list
    from crawler.spiders.site import SiteSpider

    for s in interrupt.SIGNALS:   # a signal from here on is acted on by the crawl, never raised into Scrapy's set-up
        signal.signal(s, interrupt.remember)
    if interrupt.requested is not None:
        raise _Interrupted(signal.Signals(interrupt.requested).name)
    use_bundled_public_suffix_list()
    settings = audit_settings(profile, lang=session.ctx.lang, resolver=options.resolver, progress=options.progress,
                              jobdir=jobdir, log_level="INFO" if logging.getLogger().level <= logging.INFO
                              else "WARNING")
    process = BoundedStopProcess(settings)   # a signal stops the crawl within seconds (crawler/interrupt.py)
    crawler = process.create_crawler(SiteSpider)
    process.crawl(crawler, profile=profile, session=session)
    with gcpolicy.frozen_while():   # the rules, Scrapy and jieba are not walked by every collection
        process.start()
    spider = crawler.spider
    # The spider sets its finish reason when it closes; a second Ctrl-C (or SIGTERM) stops the
    # reactor before that, and such a run is interrupted, never "finished".
    reason = getattr(spider, "finish_reason", "interrupted") if spider is not None else "interrupted"
    if interrupt.requested is not None:   # asked to stop, even if the crawl got to its end first
        reason = "interrupted"
    session.ctx.crawl.finish_reason = reason
    return reason


def _selected_site_checks(options: AuditOptions) -> list[tuple[str, Any]]:
    chosen = []
    for check_id, fn in SITE_CHECKS:
        if options.no_dns and check_id.startswith(_DNS_CHECKS):
            continue
        if options.no_uptime and check_id.startswith(_UPTIME_CHECKS):
            continue
        chosen.append((check_id, fn))
    return chosen


class _Interrupted(BaseException):
    """Raised by the signal handler: a BaseException, as KeyboardInterrupt is, so that no `except
    Exception` on the way (a log handler writing a line, a library's fallback) swallows it."""


def _on_signal(signum: int, frame: Any) -> None:
    interrupt.remember(signum)
    raise _Interrupted(signal.Signals(signum).name)


def run_audit(target: str, options: AuditOptions, out=sys.stdout) -> int:
    """Audit one site; returns the exit code (SPEC): 0 clean, 1 findings at/above --fail-on, 3 the tool failed."""
    return AuditRun(target, options, out).run()


class AuditRun:
    """One audit run. `run` calls the steps in order; each step is a method that reads and sets
    the run's typed fields, so a step can be tested, timed or replaced on its own."""

    def __init__(self, target: str, options: AuditOptions, out: Any = sys.stdout):
        from rules.loader import load_ruleset

        self.options = options
        self.out = out
        self.profile = resolve_profile(target, options)
        profile = self.profile
        resolver = parse_resolver(options.resolver) if options.resolver else None
        lang = profile.report.lang
        base = Path(profile.source).parent if Path(profile.source).is_file() else Path.cwd()
        extra_rules = [str(base / p) for p in profile.rules.extra] + list(options.rules)
        self.ruleset = for_crawl(load_ruleset(packs=profile.rules.packs, extra=extra_rules,
                                              allow=profile.rules.allow, severity=profile.rules.severity, lang=lang))
        self.rules_spec = RulesSpec(tuple(profile.rules.packs), tuple(extra_rules), tuple(profile.rules.allow),
                                    dict(profile.rules.severity), lang)
        self.out_dir = Path(options.out or profile.report.out)
        self.site = profile.site.name or unicode_host(profile.domains[0])   # 中文.中国, not its punycode
        self.ctx = AuditContext(profile=profile, resolver=resolver, lang=lang, budget_s=options.check_budget,
                                dns_enabled=not options.no_dns, uptime_enabled=not options.no_uptime)
        self.store: Store | None = None
        self.run_id = ""
        self.started = ""
        self.jobdir: Path | None = None
        self.session: AuditSession | None = None
        self.outcomes: list[CheckOutcome] = []
        self.finish_reason = "finished"
        self.crawl_error = ""
        self.output_error = ""
        self.severities: Counter[str] = Counter()
        self.doc: dict[str, Any] = {}
        self.extra: dict[str, Any] = {}
        self.paths: dict[str, Path] = {}
        self._pool: ThreadPoolExecutor | None = None
        self._futures: dict[Any, str] = {}

    # -- the run, step by step ---------------------------------------------------------------------

    def run(self) -> int:
        netdeadline.reset()
        interrupt.reset()
        self.open_store()
        previous = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
        try:
            for s in previous:
                signal.signal(s, _on_signal)
            try:
                self.site_checks()
                self.crawl()
                for s in previous:  # Scrapy installed its own handlers for the crawl
                    signal.signal(s, _on_signal)
                if interrupt.requested is not None:   # the crawl was stopped by a signal: so is the rest
                    raise _Interrupted(signal.Signals(interrupt.requested).name)
                self.collect_site_checks()
                self.final_checks()
            except (_Interrupted, KeyboardInterrupt) as exc:
                logger.warning("interrupted by %s: writing a partial report", exc)
                self.finish_reason = "interrupted"
                netdeadline.stop_all()   # the health-check threads end now, not at their budget
            finally:
                if self._pool is not None:
                    self._pool.shutdown(wait=False, cancel_futures=True)
                for s in previous:
                    signal.signal(s, signal.SIG_IGN)  # a second signal must not cut the partial report short
            self.finish()
            _release_memory()   # what the crawl freed goes back to the system before the outputs
            self.write_outputs()
            self.notify()
            self.print_summary()
            self.keep_resume_state()
            return self.exit_code()
        finally:
            self.store.close()
            for s, handler in previous.items():
                signal.signal(s, handler)

    def open_store(self) -> None:
        """Open the history DB and begin the run (or reopen an interrupted one under --resume)."""
        options, ctx = self.options, self.ctx
        self.store = store = Store.open(options.db or default_db())
        try:
            # --resume keeps the crawl queue beside a SQLite store, or beside the default one for a PostgreSQL URL
            state_dir = Path(default_db() if "://" in store.path else store.path).parent
            self.jobdir = state_dir / "jobs" / _slug(self.site) if options.resume else None
            resumed = resume_run(store, self.site, self.jobdir, ctx) if self.jobdir else None
            if resumed:
                self.run_id, self.started, homepage_findings = resumed
            else:
                if self.jobdir:  # a fresh resumable run: forget any stale queue
                    shutil.rmtree(self.jobdir, ignore_errors=True)
                self.started = now_iso()
                self.run_id = store.begin_run(self.site, profile=self.profile.source, started=self.started)
                homepage_findings = {}
        except BaseException:
            store.close()
            raise
        phrases = PhraseChecker(self.ruleset, self.rules_spec, self.options.phrase_worker)
        self.session = AuditSession(self.ruleset, ctx, store, self.run_id, phrases)
        self.session.homepage_findings.update(homepage_findings)
        if resumed:   # pages read before the interruption count as read for the history
            self.session.fetched = sum(1 for p in store.iter_pages(self.run_id) if 200 <= (p.get("status") or 0) < 400)

    def site_checks(self) -> None:
        """Start the site checks (DNS, uptime, TLS…) in threads; they run while the site is crawled."""
        self._pool = ThreadPoolExecutor(max_workers=max(1, len(SITE_CHECKS)), thread_name_prefix="check")
        self._futures = {self._pool.submit(run_site_check, cid, fn, self.ctx): cid
                         for cid, fn in _selected_site_checks(self.options)}

    def crawl(self) -> None:
        """The crawl; a crawl that breaks keeps what it found, says so, and the run exits 3."""
        try:
            self.finish_reason = _crawl(self.profile, self.session, self.options,
                                        str(self.jobdir) if self.jobdir else None)
        except (_Interrupted, KeyboardInterrupt):
            raise
        except Exception as exc:
            logger.exception("the crawl failed")
            self.crawl_error = f"{type(exc).__name__}: {exc}"
            self.finish_reason = "interrupted"
            self.outcomes.append(CheckOutcome(CheckResult("crawl", CheckStatus.ERROR, self.crawl_error)))
        finally:
            self.session.phrases.close()   # the worker's CPU time and memory end with the crawl

    def collect_site_checks(self) -> None:
        """The site checks' outcomes; an interrupted run does not wait for slow ones: the user asked to stop."""
        futures = self._futures
        if self.finish_reason == "interrupted":
            netdeadline.stop_all()
        timeout = 1 if self.finish_reason == "interrupted" else self.options.check_budget + 5
        done, pending = wait(futures, timeout=timeout)
        self.outcomes.extend(f.result() for f in done)
        self.outcomes.extend(CheckOutcome(CheckResult(futures[f], CheckStatus.ERROR, "time budget exceeded"))
                             for f in pending)

    def final_checks(self) -> None:
        for check_id, fn in FINAL_CHECKS:
            self.outcomes.append(run_site_check(check_id, fn, self.ctx))

    def finish(self) -> None:
        """Store the checks and probes, mark new/fixed and the groups, and close the run."""
        store, run_id, ctx, session = self.store, self.run_id, self.ctx, self.session
        crashed = ctx.page_errors.get("phrases")
        checks = [CheckResult("phrases", CheckStatus.ERROR, ctx.t(
            f"用语规则出错（{crashed.pages} 个页面，首个：{crashed.url}）：{crashed.error}；{session.phrase_count} 处用语问题",
            f"the phrase rules crashed ({crashed.pages} pages, first: {crashed.url}): {crashed.error}; "
            f"{session.phrase_count} phrase findings")) if crashed else
            CheckResult("phrases", CheckStatus.FAIL if session.phrase_count else CheckStatus.OK,
                        ctx.t(f"{session.phrase_count} 处用语问题", f"{session.phrase_count} phrase findings"))]
        checks.extend(_page_check_rows(session.check_counts, {o.result.id for o in self.outcomes}, ctx))
        for outcome in self.outcomes:
            result, found = outcome.result, outcome.findings
            if session.idn:
                result = dataclasses.replace(result, detail=unicode_text(result.detail),
                                             expected=unicode_text(result.expected or "") or result.expected,
                                             actual=unicode_text(result.actual or "") or result.actual)
                found = [shown_in_unicode(f) for f in found]
            checks.append(result)
            store.add_findings(run_id, found)
        store.add_checks(run_id, checks)
        store.add_probes(run_id, ctx.probes)
        # A partial run only calls a finding fixed when its page was fetched again; an interrupted run,
        # or one that fetched nothing, calls nothing fixed (crawler/history/changes.py).
        changes = store.record_changes(run_id, scope=fixed_scope(self.finish_reason, session.fetched))
        counts = store.count_findings(run_id)
        self.severities = Counter({k: counts[k] for k in ("error", "warning", "info")})
        summary = {"error": counts["error"], "warning": counts["warning"], "info": counts["info"],
                   "new": counts["new"], "fixed": changes["fixed"]}
        extra = {
            "facts": {unicode_host(domain): facts for domain, facts in ctx.facts.items()},
            "partial": self.finish_reason != "finished",
            "partial_reason": self.finish_reason,
            "profile": {"name": self.profile.site.name, "domains": [unicode_host(d) for d in self.profile.domains]},
            "uptime_pct": uptime_percent(ctx.probes),
            # run.coverage in findings.json (SPEC), from the spider's count (ctx.crawl.coverage).
            "coverage": ctx.crawl.coverage.to_dict(),
            "urls_checked": ctx.crawl.coverage.checked,   # pages (404s too), resources and external links
        }
        store.finish_run(run_id, finished=now_iso(), finish_reason=self.finish_reason, summary=summary, extra=extra)

    def write_outputs(self) -> None:
        """Every requested output, streamed from the store. A format that cannot be made (a PDF
        without Chromium) is said clearly; the others are written all the same."""
        from reports.render import OutputError, write_outputs

        self.doc, self.extra = build_outputs(self.store, self.run_id)
        try:
            self.paths = write_outputs(self.doc, self.extra, self.out_dir, formats=self.options.formats,
                                       lang=self.ctx.lang)
        except OutputError as exc:
            self.paths = exc.written
            self.output_error = str(exc)
            print(self.ctx.t(f"siteaudit：{exc.zh}", f"siteaudit: {exc}"), file=sys.stderr)

    def notify(self) -> None:
        extra = {**self.extra, "lang": self.ctx.lang, "fail_on": self.options.fail_on, "exit_code": self.verdict_code()}
        _notify(self.profile, self.doc, extra, self.paths, self.ctx)

    def print_summary(self) -> None:
        if not self.options.quiet:
            _print_summary(self.doc, self.paths, self.ctx, self.out, self.extra.get("urls_checked"))

    def keep_resume_state(self) -> None:
        """Under --resume: an interrupted run keeps what the page checks learnt; a finished one forgets it."""
        if not self.jobdir:
            return
        if self.finish_reason == "interrupted":
            save_state(self.jobdir, self.ctx, self.session.homepage_findings, self.outcomes)
        else:
            shutil.rmtree(self.jobdir, ignore_errors=True)

    def verdict_code(self) -> int:
        """1 when a finding is at or above --fail-on, else 0."""
        fail_on = self.options.fail_on
        return 1 if any(Severity(k).at_least(fail_on) for k, n in self.severities.items() if n) else 0

    def exit_code(self) -> int:
        """SPEC's exit code: 3 when the crawl or an output failed, else the verdict's."""
        return 3 if self.crawl_error or self.output_error else self.verdict_code()


def shown_in_unicode(finding: Finding) -> Finding:
    """A finding whose readable text names international domains in Unicode; `url` keeps the A-label."""
    changes = {name: unicode_text(value) for name in ("message", "expected", "actual", "context", "suggestion")
               if isinstance(value := getattr(finding, name), str) and "xn--" in value.lower()}
    return dataclasses.replace(finding, **changes) if changes else finding


def _page_check_rows(counts: dict[str, int], site_ids: set[str], ctx: AuditContext) -> list[CheckResult]:
    """One checks-list row per page-check module (`icp.footer` → `icp`), with its number of findings.

    A module whose page checks only collect for a site or final check of the same id (`ipv6`,
    `scope`) gets no row of its own: that check's row already tells the result.
    A page check that crashed is an `error` row (STYLE: a crash is not a `fail`), named by the module, or
    by the check's own id when the module already has a site or final check row.
    """
    by_module: dict[str, int] = {}
    for check_id, count in counts.items():
        module = check_id.split(".")[0]
        by_module[module] = by_module.get(module, 0) + count
    crashed: dict[str, CheckResult] = {}
    for check_id, err in ctx.page_errors.items():
        if check_id == "phrases":   # the phrases row says it (AuditRun.finish)
            continue
        module = check_id.split(".")[0]
        row_id = check_id if module in site_ids else module
        crashed.setdefault(row_id, CheckResult(row_id, CheckStatus.ERROR, ctx.t(
            f"检查 {check_id} 出错（{err.pages} 个页面，首个：{err.url}）：{err.error}",
            f"check {check_id} crashed ({err.pages} pages, first: {err.url}): {err.error}")))
    rows = [crashed.pop(module, None) or CheckResult(module, CheckStatus.FAIL if count else CheckStatus.OK,
                                                      ctx.t(f"{count} 项发现", f"{count} findings"))
            for module, count in by_module.items() if module not in site_ids]
    return rows + list(crashed.values())


def build_outputs(store: Store, run_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """findings.json (`doc`) and the report's `extra`, read back from the store: used after an audit
    and by `siteaudit report RUN_ID`, so both render exactly the same thing.

    `findings`, `pages` and `fixed` are `reports.inputs.Rows`: each output reads them from the
    store as it writes, so memory does not grow with the run. The store must stay open until the
    outputs are written.
    """
    from reports.grouping import group_findings
    from reports.inputs import Rows

    run = store.run(run_id)
    if run is None:
        raise ConfigError(f"no run {run_id!r} in the history DB", file=store.path, field="RUN_ID")
    n_pages = store.count_pages(run_id)
    if run["pages"] and not n_pages:
        raise ConfigError(f"the pages and findings of run {run_id!r} were pruned (history --keep-runs); "
                          "only its summary is kept", file=store.path, field="RUN_ID")
    counts = store.count_findings(run_id)
    findings = Rows(lambda: store.iter_finding_dicts(run_id, "report"), count=counts["findings"],
                    by_url=lambda: store.iter_finding_dicts(run_id, "url"),
                    by_group=lambda: store.iter_finding_dicts(run_id, "group"),
                    as_json=lambda: store.iter_finding_json(run_id, "report"),
                    stats=lambda: store.finding_stats(run_id))
    groups = store.groups(run_id)
    if not groups and counts["findings"]:   # a run stored before groups existed
        groups = group_findings(store.iter_finding_dicts(run_id), n_pages)
    doc = {
        "schema": "siteaudit/1",
        "tool": {"name": "siteaudit", "version": __version__},
        "run": {"id": run_id, "site": run["site"], "started": run["started"], "finished": run["finished"],
                "finish_reason": run["finish_reason"] or "interrupted", "pages": n_pages},
        "summary": {k: run["summary"].get(k, 0) for k in ("error", "warning", "info", "new", "fixed")},
        "checks": [c.to_dict() for c in store.checks(run_id)],
        "findings": findings,
        "groups": groups,
        "pages": Rows(lambda: store.iter_pages(run_id), count=n_pages, by_url=lambda: store.iter_pages(run_id, "url")),
    }
    extra = dict(run.get("extra") or {})
    extra.pop("fixed", None)   # runs stored before the fixed table was read from: the table has them
    extra["fixed"] = Rows(lambda: store.iter_fixed(run_id), count=store.count_fixed(run_id))
    extra["fixed_groups"] = store.fixed_groups(run_id) if store.previous_run(run_id) else None
    if extra.get("coverage"):
        doc["run"]["coverage"] = extra["coverage"]
    from crawler.checks.health.uptime import ACCOUNTING_RULES_EN, ACCOUNTING_RULES_ZH

    extra["uptime"] = {**store.uptime(run["site"]),
                       "uptime_rules": {"zh": ACCOUNTING_RULES_ZH, "en": ACCOUNTING_RULES_EN}}
    extra["history"] = [h for h in reversed(store.history(run["site"])) if h["started"] <= run["started"]]
    return doc, extra


def _notify(profile: Profile, doc: dict, extra: dict, paths: dict, ctx: AuditContext) -> None:
    from crawler.notify.webhooks import NotifyStatus, notify

    report = str(paths.get("html") or paths.get("json") or "")
    for result in notify(profile.notify, doc, extra, report):
        # A failed notification never fails the audit (SPEC): it is said on stderr, even under --quiet.
        if not result.sent and result.status is not NotifyStatus.SKIPPED:
            print(ctx.t(f"通知未发送（{result.channel}）：{result.detail}",
                        f"notification not sent ({result.channel}): {result.detail}"), file=sys.stderr)


def _print_summary(doc: dict, paths: dict, ctx: AuditContext, out: Any, checked: int | None = None) -> None:
    from reports.coverage import coverage_text

    s = doc["summary"]
    run = doc["run"]
    partial = run["finish_reason"] != "finished"
    coverage = run.get("coverage")
    audited = coverage["audited"] if coverage else run["pages"]
    checked = checked if checked is not None else run["pages"]
    counts = ctx.t("，", ", ").join(f"{severity_name(sev, ctx.lang)} {s[sev]}" for sev in ("error", "warning", "info"))
    print(ctx.t(f"审计完成：审计 {audited:,} 个页面，检查 {checked:,} 个地址；{counts}（新增 {s['new']}，已修复 {s['fixed']}）",
                f"Audit done: {audited:,} pages audited, {checked:,} URLs checked; {counts} "
                f"({s['new']} new, {s['fixed']} fixed)"), file=out)
    if coverage:
        print(coverage_text(coverage, ctx.lang), file=out)
    if partial:
        print(ctx.t(f"注意：本次审计未完整结束（{run['finish_reason']}），报告为部分结果。",
                    f"Note: the audit did not run to the end ({run['finish_reason']}); the report is partial."),
              file=out)
    for fmt, path in paths.items():
        print(ctx.t(f"  {fmt}：{path}", f"  {fmt}: {path}"), file=out)


def _release_memory() -> None:
    """Collect, then hand freed heap back to the OS (glibc's malloc_trim): the crawl's garbage
    would otherwise stay in the process's peak RSS while the outputs are written."""
    import gc

    gc.collect()
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):   # not glibc: nothing to trim
        pass


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in text)[:60] or "site"
