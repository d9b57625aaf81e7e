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


MAX_FIXED_ROWS = 500   # the fixed findings an output lists (the count is always whole)


@dataclass
class Summary:
    """Counts by severity, by category and by change, the groups, and the verdict they lead to.

    Built in one pass over the findings: nothing here holds them all.
    """

    total: int
    by_severity: dict[str, int]
    by_category: list[tuple[str, dict[str, int], int]]  # (category, {severity: n}, total), biggest first
    new: int
    persisting: int
    fixed: list[dict] | None  # the first MAX_FIXED_ROWS fixed findings; None: no previous run
    fixed_count: int | None
    checks: list[dict]
    partial: bool
    groups: list[dict]                # distinct problems, sorted by severity then reach
    fixed_groups: list[dict] | None   # groups gone since the previous run
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
    def new_groups(self) -> int:
        return sum(1 for g in self.groups if g.get("status") == "new")

    @property
    def template_groups(self) -> int:
        return sum(1 for g in self.groups if g.get("template"))


def summarize(doc: dict, extra: dict) -> Summary:
    by_sev: Counter[str] = Counter()
    per_cat: dict[str, Counter] = {}
    status: Counter = Counter()
    total = 0
    rows = inputs.as_list(doc.get("findings"), "findings")
    stats = rows.stats() if isinstance(rows, inputs.Rows) else None
    if stats is not None and any(not category for _, category, _, _ in stats):
        stats = None   # rows stored before the category had a column: count them one by one
    if stats is None:
        stats = (((f["severity"], str(f["category"]), f.get("status"), 1) for f in inputs.iter_findings(doc)))
    for severity, category, state, n in stats:
        total += n
        by_sev[severity] += n
        per_cat.setdefault(category, Counter())[severity] += n
        status[state] += n
    by_category = sorted(((cat, {s: c[s] for s in SEVERITIES}, sum(c.values())) for cat, c in per_cat.items()),
                         key=lambda row: (-row[2], row[0]))
    fixed = fixed_count = None
    if "fixed" in extra and extra["fixed"] is not None:
        fixed, fixed_count = [], 0
        for f in inputs.iter_findings(extra, "fixed"):
            fixed_count += 1
            if len(fixed) < MAX_FIXED_ROWS:
                fixed.append(f)
    return Summary(
        total=total,
        by_severity={s: by_sev[s] for s in SEVERITIES},
        by_category=by_category,
        new=status["new"],
        persisting=status["persisting"],
        fixed=fixed,
        fixed_count=fixed_count,
        checks=inputs.checks(doc),
        partial=bool(extra.get("partial")),
        groups=inputs.groups(doc),
        fixed_groups=inputs.fixed_groups(extra),
    )


def history_with_current(doc: dict, extra: dict, summary: Summary) -> list[dict[str, Any]]:
    """Past runs, oldest first, ending with this run (added when the history does not hold it yet)."""
    runs = [dict(r) for r in inputs.as_list(extra.get("history"), "extra.history") if isinstance(r, dict)]
    run = inputs.as_dict(doc.get("run"), "run")
    if run.get("id") and (not runs or runs[-1].get("id") != run.get("id")):
        runs.append({"id": run.get("id"), "started": run.get("started"), "pages": run.get("pages"),
                     **summary.by_severity, "uptime": None})
    return runs
