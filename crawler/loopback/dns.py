"""A small authoritative DNS server on loopback, for `siteaudit demo` and the tests.

It answers from a zone given as plain data, over UDP and TCP, on any 127.0.0.x address and port.
`behaviour` makes it misbehave on purpose (lame, SERVFAIL, silent) so the DNS checks can be
tested against real packets rather than mocks.
"""
from __future__ import annotations

import socketserver
import struct
import threading
from dataclasses import dataclass, field
from typing import Any, Iterable

import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rrset

BEHAVIOURS = ("normal", "lame", "servfail", "silent", "refused")


@dataclass
class Zone:
    """Records by owner name: {"www.example.cn.": {"A": ["127.0.0.1"], "CNAME": "example.cn."}}.

    `origins` are the zones this server is authoritative for (default: every record's apex);
    names under an origin with no records get NXDOMAIN, names outside get REFUSED.
    """

    records: dict[str, dict[str, Any]]
    origins: list[str] = field(default_factory=list)
    serial: int = 2026010101
    ttl: int = 300

    def __post_init__(self) -> None:
        self.records = {_fqdn(k): v for k, v in self.records.items()}
        if not self.origins:
            self.origins = sorted({".".join(n.split(".")[-3:]) for n in self.records})
        self.origins = [_fqdn(o) for o in self.origins]

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Zone":
        return cls(records=data.get("records", {}), origins=data.get("origins", []),
                   serial=int(data.get("serial", 2026010101)), ttl=int(data.get("ttl", 300)))

    def origin_of(self, name: str) -> str | None:
        for origin in sorted(self.origins, key=len, reverse=True):
            if name == origin or name.endswith("." + origin):
                return origin
        return None


def _fqdn(name: str) -> str:
    name = name.lower()
    return name if name.endswith(".") else name + "."


def _values(entry: Any) -> list[str]:
    if entry is None:
        return []
    if isinstance(entry, (list, tuple)):
        return [str(v) for v in entry]
    return [str(entry)]


class _Answerer:
    def __init__(self, zone: Zone, behaviour: str, ns_names: Iterable[str] = ()):
        self.zone = zone
        self.behaviour = behaviour
        self.ns_names = list(ns_names)

    def _rrset(self, name: str, rtype: str, values: list[str]) -> dns.rrset.RRset:
        if rtype == "SOA" and values and values[0].isdigit():
            origin = self.zone.origin_of(name) or name
            values = [f"ns1.{origin} hostmaster.{origin} {values[0]} 3600 600 604800 300"]
        if rtype == "TXT":
            values = ['"' + v.replace('"', '\\"') + '"' if not v.startswith('"') else v for v in values]
        return dns.rrset.from_text_list(name, self.zone.ttl, "IN", rtype, values)

    def _soa(self, origin: str) -> dns.rrset.RRset:
        entry = self.zone.records.get(origin, {})
        serial = entry.get("SOA", self.zone.serial)
        return self._rrset(origin, "SOA", _values(serial))

    def answer(self, wire: bytes) -> bytes | None:
        if self.behaviour == "silent":
            return None
        try:
            query = dns.message.from_wire(wire)
        except Exception:
            return None
        response = dns.message.make_response(query)
        if self.behaviour == "servfail":
            response.set_rcode(dns.rcode.SERVFAIL)
            return response.to_wire()
        if self.behaviour == "refused" or not query.question:
            response.set_rcode(dns.rcode.REFUSED)
            return response.to_wire()
        question = query.question[0]
        name = question.name.to_text().lower()
        rtype = dns.rdatatype.to_text(question.rdtype)
        origin = self.zone.origin_of(name)
        if origin is None:
            response.set_rcode(dns.rcode.REFUSED)
            return response.to_wire()
        if self.behaviour != "lame":
            response.flags |= dns.flags.AA
        seen: set[str] = set()
        current = name
        while True:
            entry = self.zone.records.get(current)
            if entry is None:
                if current == name:
                    response.set_rcode(dns.rcode.NXDOMAIN)
                    response.authority.append(self._soa(origin))
                break
            if rtype in entry or (rtype == "SOA" and current == origin):
                values = _values(entry.get(rtype, self.zone.serial if rtype == "SOA" else None))
                response.answer.append(self._rrset(current, rtype, values))
                break
            if "CNAME" in entry and rtype != "CNAME":
                target = _fqdn(_values(entry["CNAME"])[0])
                response.answer.append(self._rrset(current, "CNAME", [target]))
                if target in seen or len(seen) > 16:
                    break  # a loop: hand back what we have, as real servers do
                seen.add(current)
                current = target
                if self.zone.origin_of(current) is None:
                    break
                continue
            response.authority.append(self._soa(origin))  # NODATA
            break
        return response.to_wire()


