"""Profiles and rule files pasted from somewhere (issue 18): the strict YAML loader refuses alias
bombs, recursive aliases, deep nesting and duplicate keys, names the first non-UTF-8 byte's line,
and every profile number has a range; each is exit 2 with file:line: field, never a traceback."""
from __future__ import annotations

import pytest

from crawler.idn import ascii_host, ascii_url, unicode_url
from crawler.profile import RANGES, parse_profile
from rules.errors import ConfigError, RuleError
from rules.loader import read_pack
from rules import yamlfile
from tests.hostile import run_audit_bounded

SITE = "site:\n  start_urls: [https://a.cn/]\n"


def laughs(levels: int = 9, width: int = 10) -> str:
    lines = ["a0: &a0 [" + ", ".join(["lol"] * width) + "]"]
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("text, line, field, words", [
    (SITE + laughs(), 6, "&anchor", "alias"),      # a3: the first anchor past 10,000 nodes
    (SITE + "crawl: &c {delay: 1, exclude: [*c]}\n", 3, "&anchor", "recursive"),
    (SITE + "crawl:\n  delay: 1\n  delay: 2\n", 5, "delay", "duplicate key (first at line 4)"),
    (SITE + "site: {}\n", 3, "site", "duplicate key"),
    (SITE + "crawl: {exclude: " + "[" * 100 + "]" * 100 + "}\n", 3, None, "nesting"),
])
def test_hostile_yaml_is_refused_with_its_line(text, line, field, words):
    with pytest.raises(ConfigError) as info:
        parse_profile(text, "site.yaml")
    err = info.value
    assert (err.file, err.line, err.field) == ("site.yaml", line, field), str(err)
    assert words in err.message


def test_aliases_within_the_bound_still_work():
    text = SITE + "crawl:\n  exclude: &ex ['^/a/']\n  strip_params: *ex\n"
    assert parse_profile(text, "site.yaml").crawl.strip_params == ["^/a/"]


@pytest.mark.parametrize("path, bad", [
    ("crawl.delay", ".inf"), ("crawl.delay", "-.inf"), ("crawl.delay", ".nan"), ("crawl.delay", "61"),
    ("crawl.timeout", "1e9"), ("crawl.timeout", "0"), ("crawl.time_limit", ".inf"), ("crawl.max_pages", "10000000000"),
    ("crawl.max_depth", "-1"), ("crawl.concurrency", "100000"), ("crawl.pattern_cap", "-1"),
    ("uptime.timeout", ".inf"), ("uptime.probes", "1000000"), ("uptime.retries", "1000"), ("uptime.slow_ms", "-5"),
])
def test_every_profile_number_has_a_range(path, bad):
    section, key = path.split(".")
    with pytest.raises(ConfigError) as info:
        parse_profile(SITE + f"{section}:\n  {key}: {bad}\n", "site.yaml")
    assert (info.value.line, info.value.field) == (4, path)
    assert set(RANGES) >= {path}


def test_in_range_numbers_are_kept():
    p = parse_profile(SITE + "crawl: {delay: 60, timeout: 0.5, time_limit: 0}\nuptime: {retries: 0}\n", "s.yaml")
    assert (p.crawl.delay, p.crawl.timeout, p.uptime.retries) == (60, 0.5, 0)


def test_non_utf8_names_the_first_bad_byte(tmp_path):
    path = tmp_path / "site.yaml"
    path.write_bytes(SITE.encode() + "company:\n  name: 测试\n".encode("gbk"))   # 测 is B2 E2 in GBK
    with pytest.raises(ConfigError) as info:
        yamlfile.read_text(path, what="profile")
    assert info.value.line == 4 and "not UTF-8" in info.value.message and "column 9" in info.value.message


def test_rule_packs_use_the_strict_loader(tmp_path):
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text("family: x\n" + laughs() + "rules: []\n", encoding="utf-8")
    with pytest.raises(RuleError) as info:
        read_pack(bomb)
    assert info.value.file == str(bomb) and "alias" in info.value.message
    latin = tmp_path / "latin.yaml"
    latin.write_bytes(b"family: x\nrules:\n  - id: \xe9\n")
    with pytest.raises(RuleError) as info:
        read_pack(latin)
    assert info.value.line == 3


def test_idn_forms():
    assert ascii_host("中文.中国") == "xn--fiq228c.xn--fiqs8s" == ascii_host("XN--FIQ228C.xn--fiqs8s.")
    assert ascii_url("https://中文.cn:8443/路径") == "https://xn--fiq228c.cn:8443/路径"
    assert unicode_url("http://xn--fiq228c.xn--fiqs8s/a") == "http://中文.中国/a"
    with pytest.raises(ConfigError) as info:
        parse_profile("site:\n  start_urls: [http://a.cn/]\n  domains: ['xn--zz.cn']\n", "s.yaml")
    assert (info.value.line, info.value.field) == (3, "site.domains[0]")


@pytest.mark.parametrize("kind", ["laughs", "inf-delay", "cli-inf"])
def test_the_cli_exits_2_fast_in_bounded_memory(tmp_path, kind):
    profile = tmp_path / "site.yaml"
    extra: list[str] = []
    if kind == "laughs":
        profile.write_text(SITE + laughs(), encoding="utf-8")
        expect = f"{profile}:6: &anchor: aliases expand"
    elif kind == "inf-delay":
        profile.write_text(SITE + "crawl:\n  delay: .inf\n", encoding="utf-8")
        expect = f"{profile}:4: crawl.delay: must be a finite number"
    else:
        profile.write_text(SITE, encoding="utf-8")
        extra = ["--delay", "inf"]
        expect = "--delay: must be a finite number"
    result = run_audit_bounded(["audit", str(profile), "--no-dns", "--no-uptime", *extra], tmp_path, limit=60)
    assert result.code == 2, result.stderr
    assert expect in result.stderr and "Traceback" not in result.stderr
    assert result.peak_mb < 500


def test_every_number_field_of_the_profile_has_a_range():
    import dataclasses
    import typing

    from crawler.profile import Profile

    def numbers(cls, prefix=""):
        for f in dataclasses.fields(cls):
            hint = typing.get_type_hints(cls)[f.name]
            path = f"{prefix}{f.name}"
            if dataclasses.is_dataclass(hint):
                yield from numbers(hint, path + ".")
            elif hint in (int, float):
                yield path

    assert set(numbers(Profile)) == set(RANGES)
