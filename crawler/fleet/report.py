"""The portfolio report: `fleet.json` and `fleet.html`, built from the history store.

Every number a site's row shows is read from the store, from the same run (and the same summary)
that the site's own `findings.json` and `report.html` were written from, so the two always agree.
`fleet.html` is one self-contained file like the site report: Jinja2 with autoescaping, inline
CSS and one inline script allowed by its hash in a Content-Security-Policy; sorting and filtering
work on the rendered rows, and without JavaScript the table still reads in full.
"""
from __future__ import annotations

import base64
import hashlib
import json
import os
import re
from datetime import datetime, timezone
from importlib import resources
from pathlib import Path
from typing import Any, Iterable

import jinja2

from crawler import __version__
from crawler.clock import now_iso
from rules.model import Severity

SCHEMA = "siteaudit-fleet/1"
COMPLETE = ("finished", "page_limit", "time_limit")
_TLS_EXPIRY_RULES = ("TLS001", "TLS002", "TLS003")
_NOT_AFTER = re.compile(r"notAfter (\d{4}-\d{2}-\d{2})")

VERDICTS = {  # exit code (or crashed) -> (zh, en)
    0: ("通过", "pass"),
    1: ("有问题", "findings"),
    2: ("配置错误", "config error"),
    3: ("工具故障", "tool failure"),
}


def latest_runs(store: Any) -> list[str]:
    """The id of every site's newest run, by site name."""
    store.flush()
    rows = store.conn.execute(
        "SELECT r.site, r.id FROM runs r WHERE r.started = (SELECT MAX(q.started) FROM runs q WHERE q.site = r.site) "
        "ORDER BY r.site, r.id").fetchall()
    newest: dict[str, str] = {}
    for site, rid in rows:
        newest[site] = rid          # ties on the start second: the larger id (ids sort by time)
    return list(newest.values())


def site_exit_code(run: dict | None, fail_on: str, checks: Iterable[Any] = ()) -> int:
    """The exit code the audit gave (or would have given) for a stored run: SPEC's 0/1/3."""
    if run is None or run.get("finish_reason") in (None, "crashed"):
        return 3
    if any(getattr(c, "id", "") == "crawl" and getattr(c.status, "value", c.status) == "error" for c in checks):
        return 3
    summary = run.get("summary") or {}
    return 1 if any(summary.get(s, 0) and Severity(s).at_least(fail_on) for s in ("error", "warning", "info")) else 0


def _tls(findings: Iterable[Any], checks: Iterable[Any]) -> dict[str, Any]:
    """The earliest certificate expiry the TLS check reported, or whether HTTPS was seen at all."""
    soonest = None
    for f in findings:
        if f.rule in _TLS_EXPIRY_RULES:
            m = _NOT_AFTER.search(f.actual or "")
            if m and (soonest is None or m.group(1) < soonest[0]):
                soonest = (m.group(1), f.rule, f.severity.value)
    tls_check = next((c for c in checks if c.id == "tls"), None)
    if soonest:
        day, rule, severity = soonest
        days = (datetime.fromisoformat(day).replace(tzinfo=timezone.utc) - datetime.now(timezone.utc)).days
        return {"status": "expired" if rule == "TLS001" else "expiring", "not_after": day, "days": days,
                "severity": severity}
    if tls_check is None:
        return {"status": "unchecked", "not_after": None, "days": None, "severity": None}
    if re.search(r": HTTPS(?:;|$)", tls_check.detail or ""):   # "<domain>: HTTPS" for a domain that served it
        return {"status": "ok", "not_after": None, "days": None, "severity": None}
    return {"status": "no_https", "not_after": None, "days": None, "severity": None}


def site_entry(store: Any, run_id: str | None, *, site: str, profile: str = "", fail_on: str = "error",
               exit_code: int | None = None, report: str | None = None, node: str = "local", attempts: int = 1,
               detail: str = "") -> dict[str, Any]:
    """One row of fleet.json, from the stored run (or a row that says why there is none)."""
    run = store.run(run_id) if run_id else None
    base: dict[str, Any] = {"site": site, "profile": profile, "run_id": run_id, "node": node, "attempts": attempts,
                            "detail": detail, "report": report}
    if run is None:
        code = exit_code if exit_code is not None else 3
        return base | {"exit_code": code, "verdict": "crashed" if code == 3 else "config_error",
                       "started": None, "finished": None, "finish_reason": None, "pages": 0,
                       "error": 0, "warning": 0, "info": 0, "new": 0, "fixed": 0,
                       "coverage": {"complete": False, "audited": 0, "not_audited": None},
                       "uptime_pct": None, "tls": {"status": "unchecked", "not_after": None, "days": None,
                                                   "severity": None}}
    checks = store.checks(run_id)
    findings = [f for f in store.iter_findings(run_id) if f.rule.startswith("TLS")]
    code = exit_code if exit_code is not None else site_exit_code(run, fail_on, checks)
    summary = run["summary"] or {}
    extra = run["extra"] or {}
    coverage = dict(extra.get("coverage") or {})
    coverage.setdefault("complete", run["finish_reason"] == "finished")
    coverage.setdefault("audited", run["pages"] or 0)
    coverage.setdefault("not_audited", None)
    reason = run["finish_reason"]
    if reason is None and exit_code is None:
        verdict = "running"          # `fleet status` while an audit is on (its lock is held)
        if not store.site_is_running(run["site"]):
            verdict = "crashed"
    else:
        verdict = ("crashed" if reason in ("crashed", None)
                   else {0: "pass", 1: "findings", 2: "config_error"}.get(code, "tool_failure"))
    return base | {"site": run["site"], "exit_code": code, "verdict": verdict, "started": run["started"],
                   "finished": run["finished"], "finish_reason": reason, "pages": run["pages"] or 0,
                   **{k: int(summary.get(k, 0) or 0) for k in ("error", "warning", "info", "new", "fixed")},
                   "coverage": coverage, "uptime_pct": extra.get("uptime_pct"), "tls": _tls(findings, checks)}


