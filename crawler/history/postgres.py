"""The history store on PostgreSQL (`--db postgresql://…`, psycopg 3): one history for many machines.

Same tables, same migrations (`schema.MIGRATIONS`, applied in order and recorded in
`meta.schema_version`), same queries as SQLite: `Store`'s SQL runs through a small connection
facade that turns `?` into psycopg's `%s` and `BEGIN IMMEDIATE` into `BEGIN`; every table gets a
`rowid BIGSERIAL` column so that "in the order written" means the same on both stores. New and fixed
are computed in the store exactly as on SQLite (`Store.mark_changes`).

The per-site lock works across machines: `begin_run` takes a session-level advisory lock keyed by
the site's name (`pg_try_advisory_lock`), held by the audit's connection until the run ends. A
process that dies, or a machine that is lost, loses its connection and so its lock; no heartbeat
or pid check is needed. The `locks` row is kept as well, for the message that says who holds a site.

Secrets never reach the store: the URL's password is not recorded anywhere (errors and reports show
the URL with `***`); put it in `PGPASSWORD` or `~/.pgpass` rather than in the URL.
"""
from __future__ import annotations

import os
import re
import time
from contextlib import contextmanager
from typing import Any, Iterable, Iterator

from crawler.clock import now_iso
from crawler.history.lock import host_name, process_start
from crawler.history.schema import MIGRATIONS, SCHEMA_VERSION, _split
from crawler.history.store import RunLocked, Store, _BUSY_TIMEOUT_S, _POLL_S
from rules.errors import ConfigError

URL_PREFIXES = ("postgresql://", "postgres://")
_MIGRATE_KEY = 0x5A17E  # the advisory lock one migrating process holds
_CREATE_TABLE = re.compile(r"^\s*CREATE TABLE (IF NOT EXISTS )?(\w+)\s*\(", re.I)


def is_postgres_url(db: str) -> bool:
    return str(db).startswith(URL_PREFIXES)


def redact(url: str) -> str:
    """The URL without its password."""
    return re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", url)


def translate(sql: str, with_args: bool = True) -> str:
    """SQLite-flavoured SQL of `Store` → PostgreSQL: placeholders and BEGIN IMMEDIATE."""
    if sql.strip().upper() == "BEGIN IMMEDIATE":
        return "BEGIN"
    return sql.replace("%", "%%").replace("?", "%s") if with_args else sql


def ddl(statement: str) -> str:
    """A migration statement for PostgreSQL: each new table also gets `rowid` (write order)."""
    m = _CREATE_TABLE.match(statement)
    if m:
        body = statement.rstrip().rstrip(";")
        assert body.endswith(")"), statement
        return body[:-1].rstrip() + ",\n    rowid BIGSERIAL)"
    return statement


class _Cursor:
    def __init__(self, cur: Any):
        self._cur = cur

    def execute(self, sql: str, args: Iterable[Any] = ()) -> "_Cursor":
        args = tuple(args)
        self._cur.execute(translate(sql, bool(args)), args or None)
        return self

    def executemany(self, sql: str, rows: Iterable[Iterable[Any]]) -> "_Cursor":
        rows = [tuple(r) for r in rows]
        if rows:
            self._cur.executemany(translate(sql), rows)
        return self

    def fetchone(self) -> Any:
        return self._cur.fetchone()

    def fetchall(self) -> list:
        return self._cur.fetchall()

    def fetchmany(self, n: int) -> list:
        return self._cur.fetchmany(n)

    @property
    def description(self) -> Any:
        return self._cur.description

    def __iter__(self) -> Iterator:
        return iter(self._cur)


class PgConnection:
    """What `Store` needs of a sqlite3 connection, over one autocommit psycopg connection."""

    def __init__(self, conn: Any):
        self.raw = conn

    def cursor(self) -> _Cursor:
        return _Cursor(self.raw.cursor())

    def execute(self, sql: str, args: Iterable[Any] = ()) -> _Cursor:
        return self.cursor().execute(sql, args)

    def executemany(self, sql: str, rows: Iterable[Iterable[Any]]) -> _Cursor:
        return self.cursor().executemany(sql, rows)

    @property
    def in_transaction(self) -> bool:
        from psycopg.pq import TransactionStatus

        return self.raw.info.transaction_status != TransactionStatus.IDLE

    def close(self) -> None:
        self.raw.close()


def _connect(url: str) -> Any:
    try:
        import psycopg
    except ImportError:
        raise ConfigError("PostgreSQL 需要 psycopg：pip install 'siteaudit[postgres]' / a PostgreSQL --db needs "
                          "psycopg: pip install 'siteaudit[postgres]'", file=redact(url), field="--db") from None
    try:
        return psycopg.connect(url, autocommit=True, connect_timeout=_BUSY_TIMEOUT_S,
                               application_name="siteaudit")
    except psycopg.Error as exc:
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ConfigError(f"无法连接历史数据库 / cannot connect to the history DB: {redact(message)}",
                          file=redact(url), field="--db") from None


