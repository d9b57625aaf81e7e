"""`siteaudit fleet` on one machine: real audit processes, loopback sites, one SQLite store.

Every site's row in fleet.json must agree with that site's own findings.json; the exit code is the
worst site's; the summary webhook gets one message; a bad profile is exit 2 before anything runs.
"""
from __future__ import annotations

import json
import sqlite3

import pytest

from crawler.fleet.report import fleet_doc, render_html, site_entry
from crawler.loopback.web import Reply
from tests.fleet_sites import start_fleet

AUDIT = ("--no-dns", "--no-uptime", "--delay", "0", "--quiet")


@pytest.fixture
def fleet(tmp_path):
    servers, profiles = start_fleet(tmp_path / "sites", 4)
    yield profiles
    for s in servers:
        s.stop()


def _has_runs(db) -> bool:
    if not db.exists():            # (connecting would create it)
        return False
    try:
        conn = sqlite3.connect(db)
        try:
            return bool(conn.execute("SELECT COUNT(*) FROM runs").fetchone()[0])
        finally:
            conn.close()
    except sqlite3.Error:          # not created yet, or being migrated
        return False


def _hook(got: list):
    def route(handler) -> Reply:
        got.append(json.loads(handler.rfile.read(int(handler.headers.get("Content-Length") or 0))))
        return Reply(200, "{}", content_type="application/json")
    return route


def test_fleet_run_agrees_with_every_site_and_exits_with_the_worst(fleet, tmp_path, siteaudit, web_server):
    got: list = []
    hook = web_server(routes={("*", "/hook"): _hook(got)})
    # a site whose staging password is missing is a configuration error (2) for that site only
    (tmp_path / "sites" / "site09.yaml").write_text(
        "site:\n  name: 坏站点\n  start_urls: ['http://127.0.0.1:9/']\n"
        "crawl:\n  auth: {username: u, password_env: FLEET_TEST_MISSING}\n", encoding="utf-8")
    db = tmp_path / "fleet.sqlite3"
    out = tmp_path / "out"
    done = siteaudit("fleet", "run", str(tmp_path / "sites"), "--jobs", "2", "--db", str(db), "-o", str(out),
                     "--notify", f"http://127.0.0.1:{hook.port}/hook", *AUDIT)
    doc = json.loads((out / "fleet.json").read_text(encoding="utf-8"))
    # the worst site decides: 2 (the broken profile) over 1 (two sites have an error-level claim)
    assert done.returncode == 2 == doc["fleet"]["exit_code"], done.stderr
    assert doc["fleet"]["sites"] == 5 and doc["fleet"]["jobs"] == 2
    broken = next(s for s in doc["sites"] if s["site"] == "坏站点")
    assert broken["exit_code"] == 2 and broken["verdict"] == "config_error" and broken["report"] is None
    by_site = {s["site"]: s for s in doc["sites"] if s is not broken}
    assert sorted(by_site) == ["站点00", "站点01", "站点02", "站点03"]
    for name, row in by_site.items():
        site_dir = out / "sites" / name
        own = json.loads((site_dir / "findings.json").read_text(encoding="utf-8"))
        assert row["run_id"] == own["run"]["id"]
        for key in ("error", "warning", "info", "new", "fixed"):
            assert row[key] == own["summary"][key]
        for sev in ("error", "warning", "info"):
            assert row[sev] == sum(1 for f in own["findings"] if f["severity"] == sev)
        assert row["pages"] == own["run"]["pages"]
        assert row["report"] == f"sites/{name}/report.html" and (site_dir / "report.html").is_file()
        assert row["exit_code"] == (1 if own["summary"]["error"] else 0)
    assert by_site["站点01"]["verdict"] == "findings" and by_site["站点00"]["verdict"] == "pass"
    # one store holds every site's run
    conn = sqlite3.connect(db)
    sites = sorted(s for (s,) in conn.execute("SELECT site FROM runs WHERE finish_reason = 'finished'"))
    conn.close()
    assert sites == sorted(by_site)
    # the report shows every site, and links to its report
    html = (out / "fleet.html").read_text(encoding="utf-8")
    for name in by_site:
        assert f'href="sites/{name}/report.html"' in html
    # one summary message for the fleet, with the totals
    assert len(got) == 1
    assert got[0]["summary"]["error"] == doc["fleet"]["totals"]["error"]
    assert "5" in got[0]["run"]["site"]

    status = siteaudit("fleet", "status", "--db", str(db), "--format", "json")
    assert status.returncode == 0, status.stderr
    latest = {s["site"]: s["run_id"] for s in json.loads(status.stdout)["sites"]}
    assert latest == {n: r["run_id"] for n, r in by_site.items()}     # the broken site never began a run
    text = siteaudit("fleet", "status", "--db", str(db), "--lang", "en")
    assert "站点01" in text.stdout and "findings" in text.stdout


