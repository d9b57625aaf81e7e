"""What every output says at a glance: counts, the verdict, the changes since the last run.

Counts come from the findings themselves (not `doc.summary`), so that the headline and the
table can never disagree.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from . import inputs
from .inputs import SEVERITIES


@dataclass
class Summary:
    """Counts by severity, by category and by change, and the verdict they lead to."""

    findings: list[dict]
    by_severity: dict[str, int]
    by_category: list[tuple[str, dict[str, int], int]]  # (category, {severity: n}, total), biggest first
    new: int
    persisting: int
    fixed: list[dict] | None  # None: no previous run to compare with
    checks: list[dict]
    partial: bool
    verdict: str = field(init=False)

    def __post_init__(self) -> None:
        check_trouble = any(c.get("status") in ("fail", "error") for c in self.checks)
        if self.by_severity["error"]:
            self.verdict = "fail"
        elif self.by_severity["warning"] or check_trouble or self.partial:
            self.verdict = "attention"
        else:
            self.verdict = "pass"

    @property
    def total(self) -> int:
        return len(self.findings)


def summarize(doc: dict, extra: dict) -> Summary:
    found = inputs.findings(doc)
    by_sev = Counter(f["severity"] for f in found)
    per_cat: dict[str, Counter] = {}
    for f in found:
        per_cat.setdefault(str(f["category"]), Counter())[f["severity"]] += 1
    by_category = sorted(((cat, {s: c[s] for s in SEVERITIES}, sum(c.values())) for cat, c in per_cat.items()),
                         key=lambda row: (-row[2], row[0]))
    status = Counter(f.get("status") for f in found)
    fixed = inputs.findings(extra, "fixed") if "fixed" in extra and extra["fixed"] is not None else None
    return Summary(
        findings=found,
        by_severity={s: by_sev[s] for s in SEVERITIES},
        by_category=by_category,
        new=status["new"],
        persisting=status["persisting"],
        fixed=fixed,
        checks=inputs.checks(doc),
        partial=bool(extra.get("partial")),
    )


def history_with_current(doc: dict, extra: dict, summary: Summary) -> list[dict[str, Any]]:
    """Past runs, oldest first, ending with this run (added when the history does not hold it yet)."""
    runs = [dict(r) for r in inputs.as_list(extra.get("history"), "extra.history") if isinstance(r, dict)]
    run = inputs.as_dict(doc.get("run"), "run")
    if run.get("id") and (not runs or runs[-1].get("id") != run.get("id")):
        runs.append({"id": run.get("id"), "started": run.get("started"), "pages": run.get("pages"),
                     **summary.by_severity, "uptime": None})
    return runs
