"""The command line itself: options, init, and the lists that must not drift apart."""
from __future__ import annotations

import pytest

from crawler import cli
from crawler.profile import load_profile


def test_format_list_matches_the_formatters():
    from reports.render import FORMATTERS

    assert set(cli.FORMATS) == set(FORMATTERS)


def test_help_and_version(capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    for command in ("audit", "check", "rules", "history", "report", "init", "demo"):
        assert command in out
    with pytest.raises(SystemExit):
        cli.main(["--version"])
    assert "siteaudit 0.1.0" in capsys.readouterr().out


def test_usage_error_exits_2(capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["audit"])
    assert info.value.code == 2


def test_init_writes_a_valid_template_and_keeps_existing_files(tmp_path, capsys):
    target = tmp_path / "site.yaml"
    assert cli.main(["init", str(target)]) == 0
    assert load_profile(target).site.start_urls == ["https://www.example.cn/"]
    target.write_text("# mine\n", encoding="utf-8")
    assert cli.main(["init", str(target)]) == 2
    assert "exists" in capsys.readouterr().err
    assert target.read_text(encoding="utf-8") == "# mine\n"
    assert cli.main(["init", str(target), "--force"]) == 0


def test_history_without_a_db_is_a_config_error(tmp_path, capsys):
    assert cli.main(["history", "--db", str(tmp_path / "none.sqlite3")]) == 2
    assert "none.sqlite3" in capsys.readouterr().err


def test_report_of_unknown_run_exits_2(tmp_path, capsys):
    from crawler.history.store import Store

    db = tmp_path / "h.sqlite3"
    Store.open(db).close()
    assert cli.main(["report", "nope", "--db", str(db), "-o", str(tmp_path / "o")]) == 2
    assert "nope" in capsys.readouterr().err
