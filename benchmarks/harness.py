"""The benchmark site, served for real: a generated site behind nginx, its names in a loopback DNS server.

    with BenchSite(n=2000, workdir=tmp) as bench:
        bench.site.start_url, bench.resolver, bench.write_profile(path, max_pages=2000)
"""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

import yaml

from benchmarks import corpus
from benchmarks.nginx import Nginx, free_port
from benchmarks.sitegen import APEX, DEFAULT_SEED, HOSTS, Site, write_site
from crawler.loopback.dns import DNSServer

LOOPBACK = "127.0.0.1"


def zone(address: str = LOOPBACK) -> dict[str, Any]:
    """Every benchmark host, the apex and its two name servers at `address`."""
    records: dict[str, Any] = {APEX: {"A": [address], "NS": [f"ns1.{APEX}.", f"ns2.{APEX}."]},
                               f"ns1.{APEX}": {"A": [address]}, f"ns2.{APEX}": {"A": [address]}}
    for host in HOSTS.values():
        records[host] = {"A": [address]}
    return {"records": records, "origins": [APEX]}


def profile(site: Site, max_pages: int, concurrency: int) -> dict[str, Any]:
    """The site.yaml for the audit of the benchmark site: real filing data, politeness off."""
    return {
        "site": {"name": f"{corpus.BRAND}基准测试站", "start_urls": [site.start_url], "domains": [APEX, *site.hosts]},  # as BenchSite.domains
        "company": {"name": corpus.COMPANY, "credit_code": corpus.CREDIT_CODE, "phone": "0571-88886666",
                    "address": "浙江省杭州市西湖区文三路 1 号"},
        "license": {"icp_filing": corpus.ICP_FILING, "psb_filing": corpus.PSB_FILING, "server_ips": [LOOPBACK]},
        # Same conditions as the bare spider: no delay, robots off; every path pattern may be
        # crawled in full (the cap is for calendars, and the benchmark has none).
        "crawl": {"max_pages": max_pages, "concurrency": concurrency, "delay": 0, "obey_robots": False,
                  "pattern_cap": max(max_pages, 1) * 2},
    }


class BenchSite:
    """Generates the n-page site in `workdir` (a temp dir by default) and serves it until closed."""

    def __init__(self, n: int, workdir: str | Path | None = None, seed: int = DEFAULT_SEED, dense: bool = False):
        self.n = n
        self.seed = seed
        self.dense = dense
        self._own_dir = workdir is None
        self.workdir = Path(workdir) if workdir else Path(tempfile.mkdtemp(prefix="siteaudit-bench-"))
        self.site: Site | None = None
        self.nginx: Nginx | None = None
        self.dns: DNSServer | None = None

    def start(self) -> "BenchSite":
        port = free_port(LOOPBACK)
        kind = "dense" if self.dense else "sparse"
        self.site = write_site(self.workdir / f"site-{kind}-{self.n}", self.n, port, self.seed, self.dense)
        self.dns = DNSServer(zone(), host=LOOPBACK).start()
        try:
            www = self.site.url(self.site.pages[0]).rstrip("/")
            self.nginx = Nginx(self.site.site_dir, self.site.hosts, port, LOOPBACK, redirects={APEX: www}).start()
        except Exception:
            self.dns.stop()
            raise
        return self

    @property
    def domains(self) -> list[str]:
        """Every declared domain: the apex (a redirect to www) and the three hosts."""
        assert self.site is not None
        return [APEX, *self.site.hosts]

    @property
    def resolver(self) -> str:
        """The `--resolver` value for both crawlers."""
        assert self.dns is not None
        return self.dns.address

    def write_profile(self, path: str | Path, max_pages: int, concurrency: int) -> Path:
        assert self.site is not None
        path = Path(path)
        path.write_text(yaml.safe_dump(profile(self.site, max_pages, concurrency), allow_unicode=True,
                                       sort_keys=False), encoding="utf-8")
        return path

    def stop(self) -> None:
        if self.nginx:
            self.nginx.stop()
            self.nginx = None
        if self.dns:
            self.dns.stop()
            self.dns = None
        if self._own_dir:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> "BenchSite":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
