"""Uptime percentages over sliding windows (1, 7 and 30 days), from stored probe outcomes.

The accounting rule, printed in the report: a probe counts as up (ok, slow), down (dns, connect,
tls, timeout, http error) or is excluded (blocked: 429 or a WAF 403 says nothing about the site);
uptime % = up / (up + down) over the probes taken inside the window; no counted probe → None.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Iterable

from crawler.checks.base import up_percent
from crawler.clock import parse_time

UPTIME_WINDOWS = {"1d": timedelta(days=1), "7d": timedelta(days=7), "30d": timedelta(days=30)}


def uptime_by_domain(probes: Iterable[tuple[str, str, str]], end: datetime,
                     windows: dict[str, timedelta] = UPTIME_WINDOWS) -> dict[str, dict[str, float | None]]:
    """{domain: {window: %}} from (domain, at, counts_as) rows; every domain seen appears, sorted."""
    tally: dict[str, dict[str, list[int]]] = {}
    for domain, at, counts_as in probes:
        per = tally.setdefault(domain, {})
        moment = parse_time(at)
        if moment is None or counts_as not in ("up", "down"):
            continue
        age = end - moment
        for name, span in windows.items():
            if timedelta(0) <= age <= span:
                per.setdefault(name, [0, 0])[0 if counts_as == "up" else 1] += 1
    return {domain: {name: up_percent(*per.get(name, [0, 0])) for name in windows}
            for domain, per in sorted(tally.items())}
