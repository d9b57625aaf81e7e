"""`siteaudit fleet run` and `siteaudit fleet status`."""
from __future__ import annotations

import signal
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crawler.fleet.config import FleetFile, expand_targets, load_sites
from crawler.fleet.local import LocalRunner, SiteRun
from crawler.fleet.report import (VERDICTS, fleet_doc, latest_runs, redact_db, relative_report, site_entry,
                                  write_fleet)
from crawler.clock import now_iso
from crawler.profile import NotifySection, PlainWebhook
from rules.errors import ConfigError
from rules.model import pick


@dataclass
class FleetOptions:
    targets: list[str]
    jobs: int | None = None
    db: str | None = None
    out: str | None = None
    scrapyd: list[str] = field(default_factory=list)
    notify: str | None = None
    lang: str = "zh"
    fail_on: str | None = None
    quiet: bool = False
    audit_args: list[str] = field(default_factory=list)   # passed to every site's `audit`
    formats: list[str] = field(default_factory=lambda: ["html", "json"])
    retries: int = 1            # a job lost with its Scrapyd node is tried again this many times
    poll_s: float = 2.0


def _settings(options: FleetOptions, fleet: FleetFile | None) -> tuple[int, str, Path, str, list[str]]:
    from crawler.audit import default_db

    fleet = fleet or FleetFile()
    base = Path(fleet.source).parent if fleet.source else Path.cwd()
    jobs = options.jobs or fleet.jobs or 1
    db = options.db or fleet.db or default_db()
    if fleet.db and not options.db and "://" not in fleet.db:
        db = str(base / fleet.db)
    out = Path(options.out) if options.out else (base / fleet.out if fleet.out else Path("out/fleet"))
    fail_on = options.fail_on or fleet.fail_on or "error"
    nodes = options.scrapyd or list(fleet.scrapyd)
    return jobs, db, out, fail_on, nodes


def _notify_section(options: FleetOptions, fleet: FleetFile | None) -> NotifySection | None:
    if options.notify:
        return NotifySection(webhook=PlainWebhook(url=options.notify), on="always")
    if fleet is not None:
        section = fleet.notify
        channels = [section.dingtalk.webhook, section.wecom.webhook, section.feishu.webhook, section.webhook.url]
        if any(channels):
            return section
    return None


def run_fleet(options: FleetOptions, out=sys.stdout) -> int:
    """Audit every site; write fleet.json/fleet.html; send the fleet summary; the worst site's exit code."""
    paths, fleet = expand_targets(options.targets)
    sites = load_sites(paths)
    jobs, db, out_dir, fail_on, nodes = _settings(options, fleet)
    section = _notify_section(options, fleet)
    audit_args = list(options.audit_args) + ["--fail-on", fail_on,
                                             "--format", ",".join(sorted(set(options.formats) | {"json"}))]
    from crawler.history.store import Store

    Store.open(db).close()         # the DB opens and is migrated once, before the workers race to do it
    started = now_iso()
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        if nodes:
            from crawler.fleet.scrapyd import ScrapydDispatcher

            dispatcher = ScrapydDispatcher(nodes, db=db, audit_args=audit_args, retries=options.retries,
                                           poll_s=options.poll_s, lang=options.lang,
                                           log=None if options.quiet else out)
            results = dispatcher.run(sites)
        else:
            runner = LocalRunner(db, out_dir, jobs, audit_args)
            results = runner.run(sites)
    finally:
        signal.signal(signal.SIGTERM, previous)
    store = Store.open(db)
    try:
        if nodes:
            _render_site_outputs(store, results, out_dir, options)
        entries = []
        by_name = {s.name: s for s in sites}
        for r in results:
            report = relative_report(out_dir, Path(r.out_dir) / "report.html")
            entries.append(site_entry(store, r.run_id, site=r.site, profile=str(by_name[r.site].path),
                                      fail_on=fail_on, exit_code=r.exit_code, report=report, node=r.node,
                                      attempts=r.attempts, detail=r.detail))
    finally:
        store.close()
    doc = fleet_doc(entries, mode="scrapyd" if nodes else "local", started=started,
                    jobs=None if nodes else jobs, nodes=[redact_db(n) for n in nodes], db=db)
    written = write_fleet(doc, out_dir, options.lang)
    if section is not None:
        _notify_fleet(section, doc, written, options.lang)
    if not options.quiet:
        _print_fleet(doc, written, options.lang, out)
    return doc["fleet"]["exit_code"]


def _raise_interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt(signal.Signals(signum).name)


def _render_site_outputs(store: Any, results: list[SiteRun], out_dir: Path, options: FleetOptions) -> None:
    """Scrapyd jobs wrote their outputs on their nodes: write each site's outputs here from the shared store,
    exactly as `siteaudit report RUN_ID` would, so the fleet report links to local files."""
    from crawler.audit import build_outputs
    from reports.render import write_outputs

    for r in results:
        if not r.run_id:
            continue
        doc, extra = build_outputs(store, r.run_id)
        site_dir = out_dir / "sites" / Path(r.out_dir).name
        write_outputs(doc, extra, site_dir, formats=sorted(set(options.formats) | {"json"}), lang=options.lang)
        r.out_dir = str(site_dir)


