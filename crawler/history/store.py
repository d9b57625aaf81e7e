"""The history DB (SQLite): runs, pages, findings, checks and probes, kept for months of nightly runs.

- WAL mode, `synchronous=FULL`, short write transactions: rows are buffered in memory and
  written in batches (every `_WRITE_BATCH` rows or `_FLUSH_S` seconds), never one commit per row.
- One run per site at a time: `begin_run` takes the site's row in `locks` inside a write
  transaction; a second run waits up to `wait` seconds, then raises `RunLocked`. A crashed run's lock
  (dead pid) is taken over and its run marked `interrupted`. Different sites run side by side.
- The schema is versioned and migrated (`crawler/history/schema.py`).
- A finding's identity across runs is `Finding.key`: (rule, url, where, match).
"""
from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
import uuid
from contextlib import contextmanager
from dataclasses import asdict
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterable, Iterator

from crawler.history import grouped
from crawler.checks.base import Probe, up_percent
from crawler.clock import now_iso
from crawler.history.lock import host_name, lock_is_live, process_start
from crawler.history.rows import finding_data
from crawler.history.schema import SCHEMA_VERSION, migrate
from crawler.clock import parse_time
from crawler.history.uptime import UPTIME_WINDOWS, uptime_by_domain
from rules.errors import ConfigError
from rules.model import CheckResult, CheckStatus, Finding

__all__ = ["Store", "RunLocked", "SCHEMA_VERSION"]

_BATCH = 500            # rows read at a time
# Buffered rows that trigger a write. A dense site has ~20 findings a page: a commit every 100 pages.
# Batches commit without an fsync (`_rows_write`), so a smaller buffer costs little; 4,000 rows held
# ~5 MB more at the crawl's peak.
_WRITE_BATCH = 2000
_FLUSH_S = 5.0          # seconds after which buffered rows are written anyway (a killed run keeps them)
_BUSY_TIMEOUT_S = 30    # how long a write waits for another process's transaction
_POLL_S = 0.5           # how often a waiting begin_run looks at the lock again
_COMPLETE = ("finished", "page_limit", "time_limit")   # runs that new/fixed compare against


def _set_wal(conn: sqlite3.Connection, tries: int = 50) -> None:
    """WAL mode. Switching a new file's journal mode while another process creates it can fail at
    once with "database is locked" (SQLite does not wait on its busy timeout there): try again."""
    for attempt in range(tries):
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == tries - 1:
                raise
            time.sleep(0.1)


class RunLocked(ConfigError):
    """Another run of the same site is in progress."""

    @classmethod
    def held_by(cls, site: str, holder: tuple, path: str) -> "RunLocked":
        """The error naming the run that holds the site's lock (a `locks` row: run, pid, host, …, since, …)."""
        other, pid, host, _, since, _ = holder
        return cls(f"站点 {site} 已有一次巡检在进行（运行 {other}，{host} 上的进程 {pid}，开始于 {since}），"
                   f"请等它结束后再试 / another run of site {site} is in progress (run {other}, pid {pid} on "
                   f"{host}, since {since}); try again when it has finished", file=path, field="site")


