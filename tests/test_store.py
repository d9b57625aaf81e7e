"""History DB: schema and migrations, new/fixed between runs, reading back, buffering, pruning.

The per-site lock and the multi-process tests are in test_store_lock.py."""
from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path

import pytest

from crawler.checks.base import Probe, ProbeKind
from crawler.history.store import Store
from crawler.history.schema import MIGRATIONS, SCHEMA_VERSION
from rules.errors import ConfigError
from rules.model import CheckResult, CheckStatus, Finding, Severity



def F(rule: str, url: str = "https://a.cn/", match: str | None = "最佳", where: str | None = "body",
      line: int = 1, sev: Severity = Severity.ERROR) -> Finding:
    return Finding(rule, "absolute", sev, url, f"msg {rule}", where=where, match=match, line=line,
                   context=f"…{match}… line {line}")


def _run(store: Store, site: str, started: str, findings: list[Finding], pages: list[str] = (),
         reason: str = "finished", partial: bool = False) -> tuple[str, list[dict]]:
    run_id = store.begin_run(site, profile="site.yaml", started=started)
    store.add_pages(run_id, [{"url": u, "status": 200, "depth": 0} for u in pages])
    store.add_findings(run_id, findings)
    fixed = store.mark_changes(run_id, partial=partial)
    statuses = [f.status for f in store.iter_findings(run_id)]
    summary = {"error": len(findings), "warning": 0, "info": 0,
               "new": statuses.count("new"), "fixed": len(fixed)}
    store.finish_run(run_id, finished=started, finish_reason=reason, summary=summary)
    return run_id, fixed


# -- opening, schema, migrations -------------------------------------------------------------------

def test_open_creates_dirs_schema_and_wal(tmp_path):
    path = tmp_path / "deep" / "er" / "history.sqlite3"
    with Store.open(path) as store:
        assert path.exists()
        assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        version = store.conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0]
        assert int(version) == SCHEMA_VERSION
    Store.open(path).close()     # reopening an up-to-date DB changes nothing


def _v1_db(path: Path) -> None:
    """A DB as the first release wrote it: version 1, a finished run with a finding."""
    conn = sqlite3.connect(path)
    conn.executescript(MIGRATIONS[0][1])
    conn.execute("INSERT INTO meta VALUES ('schema_version', '1')")
    conn.execute("INSERT INTO runs (id, site, profile, started, finished, finish_reason, pages, summary, extra) "
                 "VALUES ('old', 's', 'p', '2026-01-01T00:00:00+00:00', '2026-01-01T00:10:00+00:00', 'finished', 1, "
                 "'{\"error\": 1}', '{}')")
    f = F("AD101").replace(status="new")
    conn.execute("INSERT INTO findings VALUES ('old', ?, ?, ?, ?, ?, ?)",
                 (f.rule, f.url, f.where, f.match, "error", json.dumps(f.to_dict(), ensure_ascii=False)))
    conn.commit()
    conn.close()


def test_older_db_is_migrated_with_a_backup_and_keeps_its_history(tmp_path):
    path = tmp_path / "h.sqlite3"
    _v1_db(path)
    with Store.open(path) as store:
        assert (tmp_path / "h.sqlite3.v1.bak").exists()
        assert [f.status for f in store.iter_findings("old")] == ["new"]
        # the migrated DB works: the next run compares against the old one
        run_id, fixed = _run(store, "s", "2026-01-02T00:00:00+00:00", [F("AD101"), F("AD102", match="第一")])
        assert sorted((f.rule, f.status) for f in store.iter_findings(run_id)) == [
            ("AD101", "persisting"), ("AD102", "new")]
        assert fixed == []
    backup = sqlite3.connect(tmp_path / "h.sqlite3.v1.bak")
    assert backup.execute("SELECT value FROM meta").fetchone()[0] == "1"
    backup.close()


def test_newer_db_is_refused_with_a_clear_error(tmp_path):
    path = tmp_path / "h.sqlite3"
    Store.open(path).close()
    conn = sqlite3.connect(path)
    conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION + 1),))
    conn.commit()
    conn.close()
    with pytest.raises(ConfigError) as err:
        Store.open(path)
    text = str(err.value)
    assert str(path) in text and str(SCHEMA_VERSION + 1) in text and "upgrade" in text


@pytest.mark.parametrize("content", [b"this is not a database at all" * 100, b"\x00" * 10])
def test_not_a_database_names_the_file(tmp_path, content):
    path = tmp_path / "h.sqlite3"
    path.write_bytes(content)
    with pytest.raises(ConfigError) as err:
        Store.open(path)
    assert str(path) in str(err.value) and err.value.field == "--db"


# -- changes between runs --------------------------------------------------------------------------

