"""One run per site: the lock across Store objects and real processes, and when a lock is stale."""
from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from crawler.history.store import RunLocked, Store
from rules.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent


def test_same_site_is_locked_other_sites_are_not(db_url):
    with Store.open(db_url) as a, Store.open(db_url) as b:
        run_id = a.begin_run("s", profile="p", started="2026-11-01T01:00:00+00:00")
        with pytest.raises(RunLocked) as err:
            b.begin_run("s", profile="p", started="2026-11-01T01:00:05+00:00")
        assert isinstance(err.value, ConfigError)
        assert run_id in str(err.value) and "已有一次巡检在进行" in str(err.value) and "in progress" in str(err.value)
        b.begin_run("t", profile="p", started="2026-11-01T01:00:05+00:00")
        a.finish_run(run_id, finished="2026-11-01T01:01:00+00:00", finish_reason="finished", summary={})
        b.begin_run("s", profile="p", started="2026-11-01T01:02:00+00:00")


def test_close_without_finish_marks_interrupted_and_resume(db_url):
    path = db_url
    store = Store.open(path)
    run_id = store.begin_run("s", profile="p", started="2026-11-01T01:00:00+00:00")
    store.add_pages(run_id, [{"url": "https://a.cn/", "status": 200}])
    store.close()
    with Store.open(path) as store:
        assert store.run(run_id)["finish_reason"] == "interrupted"
        assert store.resumable_run("s") == run_id
        assert store.reopen_run(run_id) == run_id
        assert store.run(run_id)["finish_reason"] is None
        assert [p["url"] for p in store.iter_pages(run_id)] == ["https://a.cn/"]
        store.finish_run(run_id, finished="2026-11-01T02:00:00+00:00", finish_reason="finished", summary={})
        assert store.resumable_run("s") is None


_WORKER = textwrap.dedent("""
    import json, sys, time
    from pathlib import Path
    from crawler.history.store import Store, RunLocked
    from rules.model import Finding, Severity

    db, site, wait, rows, hold = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
    store = Store.open(db)
    try:
        run_id = store.begin_run(site, profile="p", started=time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime()),
                                 wait=wait)
    except RunLocked as exc:
        print(exc, file=sys.stderr)
        sys.exit(2)
    print(run_id, flush=True)
    for i in range(rows):
        store.add_pages(run_id, [{"url": f"https://{site}/{i}", "status": 200}])
        store.add_findings(run_id, [Finding("AD101", "absolute", Severity.ERROR, f"https://{site}/{i}", "m",
                                            match="最佳")])
    store.flush()
    while hold != "-" and not Path(hold).exists():
        time.sleep(0.05)
    store.mark_changes(run_id)
    store.finish_run(run_id, finished="x", finish_reason="finished", summary={"error": rows})
    store.close()
""")


@pytest.fixture
def worker(tmp_path):
    script = tmp_path / "worker.py"
    script.write_text(_WORKER)
    env = dict(os.environ, PYTHONPATH=str(ROOT))

    def start(db: Path | str, site: str, wait: float = 0, rows: int = 10, hold: str = "-") -> subprocess.Popen:
        return subprocess.Popen([sys.executable, str(script), str(db), site, str(wait), str(rows), hold],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)
    return start


def _consistent(db: Path | str):
    """A connection to read the DB with (`?` placeholders on both stores); SQLite's file is checked first."""
    if str(db).startswith("postgresql://"):
        return Store.open(db).conn
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    return conn


def test_two_processes_same_site_second_exits_cleanly_or_waits(tmp_path, worker, db_url):
    db, release = db_url, tmp_path / "release"
    first = worker(db, "s.cn", hold=str(release))
    first_id = first.stdout.readline().strip()
    assert first_id
    second = worker(db, "s.cn", wait=0)
    out, err = second.communicate(timeout=60)
    assert second.returncode == 2 and "Traceback" not in err
    assert "s.cn" in err and first_id in err and "in progress" in err
    third = worker(db, "s.cn", wait=60)                 # waits for the first to finish
    time.sleep(0.3)
    release.touch()
    assert first.wait(timeout=60) == 0
    out, err = third.communicate(timeout=60)
    assert third.returncode == 0, err
    conn = _consistent(db)
    rows = conn.execute("SELECT id, finish_reason FROM runs ORDER BY started, rowid").fetchall()
    assert [r[1] for r in rows] == ["finished", "finished"]
    assert conn.execute("SELECT COUNT(*) FROM locks").fetchone()[0] == 0
    statuses = conn.execute("SELECT status, COUNT(*) FROM findings WHERE run_id = ? GROUP BY status",
                            (out.strip(),)).fetchall()
    assert statuses == [("persisting", 10)]
    first.stdout.close(); first.stderr.close()


def test_two_processes_different_sites_write_at_once(tmp_path, worker):
    db = tmp_path / "h.db"
    procs = [worker(db, site, rows=1500) for site in ("a.cn", "b.cn")]
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    conn = _consistent(db)
    for site in ("a.cn", "b.cn"):
        n = conn.execute("SELECT COUNT(*) FROM pages p JOIN runs r ON r.id = p.run_id WHERE r.site = ?",
                         (site,)).fetchone()[0]
        assert n == 1500
    assert conn.execute("SELECT COUNT(*) FROM runs WHERE finish_reason = 'finished'").fetchone()[0] == 2


def test_killed_run_does_not_block_the_next(tmp_path, worker, db_url):
    db, never = db_url, tmp_path / "never"
    victim = worker(db, "s.cn", rows=5, hold=str(never))
    victim_id = victim.stdout.readline().strip()
    time.sleep(0.2)
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=30)
    with Store.open(db) as store:
        # PostgreSQL ends the killed process's session (and so its advisory lock) as it sees the socket close
        deadline = time.monotonic() + 20
        while store.resumable_run("s.cn") != victim_id and time.monotonic() < deadline:
            time.sleep(0.1)
        assert store.resumable_run("s.cn") == victim_id
        run_id = store.begin_run("s.cn", profile="p", started="2099-01-01T00:00:00+00:00")
        assert store.run(victim_id)["finish_reason"] == "interrupted"
        assert len(list(store.iter_pages(victim_id))) == 5       # flushed before the kill: kept
        store.finish_run(run_id, finished="2099-01-01T00:01:00+00:00", finish_reason="finished", summary={})
    _consistent(db)
    victim.stdout.close(); victim.stderr.close()


@pytest.mark.parametrize("age_min, live", [(14, True), (16, False)])
def test_lock_on_another_host_goes_stale_by_heartbeat(age_min, live):
    from datetime import datetime, timedelta, timezone

    from crawler.history.lock import lock_is_live

    now = datetime(2026, 11, 28, 12, 0, tzinfo=timezone.utc)
    beat = (now - timedelta(minutes=age_min)).isoformat().replace("+00:00", "Z")
    assert lock_is_live(1, "some-other-host.invalid", "", beat, now=now) is live


def test_lock_of_a_reused_pid_is_stale():
    from crawler.history.lock import host_name, lock_is_live, process_start

    me = os.getpid()
    start = process_start(me)
    assert lock_is_live(me, host_name(), start, "") is True
    if start:                                   # /proc tells the process start: a different one is a new process
        assert lock_is_live(me, host_name(), str(int(start) - 1), "") is False
