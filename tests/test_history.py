"""`siteaudit history` output: a table aligned by display width, from a real store."""
from __future__ import annotations

import json

from crawler.history.store import Store
from tests.test_store import F, _run


def test_format_history_from_a_real_store(tmp_path):
    from crawler.history.listing import display_width, format_history

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


def test_keep_runs_prunes_old_details_and_report_says_so(tmp_path):
    from tests.conftest import run_siteaudit

    db = tmp_path / "h.db"
    with Store.open(db) as store:
        old = [_run(store, "s", f"2026-11-0{d}T01:00:00+00:00", [F("A")], pages=["https://a.cn/"])[0]
               for d in range(1, 4)]
    result = run_siteaudit("history", "--db", str(db), "--keep-runs", "1", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "已清理 2 次" in result.stdout
    assert all(rid in result.stdout for rid in old)                  # the runs stay listed
    gone = run_siteaudit("report", old[0], "--db", str(db), "-o", str(tmp_path / "r"), cwd=tmp_path)
    assert gone.returncode == 2 and "pruned" in gone.stderr and "Traceback" not in gone.stderr
    kept = run_siteaudit("report", old[2], "--db", str(db), "-o", str(tmp_path / "r"), "--format", "json",
                         cwd=tmp_path)
    assert kept.returncode == 0, kept.stderr
    assert json.loads((tmp_path / "r" / "findings.json").read_text())["findings"][0]["rule"] == "A"
    bad = run_siteaudit("history", "--db", str(db), "--keep-runs", "0", cwd=tmp_path)
    assert bad.returncode == 2
