"""`siteaudit history` output: a table aligned by display width, from a real store."""
from __future__ import annotations

from crawler.store import Store
from tests.test_store import F, _run


def test_format_history_from_a_real_store(tmp_path):
    from crawler.history import display_width, format_history

    with Store.open(tmp_path / "h.db") as store:
        _run(store, "示例科技官网", "2026-11-01T01:00:00+00:00", [F("A"), F("B")], pages=["https://a.cn/"])
        second, _ = _run(store, "示例科技官网", "2026-11-02T01:00:00+08:00", [F("B"), F("C"), F("D")])
        running = store.begin_run("示例科技官网", profile="p", started="2026-11-03T01:00:00+00:00")
        rows = store.history()
    text = format_history(rows, lang="zh")
    lines = text.splitlines()
    assert lines[0].startswith("日期") and "可用率" in lines[0]
    # columns line up by display width: the run id starts where its header does
    col = display_width(lines[0][:lines[0].index("运行编号")])
    assert all(display_width(line[:line.index(rid)]) == col for line, rid in ((lines[2], running), (lines[3], second)))
    assert running in lines[2] and "进行中" in lines[2]               # newest first
    assert second in lines[3] and "2026-11-01 17:00" in lines[3]      # shown in UTC
    cells = lines[3].split()
    assert cells[-8:] == ["0", "3", "0", "0", "2", "1", "-", "完成"]    # pages, error…fixed, uptime, status
    en = format_history(rows, lang="en")
    assert en.splitlines()[0].startswith("date") and "running" in en
    assert format_history([], lang="zh") == "还没有审计记录"
