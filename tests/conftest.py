"""Shared fixtures: real servers on loopback and a way to run the `siteaudit` command."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

import pytest

from crawler.loopback.dns import DNSServer, Zone
from crawler.loopback.web import WebServer

ROOT = Path(__file__).resolve().parent.parent
SITE_FIXTURES = Path(__file__).parent / "site"


@pytest.fixture(autouse=True, scope="session")
def _empty_public_suffix_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Start every run with tldextract's cache empty, as on a fresh CI machine: a crawl that tried to
    download the Public Suffix List would then show it (the cache would otherwise hide it)."""
    os.environ["TLDEXTRACT_CACHE"] = str(tmp_path_factory.mktemp("tldextract-cache"))


@pytest.fixture
def dns_server() -> Callable[..., DNSServer]:
    """Start DNS servers on 127.0.0.x for a test: `dns_server(zone_dict, host="127.0.0.2", port=0, behaviour=...)`."""
    started: list[DNSServer] = []

    def start(zone: dict | Zone, host: str = "127.0.0.1", port: int = 0, **kwargs) -> DNSServer:
        server = DNSServer(zone, host=host, port=port, **kwargs).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def web_server() -> Callable[..., WebServer]:
    """Start virtual-host HTTP(S) servers on loopback, port 0: `web_server(root, routes=..., ssl_context=...)`."""
    started: list[WebServer] = []

    def start(root: str | Path | None = None, **kwargs) -> WebServer:
        server = WebServer(root, **kwargs).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def run_siteaudit(*args: str, cwd: str | Path | None = None, env: dict | None = None, timeout: float = 240,
                  input: str | None = None) -> subprocess.CompletedProcess:
    """Run `siteaudit ARGS` as a real subprocess (python -m crawler), with this checkout on the path."""
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run([sys.executable, "-m", "crawler", *args], cwd=cwd, env=full_env, timeout=timeout,
                          capture_output=True, text=True, input=input)


@pytest.fixture
def siteaudit(tmp_path: Path) -> Callable[..., subprocess.CompletedProcess]:
    """`siteaudit(*args)`: the CLI as a subprocess, with its history DB and caches inside tmp_path."""
    env = {"XDG_DATA_HOME": str(tmp_path / "data")}

    def run(*args: str, **kwargs) -> subprocess.CompletedProcess:
        return run_siteaudit(*args, cwd=kwargs.pop("cwd", tmp_path), env={**env, **kwargs.pop("env", {})}, **kwargs)

    return run


from tests.pg_server import db_url, pg_url, postgres_server  # noqa: E402,F401  (fixtures: a real PostgreSQL)


def wait_for_requests(web: WebServer, prefix: str, count: int, timeout: float = 60) -> None:
    """Until the loopback server has answered `count` requests for paths starting with `prefix` (or
    `timeout` seconds passed: the caller's assertions then say what is missing)."""
    deadline = time.monotonic() + timeout
    while len([r for r in web.requests if r[2].startswith(prefix)]) < count and time.monotonic() < deadline:
        time.sleep(0.05)
