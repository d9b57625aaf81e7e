"""Every network wait has a total deadline (issue 18): servers on loopback that drip their answer one
byte at a time, which no socket (idle) timeout ever ends. Each client must give up on its own
deadline and say so as a timeout: the crawl (Scrapy's DOWNLOAD_TIMEOUT bounds the whole download),
the health probes (uptime, hygiene, IPv6: `pinned_get`), TLS handshakes and webhooks."""
from __future__ import annotations

import json
import socket
import threading

import pytest
import requests

from crawler.checks.health.netcommon import pinned_get
from crawler.checks.health.tls import fetch_chain, offers, verify_chain
from crawler.notify.webhooks import NotifyStatus, notify
from crawler.profile import NotifySection, PlainWebhook
from tests.hostile import DripServer, run_audit_bounded


class RawDrip:
    """Accepts and sends garbage one byte per 0.2 s without reading: a TLS handshake that never ends."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.stop = threading.Event()

    def __enter__(self):
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.sock.close()

    def _accept(self):
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._drip, args=(conn,), daemon=True).start()

    def _drip(self, conn):
        try:
            while not self.stop.wait(0.2):
                conn.sendall(b"\x16")
        except OSError:
            pass
        finally:
            conn.close()


@pytest.mark.timeout(30)
@pytest.mark.parametrize("mode", ["body", "headers"])
def test_health_probe_gives_up_on_a_drip_fed_answer(mode):
    with DripServer(mode, interval=0.2) as srv:
        with pytest.raises(requests.exceptions.Timeout):
            pinned_get("drip.test", "127.0.0.1", "http", srv.port, "/", timeout=1.0)
        assert srv.requests == 1


@pytest.mark.timeout(30)
def test_tls_handshakes_give_up_on_a_drip_fed_server():
    import ssl

    with RawDrip() as srv:
        served = fetch_chain("drip.test", "127.0.0.1", srv.port, 1.0)
        assert served.error_kind == "timeout", served
        trusted, _, why = verify_chain("drip.test", "127.0.0.1", srv.port, 1.0)
        assert not trusted and why
        assert offers("127.0.0.1", "drip.test", srv.port, ssl.TLSVersion.TLSv1_2, 1.0) is not True


@pytest.mark.timeout(30)
@pytest.mark.parametrize("mode", ["body", "headers"])
def test_a_webhook_that_answers_one_byte_at_a_time_is_a_timeout(mode):
    with DripServer(mode, interval=0.2) as srv:
        section = NotifySection(webhook=PlainWebhook(url=srv.url("/hook")), on="always")
        doc = {"run": {"site": "s", "finish_reason": "finished", "pages": 1, "id": "r"},
               "summary": {"error": 1, "warning": 0, "info": 0, "new": 1, "fixed": 0}, "findings": []}
        results = notify(section, doc, {"fixed": [], "partial": False}, "r.html", env={}, timeout=1.0, retries=0)
    assert [r.status for r in results] == [NotifyStatus.TIMEOUT], results


def test_an_audit_of_a_drip_fed_site_ends_and_names_the_page(tmp_path):
    """The homepage, robots.txt and every probe drip one byte every 0.3 s: the crawl's download
    timeout and the probes' deadlines end the audit, and the homepage is a finding (LNK002)."""
    with DripServer("body", interval=0.3) as srv:
        profile = tmp_path / "site.yaml"
        profile.write_text(f"site:\n  start_urls: ['{srv.url()}']\ncrawl: {{delay: 0, timeout: 2}}\n"
                           "uptime: {probes: 1, timeout: 2, retries: 0}\n", encoding="utf-8")
        result = run_audit_bounded(["audit", str(profile), "--no-dns", "-o", str(tmp_path / "out")], tmp_path,
                                   limit=120)
    assert result.code == 1, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    doc = json.loads((tmp_path / "out" / "findings.json").read_text(encoding="utf-8"))
    home = [f for f in doc["findings"] if f["rule"] == "LNK002" and f["url"].rstrip("/").endswith(str(srv.port))]
    assert home and ("took longer than" in home[0]["message"] or "past the 2 s deadline" in home[0]["message"])
    assert [f for f in doc["findings"] if f["rule"].startswith("UPT")]
    assert result.peak_mb < 500


def test_a_site_whose_every_page_hangs_is_given_up_after_a_few_timeouts(tmp_path):
    """40 pages that each hang for 30 s: three timeouts in a row and the host is not asked again, so
    the audit costs a few deadlines, not 40 × 2 × crawl.timeout; every page still says why."""
    from crawler.loopback.web import Reply, WebServer

    links = "".join(f"<a href='/p{i}.html'>p{i}</a> " for i in range(40))
    routes = {("*", "/"): Reply(200, f"<html><body>{links}</body></html>")}
    routes.update({("*", f"/p{i}.html"): Reply(200, "<html><body>slow</body></html>", delay=30) for i in range(40)})
    with WebServer(routes=routes) as web:
        profile = tmp_path / "site.yaml"
        profile.write_text(f"site:\n  start_urls: ['http://127.0.0.1:{web.port}/']\n"
                           "crawl: {delay: 0, timeout: 2, concurrency: 2}\n", encoding="utf-8")
        result = run_audit_bounded(["audit", str(profile), "--no-dns", "--no-uptime", "-o", str(tmp_path / "out")],
                                   tmp_path, limit=100)
        asked = len([r for r in web.requests if r[2].startswith("/p")])
    assert result.code == 1, result.stderr[-2000:]
    doc = json.loads((tmp_path / "out" / "findings.json").read_text(encoding="utf-8"))
    assert len([f for f in doc["findings"] if f["rule"] == "LNK002"]) == 40
    assert [f for f in doc["findings"] if f["rule"] == "LNK019"]
    assert asked <= 10


def test_ctrl_c_while_every_wait_drips_ends_within_seconds(tmp_path):
    """One Ctrl-C while the crawl and the uptime probes (30 s timeouts) all wait on a drip-fed host:
    the crawl stops within its grace, the probes are cut, and the run is interrupted with its report."""
    import signal

    with DripServer("body", interval=0.5) as srv:
        profile = tmp_path / "site.yaml"
        profile.write_text(f"site:\n  start_urls: ['{srv.url()}']\ncrawl: {{delay: 0, timeout: 60}}\n"
                           "uptime: {probes: 3, timeout: 30, retries: 1}\n", encoding="utf-8")
        result = run_audit_bounded(["audit", str(profile), "--no-dns", "-o", str(tmp_path / "out")], tmp_path,
                                   limit=40, signals=[(4.0, signal.SIGINT)])
    assert "Traceback" not in result.stderr
    doc = json.loads((tmp_path / "out" / "findings.json").read_text(encoding="utf-8"))
    assert doc["run"]["finish_reason"] == "interrupted"
    assert (tmp_path / "out" / "report.html").is_file()
