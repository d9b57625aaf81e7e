"""`siteaudit check` and `siteaudit rules …` through the real command (python -m crawler)."""
import json

import pytest

GOOD_PACK = """family: site
rules:
  - id: ZZ301
    category: absolute
    severity: warning
    basis: 《广告法》第九条
    message: 站点自定义用语
    message_en: site-specific phrase
    terms: [闭眼入]
    examples: {flag: [闭眼入不踩雷], pass: [睁眼看世界]}
"""


@pytest.fixture
def copy(tmp_path):
    path = tmp_path / "copy.txt"
    path.write_text("公司简介\n本产品效果最 佳，欢迎选购。\n研究表明更耐用\n", encoding="utf-8")
    return path


def test_check_text_format_and_exit_code(siteaudit, copy):
    r = siteaudit("check", str(copy))
    assert r.returncode == 1, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].startswith(f"{copy}:2:6: error AD101 ")
    assert "最 佳" in lines[0]
    assert lines[1].startswith(f"{copy}:3:1: warning CI101 ")


def test_check_json_is_the_findings_document(siteaudit, copy):
    r = siteaudit("check", "--format", "json", str(copy))
    assert r.returncode == 1
    doc = json.loads(r.stdout)
    assert doc["schema"] == "siteaudit/1" and "pages" not in doc and "pages" not in doc["run"]
    assert doc["summary"]["error"] == 1 and doc["summary"]["warning"] == 1
    first = doc["findings"][0]
    assert first["url"] == str(copy) and (first["line"], first["column"]) == (2, 6)
    assert first["match"] == "最 佳" and first["category"] == "absolute" and first["basis"]


def test_check_clean_file_exits_0(siteaudit, tmp_path):
    clean = tmp_path / "clean.md"
    clean.write_text("# 关于我们\n\n公司成立于2008年，专注于工业自动化。\n最近我们更新了官网。\n", encoding="utf-8")
    r = siteaudit("check", str(clean))
    assert (r.returncode, r.stdout) == (0, "")


@pytest.mark.parametrize("fail_on, code", [("error", 0), ("warning", 1), ("never", 0)])
def test_fail_on(siteaudit, tmp_path, fail_on, code):
    path = tmp_path / "w.txt"
    path.write_text("研究表明更耐用\n", encoding="utf-8")  # a warning only
    assert siteaudit("check", "--fail-on", fail_on, str(path)).returncode == code


def test_check_reads_stdin(siteaudit):
    r = siteaudit("check", input="稳赚不赔的好项目\n")
    assert r.returncode == 1 and r.stdout.startswith("-:1:1: error FI101")


def test_check_html_positions_are_in_the_source(siteaudit, tmp_path):
    page = tmp_path / "index.html"
    page.write_text("<html><head><title>示例</title></head>\n<body>\n  <p>价格<b>全网最低</b></p>\n"
                    "<script>var s='最佳';</script></body></html>\n", encoding="utf-8")
    r = siteaudit("check", "--format", "json", str(page))
    (f,) = json.loads(r.stdout)["findings"]
    assert (f["line"], f["column"], f["where"], f["match"]) == (3, 11, "body", "全网最低")


def test_english_messages(siteaudit, copy):
    r = siteaudit("check", "--lang", "en", str(copy))
    assert "Superlative" in r.stdout


def test_extra_rules_file(siteaudit, tmp_path):
    pack = tmp_path / "site.yaml"
    pack.write_text(GOOD_PACK, encoding="utf-8")
    text = tmp_path / "t.txt"
    text.write_text("好物推荐，闭眼入\n", encoding="utf-8")
    r = siteaudit("check", "--rules", str(pack), "--fail-on", "warning", str(text))
    assert r.returncode == 1 and "ZZ301" in r.stdout


def test_invalid_rules_file_is_a_config_error(siteaudit, tmp_path, copy):
    pack = tmp_path / "bad.yaml"
    pack.write_text(GOOD_PACK.replace("severity: warning", "severity: loud"), encoding="utf-8")
    r = siteaudit("check", "--rules", str(pack), str(copy))
    assert r.returncode == 2
    assert f"{pack}:5: severity: " in r.stderr


def test_missing_file_is_a_config_error(siteaudit, tmp_path):
    r = siteaudit("check", str(tmp_path / "nope.txt"))
    assert r.returncode == 2 and "nope.txt" in r.stderr


def test_rules_list_and_show(siteaudit):
    r = siteaudit("rules", "list")
    assert r.returncode == 0
    rows = [line.split("\t") for line in r.stdout.splitlines()]
    assert ["AD101", "absolute", "error"] == rows[0][:3] and len(rows) >= 30
    shown = siteaudit("rules", "show", "FI101")
    assert shown.returncode == 0 and "保本" in shown.stdout and "不保本" in shown.stdout
    assert siteaudit("rules", "show", "XX999").returncode == 2


def test_rules_test_bundled_and_files(siteaudit, tmp_path):
    assert siteaudit("rules", "test").returncode == 0
    good = tmp_path / "good.yaml"
    good.write_text(GOOD_PACK, encoding="utf-8")
    ok = siteaudit("rules", "test", str(good))
    assert ok.returncode == 0 and ok.stdout.startswith("ok: 1 rules")
    bad = tmp_path / "bad.yaml"
    bad.write_text(GOOD_PACK.replace("    terms: [闭眼入]\n", "    terms: [闭眼入]\n    colour: red\n"), encoding="utf-8")
    r = siteaudit("rules", "test", str(bad))
    assert r.returncode == 2 and f"{bad}:10: colour: unknown field" in r.stdout
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text(GOOD_PACK.replace("pass: [睁眼看世界]", "pass: [闭眼入就对了]"), encoding="utf-8")
    r = siteaudit("rules", "test", str(wrong))
    assert r.returncode == 2 and f"{wrong}:3: examples: ZZ301 flags" in r.stdout
    reused = tmp_path / "reused.yaml"
    reused.write_text(GOOD_PACK.replace("ZZ301", "AD101"), encoding="utf-8")
    r = siteaudit("rules", "test", str(reused))
    assert r.returncode == 2 and "never reused" in r.stdout
