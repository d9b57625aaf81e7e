"""The phrase rules in a worker process (crawler/phrases.py): the worker really runs, gives the same
findings as the crawl process, is bounded, and its failures cost no page its phrase findings."""
from __future__ import annotations

import asyncio
import json
import os
import random
import re
import signal
import subprocess
import sys

import pytest

from crawler.loopback.web import Reply
from crawler.phrases import PhraseChecker, PhraseRuleError, PhraseWorker, RulesSpec, for_crawl
from rules.loader import load_ruleset
from tests.conftest import ROOT, wait_for_requests

PAGE = ("<html><head><meta charset='utf-8'><title>产品{n}</title></head><body>"
        "<header><p>国家级高新技术企业，行业第一品牌。</p></header>"
        "<p>第{n}号产品效果最佳，保本保息，稳赚不赔。</p><footer>全网最佳的云平台</footer></body></html>")


@pytest.fixture(scope="module")
def ruleset():
    return for_crawl(load_ruleset())


def _run(coro):
    return asyncio.run(coro)


def _run_then_close(checker, coro):
    """Run the crawl coroutine; the checker (and its worker) is closed whatever happens."""
    try:
        return _run(coro)
    finally:
        checker.close()


def _keys(cap):
    return [(f.rule, f.url, f.where, f.match, f.line, f.column, f.message) for f in cap.findings()]


def test_the_worker_process_checks_pages_as_this_process_does(ruleset):
    checker = PhraseChecker(ruleset, RulesSpec(), mode="on")
    pages = [(PAGE.format(n=n), f"http://a.cn/p{n}.html") for n in range(30)]

    async def crawl():
        while True:   # the worker starts while this process checks the first pages
            started = await checker.start(*pages[0])
            if not hasattr(started, "kept"):
                break
            await asyncio.sleep(0.05)
        first = await checker.finish(started)
        rest = await asyncio.gather(*[checker.finish(await checker.start(*p)) for p in pages[1:]])
        return [first, *rest]

    caps = _run_then_close(checker, crawl())
    assert checker.worker_pid and checker.worker_pid != os.getpid()
    assert checker.in_worker == len(pages)
    here = [checker.check(*p) for p in pages]
    assert [_keys(c) for c in caps] == [_keys(c) for c in here]
    assert all(c.kept for c in caps)
    # The worker also made the stored form of each finding: the same as the store makes.
    from crawler.history.rows import finding_data

    assert all(c.prepared[id(f)] == finding_data(f) for c in caps for f in c.kept)


def test_pages_in_flight_are_bounded(ruleset):
    async def crawl():
        worker = PhraseWorker(RulesSpec(), asyncio.get_running_loop())
        while not worker.ready:
            await asyncio.sleep(0.02)
        most = 0

        async def one(n):
            nonlocal most
            html = PAGE.format(n=n)
            size = len(html.encode())
            await worker.wait_for_room(size, 4)
            future = worker.ask(html, f"http://a.cn/{n}", size)
            most = max(most, len(worker.asked))
            return await future

        caps = await asyncio.gather(*[one(n) for n in range(40)])
        worker.close()
        return most, caps, worker

    most, caps, worker = _run(crawl())
    assert 1 <= most <= 4
    assert len(caps) == 40 and worker.answered == 40
    assert worker.process.returncode is not None   # closed means ended, and waited for


def test_a_rule_that_raises_in_the_worker_is_that_pages_error(ruleset):
    async def crawl():
        worker = PhraseWorker(RulesSpec(), asyncio.get_running_loop())
        while not worker.ready:
            await asyncio.sleep(0.02)
        broken = worker.ask(12345, "http://a.cn/bad", 5)   # not text: the rules raise in the worker
        fine = worker.ask(PAGE.format(n=1), "http://a.cn/ok", 100)
        try:
            with pytest.raises(PhraseRuleError, match="TypeError"):
                await broken
            return await fine
        finally:
            worker.close()

    cap = _run(crawl())
    assert cap.kept   # the worker goes on with the next page


def test_a_worker_that_cannot_load_the_rules_leaves_the_pages_to_this_process(ruleset, tmp_path, caplog):
    missing = RulesSpec(extra=(str(tmp_path / "gone.yaml"),))
    checker = PhraseChecker(ruleset, missing, mode="on")

    async def crawl():
        caps = []
        for n in range(200):
            caps.append(await checker.finish(await checker.start(PAGE.format(n=n), f"http://a.cn/{n}")))
            if checker.broken:
                break
            await asyncio.sleep(0.02)
        return caps

    caps = _run_then_close(checker, crawl())
    assert "could not load the rules" in checker.broken
    assert checker.in_worker == 0 and all(c.kept for c in caps)
    assert "checked in the crawl process" in caplog.text


