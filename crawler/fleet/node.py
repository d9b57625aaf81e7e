"""What a Scrapyd node does for one fleet job: write the profile it was sent, run `siteaudit audit` on
it into the shared store, and wait, logging the exit code for the dispatcher to read.

- The profile travels as YAML text in the job's arguments; it is written to
  `$SITEAUDIT_FLEET_DIR/<job>/<site>.yaml` (default: a `siteaudit-fleet` folder in the temp dir), so
  the stored run's `profile` names the job: the dispatcher finds the run of a job by it.
- The store is the job's `db` argument or the node's `SITEAUDIT_DB` (set in the node's unit file, so
  that a password never travels in a job argument); outputs go to `out` or next to the profile.
- If Scrapyd itself dies (the node is lost), this job's audit is killed with it rather than left
  running unseen: the dispatcher will retry the site elsewhere. A job process that finds Scrapyd
  already gone when it starts does not audit at all.
- A retried site may still be locked by its first audit for a moment (a node that dies slowly): the
  job waits for the site's lock (up to `SITEAUDIT_LOCK_WAIT` seconds, default 600) instead of failing.
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


def _orphaned(parent: int) -> bool:
    """True once the process that started this job is gone (Scrapyd died: the node is lost)."""
    return parent == 1 or os.getppid() != parent


async def _wait_for_site(spider: Any, parent: int) -> bool:
    """A retried site may still be held by its first audit (a node that died slowly): wait for the
    site's lock rather than fail, up to SITEAUDIT_LOCK_WAIT seconds (default 600)."""
    db = spider.db or os.environ.get("SITEAUDIT_DB", "")
    if not db or not spider.site:
        return True
    from crawler.history.store import Store

    try:
        store = Store.open(db)
    except Exception as exc:  # the audit itself will say what is wrong with the store
        spider.logger.warning("cannot look at the site's lock: %s", exc)
        return True
    try:
        limit = float(os.environ.get("SITEAUDIT_LOCK_WAIT", "600"))
        waited = 0.0
        while store.site_is_running(spider.site):
            if waited >= limit:
                spider.logger.error("%s 3 (site %s still locked after %.0f s)", EXIT_MARK, spider.site, waited)
                return False
            if _orphaned(parent):
                os._exit(137)
            if waited == 0:
                spider.logger.info("site %s is being audited elsewhere: waiting for it", spider.site)
            await asyncio.sleep(_POLL_S * 4)
            waited += _POLL_S * 4
    finally:
        store.close()
    return True


async def run_job(spider: Any) -> int:
    """Run the audit as a child process; return its exit code (3 when it could not run)."""
    _job_log(spider)
    if not spider.profile_yaml:
        spider.logger.error("%s 3 (no profile_yaml argument)", EXIT_MARK)
        return 3
    from crawler.spiders.fleet_job import PARENT_AT_START

    parent = PARENT_AT_START
    if _orphaned(parent):
        spider.logger.error("%s 3 (Scrapyd was gone before the job began: not auditing)", EXIT_MARK)
        return 3
    cmd, folder = job_command(spider)
    if not await _wait_for_site(spider, parent):
        return 3
    with open(folder / "audit.log", "wb") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        spider.proc = proc
        spider.logger.info("siteaudit fleet job %s: site %s, pid %s", spider.job, spider.site, proc.pid)
        while proc.poll() is None:
            if _orphaned(parent):           # Scrapyd is gone: the node is lost, and so is this job
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
