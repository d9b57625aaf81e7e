"""The history DB (SQLite): runs, pages, findings, checks and probes.

Minimal first version; the schema is versioned so later versions can migrate it.
Writes are buffered and committed in batches, never one commit per row.
"""
from __future__ import annotations

import json
import sqlite3
import uuid
from dataclasses import asdict
from pathlib import Path
from typing import Any, Iterable, Iterator

from crawler.checks.base import Probe
from rules.errors import ConfigError
from rules.model import CheckResult, CheckStatus, Finding

SCHEMA_VERSION = 1
_BATCH = 500

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS runs (
    id TEXT PRIMARY KEY, site TEXT NOT NULL, profile TEXT, started TEXT NOT NULL, finished TEXT,
    finish_reason TEXT, pages INTEGER DEFAULT 0, summary TEXT, extra TEXT);
CREATE TABLE IF NOT EXISTS pages (run_id TEXT NOT NULL, url TEXT NOT NULL, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS findings (
    run_id TEXT NOT NULL, rule TEXT, url TEXT, "where" TEXT, match TEXT, severity TEXT, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS checks (run_id TEXT NOT NULL, id TEXT, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS probes (
    run_id TEXT NOT NULL, domain TEXT, at TEXT, kind TEXT, counts_as TEXT, data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS findings_run ON findings(run_id);
CREATE INDEX IF NOT EXISTS pages_run ON pages(run_id);
CREATE INDEX IF NOT EXISTS runs_site ON runs(site, started);
"""


class Store:
    """The history DB. One connection, used from one thread."""

    def __init__(self, conn: sqlite3.Connection, path: str):
        self.conn = conn
        self.path = path
        self._pending = 0

    @classmethod
    def open(cls, path: str | Path) -> "Store":
        p = Path(path)
        try:
            p.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(str(p), timeout=30)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.executescript(_SCHEMA)
            conn.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
            conn.commit()
        except sqlite3.DatabaseError as exc:
            raise ConfigError(f"cannot open the history DB: {exc}", file=str(p), field="--db") from None
        return cls(conn, str(p))

    def begin_run(self, site: str, *, profile: str, started: str, wait: float = 0.0) -> str:
        run_id = started.replace(":", "").replace("-", "")[:15] + "-" + uuid.uuid4().hex[:6]
        self.conn.execute("INSERT INTO runs (id, site, profile, started) VALUES (?, ?, ?, ?)",
                          (run_id, site, profile, started))
        self.conn.commit()
        return run_id

    def _wrote(self, n: int) -> None:
        self._pending += n
        if self._pending >= _BATCH:
            self.flush()

    def add_pages(self, run_id: str, pages: Iterable[dict]) -> None:
        rows = [(run_id, p["url"], json.dumps(p, ensure_ascii=False)) for p in pages]
        self.conn.executemany("INSERT INTO pages VALUES (?, ?, ?)", rows)
        self._wrote(len(rows))

    def add_findings(self, run_id: str, findings: Iterable[Finding]) -> None:
        rows = [(run_id, f.rule, f.url, f.where, f.match, f.severity.value,
                 json.dumps(f.to_dict(), ensure_ascii=False)) for f in findings]
        self.conn.executemany("INSERT INTO findings VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
        self._wrote(len(rows))

    def add_checks(self, run_id: str, checks: Iterable[CheckResult]) -> None:
        rows = [(run_id, c.id, json.dumps(c.to_dict(), ensure_ascii=False)) for c in checks]
        self.conn.executemany("INSERT INTO checks VALUES (?, ?, ?)", rows)
        self._wrote(len(rows))

    def add_probes(self, run_id: str, probes: Iterable[Probe]) -> None:
        rows = [(run_id, p.domain, p.at, p.kind.value, p.kind.counts_as,
                 json.dumps(asdict(p) | {"kind": p.kind.value}, ensure_ascii=False)) for p in probes]
        self.conn.executemany("INSERT INTO probes VALUES (?, ?, ?, ?, ?, ?)", rows)
        self._wrote(len(rows))

    def flush(self) -> None:
        self.conn.commit()
        self._pending = 0

    def finish_run(self, run_id: str, *, finished: str, finish_reason: str, summary: dict,
                   extra: dict | None = None) -> None:
        pages = self.conn.execute("SELECT COUNT(*) FROM pages WHERE run_id = ?", (run_id,)).fetchone()[0]
        self.conn.execute("UPDATE runs SET finished = ?, finish_reason = ?, pages = ?, summary = ?, extra = ? "
                          "WHERE id = ?", (finished, finish_reason, pages, json.dumps(summary),
                                           json.dumps(extra or {}, ensure_ascii=False), run_id))
        self.flush()

    def previous_run(self, run_id: str) -> str | None:
        row = self.conn.execute("SELECT site, started FROM runs WHERE id = ?", (run_id,)).fetchone()
        if row is None:
            return None
        prev = self.conn.execute(
            "SELECT id FROM runs WHERE site = ? AND started < ? AND finished IS NOT NULL "
            "ORDER BY started DESC LIMIT 1", row).fetchone()
        return prev[0] if prev else None

    def mark_changes(self, run_id: str) -> list[dict]:
        """Set new/persisting on this run's findings; return the previous run's findings now gone."""
        self.flush()
        prev = self.previous_run(run_id)
        key = 'rule || char(31) || url || char(31) || coalesce("where", \'\') || char(31) || coalesce(match, \'\')'
        old_keys: set[str] = set()
        if prev:
            old_keys = {r[0] for r in self.conn.execute(f"SELECT {key} FROM findings WHERE run_id = ?", (prev,))}
        new_keys: set[str] = set()
        updates = []
        for rowid, k, data in self.conn.execute(f"SELECT rowid, {key}, data FROM findings WHERE run_id = ?",
                                                (run_id,)).fetchall():
            new_keys.add(k)
            d = json.loads(data)
            d["status"] = "persisting" if k in old_keys else "new"
            updates.append((json.dumps(d, ensure_ascii=False), rowid))
        self.conn.executemany("UPDATE findings SET data = ? WHERE rowid = ?", updates)
        self.flush()
        if not prev:
            return []
        return [json.loads(data) for k, data in
                self.conn.execute(f"SELECT {key}, data FROM findings WHERE run_id = ?", (prev,))
                if k not in new_keys]

    def iter_findings(self, run_id: str) -> Iterator[Finding]:
        for (data,) in self.conn.execute("SELECT data FROM findings WHERE run_id = ? ORDER BY rowid", (run_id,)):
            yield Finding.from_dict(json.loads(data))

    def iter_pages(self, run_id: str) -> Iterator[dict]:
        for (data,) in self.conn.execute("SELECT data FROM pages WHERE run_id = ? ORDER BY rowid", (run_id,)):
            yield json.loads(data)

    def checks(self, run_id: str) -> list[CheckResult]:
        out = []
        for (data,) in self.conn.execute("SELECT data FROM checks WHERE run_id = ? ORDER BY rowid", (run_id,)):
            d = json.loads(data)
            out.append(CheckResult(d["id"], CheckStatus(d["status"]), d.get("detail", ""), d.get("expected"),
                                   d.get("actual")))
        return out

    def run(self, run_id: str) -> dict[str, Any] | None:
        cur = self.conn.execute("SELECT id, site, profile, started, finished, finish_reason, pages, summary, extra "
                                "FROM runs WHERE id = ?", (run_id,))
        row = cur.fetchone()
        if row is None:
            return None
        names = [c[0] for c in cur.description]
        out = dict(zip(names, row))
        out["summary"] = json.loads(out["summary"] or "{}")
        out["extra"] = json.loads(out["extra"] or "{}")
        return out

    def history(self, site: str | None = None, limit: int = 50) -> list[dict]:
        sql = "SELECT id FROM runs" + (" WHERE site = ?" if site else "") + " ORDER BY started DESC LIMIT ?"
        ids = [r[0] for r in self.conn.execute(sql, ((site, limit) if site else (limit,)))]
        out = []
        for rid in ids:
            r = self.run(rid) or {}
            s = r.get("summary", {})
            out.append({k: r.get(k) for k in ("id", "site", "started", "finished", "finish_reason", "pages")}
                       | {k: s.get(k, 0) for k in ("error", "warning", "info", "new", "fixed")}
                       | {"uptime": r.get("extra", {}).get("uptime_pct")})
        return out

    def uptime(self, site: str, now: str | None = None) -> dict[str, dict[str, float | None]]:
        return {}

    def resumable_run(self, site: str) -> str | None:
        row = self.conn.execute("SELECT id FROM runs WHERE site = ? ORDER BY started DESC LIMIT 1", (site,)).fetchone()
        if row and (self.run(row[0]) or {}).get("finish_reason") == "interrupted":
            return row[0]
        return None

    def close(self) -> None:
        self.flush()
        self.conn.close()
