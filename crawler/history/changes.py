"""Changes between two runs of a site: which findings are new, which persist, which were fixed.

A finding's identity across runs is `Finding.key`: (rule, url, where, match). Its line, context
and message may change (the page was edited around it) and it is still the same finding.
"""
from __future__ import annotations

from typing import Iterable


def finding_key(finding: dict) -> tuple[str, str, str, str]:
    """`Finding.key` of a finding in findings.json form."""
    return (finding.get("rule") or "", finding.get("url") or "", finding.get("where") or "",
            finding.get("match") or "")


def fixed_scope(finish_reason: str, pages_fetched: int) -> str:
    """Which of the previous run's findings this run may call fixed.

    - `all`: a crawl that ran to its end and fetched pages; whatever it did not find again is gone.
    - `visited`: a crawl cut short by its page or time limit: only findings on a URL fetched again.
    - `none`: an interrupted run (Ctrl-C, SIGTERM, a crashed crawl), or one that fetched no page at
      all (the site was down, every request failed): it proves nothing, so nothing is fixed.
    """
    if finish_reason not in ("finished", "page_limit", "time_limit") or pages_fetched <= 0:
        return "none"
    return "all" if finish_reason == "finished" else "visited"


def compare(previous: Iterable[dict], current: Iterable[dict],
            visited: set[str] | None = None) -> tuple[list[str], list[dict]]:
    """(status of each current finding, in order: `new` | `persisting`; the fixed findings).

    Fixed: in `previous`, not in `current`, once per identity, without a `status`. When `visited`
    is given (a partial crawl), only findings on a visited URL can be fixed: a page not fetched
    this time proves nothing.
    """
    old: dict[tuple, dict] = {}
    for finding in previous:
        old.setdefault(finding_key(finding), finding)
    statuses, seen = [], set()
    for finding in current:
        key = finding_key(finding)
        seen.add(key)
        statuses.append("persisting" if key in old else "new")
    fixed = []
    for key, finding in old.items():
        if key in seen or (visited is not None and key[1] not in visited):
            continue
        fixed.append({k: v for k, v in finding.items() if k != "status"})
    return statuses, fixed