def fleet_doc(entries: list[dict], *, mode: str, started: str, jobs: int | None = None,
              nodes: list[str] | None = None, db: str = "") -> dict[str, Any]:
    totals = {k: sum(e[k] for e in entries) for k in ("error", "warning", "info", "new", "fixed", "pages")}
    verdicts: dict[str, int] = {}
    for e in entries:
        verdicts[e["verdict"]] = verdicts.get(e["verdict"], 0) + 1
    return {
        "schema": SCHEMA,
        "tool": {"name": "siteaudit", "version": __version__},
        "fleet": {"mode": mode, "started": started, "finished": now_iso(), "sites": len(entries), "jobs": jobs,
                  "nodes": nodes or [], "db": redact_db(db),
                  "exit_code": max((e["exit_code"] for e in entries), default=0),
                  "totals": totals, "verdicts": verdicts},
        "sites": entries,
    }


def redact_db(db: str) -> str:
    """A DB URL without its password (it may be in reports, logs and notifications)."""
    return re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", db) if "://" in db else db


_LABELS = {
    "title": ("网站群巡检总览", "Fleet overview"),
    "sites": ("站点", "sites"), "site": ("站点", "Site"), "verdict": ("结论", "Verdict"),
    "error": ("错误", "Errors"), "warning": ("警告", "Warnings"), "info": ("提示", "Info"),
    "new": ("新增", "New"), "fixed": ("已修复", "Fixed"), "coverage": ("覆盖", "Coverage"),
    "pages": ("页面", "pages"), "uptime": ("可用率", "Uptime"), "tls": ("证书到期", "TLS expiry"),
    "last_run": ("最近运行", "Last run"), "report": ("报告", "Report"), "open": ("查看", "open"),
    "node": ("节点", "Node"), "filter": ("筛选", "Filter"), "all": ("全部", "all"),
    "search": ("搜索站点", "search sites"), "started": ("开始", "Started"), "finished": ("结束", "Finished"),
    "mode": ("方式", "Mode"), "exit_code": ("退出码", "Exit code"), "complete": ("完整", "complete"),
    "partial": ("部分", "partial"), "no_report": ("无报告", "no report"), "db": ("历史库", "History DB"),
    "attempts": ("尝试", "attempts"), "shown": ("显示", "shown"),
    "tls_ok": ("正常（剩余 >21 天）", "ok (> 21 days left)"), "tls_no_https": ("无 HTTPS", "no HTTPS"), "tls_unchecked": ("未检查", "unchecked"),
    "tls_expired": ("已过期", "expired"), "days": ("天", "days"),
    "v_pass": ("通过", "pass"), "v_findings": ("有问题", "findings"), "v_config_error": ("配置错误", "config error"),
    "v_tool_failure": ("工具故障", "tool failure"), "v_crashed": ("崩溃", "crashed"), "v_running": ("进行中", "running"),
    "noscript": ("未启用脚本：表格按站点排列，无法排序和筛选。", "Scripts are off: the table is in site order, without sorting or filtering."),
}


class _T:
    def __init__(self, lang: str):
        self.lang = "en" if lang == "en" else "zh"

    def __call__(self, key: str) -> str:
        zh, en = _LABELS[key]
        return en if self.lang == "en" else zh

    def other(self, key: str) -> str:
        zh, en = _LABELS[key]
        return zh if self.lang == "en" else en


def _resource(name: str) -> str:
    return resources.files("crawler.fleet").joinpath("templates", name).read_text(encoding="utf-8")


def render_html(doc: dict[str, Any], lang: str = "zh", strict: bool = False) -> str:
    env = jinja2.Environment(loader=jinja2.PackageLoader("crawler.fleet", "templates"), autoescape=True,
                             undefined=jinja2.StrictUndefined if strict else jinja2.Undefined,
                             trim_blocks=True, lstrip_blocks=True)
    script = _resource("fleet.js")
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    return env.get_template("fleet.html.j2").render(
        t=_T(lang), html_lang="en" if lang == "en" else "zh-CN", fleet=doc["fleet"], sites=doc["sites"],
        tool=doc["tool"], css=_resource("fleet.css"), script=script, script_hash=digest,
        verdict_order={"crashed": 0, "tool_failure": 1, "config_error": 2, "findings": 3, "running": 4, "pass": 5})


def write_fleet(doc: dict[str, Any], out_dir: Path, lang: str = "zh") -> dict[str, Path]:
    """fleet.json and fleet.html in `out_dir` (json first: it is the record)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {"json": out_dir / "fleet.json", "html": out_dir / "fleet.html"}
    tmp = paths["json"].with_suffix(".json.tmp")
    tmp.write_text(json.dumps(doc, ensure_ascii=False, indent=2), encoding="utf-8")
    os.replace(tmp, paths["json"])
    paths["html"].write_text(render_html(doc, lang), encoding="utf-8")
    return paths


def relative_report(out_dir: Path, report: Path) -> str | None:
    """The link from fleet.html to a site's report.html, relative so the folder can be moved."""
    if not report.is_file():
        return None
    try:
        return os.path.relpath(report, out_dir).replace(os.sep, "/")
    except ValueError:
        return report.resolve().as_uri()
