"""Real Scrapyd nodes on loopback for the fleet tests: `scrapyd` in its own folder and session, with the
project defined by its settings module (no egg needed), polling often so that tests stay short."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.pg_server import missing

ROOT = Path(__file__).resolve().parent.parent

CONF = """[scrapyd]
bind_address = 127.0.0.1
http_port = {port}
poll_interval = 0.2
max_proc = {max_proc}
logs_dir = logs
eggs_dir = eggs
dbs_dir = dbs
items_dir =
jobs_to_keep = 100
finished_to_keep = 1000
"""
# Scrapyd and the Scrapy processes it starts both read the closest scrapy.cfg: it names the project.
SCRAPY_CFG = """[settings]
siteaudit = crawler.settings
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ScrapydNode:
    def __init__(self, folder: Path, max_proc: int = 2):
        try:
            import scrapyd  # noqa: F401
        except ImportError:
            missing("scrapyd is not installed (pip install -e '.[test]')")
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.port = _free_port()
        (folder / "scrapyd.conf").write_text(CONF.format(port=self.port, max_proc=max_proc), encoding="utf-8")
        (folder / "scrapy.cfg").write_text(SCRAPY_CFG, encoding="utf-8")
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "ScrapydNode":
        env = {**os.environ, "PYTHONPATH": str(ROOT), "SITEAUDIT_FLEET_DIR": str(self.folder / "jobs")}
        self.log = open(self.folder / "scrapyd.log", "wb")
        self.proc = subprocess.Popen([sys.executable, "-m", "scrapyd"], cwd=self.folder, env=env,
                                     stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"scrapyd exited: {(self.folder / 'scrapyd.log').read_text(errors='replace')[-1000:]}")
            try:
                if requests.get(self.url + "/daemonstatus.json", timeout=2).ok:
                    return self
            except requests.RequestException:
                time.sleep(0.2)
        pytest.fail("scrapyd did not answer within 60 s")

    def running_jobs(self) -> list[str]:
        try:
            body = requests.get(self.url + "/listjobs.json", params={"project": "siteaudit"}, timeout=5).json()
        except requests.RequestException:
            return []
        return [j["id"] for j in body.get("running", [])]

    def kill(self) -> None:
        """The node is lost: Scrapyd dies at once (SIGKILL); the job processes it started must notice and end."""
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=30)

    def leftovers(self) -> bool:
        """Whether any process Scrapyd started (its session) is still alive."""
        try:
            os.killpg(self.proc.pid, 0)
        except ProcessLookupError:
            return False
        return True

    def stop(self) -> None:
        if self.proc:
            for sig in (signal.SIGTERM, signal.SIGKILL):
                try:
                    os.killpg(self.proc.pid, sig)
                    self.proc.wait(timeout=20)
                    break
                except ProcessLookupError:
                    break
                except subprocess.TimeoutExpired:
                    continue
        self.log.close()
