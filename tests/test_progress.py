"""Progress line: off unless AUDIT_PROGRESS, and a real crawl prints it on stderr."""
from __future__ import annotations

import io
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from scrapy.exceptions import NotConfigured
from scrapy.utils.test import get_crawler

from crawler.progress import FINDINGS_STAT, ProgressExtension, format_progress
from crawler.loopback.web import WebServer

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("settings", [{}, {"AUDIT_PROGRESS": False}, {"AUDIT_PROGRESS": "0"}])
def test_off_unless_setting(settings):
    with pytest.raises(NotConfigured):
        ProgressExtension.from_crawler(get_crawler(settings_dict=settings))


def test_on_with_setting():
    ext = ProgressExtension.from_crawler(get_crawler(settings_dict={"AUDIT_PROGRESS": True}))
    assert isinstance(ext, ProgressExtension)


def test_format_counts_and_rate():
    line = format_progress(120, 35, 7, 60.0)
    assert "页面 120" in line and "队列 35" in line and "问题 7" in line and "120 页/分钟" in line
    assert "1:00" in line
    en = format_progress(30, None, 0, 120.0, lang="en")
    assert "queued ?" in en and "15 pages/min" in en


@pytest.mark.parametrize("width", [20, 40, 80])
def test_line_never_wider_than_terminal(width):
    line = format_progress(123456, 7890, 4321, 3600.0, width=width)
    cols = sum(2 if ord(c) > 0x2E7F else 1 for c in line)
    assert cols < width


class _Stats:
    def __init__(self, values):
        self.values = values

    def get_value(self, key, default=None):
        return self.values.get(key, default)


def test_show_rewrites_one_line_and_closes_with_newline():
    stream = io.StringIO()
    now = [100.0]
    stats = _Stats({"response_received_count": 10, FINDINGS_STAT: 3})
    ext = ProgressExtension(stats, stream=stream, queue_size=lambda: 4, clock=lambda: now[0])
    ext.started = 100.0
    now[0] = 130.0
    ext.show()
    stats.values["response_received_count"] = 20
    ext.spider_closed()
    out = stream.getvalue()
    assert out.count("\r\x1b[K") == 2 and out.endswith("\n") and out.count("\n") == 1
    assert "页面 10" in out and "页面 20" in out and "问题 3" in out and "队列 4" in out
    assert "20 页/分钟" in out        # 10 pages in 30 s


def test_pages_come_from_the_pipeline_count_when_there_is_one():
    stream = io.StringIO()
    ext = ProgressExtension(_Stats({"response_received_count": 25, "siteaudit/pages": 21}), stream=stream)
    ext.show()
    assert "页面 21" in stream.getvalue()


def test_closed_stream_does_not_raise():
    stream = io.StringIO()
    stream.close()
    ext = ProgressExtension(_Stats({}), stream=stream)
    ext.show()                          # must not raise


_CRAWL = textwrap.dedent("""
    import sys
    import scrapy
    from scrapy.crawler import CrawlerProcess

    class S(scrapy.Spider):
        name = "s"
        async def start(self):
            yield scrapy.Request(sys.argv[1])
        def parse(self, response):
            self.crawler.stats.inc_value("siteaudit/findings", 2)
            for href in response.css("a::attr(href)").getall():
                yield response.follow(href)

    p = CrawlerProcess({"AUDIT_PROGRESS": sys.argv[2] == "on", "LOG_ENABLED": False,
                        "EXTENSIONS": {"crawler.progress.ProgressExtension": 500},
                        "TELNETCONSOLE_ENABLED": False, "AUDIT_PROGRESS_INTERVAL": 0.05})
    p.crawl(S)
    p.start()
""")


@pytest.fixture
def site(tmp_path):
    host = tmp_path / "127.0.0.1"
    host.mkdir()
    links = "".join(f'<a href="/p{i}.html">p{i}</a>' for i in range(5))
    (host / "index.html").write_text(f"<html><body>{links}</body></html>")
    for i in range(5):
        (host / f"p{i}.html").write_text("<html><body>page</body></html>")
    with WebServer(tmp_path) as server:
        yield server


@pytest.mark.parametrize("mode", ["on", "off"])
def test_real_crawl_prints_progress_only_when_on(site, tmp_path, mode):
    script = tmp_path / "crawl.py"
    script.write_text(_CRAWL)
    proc = subprocess.run([sys.executable, str(script), site.url("127.0.0.1", "/"), mode], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, env={"PYTHONPATH": str(ROOT)})
    assert proc.returncode == 0, proc.stderr
    if mode == "off":
        assert proc.stderr == ""
        return
    last = proc.stderr.rstrip("\n").split("\r\x1b[K")[-1]
    assert "页面 6" in last and "问题 12" in last and "队列 0" in last


def test_estimate_of_the_time_left():
    from crawler.progress import remaining_seconds

    # 100 pages in 50 s (2 a second), 300 queued: 150 s left
    assert remaining_seconds(100, 300, 50.0) == 150.0
    # no more than the pages left under max_pages, nor the seconds left under the time limit
    assert remaining_seconds(100, 300, 50.0, max_pages=140) == 20.0
    assert remaining_seconds(100, 300, 50.0, time_limit=80) == 30.0
    assert remaining_seconds(0, 300, 5.0) is None and remaining_seconds(10, None, 5.0) is None
    line = format_progress(100, 300, 2, 50.0, remaining_s=150.0)
    assert "预计剩余 2:30" in line
    assert "~1:02:05 left" in format_progress(100, 300, 2, 50.0, lang="en", remaining_s=3725.0, width=120)
