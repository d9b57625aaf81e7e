"""Run a command and measure it: wall time, CPU time and peak RSS of that one process tree.

`/usr/bin/time -v` when it exists (what RESULTS.md quotes); otherwise `os.wait4`, which gives the
same numbers from the kernel for the one child. CPU time includes the children the command waited
for (the audit's phrase worker). The kernel's peak RSS is that of the largest single process, so
the tree's summed RSS is also sampled (`TreeRss`, every 50 ms) and the larger of the two is kept:
an audit with a worker process is charged for both processes' memory.
"""
from __future__ import annotations

import os
import re
import statistics
import subprocess
import tempfile
import threading
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


class TreeRss:
    """Samples the summed RSS (kB) of a process and all its descendants until stopped; `peak_kb`."""

    def __init__(self, pid: int, every_s: float = 0.05, root: bool = True):
        self.pid = pid
        self.root = root   # False: the descendants only (the root is /usr/bin/time)
        self.every_s = every_s
        self.peak_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> "TreeRss":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak_kb = max(self.peak_kb, tree_rss_kb(self.pid, self.root))
            self._stop.wait(self.every_s)


def tree_rss_kb(root: int, with_root: bool = True) -> int:
    """VmRSS of `root` (unless not `with_root`) and its descendants, from /proc (0 without /proc)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return 0
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            status = Path(f"/proc/{entry}/status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        pid, ppid = int(entry), int(fields.get("PPid", "0").strip() or 0)
        children.setdefault(ppid, []).append(pid)
        rss[pid] = int(fields.get("VmRSS", "0 kB").split()[0])
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        if pid != root or with_root:
            total += rss.get(pid, 0)
        todo.extend(children.get(pid, ()))
    return total


def measure(cmd: Sequence[str], *, cwd: str | Path | None = None, env: dict[str, str] | None = None,
            timeout: float | None = None) -> Run:
    """Run `cmd` to completion and return its usage and output. Timeout kills it (TimeoutExpired)."""
    if os.path.exists(GNU_TIME):
        with tempfile.NamedTemporaryFile("r", suffix=".time", delete=False) as report:
            path = report.name
        try:
            started = time.monotonic()
            with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
                process = subprocess.Popen([GNU_TIME, "-v", "-o", path, *cmd], cwd=cwd, env=env, stdout=out,
                                           stderr=err, text=True)
                with TreeRss(process.pid, root=False) as tree:
                    try:
                        process.wait(timeout=timeout)
                    except subprocess.TimeoutExpired:
                        process.kill()
                        process.wait()
                        raise
                wall = time.monotonic() - started
                out.seek(0)
                err.seek(0)
                stdout, stderr = out.read(), err.read()
            usage = parse_gnu_time(Path(path).read_text(), wall)
        finally:
            os.unlink(path)
        usage = _with_tree_peak(usage, tree.peak_kb)
        return Run(usage, stdout, stderr)
    started = time.monotonic()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        process = subprocess.Popen(list(cmd), cwd=cwd, env=env, stdout=out, stderr=err, text=True)
        with TreeRss(process.pid) as tree:
            _, status, rusage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        wall = time.monotonic() - started
        out.seek(0)
        err.seek(0)
        usage = Usage(wall, rusage.ru_utime, rusage.ru_stime, rusage.ru_maxrss, process.returncode)
        return Run(_with_tree_peak(usage, tree.peak_kb), out.read(), err.read())


def _with_tree_peak(usage: Usage, tree_kb: int) -> Usage:
    """The kernel's peak, or the sampled tree's when larger (a sample can miss a short peak)."""
    if tree_kb <= usage.max_rss_kb:
        return usage
    return Usage(usage.wall_s, usage.user_s, usage.sys_s, tree_kb, usage.exit_code)


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
