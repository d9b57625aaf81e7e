"""Hostile servers and a bounded runner for the hostile-input tests (all on loopback).

`DripServer` answers every request by sending its headers, or its body, one byte at a time: socket
timeouts never fire, only a total deadline ends it. `run_audit_bounded` runs `siteaudit` as a child
process with a hard time limit and returns its exit code, output and peak RSS (os.wait4 rusage).
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import ROOT


class DripServer:
    """An HTTP server on 127.0.0.1 that drips: mode `body` (headers at once, then the body one byte per
    `interval` s, for ever), `headers` (the status line and headers one byte per `interval` s)."""

    def __init__(self, mode: str = "body", interval: float = 0.5, status: int = 200):
        self.mode = mode
        self.interval = interval
        self.status = status
        self.requests = 0
        self._sock = socket.socket()
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(64)
        self.port = self._sock.getsockname()[1]
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def __enter__(self) -> "DripServer":
        t = threading.Thread(target=self._accept, daemon=True)
        t.start()
        self._threads.append(t)
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._sock.close()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        self.requests += 1
        try:
            conn.settimeout(5)
            data = b""
            while b"\r\n\r\n" not in data and len(data) < 65536:
                chunk = conn.recv(4096)
                if not chunk:
                    return
                data += chunk
            head = (f"HTTP/1.1 {self.status} OK\r\nContent-Type: text/html; charset=utf-8\r\n"
                    "Connection: close\r\n\r\n").encode()   # no length: read until the server closes
            if self.mode == "body":
                conn.sendall(head)
                drip = b"<html><body>" + b"x" * 1_000_000
            else:
                drip = head
            for i in range(len(drip)):
                if self._stop.wait(self.interval):
                    return
                conn.sendall(drip[i:i + 1])
        except OSError:
            return
        finally:
            conn.close()


@dataclass
class Bounded:
    code: int
    stdout: str
    stderr: str
    seconds: float
    peak_mb: float


def audit_loopback_site(tmp: Path, start_url: str, domains: list[str], resolver: str, formats: str = "json",
                        max_pages: int = 100, limit: float = 150) -> tuple["Bounded", Path]:
    """Write a small profile for a loopback site (no delay, one uptime probe) and audit it bounded;
    returns the run and its output folder."""
    profile = tmp / "site.yaml"
    profile.write_text(
        "site:\n"
        f"  start_urls: ['{start_url}']\n"
        f"  domains: [{', '.join(domains)}]\n"
        f"crawl: {{delay: 0, max_pages: {max_pages}, timeout: 10}}\n"
        "uptime: {probes: 1, timeout: 2, retries: 0}\n", encoding="utf-8")
    out = tmp / "out"
    result = run_audit_bounded(["audit", str(profile), "--resolver", resolver, "-o", str(out), "--format", formats],
                               tmp, limit=limit)
    return result, out


def run_audit_bounded(args: list[str], tmp_path: Path, limit: float, env: dict | None = None,
                      signals: list[tuple[float, int]] = ()) -> Bounded:
    """`python -m crawler ARGS` with a hard limit of `limit` seconds (killed and asserted past it).
    `signals`: (seconds after start, signal) to send, e.g. Ctrl-C twice."""
    out_path, err_path = tmp_path / "stdout.txt", tmp_path / "stderr.txt"
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), "XDG_DATA_HOME": str(tmp_path / "data"), **(env or {})}
    start = time.monotonic()
    with open(out_path, "w") as out, open(err_path, "w") as err:
        proc = subprocess.Popen([sys.executable, "-m", "crawler", *args], cwd=tmp_path, env=full_env,
                                stdout=out, stderr=err, stdin=subprocess.DEVNULL)
    pending = sorted(signals)
    status = rusage = None
    while True:
        pid, status, rusage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        elapsed = time.monotonic() - start
        while pending and elapsed >= pending[0][0]:
            proc.send_signal(pending.pop(0)[1])
        if elapsed > limit:
            proc.kill()
            os.wait4(proc.pid, 0)
            raise AssertionError(f"the audit did not end within {limit:g} s: {args}\n"
                                 + err_path.read_text(errors="replace")[-3000:])
        time.sleep(0.05)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return Bounded(proc.returncode, out_path.read_text(errors="replace"), err_path.read_text(errors="replace"),
                   time.monotonic() - start, rusage.ru_maxrss / 1024)
