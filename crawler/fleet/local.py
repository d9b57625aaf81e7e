"""`fleet run --jobs N`: one `siteaudit audit` process per site, N at a time, all into one store.

Each audit is a separate process (Scrapy's reactor cannot be restarted inside one process, and a
crash stays with its site). The history store takes the concurrent writers: SQLite in WAL mode with
a busy timeout and short batched write transactions, or PostgreSQL. Every site writes its outputs
into `OUT/sites/<slug>/` with its console output in `audit.log` there.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from crawler.fleet.config import Site


@dataclass
class SiteRun:
    """What one site's audit process left: its exit code, the run it recorded, where its outputs are."""

    site: str
    profile: str
    out_dir: str
    exit_code: int
    seconds: float
    run_id: str | None = None
    node: str = "local"
    attempts: int = 1
    detail: str = ""


def audit_command(profile: str, out_dir: str, db: str, audit_args: list[str]) -> list[str]:
    """The command line of one site's audit (json is always written: the fleet report reads it)."""
    return [sys.executable, "-m", "crawler", "audit", profile, "-o", out_dir, "--db", db, "--quiet", *audit_args]


def phrases_in_process(audit_args: list[str]) -> list[str]:
    """The audit arguments of a job that runs beside others: its phrase rules in its own process, unless
    the arguments choose. Parallel jobs already use the cores; a phrase worker per job (crawler/phrases.py)
    would only compete with them."""
    if any(a == "--phrase-worker" or a.startswith("--phrase-worker=") for a in audit_args):
        return audit_args
    return [*audit_args, "--phrase-worker", "off"]


def read_run_id(out_dir: Path) -> str | None:
    import json

    try:
        doc = json.loads((out_dir / "findings.json").read_text(encoding="utf-8"))
        return str(doc["run"]["id"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


class LocalRunner:
    """Runs the audits in `jobs` worker processes; Ctrl-C/SIGTERM stops them (each writes its partial report)."""

    def __init__(self, db: str, out_root: Path, jobs: int, audit_args: list[str], env: dict | None = None):
        self.db = db
        self.out_root = out_root
        self.jobs = max(1, jobs)
        self.audit_args = audit_args if self.jobs == 1 else phrases_in_process(audit_args)
        self.env = env
        self._procs: set[subprocess.Popen] = set()
        self._lock = threading.Lock()
        self._stopping = False

    def _one(self, site: Site) -> SiteRun:
        out_dir = self.out_root / "sites" / site.slug
        out_dir.mkdir(parents=True, exist_ok=True)
        for stale in ("findings.json", "report.html"):
            (out_dir / stale).unlink(missing_ok=True)
        start = time.monotonic()
        if self._stopping:
            return SiteRun(site.name, str(site.path), str(out_dir), 3, 0.0, detail="not started: fleet interrupted")
        cmd = audit_command(str(site.path), str(out_dir), self.db, self.audit_args)
        env = {**os.environ, **(self.env or {})}
        with open(out_dir / "audit.log", "wb") as log:
            proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, stdin=subprocess.DEVNULL)
            with self._lock:
                self._procs.add(proc)
            try:
                code = proc.wait()
            finally:
                with self._lock:
                    self._procs.discard(proc)
        detail = ""
        run_id = read_run_id(out_dir)
        if code < 0:  # killed by a signal: the audit itself did not end
            detail = f"killed by {signal.Signals(-code).name}"
            code = 3
            run_id = self._mark_crashed(site.name, proc.pid) or run_id
        elif code not in (0, 1, 2, 3):
            detail = f"exit status {code}"
            code = 3
        return SiteRun(site.name, str(site.path), str(out_dir), code, time.monotonic() - start,
                       run_id=run_id, detail=detail)

    def _mark_crashed(self, site: str, pid: int) -> str | None:
        """The run a killed audit left open is recorded as crashed (and its lock let go)."""
        from crawler.clock import now_iso
        from crawler.history.store import Store

        with Store.open(self.db) as store:
            row = store.conn.execute("SELECT id FROM runs WHERE site = ? AND pid = ? AND finished IS NULL",
                                     (site, pid)).fetchone()
            if row is None:
                return None
            with store._write() as conn:
                conn.execute("UPDATE runs SET finished = ?, finish_reason = 'crashed' WHERE id = ?", (now_iso(), row[0]))
                conn.execute("DELETE FROM locks WHERE run_id = ?", (row[0],))
            return row[0]

    def stop(self) -> None:
        """Ask every running audit to stop (SIGTERM: each one writes a partial report)."""
        self._stopping = True
        with self._lock:
            for proc in self._procs:
                if proc.poll() is None:
                    proc.terminate()

    def run(self, sites: list[Site]) -> list[SiteRun]:
        """Every site's result, in the order given. Interrupted (Ctrl-C, SIGTERM), the running audits
        stop and write their partial reports, the sites not begun are listed as such, and the fleet
        report is still written from what there is."""
        pool = ThreadPoolExecutor(max_workers=self.jobs, thread_name_prefix="fleet")
        futures = [pool.submit(self._one, s) for s in sites]
        try:
            return [f.result() for f in futures]
        except KeyboardInterrupt:
            self.stop()
            pool.shutdown(wait=False, cancel_futures=True)
            for s in (signal.SIGINT, signal.SIGTERM):   # a second signal must not cut the partial reports short
                signal.signal(s, signal.SIG_IGN)
            results = []
            for site, future in zip(sites, futures):
                if future.cancelled():
                    results.append(SiteRun(site.name, str(site.path), str(self.out_root / "sites" / site.slug), 3,
                                           0.0, detail="not started: fleet interrupted"))
                else:
                    results.append(future.result())
            return results
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
