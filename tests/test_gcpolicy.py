"""The collector's settings for a crawl: rarer young collections, start-up objects frozen for the crawl."""
from __future__ import annotations

import gc
import json
import os
import subprocess
import sys

import pytest

from crawler import gcpolicy
from crawler.loopback.web import Reply
from tests.conftest import ROOT


@pytest.fixture
def threshold():
    saved = gc.get_threshold()
    yield
    gc.set_threshold(*saved)


def test_tune_raises_the_young_threshold_and_keeps_the_others(threshold):
    gc.set_threshold(700, 11, 12)
    gcpolicy.tune()
    assert gc.get_threshold() == (gcpolicy.YOUNG_THRESHOLD, 11, 12)


def test_tune_never_lowers_a_higher_threshold(threshold):
    gc.set_threshold(gcpolicy.YOUNG_THRESHOLD * 3, 10, 10)
    gcpolicy.tune()
    assert gc.get_threshold()[0] == gcpolicy.YOUNG_THRESHOLD * 3


class _Node:
    def __init__(self):
        self.me = self   # a cycle: only the collector frees it


def test_frozen_while_freezes_what_exists_and_unfreezes_it_after():
    assert gc.get_freeze_count() == 0
    with gcpolicy.frozen_while():
        assert gc.get_freeze_count() > 0
    assert gc.get_freeze_count() == 0


def test_frozen_while_unfreezes_when_the_block_raises():
    with pytest.raises(RuntimeError):
        with gcpolicy.frozen_while():
            raise RuntimeError("the crawl failed")
    assert gc.get_freeze_count() == 0


def test_cycles_made_before_the_block_are_collectable_after_it():
    import weakref

    node = _Node()
    ref = weakref.ref(node)
    with gcpolicy.frozen_while():
        del node
        gc.collect()
        assert ref() is not None   # frozen: the collector leaves it alone during the crawl
    gc.collect()
    assert ref() is None


_PROBE = """
import gc, json, sys
from crawler import audit, cli
seen = []
original = audit.AuditSession.process_page_async
async def probe(self, page):
    seen.append(gc.get_freeze_count())
    return await original(self, page)
audit.AuditSession.process_page_async = probe
code = cli.main(sys.argv[1:])
print(json.dumps({"code": code, "during": seen, "after": gc.get_freeze_count(), "threshold": gc.get_threshold()}))
"""


def test_an_audit_crawls_with_its_start_up_frozen_and_leaves_nothing_frozen(web_server, tmp_path):
    pages = {("*", "/"): Reply(200, "<html><head><title>首页</title></head><body><a href='/a.html'>a</a>"
                                    "<p>我们的服务是最好的。</p></body></html>"),
             ("*", "/a.html"): Reply(200, "<html><head><title>甲</title></head><body><p>普通介绍。</p></body></html>")}
    web = web_server(routes=pages)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "XDG_DATA_HOME": str(tmp_path / "data")}
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, "audit", f"http://127.0.0.1:{web.port}/", "-o", str(tmp_path / "out"),
         "--format", "json", "--no-dns", "--no-uptime", "--delay", "0", "--quiet"],
        env=env, capture_output=True, text=True, timeout=120)
    assert "Traceback" not in done.stderr, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["code"] in (0, 1), done.stderr
    assert len(result["during"]) >= 2 and min(result["during"]) > 0   # the rules and Scrapy were frozen
    assert result["after"] == 0                                        # and let go when the crawl ended
    assert result["threshold"][0] >= gcpolicy.YOUNG_THRESHOLD
