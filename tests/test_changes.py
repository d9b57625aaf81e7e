"""Changes between runs as a pure function: identity is (rule, url, where, match), nothing else."""
from __future__ import annotations

import pytest

from crawler.history.changes import compare, finding_key


def f(rule="AD101", url="https://a.cn/", where="body", match="最佳", **more) -> dict:
    out = {"rule": rule, "category": "absolute", "severity": "error", "url": url, "message": "m", **more}
    if where is not None:
        out["where"] = where
    if match is not None:
        out["match"] = match
    return out


@pytest.mark.parametrize("before, now, statuses, fixed_rules", [
    ([], [f()], ["new"], []),                                                     # first run: all new
    ([f()], [f(line=9, context="changed", message="other")], ["persisting"], []),  # moved on the page
    ([f()], [f(url="https://a.cn/b")], ["new"], ["AD101"]),                       # other page
    ([f()], [f(where="title")], ["new"], ["AD101"]),                              # other place
    ([f()], [f(match="最好")], ["new"], ["AD101"]),                               # other words
    ([f()], [f(rule="AD102")], ["new"], ["AD101"]),                               # other rule
    ([f(), f()], [], [], ["AD101"]),                                              # fixed once per identity
    ([f(where=None, match=None, rule="DNS001")], [f(where=None, match=None, rule="DNS001")], ["persisting"], []),
    ([f()], [f(), f()], ["persisting", "persisting"], []),
])
def test_compare(before, now, statuses, fixed_rules):
    got_statuses, fixed = compare(before, now)
    assert got_statuses == statuses
    assert [x["rule"] for x in fixed] == fixed_rules


def test_fixed_carries_no_status_and_missing_fields_equal_empty():
    _, fixed = compare([f(status="persisting")], [])
    assert "status" not in fixed[0]
    assert finding_key(f(where=None, match=None)) == finding_key(f(where="", match=""))


@pytest.mark.parametrize("visited, fixed_urls", [
    (None, ["https://a.cn/x", "https://a.cn/y"]),          # a complete run: everything gone is fixed
    ({"https://a.cn/x"}, ["https://a.cn/x"]),               # partial: only pages fetched this time
    (set(), []),
])
def test_partial_runs_fix_only_visited_pages(visited, fixed_urls):
    _, fixed = compare([f(url="https://a.cn/x"), f(url="https://a.cn/y")], [], visited)
    assert [x["url"] for x in fixed] == fixed_urls