def test_new_persisting_fixed_across_runs(db_url):
    with Store.open(db_url) as store:
        first, fixed1 = _run(store, "s", "2026-11-01T01:00:00+00:00", [F("A"), F("B"), F("C")])
        assert fixed1 == [] and {f.status for f in store.iter_findings(first)} == {"new"}
        # B moved to another line and its context changed: still the same finding
        second, fixed2 = _run(store, "s", "2026-11-02T01:00:00+00:00",
                              [F("B", line=9), F("C"), F("D"), F("C", url="https://a.cn/other")])
        marks = [(f.rule, f.url, f.status) for f in store.iter_findings(second)]
        assert marks == [("B", "https://a.cn/", "persisting"), ("C", "https://a.cn/", "persisting"),
                         ("D", "https://a.cn/", "new"), ("C", "https://a.cn/other", "new")]
        assert [f["rule"] for f in fixed2] == ["A"] and "status" not in fixed2[0]
        assert store.fixed(second) == fixed2
        assert store.mark_changes(second) == fixed2           # idempotent
        row = store.history("s")[0]
        assert (row["id"], row["new"], row["fixed"]) == (second, 2, 1)


def test_interrupted_runs_are_not_compared_against(db_url):
    with Store.open(db_url) as store:
        _run(store, "s", "2026-11-01T01:00:00+00:00", [F("A"), F("B")])
        _run(store, "s", "2026-11-02T01:00:00+00:00", [F("A")], reason="interrupted")
        third, fixed = _run(store, "s", "2026-11-03T01:00:00+00:00", [F("A"), F("B")])
        assert {f.status for f in store.iter_findings(third)} == {"persisting"} and fixed == []
        # other sites never mix in
        other, _ = _run(store, "t", "2026-11-04T01:00:00+00:00", [F("A")])
        assert [f.status for f in store.iter_findings(other)] == ["new"]


def test_partial_run_only_fixes_what_it_visited(db_url):
    with Store.open(db_url) as store:
        _run(store, "s", "2026-11-01T01:00:00+00:00", [F("A", url="https://a.cn/x"), F("B", url="https://a.cn/y")])
        _, fixed = _run(store, "s", "2026-11-02T01:00:00+00:00", [], pages=["https://a.cn/x"],
                        reason="time_limit", partial=True)
        assert [f["rule"] for f in fixed] == ["A"]


# -- reading back ----------------------------------------------------------------------------------

def test_round_trip_pages_checks_run_and_history(db_url):
    with Store.open(db_url) as store:
        run_id = store.begin_run("s", profile="site.yaml", started="2026-11-01T01:00:00+00:00")
        pages = [{"url": f"https://a.cn/{i}", "status": 200, "depth": 1, "ms": 5, "title": "标题", "encoding": "gb18030"}
                 for i in range(3)]
        store.add_pages(run_id, pages)
        store.add_checks(run_id, [CheckResult("dns", CheckStatus.FAIL, "NS", expected="2", actual="1")])
        store.add_probes(run_id, [Probe("a.cn", "https://a.cn/", ProbeKind.OK, "2026-11-01T01:00:01+00:00", ms=3),
                                  Probe("a.cn", "https://a.cn/", ProbeKind.TIMEOUT, "2026-11-01T01:00:02+00:00"),
                                  Probe("a.cn", "https://a.cn/", ProbeKind.BLOCKED, "2026-11-01T01:00:03+00:00")])
        store.add_findings(run_id, [F("A", sev=Severity.WARNING)])
        assert list(store.iter_pages(run_id)) == pages
        assert store.checks(run_id) == [CheckResult("dns", CheckStatus.FAIL, "NS", expected="2", actual="1")]
        running = store.history()[0]
        assert running["finished"] is None and running["warning"] == 1 and running["pages"] == 3
        store.mark_changes(run_id)
        store.finish_run(run_id, finished="2026-11-01T01:05:00+00:00", finish_reason="finished",
                         summary={"error": 0, "warning": 1, "info": 0, "new": 1, "fixed": 0}, extra={"k": "值"})
        run = store.run(run_id)
        assert run["pages"] == 3 and run["finish_reason"] == "finished" and run["extra"] == {"k": "值"}
        row = store.history(site="s")[0]
        assert row["uptime"] == 50.0                 # blocked is neither up nor down
        assert store.run("nope") is None and store.history(site="other") == []


def test_uptime_windows(db_url):
    now = "2026-11-28T12:00:00+00:00"
    probes = [("2026-11-28T10:00:00+00:00", ProbeKind.OK), ("2026-11-28T11:00:00+00:00", ProbeKind.BLOCKED),
              ("2026-11-25T10:00:00+00:00", ProbeKind.DNS_FAILURE), ("2026-11-10T10:00:00+00:00", ProbeKind.SLOW),
              ("2026-10-01T10:00:00+00:00", ProbeKind.TIMEOUT)]
    with Store.open(db_url) as store:
        for i, (at, kind) in enumerate(probes):
            run_id = store.begin_run("s", profile="p", started=at)
            store.add_probes(run_id, [Probe("a.cn", "https://a.cn/", kind, at)])
            if i == 0:
                store.add_probes(run_id, [Probe("b.cn", "https://b.cn/", ProbeKind.BLOCKED, at)])
            store.finish_run(run_id, finished=at, finish_reason="finished", summary={})
        up = store.uptime("s", now=now)
    assert up["a.cn"] == {"1d": 100.0, "7d": 50.0, "30d": pytest.approx(66.67)}
    assert up["b.cn"] == {"1d": None, "7d": None, "30d": None}


