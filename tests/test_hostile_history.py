"""History that tells the truth (issue 18): a run that is interrupted (Ctrl-C twice while the crawl
waits for a hanging host, SIGTERM) or that fetched nothing never calls a finding fixed, and the
interrupted run still ends as `interrupted` with a partial report."""
from __future__ import annotations

import json
import signal

import pytest

from crawler.history.changes import fixed_scope
from crawler.history.store import Store
from crawler.loopback.web import Reply, WebServer
from tests.hostile import run_audit_bounded

PAGE = "<html><head><meta charset='utf-8'><title>t</title></head><body><p>本产品效果最佳。</p>{}</body></html>"


def _audit(tmp_path, port, out, timeout=60, **kwargs):
    # A long crawl.timeout: the interruption, not the download deadline, must end the run.
    profile = tmp_path / "site.yaml"
    profile.write_text(f"site:\n  start_urls: ['http://127.0.0.1:{port}/']\ncrawl: {{delay: 0, timeout: {timeout}}}\n",
                       encoding="utf-8")
    return run_audit_bounded(["audit", str(profile), "--no-dns", "--no-uptime", "-o", str(out)], tmp_path,
                             limit=kwargs.pop("limit", 90), **kwargs)


def _fixed_in_store(tmp_path) -> list:
    store = Store.open(str(tmp_path / "data" / "siteaudit" / "history.sqlite3"))
    try:
        runs = store.history()
        return [(r["id"], r.get("finish_reason"), len(store.fixed(r["id"]))) for r in runs]
    finally:
        store.close()


def test_fixed_scope():
    assert fixed_scope("finished", 10) == "all"
    assert fixed_scope("page_limit", 10) == fixed_scope("time_limit", 3) == "visited"
    assert fixed_scope("interrupted", 10) == fixed_scope("finished", 0) == fixed_scope("page_limit", 0) == "none"


@pytest.mark.parametrize("signals", [
    [(5.0, signal.SIGINT), (6.0, signal.SIGINT)],     # Ctrl-C twice while the host hangs
    [(5.0, signal.SIGTERM)],                         # once: the graceful stop is bounded too
], ids=["ctrl-c-twice", "sigterm-once"])
def test_an_interrupted_run_calls_nothing_fixed(tmp_path, signals):
    routes = {("*", "/"): Reply(200, PAGE.format("<a href='/a.html'>a</a>")),
              ("*", "/a.html"): Reply(200, PAGE.format(""))}
    with WebServer(routes=routes) as web:
        first = _audit(tmp_path, web.port, tmp_path / "out1")
        assert first.code == 1, first.stderr[-2000:]
        # Now every answer hangs: the crawl waits on robots.txt when the signals come.
        for key in list(routes):
            routes[key] = Reply(200, "<html><body>changed</body></html>", delay=40)
        web.routes.update(routes)
        second = _audit(tmp_path, web.port, tmp_path / "out2", signals=signals, limit=40)
    assert "Traceback" not in second.stderr
    doc = json.loads((tmp_path / "out2" / "findings.json").read_text(encoding="utf-8"))
    assert doc["run"]["finish_reason"] == "interrupted"
    assert doc["summary"]["fixed"] == 0
    assert (tmp_path / "out2" / "report.html").is_file()
    assert [fixed for _, _, fixed in _fixed_in_store(tmp_path)] == [0, 0]


def test_a_run_that_fetched_nothing_calls_nothing_fixed(tmp_path):
    routes = {("*", "/"): Reply(200, PAGE.format(""))}
    with WebServer(routes=routes) as web:
        port = web.port
        first = _audit(tmp_path, port, tmp_path / "out1")
    assert first.code == 1
    second = _audit(tmp_path, port, tmp_path / "out2", timeout=5)     # nothing listens there any more
    assert "Traceback" not in second.stderr
    doc = json.loads((tmp_path / "out2" / "findings.json").read_text(encoding="utf-8"))
    assert doc["summary"]["fixed"] == 0
    assert [f for f in doc["findings"] if f["rule"] == "LNK002"]   # the homepage says why
