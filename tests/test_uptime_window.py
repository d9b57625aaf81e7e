"""Uptime windows: boundaries on both sides, and what counts."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from crawler.checks.base import up_percent as percent
from crawler.clock import parse_time
from crawler.history.uptime import uptime_by_domain

END = datetime(2026, 11, 28, 12, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize("at, in_1d, in_7d", [
    ("2026-11-27T12:00:00Z", True, True),          # exactly one day old: inside
    ("2026-11-27T11:59:59Z", False, True),         # one second more: outside the 1d window
    ("2026-11-21T12:00:00+00:00", False, True),
    ("2026-11-21T11:59:59+00:00", False, False),
    ("2026-11-28T20:00:00+08:00", True, True),     # 12:00 UTC, written in Beijing time
    ("2026-11-28T12:00:01Z", False, False),        # in the future: not counted
])
def test_window_edges(at, in_1d, in_7d):
    got = uptime_by_domain([("a.cn", at, "down")], END)["a.cn"]
    assert (got["1d"] == 0.0) is in_1d and (got["1d"] is None) is not in_1d
    assert (got["7d"] == 0.0) is in_7d


def test_excluded_and_unreadable_probes_do_not_count():
    rows = [("a.cn", "2026-11-28T11:00:00Z", "up"), ("a.cn", "2026-11-28T11:00:00Z", "excluded"),
            ("a.cn", "not a time", "down"), ("b.cn", "2026-11-28T11:00:00Z", "excluded")]
    got = uptime_by_domain(rows, END)
    assert got["a.cn"]["1d"] == 100.0 and got["b.cn"] == {"1d": None, "7d": None, "30d": None}


@pytest.mark.parametrize("up, down, pct", [(0, 0, None), (1, 0, 100.0), (2, 1, 66.67), (0, 3, 0.0)])
def test_percent(up, down, pct):
    assert percent(up, down) == pct


def test_parse_time_naive_is_utc():
    assert parse_time("2026-11-28T12:00:00") == END and parse_time("") is None
