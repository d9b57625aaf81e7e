"""The phrase rules of a crawl: in this process, or in a worker process on another core.

The phrase rules are pure functions of a page's text blocks (`rules` imports nothing of ours), and
on a dense site they are a third of what the crawl process does per page. `PhraseChecker` hands a
page's HTML to one worker process (`python -m crawler.phrases`: a new interpreter, as the crawl runs
threads and is never forked, and without multiprocessing's re-import of the caller's main module),
where the rule set is built once when it starts; the crawl process runs the page checks meanwhile
and stores the page when the worker's answer comes.

The worker is spoken to over one pipe that the asyncio loop watches (`loop.add_reader`), not
through `concurrent.futures.ProcessPoolExecutor`: its manager and feeder threads cost the crawl
process more CPU (and GIL hand-overs on every page) than the phrase rules they moved away.

- Bounded: at most `in_flight` pages, and a quarter of the socket's buffer of HTML (at least
  `IN_FLIGHT_BYTES`; a bigger page goes alone), wait for the worker, so a write never blocks; past
  that the pipeline waits, and so does Scrapy's downloader (backpressure): memory does not grow
  with a slow worker.
- Beside the crawl: the worker runs SCHED_BATCH (`_batch_policy`: why, measured, in its docstring).
  Neither process is pinned to a CPU: pinning measured no gain on a quiet machine (dense site,
  3,000 pages, 0.69/0.69x pinned against 0.70/0.72x not, alternating runs) and would put every
  audit running at the same time on the same CPUs.
- Same findings: the worker returns the page's `FindingCap` (the per-page caps, crawler/pipelines.py),
  and the crawl process adds the page checks' findings to it, as it does in-process.
- A rule that raises on a page is that page's error (the caller records it); a worker that dies
  (killed, out of memory) is said once in the log and the rest of the crawl, the pages it held
  included, is checked in this process.
- `auto`: a worker only when this process may use two CPUs, and only once the crawl has handed on
  `after` pages: a tiny site never pays for starting one. `on`: always (tests); `off`: never.
  The command line's `--phrase-worker`.
"""
from __future__ import annotations

import asyncio
import logging
import os
import pickle
import signal
import socket
import subprocess
import sys
from collections import OrderedDict
from dataclasses import asdict, dataclass, field
from multiprocessing.connection import Connection
from typing import Any

from crawler.history.rows import finding_data
from crawler.pipelines import FindingCap, phrase_findings
from rules.model import Finding

logger = logging.getLogger(__name__)

MODES = ("auto", "on", "off")
WORKER_AFTER = 50    # pages checked here before `auto` starts the worker
IN_FLIGHT = 32       # pages handed to the worker and not answered yet
IN_FLIGHT_BYTES = 48 * 1024   # their HTML (UTF-8) at least: well under a socket's default buffer
SOCKET_BUFFER = 1 << 20       # asked for; the kernel may give less (net.core.wmem_max)
STOP_WAIT_S = 10.0   # a worker that does not end this long after its pipe closed is killed


class RepeatedText:
    """The phrase rules on a page's text blocks, each distinct block checked once.

    A site's header, footer and navigation are the same text on every page: the rules run on a
    block the first time it is seen, and later pages reuse the result, moved to their own URL and
    source position. A bounded LRU (`size` blocks), so memory does not grow with the site.
    """

    def __init__(self, ruleset: Any, size: int = 1024):
        self.ruleset = ruleset
        self.size = size
        self._seen: OrderedDict[tuple[str, str, str], tuple[Finding, ...]] = OrderedDict()
        self.hits = self.misses = 0

    def check(self, text: str, url: str = "-", where: str = "body", line: int = 1, column: int = 1,
              answer: str = "") -> list[Finding]:
        """`RuleSet.check`, from the cache when this text was seen in this place (and with this
        answer) before (`crawler.pipelines.phrase_findings` calls it for each block or piece of a long one)."""
        key = (where, text, answer)
        found = self._seen.get(key)
        if found is None:
            self.misses += 1
            found = tuple(self.ruleset.check(text, url="", where=where, line=1, column=1, answer=answer))
            self._seen[key] = found
            if len(self._seen) > self.size:
                self._seen.popitem(last=False)
        else:
            self.hits += 1
            self._seen.move_to_end(key)
        out = []
        for f in found:   # positions are relative to the text (line 1, column 1): move them
            at_line = line + (f.line or 1) - 1
            at_column = (f.column or 1) + column - 1 if (f.line or 1) == 1 else f.column
            out.append(_moved(f, url, at_line, at_column))
        return out

    def check_html(self, html: str, url: str) -> list[Finding]:
        """`RuleSet.check_html` through the cache."""
        from rules.html import extract_blocks

        out: list[Finding] = []
        for block in extract_blocks(html):
            out.extend(self.check(block.text, url=url, where=block.where, line=block.line, column=block.column))
        return out


