"""The non-HTML outputs (json, csv, junit, md) and the write_outputs contract."""
from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from reports.inputs import ReportInputError
from reports.render import parse_formats, write_outputs
from reports.sample import hostile_doc, large_doc, small_doc

ALL = ("html", "json", "csv", "junit", "md")


def read_csv(path):
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "findings.csv must start with a UTF-8 BOM for Excel"
    return list(csv.DictReader(io.StringIO(raw[3:].decode("utf-8"))))


def junit_failures(path):
    root = ET.parse(path).getroot()
    return root, root.findall(".//testcase/failure")


@pytest.mark.parametrize("make", [small_doc, hostile_doc, lambda: large_doc(600, 200)])
def test_json_csv_junit_agree_on_the_number_of_findings(tmp_path, make):
    doc, extra = make()
    paths = write_outputs(doc, extra, tmp_path, formats=ALL, strict=True)
    assert set(paths) == set(ALL)
    as_json = json.loads(paths["json"].read_text(encoding="utf-8"))
    rows = read_csv(paths["csv"])
    root, failures = junit_failures(paths["junit"])
    n = len(doc["findings"])
    assert len(as_json["findings"]) == len(rows) == len(failures) == n
    assert int(root.get("failures")) == n


def test_json_is_exactly_the_doc_with_chinese_readable(tmp_path):
    doc, extra = small_doc()
    path = write_outputs(doc, extra, tmp_path, formats=["json"])["json"]
    text = path.read_text(encoding="utf-8")
    written = json.loads(text)
    groups = written.pop("groups")   # SPEC: findings.json adds the distinct problems to the doc
    assert written == doc
    assert sum(g["occurrences"] for g in groups) == len(doc["findings"])
    assert "最佳" in text and "\\u6700" not in text


def test_csv_keeps_fields_and_defuses_formulas(tmp_path):
    doc, extra = small_doc()
    doc["findings"][0]["context"] = '=HYPERLINK("http://evil.example","点我")'
    doc["findings"][0]["match"] = "@SUM(A1)"
    rows = read_csv(write_outputs(doc, extra, tmp_path, formats="csv")["csv"])
    first = rows[0]
    assert first["rule"] == "AD101" and first["severity"] == "error"
    assert first["context"] == "'" + doc["findings"][0]["context"]
    assert first["match"] == "'@SUM(A1)"
    assert rows[1]["match"] == doc["findings"][1]["match"]  # ordinary text untouched
    assert first["line"] == str(doc["findings"][0]["line"])


def test_junit_suites_per_page_and_checks(tmp_path):
    doc, extra = small_doc()
    root, failures = junit_failures(write_outputs(doc, extra, tmp_path, formats="junit")["junit"])
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    assert set(suites) == {"checks"} | {p["url"] for p in doc["pages"]}
    checks = {c.get("name"): c for c in suites["checks"].findall("testcase")}
    assert set(checks) == {c["id"] for c in doc["checks"]}
    assert checks["ipv6"].find("skipped") is not None
    assert checks["dns"].find("failure") is None
    home = suites["https://www.example.cn/"]
    assert int(home.get("failures")) == sum(f["url"] == "https://www.example.cn/" for f in doc["findings"])
    assert {f.get("type") for f in failures} == {"error", "warning", "info"}


def test_junit_crashed_check_is_an_error_and_control_chars_are_replaced(tmp_path):
    doc, extra = small_doc()
    doc["checks"].append({"id": "tls", "status": "error", "detail": "boom\x00\x07"})
    doc["findings"][0]["context"] = "bad\x01char"
    path = write_outputs(doc, extra, tmp_path, formats="junit")["junit"]
    root = ET.parse(path).getroot()  # parses: no raw control characters
    assert root.get("errors") == "1"
    assert "bad\ufffdchar" in path.read_text(encoding="utf-8")


def test_markdown_summary_escapes_page_text(tmp_path):
    doc, extra = hostile_doc()
    text = write_outputs(doc, extra, tmp_path, formats="md")["md"].read_text(encoding="utf-8")
    assert "不通过" in text
    assert not re.search(r"(?<!\\)[<`]", text), "markup characters from page text must be escaped"
    assert "\\<script\\>" in text


def test_markdown_in_english(tmp_path):
    doc, extra = small_doc()
    text = write_outputs(doc, extra, tmp_path, formats="md", lang="en")["md"].read_text(encoding="utf-8")
    assert "**Verdict: Fail**" in text and "结论" not in text
    assert "- Failed: TLS tls" in text  # the failing check is listed ...
    assert "- OK 2 · Skipped 1" in text  # ... the others only counted


