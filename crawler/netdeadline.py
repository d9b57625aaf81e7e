"""A total deadline for blocking network I/O outside Scrapy: health probes, TLS handshakes, webhooks.

Socket timeouts are idle timeouts: a server that sends one byte a second never trips them, and a
thread stuck on it keeps the process alive after the audit (Python joins worker threads at exit).
`SocketDeadline` closes the connections opened inside it when its time is up, so every blocking read,
write, TLS handshake or header parse returns at once with an error:

    with SocketDeadline(10) as deadline:
        resp = session.get(url, timeout=10, stream=True)   # a session from `bounded_session()`
        ...
    # deadline.fired: the exchange was cut at 10 s

Sockets are registered by the connection classes `bounded_session()` mounts (and by `watch()` for
raw sockets), in the thread that opens them, through a context variable: no global state.
Scrapy has its own total deadline (DOWNLOAD_TIMEOUT cancels the whole download, body included).
"""
from __future__ import annotations

import contextvars
import socket
import threading
import time
import weakref
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

_current: contextvars.ContextVar["SocketDeadline | None"] = contextvars.ContextVar("siteaudit_deadline", default=None)
# Every deadline still running, so that an interrupted audit can cut them all at once (`stop_all`).
_active: "weakref.WeakSet[SocketDeadline]" = weakref.WeakSet()
_stopping = threading.Event()


def stop_all() -> None:
    """The audit was interrupted: fire every running deadline now, and every new one at once, so the
    health-check threads end within moments instead of at their budget (the process waits for them)."""
    _stopping.set()
    for deadline in list(_active):
        deadline._fire()


def stopping() -> bool:
    return _stopping.is_set()


def reset() -> None:
    """A new audit in this process: deadlines run their full time again."""
    _stopping.clear()


class DeadlineExceeded(requests.exceptions.Timeout):
    """The whole exchange took longer than its deadline (a drip-fed answer, a stalled handshake)."""


class SocketDeadline:
    """Shuts down every socket registered while it is active once `seconds` have passed."""

    def __init__(self, seconds: float):
        self.seconds = max(0.05, float(seconds))
        self.end = time.monotonic() + self.seconds
        self.fired = False
        self._socks: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(self.seconds, self._fire)
        self._timer.daemon = True
        self._token: contextvars.Token | None = None

    @property
    def left(self) -> float:
        return max(0.0, self.end - time.monotonic())

    def watch(self, sock: socket.socket) -> None:
        """Bound `sock` by this deadline. A duplicate descriptor is kept: shutting it down ends the
        connection even after ssl has wrapped (and detached) the original socket object."""
        try:
            dup = sock.dup()
        except OSError:
            return
        with self._lock:
            if self.fired:
                _shutdown(dup)
            self._socks.append(dup)

    def _fire(self) -> None:
        with self._lock:
            self.fired = True
            for sock in self._socks:
                _shutdown(sock)

    def __enter__(self) -> "SocketDeadline":
        self._token = _current.set(self)
        _active.add(self)
        if _stopping.is_set():
            self.fired = True
        else:
            self._timer.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._timer.cancel()
        _active.discard(self)
        if self._token is not None:
            _current.reset(self._token)
        with self._lock:
            socks, self._socks = self._socks, []
        for sock in socks:
            try:
                sock.close()
            except OSError:
                pass


def _shutdown(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


def watch(sock: socket.socket) -> socket.socket:
    """Bound a raw socket by the deadline active in this thread (if any); returns it."""
    deadline = _current.get()
    if deadline is not None:
        deadline.watch(sock)
    return sock


class _BoundedHTTPConnection(HTTPConnection):
    def _new_conn(self) -> socket.socket:
        return watch(super()._new_conn())


class _BoundedHTTPSConnection(HTTPSConnection):
    def _new_conn(self) -> socket.socket:
        return watch(super()._new_conn())


class _BoundedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _BoundedHTTPConnection


class _BoundedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _BoundedHTTPSConnection


class BoundedAdapter(HTTPAdapter):
    """An HTTPAdapter whose connections obey the active `SocketDeadline`."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _BoundedHTTPPool, "https": _BoundedHTTPSPool}


def bounded_session(adapter: HTTPAdapter | None = None) -> requests.Session:
    """A requests session without proxies from the environment, whose connections obey `SocketDeadline`."""
    session = requests.Session()
    session.trust_env = False
    adapter = adapter or BoundedAdapter(max_retries=0)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def read_body(resp: requests.Response, max_bytes: int) -> bytes:
    """At most `max_bytes` of a streamed response's (decoded) body; the rest is never read."""
    body = bytearray()
    for chunk in resp.iter_content(16384):
        body += chunk
        if len(body) >= max_bytes:
            break
    return bytes(body[:max_bytes])


def bounded_request(session: requests.Session, method: str, url: str, *, timeout: float, max_bytes: int,
                    **kwargs: Any) -> requests.Response:
    """One request whose whole exchange (connect, TLS, headers, body) ends within `timeout` seconds,
    reading at most `max_bytes` of the body (kept in `.content`). The session must come from
    `bounded_session()`. A cut exchange raises `DeadlineExceeded` (a `requests.Timeout`)."""
    cutoff = SocketDeadline(timeout)
    try:
        with cutoff:
            resp = session.request(method, url, timeout=timeout, stream=True, **kwargs)
            try:
                resp._content = read_body(resp, max_bytes)   # what .text and .content read from now on
            finally:
                resp.close()
    except requests.RequestException as exc:
        if cutoff.fired:
            raise DeadlineExceeded(f"no complete answer within {timeout:g} s") from exc
        raise
    if cutoff.fired:   # the cut looked like the end of a body without a length: it was not
        raise DeadlineExceeded(f"no complete answer within {timeout:g} s")
    return resp


def cut_short() -> bool:
    """True when the deadline active in this thread has fired (an error now is really a timeout)."""
    deadline = _current.get()
    return deadline is not None and deadline.fired
