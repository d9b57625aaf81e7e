"""Distinct problems: many occurrences of one finding become one group.

A slogan in a site's header sits on every page; a manager needs to read "this sentence is on
3,000 pages, in the header" once. A group is:

- for phrases: the rule, the matched words and the normalised sentence around them (the
  sentence of the finding's context that holds the match);
- for site checks: the check (rule) and its subject: the matched value when there is one
  (the 备案号 shown, the word), else the message (`Broken link: HTTP 404`).

`group_id` is stable across runs (new/fixed are reported per group too: a new page carrying
the same footer is not a new problem). A group on at least `TEMPLATE_SHARE` of the crawled pages
(and on `TEMPLATE_MIN_PAGES` or more) is site-template text (全站模板): one edit fixes it.

`group_findings` builds groups from findings in memory, for a findings.json object handed over
as a dict (the tests, `siteaudit check`, samples); an audit's groups come from the history store,
which uses the same `group_id` and `is_template`.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from rules.model import PHRASE_CATEGORIES

TEMPLATE_SHARE = 0.5      # on at least half of the pages ...
TEMPLATE_MIN_PAGES = 3    # ... and on three pages or more: site-template text
FIRST_URLS = 5            # how many of a group's pages findings.json lists in `urls`
SEV_RANK = {"error": 0, "warning": 1, "info": 2}
# The keys of a group in findings.json (SPEC), in order; the representative finding's fields follow.
GROUP_FIELDS = ("id", "rule", "category", "severity", "match", "context", "message", "basis", "suggestion",
                "expected", "actual", "where", "wheres", "template", "pages", "occurrences", "urls", "status")
_ELLIPSIS = str.maketrans("", "", "…")


def normalise(text: Any) -> str:
    """The sentence as a group compares it: NFKC width, case, no ellipsis and no whitespace
    (spaces inserted between Chinese characters change nothing a reader sees)."""
    if not text:
        return ""
    flat = unicodedata.normalize("NFKC", str(text).translate(_ELLIPSIS)).casefold()
    return "".join(flat.split())


_SENTENCE_END = re.compile(r"[。！？；!?;\n]")


def sentence(context: str | None, match: str | None) -> str:
    """The sentence of `context` that holds `match`: a finding's context is a window around the
    match, and whatever the window caught of the sentences before and after is not the problem."""
    if not context:
        return ""
    at = context.find(match) if match else -1
    if at < 0:
        return context
    start = 0
    for m in _SENTENCE_END.finditer(context, 0, at):
        start = m.end()
    end_m = _SENTENCE_END.search(context, at + len(match))
    return context[start:end_m.start() if end_m else len(context)]


def group_parts(rule: str, category: str, match: str | None, context: str | None, message: str | None) -> tuple:
    if category in PHRASE_CATEGORIES:
        return ("phrase", rule or "", normalise(match), normalise(sentence(context, match)))
    return ("check", rule or "", normalise(match) if match else normalise(message))


def group_id(finding: dict) -> str:
    """The stable id of a finding's group (16 hex digits)."""
    return _group_id(finding.get("rule") or "", finding.get("category") or "", finding.get("match"),
                     finding.get("context"), finding.get("message"))


@lru_cache(maxsize=1 << 14)
def _group_id(rule: str, category: str, match: str | None, context: str | None, message: str | None) -> str:
    # Cached: a header's sentence repeats on every page, and is normalised and hashed once.
    parts = group_parts(rule, category, match, context, message)
    return hashlib.sha1("\x1f".join(parts).encode("utf-8")).hexdigest()[:16]


def is_template(pages: int, total_pages: int) -> bool:
    """Text on most pages (header, footer, navigation) is the site's template."""
    return total_pages > 0 and pages >= TEMPLATE_MIN_PAGES and pages >= TEMPLATE_SHARE * total_pages


def sort_key(group: dict) -> tuple:
    """Severity first, then reach (pages, then occurrences), then rule."""
    return (SEV_RANK.get(group.get("severity"), 3), -int(group.get("pages") or 0),
            -int(group.get("occurrences") or 0), str(group.get("rule") or ""), str(group.get("id") or ""))


def main_where(counts: dict[str, int]) -> str | None:
    """The place a group sits most often (ties: the first seen)."""
    best = None
    for where, n in counts.items():
        if best is None or n > counts[best]:
            best = where
    return best


def group_findings(findings: Iterable[dict], total_pages: int, previous: set[str] | None = None) -> list[dict]:
    """Groups (findings.json form) of `findings`, sorted by severity then reach.

    A group's status is `new` when no finding of it existed before: with `previous` (the group
    ids of the run before) it is compared by id; without it, a group is `persisting` when any
    of its occurrences is.
    """
    groups: dict[str, dict] = {}
    pages: dict[str, set[str]] = {}
    wheres: dict[str, dict[str, int]] = {}
    for f in findings:
        gid = f.get("group") or group_id(f)
        g = groups.get(gid)
        if g is None:
            g = groups[gid] = {k: f[k] for k in GROUP_FIELDS if f.get(k) not in (None, "")}
            g.update(id=gid, occurrences=0, urls=[], status="new")
            pages[gid] = set()
            wheres[gid] = {}
        g["occurrences"] += 1
        url = f.get("url") or ""
        if url not in pages[gid]:
            pages[gid].add(url)
            if len(g["urls"]) < FIRST_URLS:
                g["urls"].append(url)
        w = f.get("where") or ""
        wheres[gid][w] = wheres[gid].get(w, 0) + 1
        if previous is None and f.get("status") == "persisting":
            g["status"] = "persisting"
    out = []
    for gid, g in groups.items():
        g["pages"] = len(pages[gid])
        g["wheres"] = [w for w in wheres[gid] if w]
        where = main_where({w: n for w, n in wheres[gid].items() if w})
        if where:
            g["where"] = where
        g["template"] = is_template(g["pages"], total_pages)
        if previous is not None:
            g["status"] = "persisting" if gid in previous else "new"
        out.append(ordered(g))
    return sorted(out, key=sort_key)


def ordered(group: dict) -> dict:
    """A group's keys in SPEC order."""
    return {k: group[k] for k in GROUP_FIELDS if k in group}