class Store:
    """The history DB. Safe to share between the threads of one process; one Store per process."""

    def __init__(self, conn: sqlite3.Connection, path: str):
        self.conn = conn
        self.path = path
        self._mutex = threading.RLock()
        self._buffer: dict[str, list[tuple]] = {"pages": [], "findings": [], "checks": [], "probes": []}
        self._pending = 0
        self._last_flush = time.monotonic()
        self._held: dict[str, str] = {}          # run_id -> site, for the locks this Store holds
        self._closed = False

    # -- opening -----------------------------------------------------------------------------------

    @classmethod
    def open(cls, path: str | Path) -> "Store":
        """Open (or create) the DB at `path`: parent dirs, WAL mode, schema migrations.
        A `postgresql://…` URL opens the PostgreSQL store instead (crawler/history/postgres.py)."""
        p = str(path)
        if p.startswith(("postgresql://", "postgres://")):
            from crawler.history.postgres import PostgresStore

            return PostgresStore.open_url(p)
        try:
            if p != ":memory:":
                Path(p).parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(p, timeout=_BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False)
        except (OSError, sqlite3.Error) as exc:
            raise ConfigError(f"无法打开历史数据库 / cannot open the history DB: {exc}", file=p, field="--db") from None
        try:
            _set_wal(conn)
            conn.execute("PRAGMA synchronous=FULL")   # a commit survives a power cut: history is never lost
            migrate(conn, p)
        except ConfigError:
            conn.close()
            raise
        except sqlite3.Error as exc:
            conn.close()
            raise ConfigError(f"历史数据库不可用 / the history DB is unusable: {exc}", file=p, field="--db") from None
        return cls(conn, p)

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _rows_write(self) -> Iterator[sqlite3.Connection]:
        """The transaction of a batch of a run's buffered rows. Not flushed to the disk there and then
        (synchronous=NORMAL: a killed process keeps it, a power cut may lose the last seconds of a run
        that could not finish anyway): a dense crawl waited ~30 ms on each batch's fsync with the
        event loop stopped. The run's end (`finish_run`) is a FULL commit, which makes every batch
        before it durable too."""
        with self._mutex:
            self.conn.execute("PRAGMA synchronous=NORMAL")
            try:
                with self._write() as conn:
                    yield conn
            finally:
                self.conn.execute("PRAGMA synchronous=FULL")

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One short write transaction (BEGIN IMMEDIATE: take the write lock before reading)."""
        with self._mutex:
            try:
                self.conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                raise ConfigError(f"历史数据库忙 / the history DB stayed busy for {_BUSY_TIMEOUT_S}s: {exc}",
                                  file=self.path, field="--db") from None
            try:
                yield self.conn
                self.conn.execute("COMMIT")
            except BaseException as exc:
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
                if isinstance(exc, sqlite3.Error):   # disk full, read-only file, I/O error: say which file
                    raise ConfigError(f"无法写入历史数据库 / cannot write the history DB: {exc}",
                                      file=self.path, field="--db") from None
                raise

    # -- runs and the per-site lock ----------------------------------------------------------------

    def begin_run(self, site: str, *, profile: str, started: str, wait: float = 0.0) -> str:
        """Start a run of `site`; waits up to `wait` s for a run of the same site, then raises RunLocked."""
        run_id = started.replace(":", "").replace("-", "")[:15] + "-" + uuid.uuid4().hex[:6]
        return self._acquire(site, run_id, wait, new_run=(profile, started))

    def reopen_run(self, run_id: str, *, wait: float = 0.0) -> str:
        """Continue an interrupted run (`--resume`): take the site's lock again and clear its end."""
        row = self.conn.execute("SELECT site FROM runs WHERE id = ?", (run_id,)).fetchone()
        if row is None:
            raise ConfigError(f"没有这次运行 / no such run: {run_id}", file=self.path, field="RUN_ID")
        return self._acquire(row[0], run_id, wait, new_run=None)

    def _acquire(self, site: str, run_id: str, wait: float, new_run: tuple[str, str] | None) -> str:
        deadline = time.monotonic() + max(wait, 0.0)
        while True:
            holder = None
            with self._write() as conn:
                row = conn.execute("SELECT run_id, pid, host, proc_start, acquired, heartbeat FROM locks "
                                   "WHERE site = ?", (site,)).fetchone()
                if row is not None and lock_is_live(row[1], row[2], row[3], row[5]):
                    holder = row
                else:
                    if row is not None:
                        conn.execute("DELETE FROM locks WHERE site = ?", (site,))
                    # We hold the site now, so no other run of it can be live: close what crashed.
                    conn.execute("UPDATE runs SET finished = ?, finish_reason = 'interrupted' "
                                 "WHERE site = ? AND finished IS NULL AND id != ?", (now_iso(), site, run_id))
                    if new_run is not None:
                        conn.execute("INSERT INTO runs (id, site, profile, started, pid, host) VALUES (?, ?, ?, ?, ?, ?)",
                                     (run_id, site, new_run[0], new_run[1], os.getpid(), host_name()))
                    else:
                        conn.execute("UPDATE runs SET finished = NULL, finish_reason = NULL, pid = ?, host = ? "
                                     "WHERE id = ?", (os.getpid(), host_name(), run_id))
                    stamp = now_iso()
                    conn.execute("INSERT INTO locks VALUES (?, ?, ?, ?, ?, ?, ?)",
                                 (site, run_id, os.getpid(), host_name(), process_start(os.getpid()), stamp, stamp))
                    self._held[run_id] = site
                    return run_id
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise RunLocked.held_by(site, holder, self.path)
            time.sleep(min(_POLL_S, remaining))

    def finish_run(self, run_id: str, *, finished: str, finish_reason: str, summary: dict,
                   extra: dict | None = None) -> None:
        """Record the run's end and summary, and release the site's lock."""
        with self._mutex:
            self._flush_buffer()
            with self._write() as conn:
                pages = conn.execute("SELECT COUNT(*) FROM pages WHERE run_id = ?", (run_id,)).fetchone()[0]
                conn.execute("UPDATE runs SET finished = ?, finish_reason = ?, pages = ?, summary = ?, extra = ? "
                             "WHERE id = ?", (finished, finish_reason, pages, json.dumps(summary, ensure_ascii=False),
                                              json.dumps(extra or {}, ensure_ascii=False), run_id))
                conn.execute("DELETE FROM locks WHERE run_id = ?", (run_id,))
            self._held.pop(run_id, None)

    # -- buffered writes ---------------------------------------------------------------------------

    def _add(self, table: str, rows: list[tuple]) -> None:
        with self._mutex:
            self._buffer[table].extend(rows)
            self._pending += len(rows)
            if self._pending >= _WRITE_BATCH or time.monotonic() - self._last_flush >= _FLUSH_S:
                self._flush_buffer()

    def add_pages(self, run_id: str, pages: Iterable[dict]) -> None:
        """Pages in findings.json form (`url`, `status`, `depth`, `ms`, `title`, `encoding`)."""
        self._add("pages", [(run_id, p["url"], json.dumps(p, ensure_ascii=False)) for p in pages])

    def add_findings(self, run_id: str, findings: Iterable[Finding],
                     prepared: dict[int, tuple[str, str]] | None = None) -> None:
        """Buffer `findings`; `prepared` maps id(finding) to its stored form (`rows.finding_data`),
        computed ahead by the phrase worker for the findings it made."""
        rows = []
        for f in findings:
            known = prepared.get(id(f)) if prepared else None
            data, gid = known if known is not None else finding_data(f)
            rows.append((run_id, f.rule, f.url, f.where, f.match, f.severity.value, data, f.status, gid,
                         f.category, f.line, f.column))
        self._add("findings", rows)

    def add_checks(self, run_id: str, checks: Iterable[CheckResult]) -> None:
        self._add("checks", [(run_id, c.id, json.dumps(c.to_dict(), ensure_ascii=False)) for c in checks])

    def add_probes(self, run_id: str, probes: Iterable[Probe]) -> None:
        self._add("probes", [(run_id, p.domain, p.at, p.kind.value, p.kind.counts_as,
                              json.dumps(asdict(p) | {"kind": p.kind.value}, ensure_ascii=False)) for p in probes])

    _INSERT = {
        "pages": "INSERT INTO pages (run_id, url, data) VALUES (?, ?, ?)",
        "findings": 'INSERT INTO findings (run_id, rule, url, "where", match, severity, data, status, gid, '
                    "category, line, col) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        "checks": "INSERT INTO checks (run_id, id, data) VALUES (?, ?, ?)",
        "probes": "INSERT INTO probes (run_id, domain, at, kind, counts_as, data) VALUES (?, ?, ?, ?, ?, ?)",
    }

    def _flush_buffer(self) -> None:
        with self._mutex:
            beat_due = self._held and time.monotonic() - self._last_flush >= _FLUSH_S
            if not self._pending and not beat_due:
                return
            with self._rows_write() as conn:
                for table, rows in self._buffer.items():
                    if rows:
                        conn.executemany(self._INSERT[table], rows)
                if self._held:
                    conn.executemany("UPDATE locks SET heartbeat = ? WHERE run_id = ?",
                                     [(now_iso(), rid) for rid in self._held])
            for rows in self._buffer.values():
                rows.clear()
            self._pending = 0
            self._last_flush = time.monotonic()

    def flush(self) -> None:
        """Write what is buffered, in one transaction."""
        self._flush_buffer()

    # -- changes between runs ----------------------------------------------------------------------

    def previous_run(self, run_id: str) -> str | None:
        """The latest complete run of the same site started before `run_id` (interrupted runs do not count)."""
        row = self.conn.execute("SELECT site, started, rowid FROM runs WHERE id = ?", (run_id,)).fetchone()
        if row is None:
            return None
        site, started, rowid = row
        marks = ",".join("?" * len(_COMPLETE))
        prev = self.conn.execute(
            f"SELECT id FROM runs WHERE site = ? AND (started < ? OR (started = ? AND rowid < ?)) "
            f"AND finish_reason IN ({marks}) ORDER BY started DESC, rowid DESC LIMIT 1",
            (site, started, started, rowid, *_COMPLETE)).fetchone()
        return prev[0] if prev else None

    def mark_changes(self, run_id: str, *, partial: bool = False, scope: str | None = None) -> list[dict]:
        """`record_changes`, then the fixed findings as a list (small runs and the tests)."""
        self.record_changes(run_id, partial=partial, scope=scope)
        return self.fixed(run_id)

    def record_changes(self, run_id: str, *, partial: bool = False, scope: str | None = None) -> dict[str, int]:
        """Mark this run's findings `new` or `persisting`, group them, and record what was fixed
        since the previous complete run: findings (once per identity) and groups.

        With `partial` (a limited crawl), a previous finding counts as fixed only when its URL was
        fetched in this run, and a group only when every page it was on was: an unvisited page
        proves nothing. `scope` (`changes.fixed_scope`) overrides it: `none` (an interrupted run, or
        one that fetched nothing) calls nothing fixed, `visited` is `partial`. All in SQL: memory
        does not grow with the findings. Returns {"fixed": findings fixed, "fixed_groups": groups fixed}.
        """
        if scope is not None:
            partial = scope != "all"
        with self._mutex:
            self._flush_buffer()
            prev = self.previous_run(run_id)
            # nothing to compare against for what is fixed when the run proves nothing
            fixed_from = None if scope == "none" else prev
            with self._write() as conn:
                grouped.mark_statuses(conn, run_id, prev)
                fixed = grouped.record_fixed(conn, run_id, fixed_from, partial)
                grouped.build_groups(conn, run_id, prev)
                fixed_groups = grouped.record_fixed_groups(conn, run_id, fixed_from, partial)
            return {"fixed": fixed, "fixed_groups": fixed_groups}

    def fixed(self, run_id: str) -> list[dict]:
        """The fixed findings `record_changes` recorded for this run, as a list."""
        return list(self.iter_fixed(run_id))

    def iter_fixed(self, run_id: str) -> Iterator[dict]:
        """The fixed findings, streamed (without a `status`)."""
        for (data,) in self._rows("SELECT data FROM fixed WHERE run_id = ? ORDER BY rowid", (run_id,)):
            d = json.loads(data)
            d.pop("status", None)
            yield d

    def count_fixed(self, run_id: str) -> int:
        return self.conn.execute("SELECT COUNT(*) FROM fixed WHERE run_id = ?", (run_id,)).fetchone()[0]

    def groups(self, run_id: str) -> list[dict]:
        """This run's groups (findings.json form), sorted by severity then reach; [] before
        `record_changes` ran (or for a run stored before groups existed)."""
        self.flush()
        return grouped.read_groups(self.conn, "finding_groups", run_id)

    def fixed_groups(self, run_id: str) -> list[dict]:
        """The groups of the previous run that are gone in this one."""
        return grouped.read_groups(self.conn, "fixed_groups", run_id)

    def count_findings(self, run_id: str) -> dict[str, int]:
        """{"error": n, "warning": n, "info": n, "new": n, "findings": n}, counted in SQL."""
        self.flush()
        out = {"error": 0, "warning": 0, "info": 0, "new": 0, "findings": 0}
        for severity, status, n in self.conn.execute(
                "SELECT severity, status, COUNT(*) FROM findings WHERE run_id = ? GROUP BY severity, status",
                (run_id,)):
            out[severity] = out.get(severity, 0) + n
            out["findings"] += n
            if status == "new":
                out["new"] += n
        return out

    def count_pages(self, run_id: str) -> int:
        self.flush()
        return self.conn.execute("SELECT COUNT(*) FROM pages WHERE run_id = ?", (run_id,)).fetchone()[0]

    # -- reading -----------------------------------------------------------------------------------

    def _rows(self, sql: str, args: tuple) -> Iterator[tuple]:
        cur = self.conn.cursor()
        cur.execute(sql, args)
        while True:
            batch = cur.fetchmany(_BATCH)
            if not batch:
                return
            yield from batch

    def iter_findings(self, run_id: str) -> Iterator[Finding]:
        """This run's findings in the order they were found, with their status."""
        for d in self.iter_finding_dicts(run_id):
            yield Finding.from_dict(d)

    # The orders `iter_finding_dicts` reads in: as found; the report's (severity, category, page,
    # position); by page (JUnit's suites); by group, then page (the report's expandable groups).
    _ORDERS = {
        "found": "rowid",
        "report": "CASE severity WHEN 'error' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END, category, url, "
                  "coalesce(line, 0), coalesce(col, 0), rowid",
        "url": "url, rowid",
        "group": "gid, url, coalesce(line, 0), coalesce(col, 0), rowid",
    }

    def iter_finding_dicts(self, run_id: str, order: str = "found") -> Iterator[dict]:
        """This run's findings in findings.json form, with their status (and `group`, the group
        id, under `order="group"`), streamed in batches."""
        self.flush()
        sql = f"SELECT data, status, gid FROM findings WHERE run_id = ? ORDER BY {self._ORDERS[order]}"
        with_group = order == "group"
        for data, status, gid in self._rows(sql, (run_id,)):
            d = json.loads(data)
            if status:
                d["status"] = status
            if with_group:
                d["group"] = gid
            yield d

    def iter_finding_json(self, run_id: str, order: str = "found") -> Iterator[str]:
        """The findings as findings.json text, one string each, without parsing them: the stored
        text with the status added (findings.json's writer, the biggest output, is a copy)."""
        self.flush()
        sql = f"SELECT data, status FROM findings WHERE run_id = ? ORDER BY {self._ORDERS[order]}"
        for data, status in self._rows(sql, (run_id,)):
            if not status:
                yield data
            elif '"status"' not in data and data.endswith("}") and len(data) > 2:
                yield f'{data[:-1]}, "status": {json.dumps(status)}}}'
            else:   # a row stored before the status had its own column
                yield json.dumps(json.loads(data) | {"status": status}, ensure_ascii=False)

    def finding_stats(self, run_id: str) -> list[tuple[str, str, str | None, int]]:
        """(severity, category, status, count) of the run's findings, counted in SQL."""
        self.flush()
        return [(sev, cat or "", status, n) for sev, cat, status, n in self.conn.execute(
            "SELECT severity, category, status, COUNT(*) FROM findings WHERE run_id = ? "
            "GROUP BY severity, category, status", (run_id,))]

    def iter_pages(self, run_id: str, order: str = "found") -> Iterator[dict]:
        self.flush()
        by = "url, rowid" if order == "url" else "rowid"
        for (data,) in self._rows(f"SELECT data FROM pages WHERE run_id = ? ORDER BY {by}", (run_id,)):
            yield json.loads(data)

    def checks(self, run_id: str) -> list[CheckResult]:
        self.flush()
        out = []
        for (data,) in self.conn.execute("SELECT data FROM checks WHERE run_id = ? ORDER BY rowid", (run_id,)):
            d = json.loads(data)
            out.append(CheckResult(d["id"], CheckStatus(d["status"]), d.get("detail", ""), d.get("expected"),
                                   d.get("actual")))
        return out

    def run(self, run_id: str) -> dict[str, Any] | None:
        """{id, site, profile, started, finished, finish_reason, pages, summary, extra}, or None."""
        cur = self.conn.execute("SELECT id, site, profile, started, finished, finish_reason, pages, summary, extra "
                                "FROM runs WHERE id = ?", (run_id,))
        row = cur.fetchone()
        if row is None:
            return None
        out = dict(zip([c[0] for c in cur.description], row))
        out["summary"] = json.loads(out["summary"] or "{}")
        out["extra"] = json.loads(out["extra"] or "{}")
        return out

    def history(self, site: str | None = None, limit: int = 50) -> list[dict]:
        """Past runs, newest first, with counts by severity, new/fixed and the run's uptime %."""
        self.flush()
        sql = ("SELECT id, site, started, finished, finish_reason, pages, summary FROM runs"
               + (" WHERE site = ?" if site else "") + " ORDER BY started DESC, rowid DESC LIMIT ?")
        rows = self.conn.execute(sql, (site, limit) if site else (limit,)).fetchall()
        out = []
        for rid, rsite, started, finished, reason, pages, summary in rows:
            s = json.loads(summary or "{}")
            if not all(k in s for k in ("error", "warning", "info", "new", "fixed")):
                s = self._count(rid) | s        # a run that never finished has no summary: count
            if not pages:
                pages = self.conn.execute("SELECT COUNT(*) FROM pages WHERE run_id = ?", (rid,)).fetchone()[0]
            up_down = dict(self.conn.execute("SELECT counts_as, COUNT(*) FROM probes WHERE run_id = ? "
                                             "GROUP BY counts_as", (rid,)).fetchall())
            out.append({"id": rid, "site": rsite, "started": started, "finished": finished,
                        "finish_reason": reason, "pages": pages,
                        **{k: int(s.get(k, 0) or 0) for k in ("error", "warning", "info", "new", "fixed")},
                        "uptime": up_percent(up_down.get("up", 0), up_down.get("down", 0))})
        return out

    def _count(self, run_id: str) -> dict[str, int]:
        counts = dict(self.conn.execute("SELECT severity, COUNT(*) FROM findings WHERE run_id = ? GROUP BY severity",
                                        (run_id,)).fetchall())
        counts["new"] = self.conn.execute("SELECT COUNT(*) FROM findings WHERE run_id = ? AND status = 'new'",
                                          (run_id,)).fetchone()[0]
        counts["fixed"] = self.conn.execute("SELECT COUNT(*) FROM fixed WHERE run_id = ?", (run_id,)).fetchone()[0]
        return counts

    def uptime(self, site: str, now: str | None = None) -> dict[str, dict[str, float | None]]:
        """{domain: {"1d": %, "7d": %, "30d": %}} over the site's stored probes; None where nothing counted.

        A probe counts per `ProbeKind.counts_as`: up (ok, slow), down (dns, connect, tls, timeout,
        http) or excluded (blocked: 429, WAF 403 — neither up nor down).
        """
        self.flush()
        end = parse_time(now) if now else datetime.now(timezone.utc)
        if end is None:
            raise ConfigError(f"not an ISO-8601 time: {now!r}", field="now")
        # Coarse filter on the run's start date (text compare), exact windows in uptime_by_domain.
        cutoff_day = (end - max(UPTIME_WINDOWS.values()) - timedelta(days=1)).date().isoformat()
        rows = self.conn.execute("SELECT p.domain, p.at, p.counts_as FROM probes p JOIN runs r ON r.id = p.run_id "
                                 "WHERE r.site = ? AND r.started >= ?", (site, cutoff_day)).fetchall()
        return uptime_by_domain(rows, end)

    def site_is_running(self, site: str) -> bool:
        """True while a live run holds the site's lock (the fleet dispatcher asks before retrying a site)."""
        row = self.conn.execute("SELECT pid, host, proc_start, heartbeat FROM locks WHERE site = ?", (site,)).fetchone()
        return row is not None and lock_is_live(*row)

    def resumable_run(self, site: str) -> str | None:
        """The site's latest run when it was interrupted (or crashed without a live lock), else None."""
        row = self.conn.execute("SELECT id, finished, finish_reason FROM runs WHERE site = ? "
                                "ORDER BY started DESC, rowid DESC LIMIT 1", (site,)).fetchone()
        if row is None:
            return None
        run_id, finished, reason = row
        if reason == "interrupted":
            return run_id
        if finished is None and run_id not in self._held:
            lock = self.conn.execute("SELECT pid, host, proc_start, heartbeat FROM locks WHERE run_id = ?",
                                     (run_id,)).fetchone()
            if lock is None or not lock_is_live(*lock):
                return run_id
        return None

    def forget_results(self, run_id: str, finding_keys: Iterable[tuple[str, str, str, str]]) -> None:
        """Before a resumed run re-runs its site and final checks: drop their earlier checks, probes
        and the findings with these keys (`Finding.key`), so nothing is counted twice."""
        self.flush()
        with self._write() as conn:
            conn.execute("DELETE FROM checks WHERE run_id = ?", (run_id,))
            conn.execute("DELETE FROM probes WHERE run_id = ?", (run_id,))
            conn.executemany('DELETE FROM findings WHERE run_id = ? AND rule = ? AND url = ? '
                             'AND coalesce("where", \'\') = ? AND coalesce(match, \'\') = ?',
                             [(run_id, *key) for key in finding_keys])

    def prune(self, keep_runs: int = 100) -> int:
        """Drop the pages, findings, checks and fixed lists of each site's runs older than its newest
        `keep_runs` (run rows and probes stay: history and uptime keep working). Returns runs pruned.

        A nightly job with 5,000 pages adds about 1 MB a night; SQLite reuses the freed space.
        """
        if keep_runs < 1:
            raise ConfigError(f"must be at least 1, got {keep_runs}", field="keep_runs")
        self.flush()
        old = [rid for (rid,) in self.conn.execute(
            "SELECT id FROM (SELECT id, finished, ROW_NUMBER() OVER (PARTITION BY site ORDER BY started DESC, "
            "rowid DESC) AS n FROM runs) AS ranked WHERE n > ? AND finished IS NOT NULL", (keep_runs,))]
        with self._write() as conn:
            for table in ("pages", "findings", "checks", "fixed", "finding_groups", "fixed_groups"):
                conn.executemany(f"DELETE FROM {table} WHERE run_id = ?", [(rid,) for rid in old])
        return len(old)

    def close(self) -> None:
        """Write what is buffered; a run begun here and never finished is recorded as interrupted."""
        with self._mutex:
            if self._closed:
                return
            try:
                self._flush_buffer()
                if self._held:
                    with self._write() as conn:
                        for run_id in list(self._held):
                            conn.execute("UPDATE runs SET finished = ?, finish_reason = 'interrupted' "
                                         "WHERE id = ? AND finished IS NULL", (now_iso(), run_id))
                            conn.execute("DELETE FROM locks WHERE run_id = ?", (run_id,))
                    self._held.clear()
            finally:
                self._closed = True
                self.conn.close()
