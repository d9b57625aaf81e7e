"""Run a command and measure it: wall time, CPU time and peak RSS of that one process tree.

`/usr/bin/time -v` when it exists (what RESULTS.md quotes); otherwise `os.wait4`, which gives the
same numbers from the kernel for the one child.
"""
from __future__ import annotations

import os
import re
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

GNU_TIME = "/usr/bin/time"


@dataclass(frozen=True)
class Usage:
    """What one finished process cost."""

    wall_s: float
    user_s: float
    sys_s: float
    max_rss_kb: int
    exit_code: int

    @property
    def cpu_s(self) -> float:
        return self.user_s + self.sys_s

    @property
    def rss_mb(self) -> float:
        return self.max_rss_kb / 1024


@dataclass(frozen=True)
class Run:
    usage: Usage
    stdout: str
    stderr: str


_FIELDS = {
    "user_s": re.compile(r"User time \(seconds\): ([\d.]+)"),
    "sys_s": re.compile(r"System time \(seconds\): ([\d.]+)"),
    "max_rss_kb": re.compile(r"Maximum resident set size \(kbytes\): (\d+)"),
    "exit_code": re.compile(r"Exit status: (\d+)"),
}


def parse_gnu_time(text: str, wall_s: float) -> Usage:
    """The `-v` report of GNU time → Usage; raises ValueError naming the missing field."""
    values = {}
    for name, pattern in _FIELDS.items():
        match = pattern.search(text)
        if not match:
            raise ValueError(f"GNU time output has no {name!r} line: {text[-300:]!r}")
        values[name] = match.group(1)
    return Usage(wall_s=wall_s, user_s=float(values["user_s"]), sys_s=float(values["sys_s"]),
                 max_rss_kb=int(values["max_rss_kb"]), exit_code=int(values["exit_code"]))


def measure(cmd: Sequence[str], *, cwd: str | Path | None = None, env: dict[str, str] | None = None,
            timeout: float | None = None) -> Run:
    """Run `cmd` to completion and return its usage and output. Timeout kills it (TimeoutExpired)."""
    if os.path.exists(GNU_TIME):
        with tempfile.NamedTemporaryFile("r", suffix=".time", delete=False) as report:
            path = report.name
        try:
            started = time.monotonic()
            done = subprocess.run([GNU_TIME, "-v", "-o", path, *cmd], cwd=cwd, env=env, capture_output=True,
                                  text=True, timeout=timeout)
            wall = time.monotonic() - started
            usage = parse_gnu_time(Path(path).read_text(), wall)
        finally:
            os.unlink(path)
        return Run(usage, done.stdout, done.stderr)
    started = time.monotonic()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        process = subprocess.Popen(list(cmd), cwd=cwd, env=env, stdout=out, stderr=err, text=True)
        _, status, rusage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        wall = time.monotonic() - started
        out.seek(0)
        err.seek(0)
        usage = Usage(wall, rusage.ru_utime, rusage.ru_stime, rusage.ru_maxrss, process.returncode)
        return Run(usage, out.read(), err.read())


def median_wall(cmd: Sequence[str], runs: int, *, cwd: str | Path | None = None,
                env: dict[str, str] | None = None) -> tuple[float, int]:
    """Median wall time of `runs` runs (after one warm-up run), and the last exit code."""
    code = 0
    measure(cmd, cwd=cwd, env=env)  # warm the page cache and .pyc files
    walls = []
    for _ in range(runs):
        result = measure(cmd, cwd=cwd, env=env)
        walls.append(result.usage.wall_s)
        code = result.usage.exit_code
    return statistics.median(walls), code