def migrate_pg(conn: PgConnection, where: str) -> int:
    """Apply the missing migrations in one transaction (one process at a time); returns the version found."""
    conn.execute("BEGIN")
    try:
        conn.execute("SELECT pg_advisory_xact_lock(?)", (_MIGRATE_KEY,))
        found = 0
        if conn.execute("SELECT to_regclass('meta')").fetchone()[0] is not None:
            row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
            try:
                found = int(row[0]) if row else 0
            except ValueError:
                raise ConfigError(f"meta.schema_version is not a number: {row[0]!r}", file=where,
                                  field="schema_version") from None
        if found > SCHEMA_VERSION:
            raise ConfigError(
                f"历史数据库的结构版本 {found} 比本程序支持的 {SCHEMA_VERSION} 新，请升级 siteaudit 或换一个 --db"
                f" / the history DB has schema version {found}, newer than this siteaudit knows"
                f" ({SCHEMA_VERSION}): upgrade siteaudit or use another --db", file=where, field="schema_version")
        for version, script in MIGRATIONS:
            if version <= found:
                continue
            for statement in _split(script):
                conn.execute(ddl(statement))
            conn.execute("INSERT INTO meta (key, value) VALUES ('schema_version', ?) "
                         "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value", (str(version),))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return found


class PostgresStore(Store):
    """`Store` on PostgreSQL; the per-site lock is an advisory lock of this store's connection."""

    @classmethod
    def open_url(cls, url: str) -> "PostgresStore":
        import psycopg

        shown = redact(url)
        raw = _connect(url)
        conn = PgConnection(raw)
        try:
            migrate_pg(conn, shown)
        except ConfigError:
            raw.close()
            raise
        except psycopg.Error as exc:
            raw.close()
            raise ConfigError(f"历史数据库不可用 / the history DB is unusable: {exc}", file=shown, field="--db") from None
        store = cls(conn, shown)
        store._site_locks: dict[str, str] = {}
        return store

    def _rows_write(self):
        return self._write()   # PostgreSQL: a batch is committed like any other write

    @contextmanager
    def _write(self) -> Iterator[PgConnection]:
        import psycopg

        with self._mutex:
            try:
                self.conn.execute("BEGIN")
                yield self.conn
                self.conn.execute("COMMIT")
            except BaseException as exc:
                if self.conn.in_transaction:
                    try:
                        self.conn.execute("ROLLBACK")
                    except psycopg.Error:
                        pass
                if isinstance(exc, psycopg.Error):
                    raise ConfigError(f"无法写入历史数据库 / cannot write the history DB: {exc}",
                                      file=self.path, field="--db") from None
                raise

    def _acquire(self, site: str, run_id: str, wait: float, new_run: tuple[str, str] | None) -> str:
        deadline = time.monotonic() + max(wait, 0.0)
        while True:
            holder = None
            with self._write() as conn:
                # Re-entrant within one session, so a second run of a site from this same Store is refused here.
                mine = site in self._held.values()
                got = not mine and conn.execute("SELECT pg_try_advisory_lock(hashtextextended(?, 0))",
                                                (site,)).fetchone()[0]
                if not got:
                    holder = conn.execute("SELECT run_id, pid, host, proc_start, acquired, heartbeat FROM locks "
                                          "WHERE site = ?", (site,)).fetchone() or (
                        "?", 0, "?", "", "?", "")
                else:
                    try:
                        # We hold the site: whatever its lock row or unfinished runs say, nobody else runs it.
                        conn.execute("DELETE FROM locks WHERE site = ?", (site,))
                        conn.execute("UPDATE runs SET finished = ?, finish_reason = 'interrupted' "
                                     "WHERE site = ? AND finished IS NULL AND id != ?", (now_iso(), site, run_id))
                        if new_run is not None:
                            conn.execute("INSERT INTO runs (id, site, profile, started, pid, host) "
                                         "VALUES (?, ?, ?, ?, ?, ?)",
                                         (run_id, site, new_run[0], new_run[1], os.getpid(), host_name()))
                        else:
                            conn.execute("UPDATE runs SET finished = NULL, finish_reason = NULL, pid = ?, host = ? "
                                         "WHERE id = ?", (os.getpid(), host_name(), run_id))
                        stamp = now_iso()
                        conn.execute("INSERT INTO locks (site, run_id, pid, host, proc_start, acquired, heartbeat) "
                                     "VALUES (?, ?, ?, ?, ?, ?, ?)",
                                     (site, run_id, os.getpid(), host_name(), process_start(os.getpid()), stamp, stamp))
                    except BaseException:
                        self._unlock(site)
                        raise
                    self._held[run_id] = site
                    return run_id
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise RunLocked.held_by(site, holder, self.path)
            time.sleep(min(_POLL_S, remaining))

    def _unlock(self, site: str) -> None:
        try:
            self.conn.execute("SELECT pg_advisory_unlock(hashtextextended(?, 0))", (site,))
        except Exception:  # the connection is gone: so is the lock
            pass

    def finish_run(self, run_id: str, **kwargs: Any) -> None:
        site = self._held.get(run_id)
        super().finish_run(run_id, **kwargs)
        if site is not None:
            self._unlock(site)

    def site_is_running(self, site: str) -> bool:
        """True while some session holds the site's advisory lock (an audit runs it, on any machine)."""
        if site in self._held.values():
            return True
        got = self.conn.execute("SELECT pg_try_advisory_lock(hashtextextended(?, 0))", (site,)).fetchone()[0]
        if got:
            self._unlock(site)
        return not got

    def resumable_run(self, site: str) -> str | None:
        row = self.conn.execute("SELECT id, finished, finish_reason FROM runs WHERE site = ? "
                                "ORDER BY started DESC, rowid DESC LIMIT 1", (site,)).fetchone()
        if row is None:
            return None
        run_id, finished, reason = row
        if reason == "interrupted" or (finished is None and not self.site_is_running(site)):
            return run_id
        return None
