"""The site profile loader: every kind of bad input names the file, the line and the field."""
from __future__ import annotations

import pytest

from crawler.profile import load_profile, parse_profile, profile_for_url
from rules.errors import ConfigError

GOOD = """\
site:
  name: 示例科技官网
  start_urls: [https://www.example.cn/]
  domains: [example.cn, www.example.cn, shop.example.cn]
company:
  name: 示例科技有限公司
  credit_code: 91110108MA01ABCD2X
license:
  icp_filing: 京ICP备12345678号
  server_ips: [203.0.113.10, "2001:db8::10"]
  ecommerce: false
crawl: {max_pages: 100, max_depth: 3, concurrency: 4, delay: 0.25, exclude: ['^/admin/']}
rules: {allow: [国家级高新技术企业], severity: {AD101: warning}}
notify: {dingtalk: {webhook: "https://hook.invalid/robot", secret_env: DINGTALK_SECRET}, on: fail}
"""


def test_good_profile_is_typed():
    p = parse_profile(GOOD, "site.yaml")
    assert p.site.name == "示例科技官网"
    assert p.domains == ["example.cn", "www.example.cn", "shop.example.cn"]
    assert p.crawl.max_pages == 100 and p.crawl.delay == 0.25 and p.crawl.obey_robots is True
    assert p.license.server_ips == ["203.0.113.10", "2001:db8::10"]
    assert p.rules.severity == {"AD101": "warning"}
    assert p.notify.dingtalk.secret_env == "DINGTALK_SECRET" and p.notify.on == "fail"
    assert p.uptime.probes == 3  # unset section keeps its documented default


def test_start_url_hosts_count_as_domains():
    p = parse_profile("site: {start_urls: ['http://a.example.cn:8080/x']}\n", "s.yaml")
    assert p.domains == ["a.example.cn"]


@pytest.mark.parametrize("text, line, field, words", [
    ("site:\n  start_urls: [https://a.cn/]\ncrawl:\n  max_page: 10\n", 4, "crawl.max_page", "unknown key"),
    ("site:\n  start_urls: [https://a.cn/]\nsitee: {}\n", 3, "sitee", "unknown key"),
    ("site:\n  start_urls: [https://a.cn/]\ncrawl:\n  max_pages: ten\n", 4, "crawl.max_pages", "whole number"),
    ("site:\n  start_urls: [https://a.cn/]\ncrawl:\n  max_pages: 0\n", 4, "crawl.max_pages", "between 1 and"),
    ("site:\n  start_urls: [https://a.cn/]\ncrawl:\n  delay: -1\n", 4, "crawl.delay", "between 0 and"),
    ("site:\n  start_urls: [https://a.cn/]\ncrawl:\n  obey_robots: maybe\n", 4, "crawl.obey_robots", "true or false"),
    ("site:\n  start_urls: [https://a.cn/]\nreport:\n  lang: fr\n", 4, "report.lang", "one of"),
    ("site:\n  start_urls: [https://a.cn/]\nnotify:\n  on: sometimes\n", 4, "notify.on", "one of"),
    ("site:\n  start_urls: [ftp://a.cn/]\n", 2, "site.start_urls[0]", "not an http"),
    ("site:\n  name: x\n", 1, "site.start_urls", "required"),
    ("site:\n  start_urls: [https://a.cn/]\ncrawl:\n  exclude: ['(']\n", 4, "crawl.exclude[0]", "regular expression"),
    ("site:\n  start_urls: [https://a.cn/]\nrules:\n  severity: {AD101: fatal}\n", 4, "rules.severity.AD101", "severity"),
    ("site:\n  start_urls: [https://a.cn/]\ncompany: [a, b]\n", 3, "company", "mapping"),
])
def test_bad_profile_names_file_line_field(text, line, field, words):
    with pytest.raises(ConfigError) as info:
        parse_profile(text, "bad.yaml")
    err = info.value
    assert (err.file, err.line, err.field) == ("bad.yaml", line, field)
    assert words in err.message
    assert str(err).startswith(f"bad.yaml:{line}: {field}: ")


def test_malformed_yaml_names_line():
    with pytest.raises(ConfigError) as info:
        parse_profile("site:\n  start_urls: [https://a.cn/\n  domains: x\n", "broken.yaml")
    assert info.value.file == "broken.yaml" and info.value.line is not None and "YAML" in info.value.message


def test_empty_and_missing_files(tmp_path):
    empty = tmp_path / "empty.yaml"
    empty.write_text("")
    with pytest.raises(ConfigError, match="empty"):
        load_profile(empty)
    with pytest.raises(ConfigError, match="cannot read"):
        load_profile(tmp_path / "nope.yaml")
    gbk = tmp_path / "gbk.yaml"
    gbk.write_bytes("site: {name: 示例}".encode("gbk"))
    with pytest.raises(ConfigError, match="UTF-8"):
        load_profile(gbk)


def test_bare_url_profile():
    p = profile_for_url("https://www.example.cn/")
    assert p.domains == ["www.example.cn"] and p.site.start_urls == ["https://www.example.cn/"]
    with pytest.raises(ConfigError):
        profile_for_url("not a url")


def test_init_template_is_a_valid_profile():
    from crawler.commands import TEMPLATE

    assert load_profile(TEMPLATE).company.name == "示例科技有限公司"


def test_readme_profile_example_is_valid():
    import re
    from pathlib import Path

    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    example = re.search(r"```yaml\n(.*?)```", readme, re.S).group(1)
    profile = parse_profile(example, "README.md")
    assert profile.site.domains and profile.crawl.pattern_cap == 0 and profile.crawl.max_depth == 0