def _moved(finding: Finding, url: str, line: int, column: int | None) -> Finding:
    """A copy of `finding` at another URL and position: the fields copied as they are (a header's
    findings are moved on every page, and `dataclasses.replace` re-runs `__init__` each time)."""
    moved = object.__new__(Finding)
    moved.__dict__.update(finding.__dict__)
    moved.__dict__.update(url=url, line=line, column=column)
    return moved


def page_phrases(phrases: RepeatedText, html: str, url: str) -> FindingCap:
    """The phrase findings of one HTML page, within the per-page caps."""
    return FindingCap().extend(phrase_findings(phrases, html, url))


@dataclass(frozen=True)
class RulesSpec:
    """How to build the run's rule set again in a worker (`rules.loader.load_ruleset`'s arguments)."""

    packs: tuple[str, ...] = ("all",)
    extra: tuple[str, ...] = ()
    allow: tuple[str, ...] = ()
    severity: dict[str, str] = field(default_factory=dict)
    lang: str = "zh"

    def load(self) -> Any:
        from rules.loader import load_ruleset

        ruleset = load_ruleset(packs=list(self.packs), extra=list(self.extra), allow=list(self.allow),
                               severity=dict(self.severity), lang=self.lang)
        return for_crawl(ruleset)


def for_crawl(ruleset: Any) -> Any:
    """A rule set tuned for a crawl: the automaton stays an NFA (rules/matcher.py `dfa_after`):
    on the benchmark's dense site the DFA cost ~70 MB for no gain, most text being checked once."""
    ruleset.matcher.dfa_after = None
    return ruleset


# -- the worker process --------------------------------------------------------------------------


class PhraseRuleError(Exception):
    """A phrase rule raised on a page in the worker (its type and message, as text)."""


class WorkerGone(Exception):
    """The worker stopped (killed, out of memory, or closed) before it answered."""


def serve(conn: Connection) -> None:
    """The worker's loop: its RulesSpec first, then (seq, html, url) in, (seq, FindingCap, the kept
    findings' stored forms, error text) out, until the crawl closes the pipe."""
    # Ctrl-C reaches the whole process group: stopping is the crawl's decision, and it closes the pipe.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _batch_policy()
    try:
        try:
            phrases = RepeatedText(RulesSpec(**pickle.loads(conn.recv_bytes())).load())
        except (EOFError, OSError):
            raise
        except Exception as exc:   # the crawl process loaded the same rules: this is unexpected
            conn.send_bytes(pickle.dumps(("failed", f"{type(exc).__name__}: {exc}")))
            return
        conn.send_bytes(pickle.dumps(("ready", os.getpid())))
    except (EOFError, OSError):   # the crawl ended before the worker was up
        return
    while True:
        try:
            seq, html, url = pickle.loads(conn.recv_bytes())
        except (EOFError, OSError):
            return
        try:
            cap = page_phrases(phrases, html, url)
            # Serialised here too, for the store: the crawl process only writes them (crawler/history/rows.py).
            answer = (seq, cap, [finding_data(f) for f in cap.kept], "")
        except Exception as exc:
            answer = (seq, None, None, f"{type(exc).__name__}: {exc}")
        try:
            conn.send_bytes(pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL))
        except OSError:   # the crawl closed the pipe (it ended, or was interrupted): nothing to answer
            return