class _UDPHandler(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        data, sock = self.request
        reply = self.server.answerer.answer(data)  # type: ignore[attr-defined]
        if reply is not None:
            sock.sendto(reply, self.client_address)


class _TCPHandler(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        conn = self.request
        conn.settimeout(5)
        try:
            while True:
                head = conn.recv(2)
                if len(head) < 2:
                    return
                (length,) = struct.unpack("!H", head)
                data = b""
                while len(data) < length:
                    chunk = conn.recv(length - len(data))
                    if not chunk:
                        return
                    data += chunk
                reply = self.server.answerer.answer(data)  # type: ignore[attr-defined]
                if reply is None:
                    threading.Event().wait(10)
                    return
                conn.sendall(struct.pack("!H", len(reply)) + reply)
        except OSError:
            return


class _UDPServer(socketserver.ThreadingMixIn, socketserver.UDPServer):
    daemon_threads = True
    allow_reuse_address = True


class _TCPServer(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True


class DNSServer:
    """Serves `zone` on host:port over UDP and TCP in background threads.

    Port 0 picks a free port that is free for both protocols; `udp` / `tcp` can be turned off to
    make a server that is lame over one of them.
    """

    def __init__(self, zone: Zone | dict, host: str = "127.0.0.1", port: int = 0, *,
                 behaviour: str = "normal", udp: bool = True, tcp: bool = True):
        if behaviour not in BEHAVIOURS:
            raise ValueError(f"behaviour must be one of {BEHAVIOURS}")
        self.zone = zone if isinstance(zone, Zone) else Zone.from_dict(zone)
        self.host = host
        self.answerer = _Answerer(self.zone, behaviour)
        self._servers: list[socketserver.BaseServer] = []
        self._threads: list[threading.Thread] = []
        self.port = port
        self._want = (udp, tcp)

    def start(self) -> "DNSServer":
        udp, tcp = self._want
        for _ in range(20):
            try:
                self._bind(udp, tcp)
                break
            except OSError:
                self._close_servers()
                if self.port:
                    raise
        else:  # pragma: no cover - the machine has no free port pair
            raise OSError("no free port for the DNS server")
        for server in self._servers:
            server.answerer = self.answerer  # type: ignore[attr-defined]
            thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def _bind(self, udp: bool, tcp: bool) -> None:
        port = self.port
        if udp:
            u = _UDPServer((self.host, port), _UDPHandler)
            self._servers.append(u)
            port = u.server_address[1]
        if tcp:
            t = _TCPServer((self.host, port), _TCPHandler)
            self._servers.append(t)
            port = t.server_address[1]
        self.port = port

    def _close_servers(self) -> None:
        for server in self._servers:
            server.server_close()
        self._servers = []

    def stop(self) -> None:
        for server in self._servers:
            server.shutdown()
        self._close_servers()

    @property
    def address(self) -> str:
        """The `--resolver` value for this server."""
        return f"{self.host}:{self.port}"

    def __enter__(self) -> "DNSServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_on_one_port(servers: list[DNSServer], attempts: int = 20) -> int:
    """Start `servers` (each on its own 127.0.0.x host) on one shared port and return it.

    Name servers are queried on the `--resolver` port, so a zone whose NS records point at
    several loopback addresses needs all its servers on the same port.
    """
    for _ in range(attempts):
        port = 0
        started: list[DNSServer] = []
        try:
            for server in servers:
                server.port = port
                server.start()
                started.append(server)
                port = server.port
            return port
        except OSError:
            for server in started:
                server.stop()
            for server in servers:
                server._servers, server._threads = [], []
    raise OSError("no port free on every host of the DNS servers")
