"""How complete an audit was, in one sentence (findings.json `run.coverage`, SPEC): for the verdict box,
summary.md, the terminal summary and the notification alike."""
from __future__ import annotations

from typing import Any

_REASONS = {"max_pages": ("页数上限", "page limit"), "time_limit": ("时间上限", "time limit"),
            "max_depth": ("深度上限", "depth limit"), "robots": ("robots.txt 排除", "robots.txt"),
            "blocked": ("被拦截", "blocked"), "trap": ("爬虫陷阱", "traps")}


def coverage_text(coverage: Any, lang: str = "zh") -> str:
    """"未完整审计：还有 1,879 个页面未检查（页数上限 1,879）" / "incomplete: 1,879 known pages were not audited
    (page limit 1,879)", or that the audit was complete; "" when the run has no coverage (an old run).

    URLs skipped as traps are not pages: they are not counted as left out.
    """
    if not isinstance(coverage, dict) or not isinstance(coverage.get("not_audited_by_reason"), dict):
        return ""
    by = {k: v for k, v in coverage["not_audited_by_reason"].items() if isinstance(v, int)}
    audited = coverage.get("audited") if isinstance(coverage.get("audited"), int) else 0
    reasons = [(reason, n) for reason, n in by.items() if n and reason != "trap"]
    missed = sum(n for _, n in reasons)
    en = lang == "en"
    if not missed:
        return (f"complete: all {audited:,} known pages were audited" if en
                else f"已完整审计：全部 {audited:,} 个已知页面均已检查")
    if en:
        why = ", ".join(f"{_REASONS.get(r, (r, r))[1]} {n:,}" for r, n in reasons)
        return f"incomplete: {missed:,} known pages were not audited ({why}); {audited:,} audited"
    why = "，".join(f"{_REASONS.get(r, (r, r))[0]} {n:,}" for r, n in reasons)
    return f"未完整审计：还有 {missed:,} 个页面未检查（{why}）；已审计 {audited:,} 个"
