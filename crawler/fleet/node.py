"""What a Scrapyd node does for one fleet job: write the profile it was sent, run `siteaudit audit` on
it into the shared store, and wait, logging the exit code for the dispatcher to read.

- The profile travels as YAML text in the job's arguments; it is written to
  `$SITEAUDIT_FLEET_DIR/<job>/<site>.yaml` (default: a `siteaudit-fleet` folder in the temp dir), so
  the stored run's `profile` names the job: the dispatcher finds the run of a job by it.
- The store is the job's `db` argument or the node's `SITEAUDIT_DB` (set in the node's unit file, so
  that a password never travels in a job argument); outputs go to `out` or next to the profile.
- If Scrapyd itself dies (the node is lost), this job's audit is killed with it rather than left
  running unseen: the dispatcher will retry the site elsewhere.
"""
from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from crawler.fleet.config import slug

logger = logging.getLogger(__name__)
EXIT_MARK = "siteaudit fleet job exit code:"
_POLL_S = 0.5


def job_dir(job: str) -> Path:
    base = Path(os.environ.get("SITEAUDIT_FLEET_DIR") or Path(tempfile.gettempdir()) / "siteaudit-fleet")
    return base / slug(job or "job")


def job_command(spider: Any) -> tuple[list[str], Path]:
    folder = job_dir(spider.job)
    folder.mkdir(parents=True, exist_ok=True)
    profile = folder / f"{slug(spider.site or 'site')}.yaml"
    profile.write_text(spider.profile_yaml, encoding="utf-8")
    db = spider.db or os.environ.get("SITEAUDIT_DB", "")
    try:
        extra = [str(a) for a in json.loads(spider.audit_args or "[]")]
    except ValueError:
        extra = []
    cmd = [sys.executable, "-m", "crawler", "audit", str(profile), "-o", spider.out or str(folder / "out"),
           "--quiet", *extra]
    if db:
        cmd[5:5] = ["--db", db]
    return cmd, folder


def _job_log(spider: Any) -> None:
    """The project keeps Scrapy's root log handler off; a job's own lines still belong in Scrapyd's job log."""
    target = logging.getLogger(spider.name)
    if target.handlers:
        return
    log_file = spider.crawler.settings.get("LOG_FILE") if getattr(spider, "crawler", None) else None
    handler = logging.FileHandler(log_file, encoding="utf-8") if log_file else logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s [%(name)s] %(levelname)s: %(message)s"))
    target.addHandler(handler)
    target.setLevel(logging.INFO)


async def run_job(spider: Any) -> int:
    """Run the audit as a child process; return its exit code (3 when it could not run)."""
    _job_log(spider)
    if not spider.profile_yaml:
        spider.logger.error("%s 3 (no profile_yaml argument)", EXIT_MARK)
        return 3
    cmd, folder = job_command(spider)
    parent = os.getppid()
    with open(folder / "audit.log", "wb") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        spider.proc = proc
        spider.logger.info("siteaudit fleet job %s: site %s, pid %s", spider.job, spider.site, proc.pid)
        while proc.poll() is None:
            if os.getppid() != parent:      # Scrapyd is gone: the node is lost, and so is this job
                proc.kill()
                proc.wait()
                os._exit(137)
            await asyncio.sleep(_POLL_S)
    code = proc.returncode
    if code < 0:
        spider.logger.error("audit killed by %s", signal.Signals(-code).name)
        code = 3
    tail = (folder / "audit.log").read_text(encoding="utf-8", errors="replace")[-2000:]
    if tail.strip():
        spider.logger.info("audit output:\n%s", tail)
    spider.logger.info("%s %d", EXIT_MARK, code)
    return code