def test_a_bad_profile_is_a_usage_error_before_anything_runs(fleet, tmp_path, siteaudit):
    (tmp_path / "sites" / "site01.yaml").write_text("site:\n  name: x\n  start_urls: ['http://127.0.0.1:9/']\n"
                                                   "crawl:\n  max_pagez: 3\n", encoding="utf-8")
    done = siteaudit("fleet", "run", str(tmp_path / "sites"), "--db", str(tmp_path / "h.sqlite3"),
                     "-o", str(tmp_path / "out"), *AUDIT)
    assert done.returncode == 2
    assert "site01.yaml" in done.stderr and "crawl.max_pagez" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "out").exists()


def test_two_profiles_for_one_site_are_refused(fleet, tmp_path, siteaudit):
    text = (tmp_path / "sites" / "site00.yaml").read_text(encoding="utf-8")
    (tmp_path / "sites" / "copy.yaml").write_text(text, encoding="utf-8")
    done = siteaudit("fleet", "run", str(tmp_path / "sites"), "--db", str(tmp_path / "h.sqlite3"), *AUDIT)
    assert done.returncode == 2 and "one profile per site" in done.stderr


def test_fleet_yaml_names_the_sites_and_the_settings(fleet, tmp_path, siteaudit):
    (tmp_path / "fleet.yaml").write_text("sites: [sites/site00.yaml, sites/site01.yaml]\njobs: 2\n"
                                         "db: store/h.sqlite3\nout: report\nfail_on: never\n", encoding="utf-8")
    done = siteaudit("fleet", "run", str(tmp_path / "fleet.yaml"), *AUDIT)
    assert done.returncode == 0, done.stderr
    doc = json.loads((tmp_path / "report" / "fleet.json").read_text(encoding="utf-8"))
    assert sorted(s["site"] for s in doc["sites"]) == ["站点00", "站点01"]
    assert (tmp_path / "store" / "h.sqlite3").is_file()
    (tmp_path / "fleet.yaml").write_text("jobs: two\n", encoding="utf-8")
    bad = siteaudit("fleet", "run", str(tmp_path / "fleet.yaml"), *AUDIT)
    assert bad.returncode == 2 and "fleet.yaml" in bad.stderr and "fleet.yaml:1: jobs" in bad.stderr


def test_fleet_html_escapes_site_names_and_is_self_contained(tmp_path):
    from crawler.history.store import Store

    with Store.open(tmp_path / "h.sqlite3") as store:
        row = site_entry(store, None, site="<script>alert(1)</script>", exit_code=3, detail="<b>x</b>")
    html = render_html(fleet_doc([row], mode="local", started="2026-12-06T00:00:00Z", jobs=1,
                                 db="postgresql://u:secret@h/db"), "zh", strict=True)
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>x</b>" not in html
    assert "secret" not in html and "postgresql://u:***@h/db" in html
    assert "Content-Security-Policy" in html and "src=" not in html.replace("default-src", "").replace("script-src", "").replace("style-src", "").replace("img-src", "")
    assert render_html(fleet_doc([row], mode="local", started="x"), "en", strict=True).count("Fleet overview") >= 1


