"""Rule files: validation errors name file, line and field; site tuning (allow, severity)."""
import textwrap

import pytest

from rules.errors import RuleError
from rules.loader import load_ruleset, read_pack

GOOD = """\
family: demo
defaults:
  category: absolute
  severity: error
  basis: 《广告法》第九条
  message: 测试
  message_en: test
rules:
  - id: ZZ101
    terms: [超级棒]
    examples: {flag: [这个超级棒], pass: [这个很好]}
"""


def write(tmp_path, text, name="pack.yaml"):
    p = tmp_path / name
    p.write_text(textwrap.dedent(text), encoding="utf-8")
    return p


def test_a_good_pack_loads_with_defaults_merged(tmp_path):
    (rule,) = read_pack(write(tmp_path, GOOD))
    assert rule.id == "ZZ101" and rule.category == "absolute" and rule.basis == "《广告法》第九条"
    assert rule.line == 9


@pytest.mark.parametrize("change, field, line", [
    (("category: absolute", "category: bogus"), "category", 3),
    (("severity: error", "severity: fatal"), "severity", 4),
    (("    terms: [超级棒]", "    terms: [超级棒]\n    colour: red"), "colour", 11),
    (("- id: ZZ101", "- id: zz-1"), "id", 9),
    (("    examples: {flag: [这个超级棒], pass: [这个很好]}", "    examples: {flag: [这个超级棒]}"), "examples", 11),
    (("    terms: [超级棒]", "    patterns: ['(unclosed']"), "patterns", 10),
    (("    terms: [超级棒]", "    terms: [超级棒]\n    context: {negation: maybe}"), "context", 11),
])
def test_errors_name_file_line_and_field(tmp_path, change, field, line):
    path = write(tmp_path, GOOD.replace(*change))
    with pytest.raises(RuleError) as exc:
        read_pack(path)
    assert exc.value.file == str(path)
    assert exc.value.field == field
    assert exc.value.line == line
    assert str(exc.value).startswith(f"{path}:{line}: {field}: ")


def test_a_rule_without_terms_or_patterns_is_an_error(tmp_path):
    path = write(tmp_path, GOOD.replace("    terms: [超级棒]\n", ""))
    with pytest.raises(RuleError, match="terms"):
        read_pack(path)


def test_invalid_yaml_names_the_line(tmp_path):
    path = write(tmp_path, GOOD + "  - id: [unclosed\n")
    with pytest.raises(RuleError) as exc:
        read_pack(path)
    assert exc.value.line is not None and exc.value.file == str(path)


def test_duplicate_ids_across_files_are_an_error(tmp_path):
    a = write(tmp_path, GOOD, "a.yaml")
    b = write(tmp_path, GOOD, "b.yaml")
    with pytest.raises(RuleError, match="duplicate rule id ZZ101"):
        load_ruleset(packs=[], extra=[a, b])


def test_bundled_ids_are_never_reused_by_extra_packs(tmp_path):
    path = write(tmp_path, GOOD.replace("ZZ101", "AD101"))
    with pytest.raises(RuleError, match="duplicate rule id AD101"):
        load_ruleset(extra=[path])


def test_extra_pack_rules_are_checked(tmp_path):
    rs = load_ruleset(packs=[], extra=[write(tmp_path, GOOD)])
    assert [f.rule for f in rs.check("我们的服务超级棒")] == ["ZZ101"]


def test_deprecated_rules_are_listed_but_not_run(tmp_path):
    text = GOOD.replace("    terms: [超级棒]", "    terms: [超级棒]\n    deprecated: true")
    rs = load_ruleset(packs=[], extra=[write(tmp_path, text)])
    assert rs.check("这个超级棒") == []
    assert rs.get("ZZ101").deprecated


def test_severity_override_and_off():
    text = "本产品效果最佳"
    assert load_ruleset().check(text)[0].severity.value == "error"
    assert load_ruleset(severity={"AD101": "info"}).check(text)[0].severity.value == "info"
    assert load_ruleset(severity={"AD101": "off"}).check(text) == []
    assert load_ruleset(severity={"absolute": "warning"}).check(text)[0].severity.value == "warning"


@pytest.mark.parametrize("severity, needle", [({"AD999": "info"}, "AD999"), ({"AD101": "loud"}, "loud")])
def test_bad_severity_overrides_are_config_errors(severity, needle):
    with pytest.raises(RuleError, match=needle) as exc:
        load_ruleset(severity=severity)
    assert exc.value.field == "rules.severity"


def test_allow_phrases_cover_hits():
    text = "欢迎选购最佳伙伴牌咖啡机"  # a registered brand name the site may use
    assert [f.match for f in load_ruleset().check(text)] == ["最佳"]
    assert load_ruleset(allow=["最佳伙伴牌"]).check(text) == []


def test_unknown_pack_name_is_an_error():
    with pytest.raises(RuleError, match="unknown rule pack"):
        load_ruleset(packs=["nope"])


def test_english_messages():
    (f,) = load_ruleset(lang="en").check("本产品效果最佳")
    assert f.message.isascii()


def test_duplicate_keys_are_an_error(tmp_path):
    path = write(tmp_path, GOOD.replace("    terms: [超级棒]", "    terms: [超级棒]\n    terms: [很棒]"))
    with pytest.raises(RuleError) as exc:
        read_pack(path)
    assert (exc.value.file, exc.value.line, exc.value.field) == (str(path), 11, "terms")
    assert "first at line 10" in exc.value.message


def test_tuned_rule_sets_are_cached_under_their_own_key(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    first = load_ruleset(severity={"AD101": "info"}, allow=["最佳伙伴牌"])
    (cached,) = (tmp_path / "siteaudit").glob("ruleset-*.pickle")
    assert len(cached.stem) == len("ruleset-") + 20
    again = load_ruleset(severity={"AD101": "info"}, allow=["最佳伙伴牌"])
    assert again is not first and again.get("AD101").id == "AD101"
    assert again.check("效果最佳")[0].severity.value == "info"
    other = load_ruleset()
    assert other.check("效果最佳")[0].severity.value == "error"


def test_the_rule_cache_is_keyed_by_every_files_content(tmp_path):
    """A changed, added or renamed file below the rules package changes the key, even when its size
    and modification time stay the same (no hand-written list of file names to keep up to date)."""
    import os

    from rules.loader import tree_digest

    (tmp_path / "packs").mkdir()
    pack = tmp_path / "packs" / "a.yaml"
    pack.write_text("terms: [最佳]\n", encoding="utf-8")
    before = tree_digest(tmp_path)
    stat = pack.stat()
    pack.write_text("terms: [最好]\n", encoding="utf-8")        # same size (UTF-8: 3 bytes each)
    os.utime(pack, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    changed = tree_digest(tmp_path)
    assert changed != before
    (tmp_path / "lexicon.txt").write_text("降血糖\n", encoding="utf-8")
    added = tree_digest(tmp_path)
    assert added != changed
    (tmp_path / "lexicon.txt").rename(tmp_path / "packs" / "lexicon.txt")
    moved = tree_digest(tmp_path)
    assert moved not in (added, changed)
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "x.pyc").write_bytes(b"compiled")
    assert tree_digest(tmp_path) == moved            # compiled caches are not sources
