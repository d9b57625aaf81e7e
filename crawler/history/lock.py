"""Whether the process holding a site's run lock is still alive.

A lock row records the pid, the host and the process's start time (Linux `/proc/<pid>/stat`), so a
crashed run's lock (dead pid, or a pid reused by another process) never blocks the next night's run.
On another host we cannot see the process: the lock is stale when its heartbeat is old.
"""
from __future__ import annotations

import os
import socket
from datetime import datetime, timedelta, timezone

from crawler.clock import parse_time

HEARTBEAT_STALE = timedelta(minutes=15)   # a live run refreshes its heartbeat on every flush


def host_name() -> str:
    return socket.gethostname()


def process_start(pid: int) -> str:
    """The process's start time in clock ticks since boot, or "" where /proc cannot tell."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            stat = fh.read().decode("ascii", "replace")
    except OSError:
        return ""
    # The command name (field 2) may contain spaces and parentheses: count fields after the last ')'.
    fields = stat.rsplit(")", 1)[-1].split()
    return fields[19] if len(fields) > 19 else ""


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:      # alive, owned by another user
        return True
    except OSError:
        return False
    return True


def lock_is_live(pid: int, host: str, proc_start: str, heartbeat: str, *, now: datetime | None = None) -> bool:
    """True while the lock's owner may still be running."""
    if host == host_name():
        if not pid_alive(pid):
            return False
        current = process_start(pid)
        return not (proc_start and current and current != proc_start)
    beat = parse_time(heartbeat)
    if beat is None:
        return False
    return (now or datetime.now(timezone.utc)) - beat < HEARTBEAT_STALE
