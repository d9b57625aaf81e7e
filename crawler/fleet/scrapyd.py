"""`fleet run --scrapyd URL[,URL…]`: one Scrapyd job per site, spread over the nodes, into one store.

Scrapyd (1.6) runs one process per job and answers a small JSON API; it has no cross-node
scheduling, keeps finished jobs in memory only, and does not report a job's exit status. So:

- **Balancing.** Before each round the dispatcher asks every node `daemonstatus.json`
  (running + pending, all projects) and gives the next site to the least-loaded node that holds
  fewer than two jobs of ours not yet started, so a node takes work as it frees slots and a lost
  node takes few jobs with it.
- **One audit per site.** A site is never scheduled while a job of it is active; the store's per-site
  lock stands behind that across machines.
- **The job.** `schedule.json` with our own `jobid` (`<site slug>-<random>`), the profile YAML,
  the site name, the store URL when given, and the audit's options (spider `audit`,
  crawler/spiders/fleet_job.py). The node writes the profile under a folder named by the job, so the
  stored run's `profile` names the job: that is how the dispatcher finds the run of a job.
- **Outcome.** A job listed as finished is looked up in the store: its run's summary gives the exit
  code (the job's log line `siteaudit fleet job exit code: N` when no run was recorded).
- **Lost jobs.** A node that does not answer, or a job that vanished from its node's lists, is lost.
  Once no live process holds the site's lock, an unfinished run of that job is marked `crashed` (or a
  `crashed` run is recorded when the job never got as far as starting one) and the site is tried
  again, once by default, on another node when there is one.
"""
from __future__ import annotations

import json
import sys
import time
import uuid
from urllib.parse import urlsplit
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from crawler.fleet.config import Site, slug
from crawler.fleet.local import SiteRun, phrases_in_process
from crawler.fleet.node import EXIT_MARK
from crawler.fleet.report import COMPLETE, site_exit_code
from crawler.clock import now_iso
from crawler.history.store import Store
from rules.errors import ConfigError
from rules.model import pick

PROJECT = "siteaudit"
SPIDER = "audit"
PENDING_PER_NODE = 2     # our jobs a node may hold not yet started: enough to keep it busy between its polls
_TIMEOUT_S = 10
_LOST_GRACE_S = 120      # how long a lost job's site may still show a live lock before it is called crashed


class NodeDown(Exception):
    pass


@dataclass
class Node:
    url: str
    alive: bool = True
    load: int = 0               # running + pending on the node (all projects), as last seen
    ours_pending: int = 0       # our jobs the node has not started yet

    @property
    def name(self) -> str:
        """host:port, without the basic-auth credentials a node URL may carry."""
        parts = urlsplit(self.url)
        return f"{parts.hostname}:{parts.port}" if parts.port else str(parts.hostname)

    def get(self, endpoint: str, **params: str) -> dict:
        return self._answer(lambda: requests.get(f"{self.url.rstrip('/')}/{endpoint}", params=params,
                                                 timeout=_TIMEOUT_S))

    def post(self, endpoint: str, data: list[tuple[str, str]]) -> dict:
        return self._answer(lambda: requests.post(f"{self.url.rstrip('/')}/{endpoint}", data=data,
                                                  timeout=_TIMEOUT_S))

    def _answer(self, call) -> dict:
        try:
            resp = call()
            body = resp.json()
        except (requests.RequestException, ValueError) as exc:
            raise NodeDown(f"{self.name}: {type(exc).__name__}") from None
        if resp.status_code >= 500 or not isinstance(body, dict):
            raise NodeDown(f"{self.name}: HTTP {resp.status_code}")
        if body.get("status") != "ok":
            raise ConfigError(f"Scrapyd {self.name}: {body.get('message', body)}", field="--scrapyd")
        return body

    def log(self, job: str) -> str:
        try:
            resp = requests.get(f"{self.url.rstrip('/')}/logs/{PROJECT}/{SPIDER}/{job}.log", timeout=_TIMEOUT_S)
            return resp.text if resp.ok else ""
        except requests.RequestException:
            return ""


@dataclass
class Job:
    site: Site
    node: Node
    job_id: str
    scheduled: str
    attempt: int
    lost_since: float | None = None


@dataclass
class _SiteState:
    attempts: int = 0
    nodes: list[str] = field(default_factory=list)


