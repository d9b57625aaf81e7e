"""An interrupted audit still writes what it has, says it is partial, and records the run."""
from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time

import pytest

from crawler.loopback.web import Reply
from tests.conftest import ROOT, wait_for_requests


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
    assert 'id="partial-banner"' in html
    assert "部分" in stdout or "partial" in stdout

    history = subprocess.run([sys.executable, "-m", "crawler", "history"], env=env, capture_output=True,
                             text=True, timeout=60)
    assert history.returncode == 0, history.stderr
    assert doc["run"]["id"] in history.stdout


def _start(web, out, env, *extra):
    return subprocess.Popen(
        [sys.executable, "-m", "crawler", "audit", f"http://127.0.0.1:{web.port}/", "-o", str(out),
         "--format", "json", "--no-dns", "--no-uptime", "--delay", "0", "--concurrency", "1", "--max-depth", "50",
         *extra],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


_WORDS = "阀门 管道 法兰 密封 工艺 规格 口径 压力 温度 介质 阀体 阀杆 填料 手柄 电动 气动 安装 维护 化工 水处理".split()


def test_resume_continues_the_interrupted_run(web_server, tmp_path):
    routes = {("*", "/"): Reply(200, "<html><body><a href='/p0.html'>start</a></body></html>")}
    for i in range(30):
        nxt = f'<a href="/p{i + 1}.html">next</a>' if i < 29 else ""
        # Each page says something of its own: a chain of pages that differ only in their numbers is
        # what paging past the end looks like, and the crawl would end it as a trap (crawler/traps.py).
        words = "".join(random.Random(i).sample(_WORDS, 8))
        routes[("*", f"/p{i}.html")] = Reply(200, f"<html><head><meta charset='utf-8'><title>第{i}页</title></head>"
                                                  f"<body><p>第{i}页{words}，效果最佳。</p>{nxt}</body></html>",
                                             delay=0.15)
    web = web_server(routes=routes)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "XDG_DATA_HOME": str(tmp_path / "data")}
    first = _start(web, tmp_path / "a", env, "--resume")
    wait_for_requests(web, "/p", 5)
    first.send_signal(signal.SIGTERM)
    _, stderr = first.communicate(timeout=90)
    assert "Traceback" not in stderr, stderr
    part = json.loads((tmp_path / "a" / "findings.json").read_text(encoding="utf-8"))
    assert part["run"]["finish_reason"] == "interrupted" and part["run"]["pages"] < 31

    fetched_before = len(web.requests)
    second = _start(web, tmp_path / "b", env, "--resume")
    _, stderr = second.communicate(timeout=120)
    assert "Traceback" not in stderr, stderr
    doc = json.loads((tmp_path / "b" / "findings.json").read_text(encoding="utf-8"))
    assert doc["run"]["id"] == part["run"]["id"]          # the same run, continued
    assert doc["run"]["finish_reason"] == "finished"
    urls = [p["url"] for p in doc["pages"]]
    assert len(urls) == len(set(urls)) == 31              # every page once: none lost, none twice
    phrase = [f for f in doc["findings"] if f.get("match") == "最佳"]
    assert len(phrase) == len({f["url"] for f in phrase}) == 30
    # Pages fetched in the first part were not fetched again.
    again = [r for r in web.requests[fetched_before:] if r[2] == "/p0.html"]
    assert not again


# A driver that sends the audit its own SIGTERM at a chosen moment of the crawl's start, where a
# signal used to be lost: raised into code that catches exceptions and goes on (a log handler
# writing a line, a reactor start-up callback), so that the crawl ran to its end as "finished".
_SIGNAL_AT = r"""
import logging, os, signal, sys
import crawler.interrupt
import crawler.settings

def kill_self(*args):
    os.kill(os.getpid(), signal.SIGTERM)

moment = sys.argv[1]
if moment == "setup":            # while the crawl's settings are built, before the process exists
    build = crawler.settings.audit_settings
    def audit_settings(*a, **kw):
        kill_self()
        return build(*a, **kw)
    crawler.settings.audit_settings = audit_settings
elif moment == "log-line":       # while a handler writes Scrapy's first log line (it catches Exception)
    format_record = logging.Formatter.format
    def format_then_signal(self, record):
        if "started (bot" in str(record.msg):
            kill_self()
        return format_record(self, record)
    logging.Formatter.format = format_then_signal
else:                            # while the reactor starts, before Scrapy installs its handlers
    start = crawler.interrupt.BoundedStopProcess.start
    def start_then_signal(self, *a, **kw):
        from twisted.internet import reactor
        reactor.callWhenRunning(kill_self)
        return start(self, *a, **kw)
    crawler.interrupt.BoundedStopProcess.start = start_then_signal
from crawler.cli import main
sys.exit(main(sys.argv[2:]))
"""


@pytest.mark.parametrize("moment", ["setup", "log-line", "reactor-start"])
def test_a_signal_while_the_crawl_starts_still_interrupts_it(web_server, tmp_path, moment):
    web = _slow_site(web_server)
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "XDG_DATA_HOME": str(tmp_path / "data")}
    proc = subprocess.run(
        [sys.executable, "-c", _SIGNAL_AT, moment, "audit", f"http://127.0.0.1:{web.port}/", "-o", str(out),
         "--format", "json", "--no-dns", "--no-uptime", "--delay", "0", "--concurrency", "1",
         "--log-file", str(tmp_path / "audit.log")],
        env=env, capture_output=True, text=True, timeout=120)
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode in (0, 1), proc.stderr
    doc = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    assert doc["run"]["finish_reason"] == "interrupted"
    assert doc["run"]["pages"] < 20      # stopped at once, not after the site's 200 slow pages
