"""An interrupted audit still writes what it has, says it is partial, and records the run."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from crawler.webserver import Reply
from tests.conftest import ROOT


def _slow_site(web_server):
    """A site of 200 linked pages, each taking 0.2 s to answer: long enough to interrupt."""
    routes = {}
    for i in range(200):
        links = "".join(f'<a href="/p{j}.html">p{j}</a> ' for j in range(i + 1, min(i + 4, 200)))
        routes[("*", f"/p{i}.html")] = Reply(200, f"<html><head><meta charset='utf-8'><title>第{i}页</title></head>"
                                                  f"<body><p>本产品效果最佳。</p>{links}</body></html>", delay=0.2)
    routes[("*", "/")] = Reply(200, "<html><body><a href='/p0.html'>start</a></body></html>")
    return web_server(routes=routes)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signal_writes_partial_report_and_records_run(web_server, tmp_path, sig):
    web = _slow_site(web_server)
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "XDG_DATA_HOME": str(tmp_path / "data")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "crawler", "audit", f"http://127.0.0.1:{web.port}/", "-o", str(out),
         "--format", "html,json", "--no-dns", "--no-uptime", "--delay", "0", "--concurrency", "1"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while len([r for r in web.requests if r[2].startswith("/p")]) < 3 and time.monotonic() < deadline:
        time.sleep(0.1)
    proc.send_signal(sig)
    stdout, stderr = proc.communicate(timeout=90)
    assert "Traceback" not in stderr, stderr
    assert proc.returncode in (0, 1), stderr
    doc = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    assert doc["run"]["finish_reason"] == "interrupted"
    assert 1 <= doc["run"]["pages"] < 200
    assert any(f["match"] == "最佳" for f in doc["findings"] if "match" in f)
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "部分" in html or "partial" in html.lower()
    assert "部分" in stdout or "partial" in stdout

    history = subprocess.run([sys.executable, "-m", "crawler", "history"], env=env, capture_output=True,
                             text=True, timeout=60)
    assert history.returncode == 0, history.stderr
    assert doc["run"]["id"] in history.stdout
