"""A real PostgreSQL for the tests: Debian's `postgresql` binaries, a cluster in a temporary folder,
listening on a free loopback port, stopped at the end of the session.

As root the server runs as the unprivileged `postgres` user (initdb refuses root). When the binaries
are missing the tests that need PostgreSQL say so and are skipped (`make test` and CI install them).
"""
from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path

import pytest


def missing(why: str) -> None:
    """Skip on a workstation without the part; in CI (which installs it) that is a failure."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"required in CI: {why}", pytrace=False)
    pytest.skip(why)


def _bindir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresServer:
    def __init__(self) -> None:
        bindir = _bindir()
        if bindir is None:
            missing("PostgreSQL is not installed (Debian package `postgresql`; `make test` installs it)")
        try:
            import psycopg  # noqa: F401
        except ImportError:
            missing("psycopg is not installed (pip install -e '.[test]')")
        self.bindir = bindir
        self.user: str | None = None
        if os.geteuid() == 0:
            try:
                pwd.getpwnam("postgres")
                self.user = "postgres"
            except KeyError:
                self.user = "nobody"
        self.dir = Path(tempfile.mkdtemp(prefix="siteaudit-pg-"))
        self.data = self.dir / "data"
        self.port = _free_port()
        if self.user:
            entry = pwd.getpwnam(self.user)
            os.chown(self.dir, entry.pw_uid, entry.pw_gid)

    def _run(self, *cmd: str) -> subprocess.CompletedProcess:
        full = ["runuser", "-u", self.user, "--", *cmd] if self.user else list(cmd)
        return subprocess.run(full, capture_output=True, text=True, timeout=120, cwd=self.dir)

    def start(self) -> "PostgresServer":
        init = self._run(str(self.bindir / "initdb"), "-D", str(self.data), "-U", "siteaudit", "-A", "trust",
                         "-E", "UTF8", "--locale=C.UTF-8", "--no-sync")
        if init.returncode != 0:
            init = self._run(str(self.bindir / "initdb"), "-D", str(self.data), "-U", "siteaudit", "-A", "trust",
                             "-E", "UTF8", "--no-sync")
        if init.returncode != 0:
            missing(f"initdb failed: {init.stderr.strip()[-300:]}")
        opts = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.dir} -c fsync=off -c max_connections=60"
        started = self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-o", opts, "-l",
                            str(self.dir / "log"), "-w", "-t", "60", "start")
        if started.returncode != 0:
            log = (self.dir / "log").read_text(errors="replace")[-500:] if (self.dir / "log").exists() else ""
            missing(f"PostgreSQL did not start: {started.stderr.strip()[-300:]} {log}")
        return self

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://siteaudit@127.0.0.1:{self.port}/{dbname}"

    def new_database(self) -> str:
        import psycopg

        name = "t_" + uuid.uuid4().hex[:12]
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_server():
    server = PostgresServer().start()
    yield server
    server.stop()


@pytest.fixture
def pg_url(postgres_server) -> str:
    """A fresh, empty PostgreSQL database for one test."""
    return postgres_server.new_database()


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request, tmp_path) -> str:
    """The history store on both backends: a SQLite file, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return str(tmp_path / "h.db")
    return request.getfixturevalue("postgres_server").new_database()