def test_no_scrapyd_node_answering_is_a_clear_error(fleet, tmp_path, siteaudit):
    import socket

    with socket.socket() as s:      # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    done = siteaudit("fleet", "run", str(tmp_path / "sites"), "--scrapyd", f"http://127.0.0.1:{port}",
                     "--db", str(tmp_path / "h.sqlite3"), *AUDIT)
    assert done.returncode == 2 and "--scrapyd" in done.stderr and "Traceback" not in done.stderr
    bad = siteaudit("fleet", "run", str(tmp_path / "sites"), "--scrapyd", "node1:6800", *AUDIT)
    assert bad.returncode == 2 and "not an http(s) URL" in bad.stderr


def test_an_interrupted_fleet_still_writes_its_report(tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import time

    from tests.conftest import ROOT

    servers, _ = start_fleet(tmp_path / "sites", 3, pages=6, extra_yaml="crawl: {delay: 1.0}\n")
    db, out = tmp_path / "h.sqlite3", tmp_path / "out"
    try:
        fleet = subprocess.Popen([sys.executable, "-m", "crawler", "fleet", "run", str(tmp_path / "sites"), "--jobs", "1",
                                  "--db", str(db), "-o", str(out), "--no-dns", "--no-uptime", "--quiet"],
                                 env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not _has_runs(db):    # until the first audit has begun its run
            time.sleep(0.1)
        fleet.send_signal(signal.SIGTERM)
        _, err = fleet.communicate(timeout=120)
    finally:
        for s in servers:
            s.stop()
    doc = json.loads((out / "fleet.json").read_text(encoding="utf-8"))
    rows = {s["site"]: s for s in doc["sites"]}
    assert rows["站点00"]["finish_reason"] == "interrupted" and rows["站点00"]["run_id"]
    assert [rows[n]["detail"] for n in ("站点01", "站点02")] == ["not started: fleet interrupted"] * 2
    assert fleet.returncode == 3 == doc["fleet"]["exit_code"], err
    assert "Traceback" not in err


def test_a_killed_audit_is_recorded_as_crashed_and_the_others_go_on(tmp_path):
    import signal
    import threading
    import time

    from crawler.fleet.config import load_sites
    from crawler.fleet.local import LocalRunner
    from crawler.history.store import Store

    servers, profiles = start_fleet(tmp_path / "sites", 2, pages=6, extra_yaml="crawl: {delay: 0.5}\n")
    db = tmp_path / "h.sqlite3"
    Store.open(db).close()                      # as `fleet run` does: the schema exists before the workers start
    runner = LocalRunner(str(db), tmp_path / "out", 1, ["--no-dns", "--no-uptime", "--format", "json"])
    results: list = []
    worker = threading.Thread(target=lambda: results.extend(runner.run(load_sites(profiles))))
    try:
        worker.start()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not _has_runs(db):    # the first audit has begun its run: kill it
            time.sleep(0.1)
        with runner._lock:
            victims = list(runner._procs)
        assert len(victims) == 1
        victims[0].send_signal(signal.SIGKILL)
        worker.join(timeout=120)
    finally:
        for s in servers:
            s.stop()
    first, second = results
    assert first.exit_code == 3 and first.detail == "killed by SIGKILL" and first.run_id
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT finish_reason FROM runs WHERE id = ?", (first.run_id,)).fetchone()[0] == "crashed"
    assert conn.execute("SELECT COUNT(*) FROM locks").fetchone()[0] == 0
    assert second.exit_code in (0, 1) and second.run_id and not second.detail


def test_parallel_jobs_run_their_phrase_rules_in_process(tmp_path):
    from crawler.fleet.local import LocalRunner

    assert LocalRunner("db", tmp_path, 2, ["--no-dns"]).audit_args == ["--no-dns", "--phrase-worker", "off"]
    assert LocalRunner("db", tmp_path, 1, ["--no-dns"]).audit_args == ["--no-dns"]
    assert LocalRunner("db", tmp_path, 3, ["--phrase-worker", "on"]).audit_args == ["--phrase-worker", "on"]
