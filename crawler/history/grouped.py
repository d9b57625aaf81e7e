"""New/persisting/fixed and the groups of a run, computed in SQL inside the store's transaction.

Nothing here loads a run's findings into memory: statuses are one UPDATE, the fixed list one
INSERT … SELECT, the groups aggregate queries whose size is the number of distinct problems.
A finding's identity across runs is `Finding.key` (rule, url, where, match); a group's is its
`gid` (`reports.grouping.group_id`). The SQL is the standard subset PostgreSQL also runs, except
`rowid` (the store's order of arrival), which the rest of the store uses as well.
"""
from __future__ import annotations

import json
from typing import Any

from reports.grouping import FIRST_URLS, GROUP_FIELDS, is_template, main_where, ordered, sort_key

_SAME_IDENTITY = ('p.rule = findings.rule AND p.url = findings.url '
                  'AND coalesce(p."where", \'\') = coalesce(findings."where", \'\') '
                  'AND coalesce(p.match, \'\') = coalesce(findings.match, \'\')')


def mark_statuses(conn: Any, run_id: str, prev: str | None) -> None:
    """Every finding of `run_id`: `persisting` when the previous run had the same identity, else `new`."""
    if prev is None:
        conn.execute("UPDATE findings SET status = 'new' WHERE run_id = ?", (run_id,))
        return
    conn.execute(f"UPDATE findings SET status = CASE WHEN EXISTS (SELECT 1 FROM findings p WHERE p.run_id = ? "
                 f"AND {_SAME_IDENTITY}) THEN 'persisting' ELSE 'new' END WHERE run_id = ?", (prev, run_id))


def record_fixed(conn: Any, run_id: str, prev: str | None, partial: bool) -> int:
    """The previous run's findings whose identity is gone, once per identity; returns how many."""
    conn.execute("DELETE FROM fixed WHERE run_id = ?", (run_id,))
    if prev is None:
        return 0
    visited = " AND findings.url IN (SELECT url FROM pages WHERE run_id = ?)" if partial else ""
    args: tuple = (run_id, prev, run_id) + ((run_id,) if partial else ())
    conn.execute(
        "INSERT INTO fixed (run_id, data) SELECT ?, MIN(findings.data) FROM findings WHERE findings.run_id = ? "
        f"AND NOT EXISTS (SELECT 1 FROM findings p WHERE p.run_id = ? AND {_SAME_IDENTITY}){visited} "
        "GROUP BY findings.rule, findings.url, coalesce(findings.\"where\", ''), coalesce(findings.match, '') "
        "ORDER BY MIN(findings.rowid)", args)
    return conn.execute("SELECT COUNT(*) FROM fixed WHERE run_id = ?", (run_id,)).fetchone()[0]


def _aggregate(conn: Any, run_id: str) -> dict[str, dict]:
    """{gid: group} of one run's findings: representative finding, reach, places, first pages."""
    groups: dict[str, dict] = {}
    firsts: dict[str, int] = {}
    for gid, occurrences, pages, first, persisting in conn.execute(
            "SELECT gid, COUNT(*), COUNT(DISTINCT url), MIN(rowid), "
            "MAX(CASE WHEN status = 'persisting' THEN 1 ELSE 0 END) FROM findings WHERE run_id = ? "
            "AND gid IS NOT NULL GROUP BY gid", (run_id,)):
        groups[gid] = {"occurrences": occurrences, "pages": pages, "any_persisting": bool(persisting),
                       "wheres": {}, "urls": []}
        firsts[gid] = first
    for gid, where, n in conn.execute('SELECT gid, "where", COUNT(*) FROM findings WHERE run_id = ? '
                                      'AND gid IS NOT NULL GROUP BY gid, "where" ORDER BY gid, MIN(rowid)',
                                      (run_id,)):
        if where:
            groups[gid]["wheres"][where] = n
    for gid, url in conn.execute(
            "SELECT gid, url FROM (SELECT gid, url, ROW_NUMBER() OVER (PARTITION BY gid ORDER BY MIN(rowid)) AS n "
            "FROM findings WHERE run_id = ? AND gid IS NOT NULL GROUP BY gid, url) AS firsts WHERE n <= ? "
            "ORDER BY gid, n", (run_id, FIRST_URLS)):
        groups[gid]["urls"].append(url)
    by_row = {row: gid for gid, row in firsts.items()}
    ids = list(by_row)
    for at in range(0, len(ids), 500):
        chunk = ids[at:at + 500]
        marks = ",".join("?" * len(chunk))
        for rowid, data in conn.execute(f"SELECT rowid, data FROM findings WHERE rowid IN ({marks})", chunk):
            groups[by_row[rowid]]["first"] = json.loads(data)
    return groups