class ScrapydDispatcher:
    def __init__(self, urls: list[str], *, db: str, audit_args: list[str], retries: int = 1, poll_s: float = 2.0,
                 lang: str = "zh", log: Any = None, send_db: bool | None = None):
        if not urls:
            raise ConfigError("no Scrapyd node given", field="--scrapyd")
        for u in urls:
            if not u.startswith(("http://", "https://")):
                raise ConfigError(f"not an http(s) URL: {u!r}", field="--scrapyd")
        self.nodes = [Node(u) for u in urls]
        self.db = db if "://" in db else str(Path(db).resolve())   # a node's working folder is not ours
        self.audit_args = phrases_in_process(audit_args)   # a node runs several jobs at once
        self.retries = retries
        self.poll_s = poll_s
        self.lang = lang
        self.out = log
        # The store's URL goes with every job (the node's SITEAUDIT_DB is used only when it does not). A
        # password in it would then sit in Scrapyd's job queue on the nodes: say so, and point to ~/.pgpass.
        self.send_db = True if send_db is None else send_db
        if self.send_db and "://" in db and urlsplit(db).password is not None:
            print("警告：--db 中的密码会随任务发送到 Scrapyd 节点，建议改用 ~/.pgpass 或 PGPASSFILE / warning: the "
                  "password in --db travels to the Scrapyd nodes with every job; prefer ~/.pgpass or PGPASSFILE",
                  file=sys.stderr)

    def _say(self, zh: str, en: str) -> None:
        if self.out is not None:
            print(pick(self.lang, zh, en), file=self.out, flush=True)

    # -- the nodes ---------------------------------------------------------------------------------

    def _refresh(self, node: Node) -> dict[str, set[str]] | None:
        """The node's load and our jobs on it by state; None (and the node marked down) when it does not answer."""
        if not node.alive:
            return None
        try:
            status = node.get("daemonstatus.json")
            jobs = node.get("listjobs.json", project=PROJECT)
        except NodeDown as exc:
            node.alive = False
            self._say(f"节点失联：{exc}", f"node lost: {exc}")
            return None
        except ConfigError as exc:
            self._unusable(node, str(exc))
            return None
        node.load = int(status.get("running", 0)) + int(status.get("pending", 0))
        states = {state: {j.get("id", "") for j in jobs.get(state, [])} for state in ("pending", "running", "finished")}
        node.ours_pending = len(states["pending"])
        return states

    def _unusable(self, node: Node, why: str) -> None:
        node.alive = False
        print(f"siteaudit: Scrapyd {node.name}: {why}", file=sys.stderr)

    def _check_project(self, node: Node) -> None:
        """A node must know the project and its `audit` spider (scrapy.cfg [settings] or a deployed egg)."""
        if not node.alive:
            return
        try:
            spiders = node.get("listspiders.json", project=PROJECT).get("spiders", [])
        except NodeDown:
            node.alive = False
            return
        except ConfigError as exc:
            spiders = []
            why = str(exc)
        else:
            why = f"spiders {spiders}"
        if SPIDER not in spiders:
            self._unusable(node, f"没有 {PROJECT} 项目的 {SPIDER} 任务（{why}）：用 scrapyd-deploy 部署，或在节点的 scrapy.cfg "
                                 f"写 [settings] {PROJECT} = crawler.settings / no `{SPIDER}` spider in project "
                                 f"{PROJECT!r} ({why}): deploy with scrapyd-deploy, or give the node a scrapy.cfg with "
                                 f"[settings] {PROJECT} = crawler.settings (docs/fleet.md)")

    def _pick(self, state: _SiteState) -> Node | None:
        free = [n for n in self.nodes if n.alive and n.ours_pending < PENDING_PER_NODE]
        if not free:
            return None
        fresh = [n for n in free if n.name not in state.nodes] or free   # a retry goes elsewhere when it can
        return min(fresh, key=lambda n: (n.load, self.nodes.index(n)))

    def _schedule(self, site: Site, node: Node, attempt: int) -> Job:
        job_id = f"{slug(site.name)[:40]}-{uuid.uuid4().hex[:12]}"
        data = [("project", PROJECT), ("spider", SPIDER), ("jobid", job_id), ("site", site.name),
                ("profile_yaml", site.path.read_text(encoding="utf-8")), ("audit_args", json.dumps(self.audit_args))]
        if self.send_db:
            data.append(("db", self.db))
        node.post("schedule.json", data)
        node.load += 1
        node.ours_pending += 1
        self._say(f"已调度 {site.name} → {node.name}（{job_id}）", f"scheduled {site.name} on {node.name} ({job_id})")
        return Job(site, node, job_id, now_iso(), attempt)

    # -- the store -----------------------------------------------------------------------------------

    @staticmethod
    def _run_of(store: Store, job: Job) -> dict | None:
        store.flush()
        row = store.conn.execute("SELECT id FROM runs WHERE site = ? AND profile LIKE ? ORDER BY started DESC",
                                 (job.site.name, f"%/{job.job_id}/%")).fetchone()
        return store.run(row[0]) if row else None

    def _mark_crashed(self, store: Store, job: Job, run: dict | None) -> None:
        with store._write() as conn:
            if run is not None:
                conn.execute("UPDATE runs SET finished = ?, finish_reason = 'crashed' WHERE id = ? AND "
                             "(finished IS NULL OR finish_reason IS NULL OR finish_reason = 'interrupted')",
                             (now_iso(), run["id"]))
                conn.execute("DELETE FROM locks WHERE run_id = ?", (run["id"],))
            else:
                run_id = job.scheduled.replace(":", "").replace("-", "")[:15] + "-" + uuid.uuid4().hex[:6]
                conn.execute("INSERT INTO runs (id, site, profile, started, finished, finish_reason, pages, host) "
                             "VALUES (?, ?, ?, ?, ?, 'crashed', 0, ?)",
                             (run_id, job.site.name, f"scrapyd://{job.node.name}/{job.job_id}/", job.scheduled,
                              now_iso(), job.node.name))

    def _outcome(self, store: Store, job: Job, fail_on: str) -> SiteRun:
        run = self._run_of(store, job)
        code = None
        detail = ""
        if run is None:
            for line in job.node.log(job.job_id).splitlines():
                if EXIT_MARK in line:
                    try:
                        code = int(line.rsplit(EXIT_MARK, 1)[1].split()[0])
                    except (ValueError, IndexError):
                        pass
            code = 3 if code is None else code
            detail = "no run recorded" if code != 2 else "configuration error on the node (see its job log)"
        else:
            code = site_exit_code(run, fail_on, store.checks(run["id"]))
        return SiteRun(job.site.name, str(job.site.path), job.site.slug, code, 0.0,
                       run_id=run["id"] if run else None, node=job.node.name, attempts=job.attempt, detail=detail)

    # -- the loop ----------------------------------------------------------------------------------

    def run(self, sites: list[Site], fail_on: str | None = None) -> list[SiteRun]:
        fail_on = fail_on or next((self.audit_args[i + 1] for i, a in enumerate(self.audit_args)
                                   if a == "--fail-on" and i + 1 < len(self.audit_args)), "error")
        queue = list(sites)
        state = {s.name: _SiteState() for s in sites}
        active: list[Job] = []
        results: dict[str, SiteRun] = {}
        store = Store.open(self.db)
        try:
            for node in self.nodes:
                self._refresh(node)
                self._check_project(node)
            if not any(n.alive for n in self.nodes):
                raise ConfigError("没有可用的 Scrapyd 节点 / no Scrapyd node answers: "
                                  + ", ".join(n.name for n in self.nodes), field="--scrapyd")
            while queue or active:
                # schedule what the free nodes can take
                while queue:
                    site = queue[0]
                    node = self._pick(state[site.name])
                    if node is None:
                        break
                    queue.pop(0)
                    st = state[site.name]
                    st.attempts += 1
                    st.nodes.append(node.name)
                    try:
                        active.append(self._schedule(site, node, st.attempts))
                    except (NodeDown, ConfigError) as exc:
                        if isinstance(exc, ConfigError):
                            self._unusable(node, str(exc))
                        node.alive = False
                        st.attempts -= 1
                        st.nodes.pop()
                        queue.insert(0, site)
                time.sleep(self.poll_s)
                seen = {id(n): self._refresh(n) for n in self.nodes}
                for job in list(active):
                    jobs = seen[id(job.node)]
                    if jobs is not None and job.job_id in jobs["finished"]:
                        active.remove(job)
                        results[job.site.name] = self._outcome(store, job, fail_on)
                        continue
                    if jobs is not None and (job.job_id in jobs["pending"] or job.job_id in jobs["running"]):
                        continue
                    # lost: the node is down, or the job vanished from it
                    if job.lost_since is None:
                        job.lost_since = time.monotonic()
                    run = self._run_of(store, job)
                    if run is not None and run["finish_reason"] in COMPLETE:
                        active.remove(job)     # it ended before the node was lost: the result stands
                        results[job.site.name] = self._outcome(store, job, fail_on)
                        continue
                    if store.site_is_running(job.site.name) and time.monotonic() - job.lost_since < _LOST_GRACE_S:
                        continue               # its process is still alive somewhere: wait for it to end
                    self._mark_crashed(store, job, run)
                    active.remove(job)
                    st = state[job.site.name]
                    if st.attempts <= self.retries and any(n.alive for n in self.nodes):
                        self._say(f"{job.site.name} 的任务随节点 {job.node.name} 丢失：标记为崩溃，重试",
                                  f"{job.site.name}: job lost with node {job.node.name}; marked crashed, retrying")
                        queue.insert(0, job.site)
                    else:
                        results[job.site.name] = SiteRun(job.site.name, str(job.site.path), job.site.slug, 3, 0.0,
                                                         run_id=(run or {}).get("id"), node=job.node.name,
                                                         attempts=st.attempts, detail="crashed: job lost with its node")
                if queue and not any(n.alive for n in self.nodes):
                    for site in queue:
                        results[site.name] = SiteRun(site.name, str(site.path), site.slug, 3, 0.0,
                                                     attempts=state[site.name].attempts,
                                                     detail="not run: no Scrapyd node left")
                    queue.clear()
        except KeyboardInterrupt:
            for job in active:       # stopping the dispatcher stops its jobs: nothing runs on unwatched
                try:
                    job.node.post("cancel.json", [("project", PROJECT), ("job", job.job_id)])
                except (NodeDown, ConfigError):
                    pass
            raise
        finally:
            store.close()
        return [results[s.name] for s in sites]