def test_writes_are_buffered_then_committed(tmp_path):
    path = tmp_path / "h.db"
    with Store.open(path) as store:
        run_id = store.begin_run("s", profile="p", started="2026-11-01T01:00:00+00:00")
        store.add_findings(run_id, [F(f"R{i}") for i in range(10)])
        other = sqlite3.connect(path)
        assert other.execute("SELECT COUNT(*) FROM findings").fetchone()[0] == 0
        store.flush()
        assert other.execute("SELECT COUNT(*) FROM findings").fetchone()[0] == 10
        from crawler.history.store import _WRITE_BATCH

        store.add_findings(run_id, [F(f"S{i}") for i in range(_WRITE_BATCH + 200)])   # over a batch: written on its own
        assert other.execute("SELECT COUNT(*) FROM findings").fetchone()[0] >= _WRITE_BATCH
        other.close()


def test_a_runs_row_batches_skip_the_fsync_and_its_end_is_durable(tmp_path):
    """Batches of a run's rows commit at synchronous=NORMAL (no fsync with the crawl waiting); every
    other write, and the run's end that makes the batches before it durable, at FULL."""
    with Store.open(tmp_path / "h.db") as store:
        said: list[str] = []
        store.conn.set_trace_callback(said.append)
        run_id = store.begin_run("s", profile="p", started="2026-11-01T01:00:00+00:00")
        store.add_findings(run_id, [F(f"R{i}") for i in range(10)])
        store.flush()
        store.finish_run(run_id, finished="2026-11-01T01:05:00+00:00", finish_reason="finished", summary={})
        store.conn.set_trace_callback(None)
        assert store.conn.execute("PRAGMA synchronous").fetchone()[0] == 2   # FULL again
    modes = [s for s in said if s.startswith(("PRAGMA synchronous", "INSERT INTO findings", "UPDATE runs"))]
    inserts = [i for i, s in enumerate(modes) if s.startswith("INSERT INTO findings")]
    assert len(inserts) == 10
    assert modes[inserts[0] - 1] == "PRAGMA synchronous=NORMAL" and modes[inserts[-1] + 1] == "PRAGMA synchronous=FULL"
    end = modes.index(next(s for s in modes if s.startswith("UPDATE runs SET finished")))
    assert "PRAGMA synchronous=NORMAL" not in modes[inserts[-1] + 1:end]


def test_threads_share_one_store(db_url):
    with Store.open(db_url) as store:
        run_id = store.begin_run("s", profile="p", started="2026-11-01T01:00:00+00:00")

        def work(n: int) -> None:
            for i in range(200):
                store.add_findings(run_id, [F(f"T{n}-{i}")])

        threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(list(store.iter_findings(run_id))) == 800


def test_prune_keeps_the_newest_runs_per_site_and_the_history(db_url):
    with Store.open(db_url) as store:
        ids = {site: [_run(store, site, f"2026-11-0{d}T01:00:00+00:00", [F("A")], pages=["https://a.cn/"])[0]
                      for d in range(1, 5)] for site in ("s", "t")}
        assert store.prune(keep_runs=2) == 4
        for site in ("s", "t"):
            kept = [len(list(store.iter_findings(r))) for r in ids[site]]
            assert kept == [0, 0, 1, 1]
            assert len(store.history(site)) == 4                # run rows and their summaries stay
        latest, _ = _run(store, "s", "2026-11-09T01:00:00+00:00", [F("A")])
        assert [f.status for f in store.iter_findings(latest)] == ["persisting"]
        with pytest.raises(ConfigError):
            store.prune(keep_runs=0)


def test_write_failure_is_a_clear_error_and_rolls_back(tmp_path):
    with Store.open(tmp_path / "h.db") as store:
        run_id = store.begin_run("s", profile="p", started="2026-11-01T01:00:00+00:00")
        store.conn.execute("CREATE TRIGGER no_pages BEFORE INSERT ON pages BEGIN SELECT RAISE(ABORT, 'disk full'); END")
        store.add_findings(run_id, [F("A")])
        store.add_pages(run_id, [{"url": "https://a.cn/", "status": 200}])
        with pytest.raises(ConfigError) as err:
            store.flush()
        assert "disk full" in str(err.value) and str(tmp_path / "h.db") in str(err.value)
        assert not store.conn.in_transaction
        assert store.conn.execute("SELECT COUNT(*) FROM findings").fetchone()[0] == 0   # all or nothing
        store.conn.execute("DROP TRIGGER no_pages")
        store.flush()                                     # the buffer was kept: nothing is lost
        assert store.conn.execute("SELECT COUNT(*) FROM findings").fetchone()[0] == 1


def test_a_directory_is_not_a_db(tmp_path):
    with pytest.raises(ConfigError) as err:
        Store.open(tmp_path)
    assert str(tmp_path) in str(err.value) and err.value.field == "--db"
