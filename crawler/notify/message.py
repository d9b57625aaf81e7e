"""What a notification says, and whether a run deserves one: pure functions over findings.json.

Kept apart from `notify.py` (which signs and sends) so the wording can be tested without a server.
"""
from __future__ import annotations

from typing import Any

from reports.coverage import coverage_text
from rules.model import SEVERITY_NAMES, Severity, pick, severity_name

_CONTEXT_CHARS = 40     # a finding's match/context is cut to this length in a message


def _rank(severity: str) -> int:
    try:
        return Severity(severity).rank
    except ValueError:
        return 0


def should_notify(on: str, doc: dict, extra: dict) -> tuple[bool, str]:
    """(send?, why not) for the profile's `notify.on`.

    - `always`: every run.
    - `new`: the run has new findings (status `new`; the first run of a site counts every finding).
    - `fail`: the run failed: `extra["exit_code"]` is 1 or 3 when the caller passes it; otherwise a
      finding at or above `extra["fail_on"]` (default `error`) exists.
    """
    summary = doc.get("summary") or {}
    if on == "always":
        return True, ""
    if on == "new":
        new = summary.get("new")
        if new is None:
            new = sum(1 for f in doc.get("findings", []) if f.get("status") == "new")
        return (True, "") if new else (False, "on=new: no new findings")
    if on == "fail":
        code = extra.get("exit_code")
        if code is not None:
            return (True, "") if code in (1, 3) else (False, f"on=fail: exit code {code}")
        threshold = extra.get("fail_on", "error")
        failing = any(Severity(f["severity"]).at_least(threshold) for f in doc.get("findings", [])
                      if f.get("severity") in SEVERITY_NAMES)
        return (True, "") if failing else (False, f"on=fail: no finding at or above {threshold}")
    return False, f"notify.on: unknown value {on!r}"


def top_findings(doc: dict, n: int) -> list[dict]:
    """The `n` findings that matter most: new before persisting, then by severity, in run order."""
    findings = list(doc.get("findings") or [])
    order = sorted(range(len(findings)),
                   key=lambda i: (findings[i].get("status") != "new", -_rank(findings[i].get("severity", "")), i))
    keep = ("rule", "severity", "category", "url", "where", "match", "message", "status")
    return [{k: findings[i][k] for k in keep if k in findings[i]} for i in order[:n]]


def _one_line(text: Any, limit: int = _CONTEXT_CHARS) -> str:
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def build_text(doc: dict, extra: dict, report_path: str, *, lang: str = "zh", markdown: bool = False,
               top: int = 10) -> tuple[str, str]:
    """(title, text) of a run's message: counts, the top findings, the report's path or URL."""
    run = doc.get("run") or {}
    summary = doc.get("summary") or {}
    site = run.get("site") or "?"
    partial = extra.get("partial") or run.get("finish_reason") not in (None, "finished")
    title = pick(lang, f"siteaudit 巡检：{site}", f"siteaudit audit: {site}")
    counts = " · ".join([*(f"{severity_name(s, lang)} {summary.get(s, 0)}" for s in ("error", "warning", "info")),
                         pick(lang, f"新增 {summary.get('new', 0)}", f"new {summary.get('new', 0)}"),
                         pick(lang, f"已修复 {summary.get('fixed', 0)}", f"fixed {summary.get('fixed', 0)}")])
    lines = [f"### {title}" if markdown else f"【{title}】", counts]
    pages = pick(lang, f"页面 {run.get('pages', 0)} · 开始 {run.get('started', '')}",
               f"pages {run.get('pages', 0)} · started {run.get('started', '')}")
    lines.append(pages)
    covered = coverage_text(run.get("coverage"), lang)
    if covered:
        lines.append(covered)
    if partial:
        reason = extra.get("partial_reason") or run.get("finish_reason") or ""
        lines.append(pick(lang, f"⚠ 本次巡检未完成（{reason}），结果不完整", f"⚠ partial run ({reason}): results are incomplete"))
    picked = top_findings(doc, top)
    if picked:
        lines.append(pick(lang, "主要问题：", "Top findings:"))
        for f in picked:
            sev = f.get("severity", "")
            label = severity_name(sev, lang)
            tag = pick(lang, "（新增）", " (new)") if f.get("status") == "new" else ""
            what = _one_line(f.get("match") or f.get("message", ""))
            lines.append(f"- [{label}] {f.get('rule', '')} {what} — {_one_line(f.get('url', ''), 80)}{tag}")
        rest = len(doc.get("findings") or []) - len(picked)
        if rest > 0:
            lines.append(pick(lang, f"……另有 {rest} 条", f"… and {rest} more"))
    fixed = extra.get("fixed") or []
    if fixed:
        lines.append(pick(lang, f"已修复 {len(fixed)} 条，例如：", f"{len(fixed)} fixed, e.g.:"))
        for f in fixed[:3]:
            lines.append(f"- {f.get('rule', '')} {_one_line(f.get('match') or f.get('message', ''))}"
                         f" — {_one_line(f.get('url', ''), 80)}")
    if report_path:
        lines.append(pick(lang, f"报告：{report_path}", f"Report: {report_path}"))
    sep = "\n\n" if markdown else "\n"
    return title, sep.join(lines)
