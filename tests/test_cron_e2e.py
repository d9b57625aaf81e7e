"""The nightly job end to end: `siteaudit audit` twice on a site that changed, and two runs at once.

Real subprocesses, a loopback site and DingTalk robot, one history DB; asserts what findings.json says,
what the DB holds, and that the signed message agrees with them and leaks no secret.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path


from crawler.loopback.web import Reply
from tests.conftest import ROOT

_CLAIM = "<p>本产品效果最佳。</p>"


def _page(title: str, body: str, links: str = "") -> Reply:
    return Reply(200, f"<html><head><meta charset='utf-8'><title>{title}</title></head>"
                      f"<body>{body}{links}</body></html>")


def _env(tmp_path: Path) -> dict:
    return {**os.environ, "PYTHONPATH": str(ROOT), "XDG_DATA_HOME": str(tmp_path / "data")}


def _audit_cmd(target: str, out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "crawler", "audit", target, "-o", str(out), "--format", "json",
            "--no-dns", "--no-uptime", "--delay", "0", "--fail-on", "never", "--quiet", *extra]


def _db(tmp_path: Path) -> Path:
    return tmp_path / "data" / "siteaudit" / "history.sqlite3"


def _robot(got: list):
    """A DingTalk robot on loopback: records (query, body) and answers ok."""
    def route(handler) -> Reply:
        body = handler.rfile.read(int(handler.headers.get("Content-Length") or 0))
        got.append((urllib.parse.parse_qs(urllib.parse.urlsplit(handler.path).query), json.loads(body)))
        return Reply(200, '{"errcode": 0, "errmsg": "ok"}', content_type="application/json")
    return route


SECRET, TOKEN = "SECe2e0123456789abcdefsecret", "e2etoken0123456789abcdef01234567"


def test_second_run_marks_new_and_fixed_counts_agree_and_is_notified(web_server, tmp_path):
    links = "<a href='/a.html'>a</a> <a href='/b.html'>b</a>"
    web = web_server(routes={("*", "/"): _page("首页", "<p>欢迎</p>", links),
                             ("*", "/a.html"): _page("甲", _CLAIM),
                             ("*", "/b.html"): _page("乙", "<p>普通介绍</p>")})
    got: list = []
    robot = web_server(routes={("*", "/robot/send"): _robot(got)})
    url = f"http://127.0.0.1:{web.port}/"
    profile = tmp_path / "site.yaml"
    profile.write_text(
        "site:\n  name: 通知测试\n"
        f"  start_urls: ['{url}']\n"
        "notify:\n"
        f"  dingtalk: {{webhook: 'http://127.0.0.1:{robot.port}/robot/send?access_token={TOKEN}',"
        " secret_env: DT_SECRET}\n"
        "  on: new\n", encoding="utf-8")
    env = {**_env(tmp_path), "DT_SECRET": SECRET}
    log = tmp_path / "audit.log"
    first = subprocess.run(_audit_cmd(str(profile), tmp_path / "one"), env=env, capture_output=True,
                           text=True, timeout=240)
    assert first.returncode == 0, first.stderr
    doc1 = json.loads((tmp_path / "one" / "findings.json").read_text(encoding="utf-8"))
    claims1 = [f for f in doc1["findings"] if f.get("match") == "最佳"]
    assert [f["url"] for f in claims1] == [url + "a.html"] and claims1[0]["status"] == "new"
    assert len(got) == 1                                # on: new, and everything is new the first time

    # Overnight the claim moved from /a.html to /b.html.
    web.routes[("*", "/a.html")] = _page("甲", "<p>普通介绍</p>")
    web.routes[("*", "/b.html")] = _page("乙", _CLAIM)
    second = subprocess.run(_audit_cmd(str(profile), tmp_path / "two", "--format", "html,json",
                                       "--log-file", str(log)), env=env, capture_output=True, text=True, timeout=240)
    assert second.returncode == 0, second.stderr
    doc2 = json.loads((tmp_path / "two" / "findings.json").read_text(encoding="utf-8"))
    claims2 = [f for f in doc2["findings"] if f.get("match") == "最佳"]
    assert [(f["url"], f["status"]) for f in claims2] == [(url + "b.html", "new")]
    # every finding is marked, and the counts agree with the list
    statuses = [f["status"] for f in doc2["findings"]]
    assert set(statuses) <= {"new", "persisting"}
    summary = doc2["summary"]
    assert summary["new"] == statuses.count("new")
    for sev in ("error", "warning", "info"):
        assert summary[sev] == sum(1 for f in doc2["findings"] if f["severity"] == sev)
    # the fixed list: the claim on /a.html, and nothing that is still there
    conn = sqlite3.connect(_db(tmp_path))
    fixed = [json.loads(d) for (d,) in conn.execute("SELECT data FROM fixed WHERE run_id = ?", (doc2["run"]["id"],))]
    conn.close()
    assert summary["fixed"] == len(fixed) >= 1
    assert any(f["url"] == url + "a.html" and f.get("match") == "最佳" for f in fixed)
    still = {(f["rule"], f["url"], f.get("where", ""), f.get("match", "")) for f in doc2["findings"]}
    assert not any((f["rule"], f["url"], f.get("where", ""), f.get("match", "")) in still for f in fixed)

    history = subprocess.run([sys.executable, "-m", "crawler", "history", "--lang", "en"], env=_env(tmp_path),
                             capture_output=True, text=True, timeout=60)
    assert history.returncode == 0, history.stderr
    lines = history.stdout.splitlines()
    assert doc2["run"]["id"] in lines[2] and doc1["run"]["id"] in lines[3]     # newest first

    # The second run's DingTalk message: its signature verifies, and it says what the JSON says.
    assert len(got) == 2
    query, body = got[1]
    ts = query["timestamp"][0]
    expected = base64.b64encode(hmac.new(SECRET.encode(), f"{ts}\n{SECRET}".encode(), hashlib.sha256).digest())
    assert query["sign"] == [expected.decode()]
    text = body["markdown"]["text"]
    assert f"新增 {summary['new']}" in text and f"已修复 {summary['fixed']}" in text and f"禁用 {summary['error']}" in text
    assert str(tmp_path / "two" / "report.html") in text and "通知测试" in text
    # The secret is nowhere: not on the console, in the log, in the outputs or in the DB.
    places = [first.stdout, first.stderr, second.stdout, second.stderr, log.read_text(encoding="utf-8")]
    places += [p.read_text(encoding="utf-8") for d in ("one", "two") for p in (tmp_path / d).iterdir()
               if p.suffix in (".html", ".json")]
    places.append(_db(tmp_path).read_bytes().decode("utf-8", "replace"))
    assert not [place for place in places if SECRET in place]
    assert TOKEN not in log.read_text(encoding="utf-8")


def test_two_runs_of_one_site_at_once(web_server, tmp_path):
    # 400 pages at 0.3 s each, all linked from the homepage (a chain would stop at the depth limit):
    # the first run is still crawling however slowly the second one starts (it loads the rules before
    # it asks for the lock); it is stopped with SIGTERM once the second has exited.
    # Paths spelled with letters, not digits: `/p1.html … /p399.html` would be one path pattern, and the
    # crawl's pattern cap (50 pages) would end the first run before the second one starts.
    names = ["p" + "".join(chr(97 + int(d)) for d in f"{i:03d}") for i in range(400)]
    links = "".join(f"<a href='/{n}.html'>{n}</a> " for n in names)
    routes = {("*", "/"): _page("首页", links)}
    for n in names:
        # 0.3 s a page: the first run needs two minutes, so on a loaded machine it is still crawling when
        # the second run has loaded its rules and been refused (it is stopped then, so the test stays short).
        routes[("*", f"/{n}.html")] = Reply(200, f"<html><body>{_CLAIM}</body></html>", delay=0.3)
    web = web_server(routes=routes)
    url = f"http://127.0.0.1:{web.port}/"
    first = subprocess.Popen(_audit_cmd(url, tmp_path / "one", "--concurrency", "1"), env=_env(tmp_path),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not any(r[2].startswith("/p") for r in web.requests) and time.monotonic() < deadline:
        time.sleep(0.05)
    second = subprocess.run(_audit_cmd(url, tmp_path / "two"), env=_env(tmp_path), capture_output=True,
                            text=True, timeout=120)
    assert second.returncode == 2, second.stderr
    assert "Traceback" not in second.stderr and "127.0.0.1" in second.stderr
    assert "in progress" in second.stderr or "已有一次巡检在进行" in second.stderr
    first.send_signal(signal.SIGTERM)           # end the first early: it writes a partial report
    _, err = first.communicate(timeout=120)
    assert "Traceback" not in err
    assert (tmp_path / "one" / "findings.json").exists() and not (tmp_path / "two" / "findings.json").exists()

    conn = sqlite3.connect(_db(tmp_path))
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    runs = conn.execute("SELECT finish_reason FROM runs").fetchall()
    assert runs == [("interrupted",)]
    assert conn.execute("SELECT COUNT(*) FROM locks").fetchone()[0] == 0
    conn.close()