def _summary_doc(doc: dict, lang: str) -> tuple[dict, dict]:
    """The fleet as a findings.json-like object, so the notification code can send it as it is."""
    fleet = doc["fleet"]
    totals = fleet["totals"]
    listed = []
    for s in sorted(doc["sites"], key=lambda e: (-e["exit_code"], -e["error"], -e["warning"], e["site"])):
        if s["verdict"] == "pass":
            continue
        zh, en = VERDICTS.get(s["exit_code"], ("崩溃", "crashed"))
        severity = "error" if s["exit_code"] == 3 or s["error"] else ("warning" if s["warning"] else "info")
        listed.append({"rule": s["site"], "severity": severity, "status": "new" if s["new"] else "persisting",
                       "url": s.get("report") or s["site"],
                       "message": pick(lang, f"{zh} 错{s['error']} 警{s['warning']} 新{s['new']}",
                                     f"{en} e{s['error']} w{s['warning']} new{s['new']}")})
    name = pick(lang, f"网站群（{fleet['sites']} 个站点）", f"fleet ({fleet['sites']} sites)")
    summary_doc = {"run": {"id": "fleet", "site": name, "started": fleet["started"], "finished": fleet["finished"],
                           "finish_reason": "finished", "pages": totals["pages"]},
                   "summary": {k: totals[k] for k in ("error", "warning", "info", "new", "fixed")},
                   "findings": listed}
    return summary_doc, {"lang": lang, "exit_code": fleet["exit_code"], "partial": False}


def _notify_fleet(section: NotifySection, doc: dict, written: dict, lang: str) -> None:
    from crawler.notify.webhooks import NotifyStatus, notify

    summary_doc, extra = _summary_doc(doc, lang)
    for result in notify(section, summary_doc, extra, str(written["html"])):
        if not result.sent and result.status is not NotifyStatus.SKIPPED:
            print(pick(lang, f"网站群通知未发送（{result.channel}）：{result.detail}",
                     f"fleet notification not sent ({result.channel}): {result.detail}"), file=sys.stderr)


def _print_fleet(doc: dict, written: dict, lang: str, out: Any) -> None:
    fleet = doc["fleet"]
    t = fleet["totals"]
    print(pick(lang, f"网站群巡检完成：{fleet['sites']} 个站点；错误 {t['error']}，警告 {t['warning']}，提示 {t['info']}"
                   f"（新增 {t['new']}，已修复 {t['fixed']}）；退出码 {fleet['exit_code']}",
             f"Fleet done: {fleet['sites']} sites; {t['error']} errors, {t['warning']} warnings, {t['info']} info"
             f" ({t['new']} new, {t['fixed']} fixed); exit code {fleet['exit_code']}"), file=out)
    for s in doc["sites"]:
        if s["verdict"] in ("crashed", "tool_failure", "config_error"):
            print(f"  {s['site']}: {s['verdict']} {s['detail']}".rstrip(), file=out)
    for fmt, path in written.items():
        print(f"  {fmt}: {path}", file=out)


def fleet_status(db: str | None = None, lang: str = "zh", fmt: str = "text", fail_on: str = "error",
                 out=sys.stdout) -> int:
    """The latest run of every site in the store, as a table or as fleet.json's `sites` list."""
    import json

    from crawler.audit import default_db
    from crawler.history.listing import display_width
    from crawler.history.store import Store

    path = db or default_db()
    if "://" not in path and not Path(path).exists():
        raise ConfigError(pick(lang, "还没有历史数据库：请先运行 siteaudit fleet run", "no history DB yet: run `siteaudit fleet run` first"),
                          file=path, field="--db")
    store = Store.open(path)
    try:
        entries = [site_entry(store, rid, site="", fail_on=fail_on, node=(store.run(rid) or {}).get("host") or "")
                   for rid in latest_runs(store)]
    finally:
        store.close()
    if fmt == "json":
        print(json.dumps({"schema": "siteaudit-fleet-status/1", "sites": entries}, ensure_ascii=False, indent=2), file=out)
        return 0
    if not entries:
        print(pick(lang, "还没有审计记录", "no runs recorded yet"), file=out)
        return 0
    head = (("站点", "结论", "错误", "警告", "提示", "新增", "已修复", "页面", "可用率", "最近运行", "运行编号") if lang != "en"
            else ("site", "verdict", "errors", "warnings", "info", "new", "fixed", "pages", "uptime", "last run", "run id"))
    rows = [list(head)]
    for e in entries:
        zh, en = {"pass": ("通过", "pass"), "findings": ("有问题", "findings"), "crashed": ("崩溃", "crashed"),
                  "tool_failure": ("工具故障", "tool failure"), "config_error": ("配置错误", "config error"),
                  "running": ("进行中", "running")}[e["verdict"]]
        verdict = pick(lang, zh, en)
        rows.append([e["site"], verdict, *(str(e[k]) for k in ("error", "warning", "info", "new", "fixed", "pages")),
                     "-" if e["uptime_pct"] is None else f"{e['uptime_pct']:.1f}%",
                     (e["finished"] or e["started"] or "-"), e["run_id"] or "-"])
    widths = [max(display_width(r[i]) for r in rows) for i in range(len(head))]
    for r in rows:
        cells = []
        for i, cell in enumerate(r):
            gap = " " * (widths[i] - display_width(cell))
            cells.append(gap + cell if 2 <= i <= 8 else cell + gap)
        print("  ".join(cells).rstrip(), file=out)
    return 0
