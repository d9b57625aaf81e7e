"""A virtual-host HTTP(S) server on loopback, for `siteaudit demo` and the tests.

Files are served from `root/<hostname>/<path>` (a directory serves its `index.html`); the Host
header picks the directory, so several declared domains share one port. `routes` add answers
that files cannot give (redirect loops, 429 with Retry-After, hangs, wrong charsets):
`routes[(host, path)] = Reply(...)` or a callable `(handler) -> Reply`; host `*` matches any.
`fallback`, a callable `(handler) -> Reply | None`, answers what neither a route nor a file does
(a generated site: `/product/1234.html`, `/go/go/go/`); None falls through to the files.
"""
from __future__ import annotations

import mimetypes
import socket
import ssl
import struct
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable, Union
from urllib.parse import unquote, urlsplit


@dataclass
class Reply:
    """A canned answer. `delay` seconds before answering simulates a slow or hanging host."""

    status: int = 200
    body: bytes | str = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    content_type: str = "text/html; charset=utf-8"


Route = Union[Reply, Callable[[BaseHTTPRequestHandler], Reply]]


class _Handler(BaseHTTPRequestHandler):
    server_version = "siteaudit-test"
    sys_version = ""
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # keep test output quiet
        return

    def do_HEAD(self) -> None:
        self._serve(head=True)

    def do_GET(self) -> None:
        self._serve(head=False)

    def do_POST(self) -> None:
        self._serve(head=False)

    def _host(self) -> str:
        return (self.headers.get("Host") or "").split(":")[0].lower().rstrip(".")

    def _serve(self, head: bool) -> None:
        server: WebServer = self.server.owner  # type: ignore[attr-defined]
        host = self._host()
        path = urlsplit(self.path).path
        server.requests.append((host, self.command, self.path, dict(self.headers)))
        route = server.routes.get((host, path)) or server.routes.get(("*", path))
        reply = None
        if route is not None:
            reply = route(self) if callable(route) else route
        elif server.fallback is not None:
            reply = server.fallback(self)
        if reply is None:
            reply = self._file(server.root, host, path)
        if reply.delay:
            time.sleep(reply.delay)
        body = reply.body.encode("utf-8") if isinstance(reply.body, str) else reply.body
        try:
            self.send_response(reply.status)
            headers = {"Content-Type": reply.content_type, **reply.headers}
            for name, value in headers.items():
                if value is not None:
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if not head:
                self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _file(self, root: Path | None, host: str, path: str) -> Reply:
        if root is None:
            return Reply(404, "<h1>404</h1>")
        base = (root / host) if (root / host).is_dir() else root / "_default"
        target = (base / unquote(path).lstrip("/")).resolve()
        if not str(target).startswith(str(base.resolve())):
            return Reply(403, "forbidden")
        if target.is_dir():
            target = target / "index.html"
        if not target.is_file():
            missing = base / "404.html"
            return Reply(404, missing.read_bytes() if missing.is_file() else b"<h1>404 Not Found</h1>")
        ctype = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        # HTML goes out without a charset, as nginx sends it by default: the page's <meta> decides.
        if ctype != "text/html" and (ctype.startswith("text/") or ctype in ("application/xml", "application/javascript")):
            ctype += "; charset=utf-8"
        body = target.read_bytes()
        for old, new in self.server.owner.replace.items():  # type: ignore[attr-defined]
            body = body.replace(old, new)
        return Reply(200, body, content_type=ctype)


class _ThreadingHTTPServer6(ThreadingHTTPServer):
    """The same server on an IPv6 address (host "::1")."""

    address_family = socket.AF_INET6


class WebServer:
    """Serves `root` (and `routes`) on host:port, optionally over TLS with `ssl_context`."""

    def __init__(self, root: str | Path | None = None, host: str = "127.0.0.1", port: int = 0, *,
                 routes: dict[tuple[str, str], Route] | None = None,
                 ssl_context: ssl.SSLContext | None = None, replace: dict[str, str] | None = None,
                 fallback: Callable[[BaseHTTPRequestHandler], Reply | None] | None = None):
        self.root = Path(root) if root is not None else None
        self.routes: dict[tuple[str, str], Route] = dict(routes or {})
        self.fallback = fallback
        self.requests: list[tuple[str, str, str, dict]] = []
        # Text substituted in served files, e.g. {"{port}": "8080"} for cross-domain links.
        self.replace = {k.encode(): v.encode() for k, v in (replace or {}).items()}
        server_class = _ThreadingHTTPServer6 if ":" in host else ThreadingHTTPServer
        self._httpd = server_class((host, port), _Handler)
        self._httpd.daemon_threads = True
        self._httpd.owner = self  # type: ignore[attr-defined]
        if ssl_context is not None:
            self._httpd.socket = ssl_context.wrap_socket(self._httpd.socket, server_side=True)
        self.host = host
        self.port = self._httpd.server_address[1]
        self.scheme = "https" if ssl_context else "http"
        self._thread: threading.Thread | None = None

    def url(self, hostname: str, path: str = "/") -> str:
        """The URL of `hostname` on this server (a name the test's DNS zone points here)."""
        return f"{self.scheme}://{hostname}:{self.port}{path}"

    def start(self) -> "WebServer":
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.1},
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> "WebServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class ResetServer:
    """Accepts TCP connections and misbehaves: `mode="reset"` resets them at once (RST), a host that
    drops every visitor; `mode="hold"` keeps them open and never says a word, a host that hangs
    (before TLS or HTTP starts).
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0, mode: str = "reset"):
        if mode not in ("reset", "hold"):
            raise ValueError("mode must be 'reset' or 'hold'")
        self.mode = mode
        self._socket = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind((host, port))
        self._socket.listen(16)
        self._socket.settimeout(0.1)
        self.host = host
        self.port = self._socket.getsockname()[1]
        self._stop = threading.Event()
        self._held: list[socket.socket] = []
        self._thread: threading.Thread | None = None

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._socket.accept()
            except OSError:
                continue
            if self.mode == "hold":
                self._held.append(conn)
                continue
            # SO_LINGER with a zero timeout makes close() send RST instead of FIN.
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            conn.close()

    def start(self) -> "ResetServer":
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=1)
        for conn in self._held:
            conn.close()
        self._socket.close()

    def __enter__(self) -> "ResetServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
