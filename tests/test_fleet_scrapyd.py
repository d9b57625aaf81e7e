"""The fleet across machines: two real Scrapyd nodes on loopback, one real PostgreSQL, sites on loopback,
and one node killed in the middle of a job.

Every site must end with a complete run in the store; the killed node's site is marked crashed and
retried on the other node; fleet.html/fleet.json agree with each site's findings.json. `history`,
`report RUN_ID` and `fleet status` read the PostgreSQL store, and no password reaches it.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

psycopg = pytest.importorskip("psycopg", reason="psycopg is not installed (pip install -e '.[test]')")

from tests.conftest import ROOT
from tests.fleet_sites import start_fleet
from tests.pg_server import missing
from tests.scrapyd_nodes import ScrapydNode

AUDIT = ("--no-dns", "--no-uptime", "--fail-on", "error")


@pytest.fixture
def nodes(tmp_path):
    started = [ScrapydNode(tmp_path / f"node{i}", max_proc=1).start() for i in range(2)]
    yield started
    for n in started:
        n.stop()


def _fleet_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "crawler", "fleet", "run", *args]


def _env(tmp_path: Path) -> dict:
    return {**os.environ, "PYTHONPATH": str(ROOT), "XDG_DATA_HOME": str(tmp_path / "data")}


def test_two_nodes_one_killed_mid_job_every_site_recorded(tmp_path, nodes, pg_url):
    servers, _ = start_fleet(tmp_path / "sites", 4, pages=4, extra_yaml="crawl: {delay: 0.3}\n")
    out = tmp_path / "out"
    victim = nodes[1]
    try:
        fleet = subprocess.Popen(_fleet_cmd(str(tmp_path / "sites"), "--scrapyd", f"{nodes[0].url},{victim.url}",
                                            "--db", pg_url, "-o", str(out), *AUDIT),
                                 env=_env(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        # wait until the victim runs a job whose audit has begun its run in the store, then lose the node
        deadline = time.monotonic() + 120
        killed_job = None
        while time.monotonic() < deadline and killed_job is None:
            for job in victim.running_jobs():
                with psycopg.connect(pg_url, autocommit=True) as conn:
                    begun = conn.execute("SELECT COUNT(*) FROM runs WHERE profile LIKE %s AND finished IS NULL",
                                         (f"%/{job}/%",)).fetchone()[0]
                if begun:
                    killed_job = job
                    break
            time.sleep(0.2)
        assert killed_job, "no job ever ran on the second node"
        victim.kill()
        stdout, stderr = fleet.communicate(timeout=300)
    finally:
        for s in servers:
            s.stop()
    assert fleet.returncode == 1, stderr                      # sites with claims: findings
    doc = json.loads((out / "fleet.json").read_text(encoding="utf-8"))
    rows = {s["site"]: s for s in doc["sites"]}
    assert len(rows) == 4 and doc["fleet"]["mode"] == "scrapyd"
    with psycopg.connect(pg_url, autocommit=True) as conn:
        runs = conn.execute("SELECT site, finish_reason, profile FROM runs ORDER BY started").fetchall()
    # every site has a complete run; the killed job's run is marked crashed, and its site ran again elsewhere
    complete = {site for site, reason, _ in runs if reason == "finished"}
    assert complete == set(rows)
    # (the node's pending jobs of ours are lost with it too: recorded as crashed runs that never began)
    crashed = [(site, profile) for site, reason, profile in runs if reason == "crashed"]
    assert any(f"/{killed_job}/" in profile for _, profile in crashed)
    assert len(crashed) <= 3           # its running job and at most two pending ones
    for lost_site, _ in crashed:
        assert rows[lost_site]["attempts"] == 2 and rows[lost_site]["node"] == nodes[0].url.split("://")[1]
    assert not any(reason is None for _, reason, _ in runs)   # nothing left "running"
    assert not victim.leftovers()                              # the lost node's job processes ended with it
    # the fleet report agrees with each site's own findings.json
    html = (out / "fleet.html").read_text(encoding="utf-8")
    for name, row in rows.items():
        own = json.loads((out / "sites" / name / "findings.json").read_text(encoding="utf-8"))
        assert own["run"]["id"] == row["run_id"] and own["run"]["finish_reason"] == "finished"
        assert {k: row[k] for k in own["summary"]} == own["summary"]
        assert row["exit_code"] == (1 if own["summary"]["error"] else 0)
        assert f'href="sites/{name}/report.html"' in html
    assert doc["fleet"]["exit_code"] == max(r["exit_code"] for r in rows.values())


def test_history_report_and_status_read_postgres_and_no_password_is_stored(tmp_path, pg_url, siteaudit):
    servers, _ = start_fleet(tmp_path / "sites", 2, pages=2)
    secret_url = pg_url.replace("siteaudit@", "siteaudit:hunter2-secret@")   # trust auth: any password works
    try:
        done = siteaudit("fleet", "run", str(tmp_path / "sites"), "--jobs", "2", "--db", secret_url,
                         "-o", str(tmp_path / "out"), *AUDIT, "--delay", "0")
    finally:
        for s in servers:
            s.stop()
    assert done.returncode == 1, done.stderr
    doc = json.loads((tmp_path / "out" / "fleet.json").read_text(encoding="utf-8"))
    history = siteaudit("history", "--db", secret_url, "--lang", "en")
    assert history.returncode == 0 and all(s["run_id"] in history.stdout for s in doc["sites"])
    run_id = doc["sites"][1]["run_id"]
    report = siteaudit("report", run_id, "--db", secret_url, "-o", str(tmp_path / "again"))
    assert report.returncode == 0, report.stderr
    again = json.loads((tmp_path / "again" / "findings.json").read_text(encoding="utf-8"))
    own = json.loads((tmp_path / "out" / "sites" / doc["sites"][1]["site"] / "findings.json").read_text(encoding="utf-8"))
    assert again["summary"] == own["summary"] and len(again["findings"]) == len(own["findings"])
    status = siteaudit("fleet", "status", "--db", secret_url, "--format", "json")
    assert sorted(s["run_id"] for s in json.loads(status.stdout)["sites"]) == sorted(s["run_id"] for s in doc["sites"])
    # the password is in no table, no report, no output
    with psycopg.connect(pg_url, autocommit=True) as conn:
        tables = [t for (t,) in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
        for table in tables:
            dump = " ".join(str(r) for r in conn.execute(f'SELECT * FROM "{table}"').fetchall())
            assert "hunter2" not in dump, table
    for path in (tmp_path / "out").rglob("*"):
        if path.is_file() and path.suffix in (".json", ".html", ".log"):
            assert "hunter2" not in path.read_text(encoding="utf-8", errors="replace"), path
    assert "hunter2" not in done.stdout + done.stderr + history.stdout + status.stdout
    bad = siteaudit("history", "--db", pg_url.rsplit("/", 1)[0] + "/no_such_db")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr and "--db" in bad.stderr


def test_scrapyd_deploy_uploads_the_egg_and_the_node_runs_the_job(tmp_path):
    """A node without the project configured: `scrapyd-deploy` (scrapy.cfg, setup.py) gives it the egg."""
    deploy = Path(sys.executable).with_name("scrapyd-deploy")
    if not deploy.exists():
        missing("scrapyd-client is not installed (pip install -e '.[test]')")
    node = ScrapydNode(tmp_path / "bare", max_proc=1)
    (node.folder / "scrapy.cfg").unlink()              # no [settings] project: only the egg defines it
    node.start()
    servers, _ = start_fleet(tmp_path / "sites", 1, pages=2)
    try:
        up = subprocess.run([str(deploy), "node", "--version", "r1"], cwd=ROOT, capture_output=True, text=True,
                            timeout=240, env={**_env(tmp_path), "SCRAPYD_URL": node.url + "/"})
        assert up.returncode == 0 and '"status": "ok"' in up.stdout + up.stderr, up.stdout + up.stderr
        done = subprocess.run(_fleet_cmd(str(tmp_path / "sites"), "--scrapyd", node.url, "--db",
                                         str(tmp_path / "h.sqlite3"), "-o", str(tmp_path / "out"), *AUDIT,
                                         "--delay", "0"), env=_env(tmp_path), capture_output=True, text=True,
                              timeout=240)
    finally:
        for s in servers:
            s.stop()
        node.stop()
    assert done.returncode == 0, done.stderr
    row = json.loads((tmp_path / "out" / "fleet.json").read_text(encoding="utf-8"))["sites"][0]
    assert row["finish_reason"] == "finished" and row["run_id"] and row["attempts"] == 1