def test_a_worker_killed_mid_crawl_costs_no_page_its_findings(ruleset):
    checker = PhraseChecker(ruleset, RulesSpec(), mode="on")
    pages = [(PAGE.format(n=n), f"http://a.cn/p{n}.html") for n in range(24)]

    async def crawl():
        checker.pages = 1
        while not checker._worker_up():
            await asyncio.sleep(0.02)
        started = [await checker.start(*p) for p in pages[:3]]   # in the worker's hands
        os.kill(checker.worker_pid, signal.SIGKILL)
        caps = [await checker.finish(s) for s in started]
        caps += [await checker.finish(await checker.start(*p)) for p in pages[3:]]
        return caps

    caps = _run_then_close(checker, crawl())
    assert "stopped" in checker.broken
    assert [_keys(c) for c in caps] == [_keys(checker.check(*p)) for p in pages]


_WORDS = "阀门 管道 法兰 密封 工艺 规格 口径 压力 温度 介质 阀体 阀杆 填料 手柄 电动 气动 安装 维护 化工 水处理".split()


def _site(web_server, pages=120, delay=0.0):
    routes = {("*", "/"): Reply(200, "<html><body><a href='/p0.html'>start</a></body></html>")}
    for i in range(pages):
        links = "".join(f'<a href="/p{j}.html">p{j}</a> ' for j in range(i + 1, min(i + 4, pages)))
        # Each page says something of its own (a chain of pages that differ only in their numbers
        # is what paging past the end looks like, and the crawl would end it as a trap).
        words = "".join(random.Random(i).sample(_WORDS, 8))
        routes[("*", f"/p{i}.html")] = Reply(200, PAGE.format(n=i).replace(
            "</body>", f"<p>{words}</p>{links}</body>"), delay=delay)
    return web_server(routes=routes)


def _audit(web, out, env, *extra):
    return [sys.executable, "-m", "crawler", "audit", f"http://127.0.0.1:{web.port}/", "-o", str(out),
            "--format", "json", "--no-dns", "--no-uptime", "--delay", "0", "--concurrency", "4",
            "--max-depth", "200", "--fail-on", "never", *extra]


def _phrases(doc):
    return sorted((f["rule"], f["url"], f.get("where"), f.get("match"), f.get("line"), f.get("column"))
                  for f in doc["findings"] if f["category"] not in ("icp", "links", "content", "privacy", "scope",
                                                                   "dns", "tls", "security", "uptime"))


def test_an_audit_with_the_worker_finds_what_one_without_finds(web_server, tmp_path):
    web = _site(web_server)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "XDG_DATA_HOME": str(tmp_path / "data")}
    docs = {}
    for mode in ("on", "off"):
        log = tmp_path / f"{mode}.log"
        done = subprocess.run(_audit(web, tmp_path / mode, env, "--phrase-worker", mode, "--log-file", str(log)),
                              env=env, capture_output=True, text=True, timeout=240)
        assert done.returncode == 0, done.stderr
        assert "Traceback" not in done.stderr
        docs[mode] = json.loads((tmp_path / mode / "findings.json").read_text(encoding="utf-8"))
        if mode == "on":
            line = re.search(r"phrase worker \(pid (\d+)\): (\d+) of (\d+) pages", log.read_text(encoding="utf-8"))
            assert line and int(line.group(2)) > 0, "the worker checked no page"
            assert not os.path.exists(f"/proc/{line.group(1)}")   # ended with the crawl
    assert docs["on"]["run"]["pages"] == docs["off"]["run"]["pages"] == 121
    assert _phrases(docs["on"]) == _phrases(docs["off"]) and _phrases(docs["on"])
    assert {c["id"]: c["status"] for c in docs["on"]["checks"]}["phrases"] == "fail"


def test_an_interrupted_audit_with_the_worker_writes_its_partial_report(web_server, tmp_path):
    web = _site(web_server, pages=200, delay=0.2)
    out = tmp_path / "out"
    log = tmp_path / "audit.log"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "XDG_DATA_HOME": str(tmp_path / "data")}
    proc = subprocess.Popen(_audit(web, out, env, "--phrase-worker", "on", "--log-file", str(log)),
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wait_for_requests(web, "/p", 12)
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=90)
    assert "Traceback" not in stderr, stderr
    assert proc.returncode == 0, stderr
    doc = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    assert doc["run"]["finish_reason"] == "interrupted"
    assert 1 <= doc["run"]["pages"] < 201
    assert any(f.get("match") == "最佳" for f in doc["findings"])
    line = re.search(r"phrase worker \(pid (\d+)\): (\d+) of", log.read_text(encoding="utf-8"))
    assert line, "the worker was not closed"
    assert not os.path.exists(f"/proc/{line.group(1)}")