def _group_dict(gid: str, g: dict, total_pages: int, status: str) -> dict:
    first = g.get("first") or {}
    out = {k: first[k] for k in GROUP_FIELDS if first.get(k) not in (None, "")}
    where = main_where(g["wheres"])
    out.update(id=gid, wheres=list(g["wheres"]), template=is_template(g["pages"], total_pages),
               pages=g["pages"], occurrences=g["occurrences"], urls=g["urls"], status=status)
    out.pop("where", None)
    if where:
        out["where"] = where
    return ordered(out)


def _has_groups(conn: Any, run_id: str) -> bool:
    return conn.execute("SELECT 1 FROM findings WHERE run_id = ? AND gid IS NOT NULL LIMIT 1",
                        (run_id,)).fetchone() is not None


def build_groups(conn: Any, run_id: str, prev: str | None) -> int:
    """(Re)write the run's rows in `finding_groups`; returns how many groups.

    A group is `persisting` when the previous run had a finding of the same group, else `new`.
    A previous run stored before groups existed has no group ids: then a group persists when
    any of its findings does.
    """
    conn.execute("DELETE FROM finding_groups WHERE run_id = ?", (run_id,))
    total_pages = conn.execute("SELECT COUNT(*) FROM pages WHERE run_id = ?", (run_id,)).fetchone()[0]
    groups = _aggregate(conn, run_id)
    before: set[str] | None = None
    if prev is not None and _has_groups(conn, prev):
        before = {gid for (gid,) in conn.execute(
            "SELECT DISTINCT f.gid FROM findings f WHERE f.run_id = ? AND f.gid IN "
            "(SELECT gid FROM findings WHERE run_id = ?)", (prev, run_id))}
    rows = []
    for gid, g in groups.items():
        if prev is None:
            status = "new"
        elif before is not None:
            status = "persisting" if gid in before else "new"
        else:
            status = "persisting" if g["any_persisting"] else "new"
        d = _group_dict(gid, g, total_pages, status)
        rows.append((run_id, gid, d.get("severity"), d["pages"], d["occurrences"], int(d["template"]), status,
                     json.dumps(d, ensure_ascii=False)))
    conn.executemany("INSERT INTO finding_groups (run_id, gid, severity, pages, occurrences, template, status, data) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
    return len(rows)


def record_fixed_groups(conn: Any, run_id: str, prev: str | None, partial: bool) -> int:
    """The previous run's groups with no finding in this run. Under `partial`, only those whose
    every previous page was fetched again this time."""
    conn.execute("DELETE FROM fixed_groups WHERE run_id = ?", (run_id,))
    if prev is None or not _has_groups(conn, prev):
        return 0
    unvisited = (" AND NOT EXISTS (SELECT 1 FROM findings o WHERE o.run_id = ? AND o.gid = g.gid AND o.url NOT IN "
                 "(SELECT url FROM pages WHERE run_id = ?))") if partial else ""
    args: tuple = (prev, run_id) + ((prev, run_id) if partial else ())
    gone = [gid for (gid,) in conn.execute(
        "SELECT g.gid FROM finding_groups g WHERE g.run_id = ? AND NOT EXISTS "
        f"(SELECT 1 FROM findings c WHERE c.run_id = ? AND c.gid = g.gid){unvisited}", args)]
    rows = []
    for at in range(0, len(gone), 500):
        chunk = gone[at:at + 500]
        marks = ",".join("?" * len(chunk))
        for gid, data in conn.execute(f"SELECT gid, data FROM finding_groups WHERE run_id = ? AND gid IN ({marks})",
                                      (prev, *chunk)):
            d = json.loads(data)
            d.pop("status", None)
            rows.append((run_id, gid, json.dumps(d, ensure_ascii=False)))
    conn.executemany("INSERT INTO fixed_groups (run_id, gid, data) VALUES (?, ?, ?)", rows)
    return len(rows)


def read_groups(conn: Any, table: str, run_id: str) -> list[dict]:
    """The stored groups of `table` (finding_groups or fixed_groups), sorted by severity then reach."""
    assert table in ("finding_groups", "fixed_groups")
    groups = [json.loads(d) for (d,) in conn.execute(f"SELECT data FROM {table} WHERE run_id = ?", (run_id,))]
    return sorted(groups, key=sort_key)