def _batch_policy() -> None:
    """SCHED_BATCH: woken by a page, the worker does not preempt the crawl process on its core (it
    would otherwise run there at once, a few ms a page, while the other core idles: measured, the
    crawl then lost 1.5 s of wall time in 1,500 page writes). Its share of the CPU is unchanged."""
    try:
        os.sched_setscheduler(0, os.SCHED_BATCH, os.sched_param(0))
    except (AttributeError, OSError):   # not Linux: the default policy
        pass


@dataclass
class _Asked:
    future: asyncio.Future
    size: int
    html: str
    url: str


class PhraseWorker:
    """One worker process and its pipe, read by the asyncio loop; the pages it holds by sequence number."""

    def __init__(self, spec: RulesSpec, loop: asyncio.AbstractEventLoop):
        self.loop = loop
        mine, theirs = socket.socketpair()
        for end in (mine, theirs):   # room for more pages in flight where the system allows it
            try:
                end.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SOCKET_BUFFER)
            except OSError:
                pass
        # A write must never block (the answers could not be read meanwhile): a quarter of what the
        # kernel gives the socket, which counts its own overhead too.
        self.max_bytes = max(IN_FLIGHT_BYTES, min(mine.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF) // 4,
                                                 4 * IN_FLIGHT_BYTES))
        try:
            self.process = subprocess.Popen([sys.executable, "-m", "crawler.phrases", str(theirs.fileno())],
                                            pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL)
        except BaseException:
            mine.close()
            raise
        finally:
            theirs.close()
        self._conn: Connection | None = Connection(mine.detach())
        self._conn.send_bytes(pickle.dumps(asdict(spec)))
        self.ready = False
        self.pid = 0
        self.gone = ""            # why it can no longer be used
        self.asked: dict[int, _Asked] = {}
        self.bytes = 0
        self.answered = 0
        self._seq = 0
        self._room = asyncio.Event()
        loop.add_reader(self._conn.fileno(), self._readable)

    def has_room(self, size: int, in_flight: int) -> bool:
        if not self.asked:
            return True
        return len(self.asked) < in_flight and self.bytes + size <= self.max_bytes

    async def wait_for_room(self, size: int, in_flight: int) -> None:
        while not self.gone and not self.has_room(size, in_flight):
            self._room.clear()
            await self._room.wait()

    def ask(self, html: str, url: str, size: int) -> asyncio.Future:
        self._seq += 1
        future = self.loop.create_future()
        self.asked[self._seq] = _Asked(future, size, html, url)
        self.bytes += size
        try:
            self._conn.send_bytes(pickle.dumps((self._seq, html, url), protocol=pickle.HIGHEST_PROTOCOL))
        except OSError as exc:
            self._lost(f"the pipe to the worker broke: {exc}")
        return future

    def _readable(self) -> None:
        try:
            while self._conn.poll():
                message = pickle.loads(self._conn.recv_bytes())
                self._answer(message)
        except (EOFError, OSError) as exc:
            self._lost(f"the worker stopped (exit code {self.process.poll()}): {type(exc).__name__}")

    def _answer(self, message: tuple) -> None:
        if message[0] == "ready":
            self.ready, self.pid = True, message[1]
            return
        if message[0] == "failed":
            self._lost(f"the worker could not load the rules: {message[1]}")
            return
        seq, cap, stored, error = message
        asked = self.asked.pop(seq, None)
        if asked is None:
            return
        self.bytes -= asked.size
        self.answered += 1
        self._room.set()
        if asked.future.done():
            return
        if error:
            asked.future.set_exception(PhraseRuleError(error))
        else:
            cap.prepared = {id(f): row for f, row in zip(cap.kept, stored)}
            asked.future.set_result(cap)

    def _lost(self, why: str) -> None:
        if self.gone:
            return
        self.gone = why
        self.close(wait=False)
        for asked in self.asked.values():
            if not asked.future.done():
                asked.future.set_exception(WorkerGone(why))
        self._room.set()

    def close(self, wait: bool = True) -> None:
        """Close the pipe: the worker ends at its next read. `wait`: join it (its CPU time is then
        counted in this process's children, as the benchmark reads it)."""
        if self._conn is None:
            return
        try:
            self.loop.remove_reader(self._conn.fileno())
        except (ValueError, OSError, RuntimeError):   # the loop is already closed
            pass
        self._conn.close()
        self._conn = None
        self.gone = self.gone or "closed"
        for asked in self.asked.values():
            if not asked.future.done():
                asked.future.set_exception(WorkerGone("closed"))
        self._room.set()
        if wait:
            try:
                self.process.wait(STOP_WAIT_S)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def usable_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