@pytest.mark.parametrize("formats, expected", [
    ("html,json", ("html", "json")),
    (" CSV , junit,,csv ", ("csv", "junit")),
    (["md"], ("md",)),
    (None, ("html", "json")),
])
def test_parse_formats(formats, expected):
    assert parse_formats(formats) == expected


@pytest.mark.parametrize("formats", ["html,docx", ["xlsx"], "", ","])
def test_unknown_or_no_format_is_a_value_error_naming_it(tmp_path, formats):
    doc, extra = small_doc()
    with pytest.raises(ValueError) as info:
        write_outputs(doc, extra, tmp_path / "out", formats=formats)
    assert "pdf" in str(info.value) or "xlsx" in str(info.value) or "no output format" in str(info.value)
    assert not (tmp_path / "out").exists(), "nothing is written when the format list is bad"


@pytest.mark.parametrize("lang, verdict", [(None, "**结论: 不通过**"), ("zh-CN", "**结论: 不通过**"),
                                           ("en_US", "**Verdict: Fail**"), ("EN", "**Verdict: Fail**")])
def test_language_spellings(tmp_path, lang, verdict):
    text = write_outputs(*small_doc(), tmp_path, formats="md", lang=lang)["md"].read_text(encoding="utf-8")
    assert verdict in text


def test_unknown_language_is_a_value_error(tmp_path):
    doc, extra = small_doc()
    with pytest.raises(ValueError, match="fr"):
        write_outputs(doc, extra, tmp_path, lang="fr")


def test_every_extra_key_is_optional(tmp_path):
    doc, _ = small_doc()
    for extra in (None, {}):
        paths = write_outputs(doc, extra, tmp_path, formats=ALL, strict=True)
        html = paths["html"].read_text(encoding="utf-8")
        assert "暂无数据" in html and "没有上一次运行的记录" in html


def test_minimal_doc_renders(tmp_path):
    doc = {"schema": "siteaudit/1"}
    paths = write_outputs(doc, {}, tmp_path, formats=ALL, strict=True)
    assert "通过" in paths["html"].read_text(encoding="utf-8")
    assert ET.parse(paths["junit"]).getroot().get("failures") == "0"


@pytest.mark.parametrize("mutate, field", [
    (lambda d: d["findings"][1].pop("rule"), "findings[1].rule"),
    (lambda d: d["findings"][2].update(severity="fatal"), "findings[2].severity"),
    (lambda d: d.update(findings="nope"), "findings"),
    (lambda d: d["checks"][0].pop("id"), "checks[0].id"),
    (lambda d: d["pages"].append({"status": 200}), "pages[3].url"),
])
def test_malformed_doc_names_the_field(tmp_path, mutate, field):
    doc, extra = small_doc()
    mutate(doc)
    with pytest.raises(ReportInputError) as info:
        write_outputs(doc, extra, tmp_path, formats=ALL)
    assert info.value.field == field and field in str(info.value)


def test_reports_work_without_scrapy_and_import_only_rules_model(tmp_path):
    code = (
        "import sys\n"
        "sys.modules['scrapy'] = None; sys.modules['twisted'] = None\n"
        "from reports.render import write_outputs\n"
        "from reports.sample import small_doc\n"
        f"write_outputs(*small_doc(), {str(tmp_path)!r}, formats='html,json,csv,junit,md')\n"
        "ours = sorted(m for m in sys.modules if m.split('.')[0] in ('crawler', 'rules'))\n"
        "print(ours)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=Path(__file__).resolve().parent.parent, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "['rules', 'rules.model']"
    assert len(list(tmp_path.iterdir())) == 6   # csv writes findings.csv and groups.csv


def test_findings_json_is_written_even_when_the_report_input_is_bad(tmp_path):
    doc, _ = small_doc()
    with pytest.raises(ReportInputError, match="extra.facts"):
        write_outputs(doc, {"facts": ["not", "a", "mapping"]}, tmp_path, formats="html,json")
    written = json.loads((tmp_path / "findings.json").read_text(encoding="utf-8"))
    assert written.pop("groups") and written == doc
    assert not (tmp_path / "report.html").exists()


def test_bad_input_is_not_a_usage_error():
    assert not issubclass(ReportInputError, ValueError)
