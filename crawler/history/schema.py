"""The history DB's schema: a numbered list of migrations and the code that applies them.

A DB records its version in `meta.schema_version`. Opening an older DB applies the missing
migrations in order, each in its own transaction, after copying the DB to `<name>.v<N>.bak`;
a DB newer than this code is refused with a clear error rather than half-understood.
Never edit a released migration: add a new one at the end.
"""
from __future__ import annotations

import sqlite3
from pathlib import Path

from rules.errors import ConfigError

# (version, SQL). Version 1 is the first released layout; each later entry upgrades the one before.
MIGRATIONS: list[tuple[int, str]] = [
    (1, """
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
"""),
    # 2: a finding's status in its own column, the fixed list kept per run (for `report RUN_ID`),
    # one lock row per site (who runs it: pid, host, process start), and indexes for history queries.
    (2, """
ALTER TABLE findings ADD COLUMN status TEXT;
ALTER TABLE runs ADD COLUMN pid INTEGER;
ALTER TABLE runs ADD COLUMN host TEXT;
CREATE TABLE fixed (run_id TEXT NOT NULL, data TEXT NOT NULL);
CREATE INDEX fixed_run ON fixed(run_id);
CREATE TABLE locks (
    site TEXT PRIMARY KEY, run_id TEXT NOT NULL, pid INTEGER NOT NULL, host TEXT NOT NULL,
    proc_start TEXT NOT NULL DEFAULT '', acquired TEXT NOT NULL, heartbeat TEXT NOT NULL);
CREATE INDEX checks_run ON checks(run_id);
CREATE INDEX probes_run ON probes(run_id);
"""),
    # 3: findings grouped by distinct problem (issue 15): each finding's group id and the columns the
    # report's order needs; one row per group and run (its reach and status); the groups fixed since
    # the run before; indexes for the per-group and per-identity queries.
    (3, """
ALTER TABLE findings ADD COLUMN gid TEXT;
ALTER TABLE findings ADD COLUMN category TEXT;
ALTER TABLE findings ADD COLUMN line INTEGER;
ALTER TABLE findings ADD COLUMN col INTEGER;
CREATE INDEX findings_group ON findings(run_id, gid, url);
CREATE INDEX findings_identity ON findings(run_id, rule, url);
CREATE INDEX pages_url ON pages(run_id, url);
CREATE TABLE finding_groups (
    run_id TEXT NOT NULL, gid TEXT NOT NULL, severity TEXT, pages INTEGER NOT NULL, occurrences INTEGER NOT NULL,
    template INTEGER NOT NULL, status TEXT, data TEXT NOT NULL);
CREATE INDEX finding_groups_run ON finding_groups(run_id, gid);
CREATE TABLE fixed_groups (run_id TEXT NOT NULL, gid TEXT NOT NULL, data TEXT NOT NULL);
CREATE INDEX fixed_groups_run ON fixed_groups(run_id);
"""),
]

SCHEMA_VERSION = MIGRATIONS[-1][0]


def db_version(conn: sqlite3.Connection) -> int:
    """The schema version recorded in the DB; 0 for an empty DB."""
    has_meta = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").fetchone()
    if not has_meta:
        return 0
    row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    try:
        return int(row[0]) if row else 0
    except ValueError:
        raise ConfigError(f"meta.schema_version is not a number: {row[0]!r}", field="schema_version") from None


def _split(script: str) -> list[str]:
    return [s.strip() for s in script.split(";") if s.strip()]


def migrate(conn: sqlite3.Connection, path: str) -> int:
    """Bring the DB (autocommit connection) up to SCHEMA_VERSION; returns the version it had."""
    conn.execute("BEGIN IMMEDIATE")      # one process migrates; others wait on the busy timeout
    try:
        found = db_version(conn)
        if found > SCHEMA_VERSION:
            raise ConfigError(
                f"历史数据库的结构版本 {found} 比本程序支持的 {SCHEMA_VERSION} 新，请升级 siteaudit 或换一个 --db"
                f" / the history DB has schema version {found}, newer than this siteaudit knows"
                f" ({SCHEMA_VERSION}): upgrade siteaudit or use another --db", file=path, field="schema_version")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    if found == SCHEMA_VERSION:
        return found
    if found > 0 and path != ":memory:":
        _backup(conn, Path(f"{path}.v{found}.bak"))
    conn.execute("BEGIN IMMEDIATE")
    try:
        current = db_version(conn)       # another process may have migrated while we backed up
        for version, script in MIGRATIONS:
            if version <= current:
                continue
            for statement in _split(script):
                conn.execute(statement)
            conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?)", (str(version),))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return found


def _backup(conn: sqlite3.Connection, target: Path) -> None:
    """A consistent copy of the DB before changing its layout (kept if one exists already)."""
    if target.exists():
        return
    dest = sqlite3.connect(str(target))
    try:
        conn.backup(dest)
    finally:
        dest.close()