class PhraseChecker:
    """The crawl's phrase rules: `check` here; `start` + `finish`, through the worker once it is up."""

    def __init__(self, ruleset: Any, spec: RulesSpec | None = None, mode: str = "auto",
                 after: int = WORKER_AFTER, in_flight: int = IN_FLIGHT):
        if mode not in MODES:
            raise ValueError(f"phrase worker mode {mode!r}: one of {', '.join(MODES)}")
        self.local = RepeatedText(ruleset)
        self.spec = spec
        self.mode = mode if spec is not None else "off"
        if self.mode == "auto" and usable_cpus() < 2:
            self.mode = "off"   # one core: a second process would only take turns with the crawl
        self.after = 0 if self.mode == "on" else after
        self.in_flight = in_flight
        self.pages = 0            # pages asked about
        self.in_worker = 0        # pages the worker answered
        self.broken = ""          # why the worker is no longer used
        self.worker_pid = 0
        self.worker: PhraseWorker | None = None

    def check(self, html: str, url: str) -> FindingCap:
        """The page's phrase findings, checked in this process."""
        return page_phrases(self.local, html, url)

    def _worker_up(self) -> bool:
        if self.mode == "off" or self.broken:
            return False
        worker = self.worker
        if worker is None:
            if self.pages <= self.after:
                return False
            try:
                worker = self.worker = PhraseWorker(self.spec, asyncio.get_running_loop())
            except (OSError, RuntimeError) as exc:
                self._break(f"the worker could not be started: {exc!r}")
                return False
        if worker.gone:
            self._break(worker.gone)
            return False
        if worker.ready and not self.worker_pid:
            self.worker_pid = worker.pid
        return worker.ready   # while it starts, this process checks the pages

    def _break(self, why: str) -> None:
        if not self.broken:
            self.broken = why
            logger.warning("phrase rules: %s; the rest is checked in the crawl process", why)
        if self.worker is not None:
            self.worker.close(wait=False)

    async def start(self, html: str, url: str) -> Any:
        """Hand the page to the worker (waiting for room first), or check it here now; `finish` takes the result."""
        self.pages += 1
        if not self._worker_up():
            return self.check(html, url)
        worker = self.worker
        assert worker is not None
        size = len(html.encode("utf-8", "surrogatepass"))
        await worker.wait_for_room(size, self.in_flight)
        if worker.gone:
            self._break(worker.gone)
            return self.check(html, url)
        return worker.ask(html, url, size), html, url

    async def finish(self, started: Any) -> FindingCap:
        """The page's phrase findings. A rule that raised in the worker raises `PhraseRuleError` here."""
        if isinstance(started, FindingCap):
            return started
        future, html, url = started
        try:
            cap = await future
        except WorkerGone as exc:
            if str(exc) != "closed":
                self._break(str(exc))
            return self.check(html, url)   # the pages it held are checked here
        self.in_worker += 1
        return cap

    def close(self) -> None:
        """Stop the worker (after the crawl); say in the log how the work was shared."""
        worker, self.worker = self.worker, None
        if worker is None:
            return
        worker.close(wait=True)
        import resource

        own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        logger.info("phrase worker (pid %d): %d of %d pages; CPU s: crawl process %.1f, worker and other children %.1f",
                    worker.process.pid, self.in_worker, self.pages, own.ru_utime + own.ru_stime,
                    kids.ru_utime + kids.ru_stime)


if __name__ == "__main__":   # the worker process: `python -m crawler.phrases FD`
    serve(Connection(int(sys.argv[1])))
