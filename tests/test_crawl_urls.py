"""URL normalisation and the per-pattern cap that makes endless calendars end."""
from __future__ import annotations

import pytest

from crawler.urls import PatternCap, normalize_url, stripped_params, url_pattern


@pytest.mark.parametrize("url, expected", [
    ("http://Example.CN/a#top", "http://example.cn/a"),
    ("http://example.cn", "http://example.cn/"),
    ("http://example.cn:80/a", "http://example.cn/a"),
    ("https://example.cn:443/a", "https://example.cn/a"),
    ("http://example.cn:8080/a", "http://example.cn:8080/a"),
    ("http://example.cn/a?b=2&a=1", "http://example.cn/a?a=1&b=2"),
    ("http://example.cn/a?utm_source=x&id=3&utm_medium=y", "http://example.cn/a?id=3"),
    ("http://example.cn/a?spm=a.b.c&from=timeline&fbclid=Z", "http://example.cn/a"),
    ("http://example.cn/a?PHPSESSID=abc&sid=1&JSESSIONID=2&page=2", "http://example.cn/a?page=2"),
    ("http://example.cn/a;jsessionid=ABC123?x=1", "http://example.cn/a?x=1"),
    ("http://example.cn/a?q=", "http://example.cn/a?q="),
    ("http://example.cn/a?fromage=1", "http://example.cn/a?fromage=1"),   # only exact names are stripped
])
def test_normalize_url(url, expected):
    assert normalize_url(url) == expected


def test_profile_strip_params_are_added():
    strip = stripped_params(["Ref", "track"])
    assert normalize_url("http://example.cn/?ref=1&track=2&id=3", strip) == "http://example.cn/?id=3"
    assert normalize_url("http://example.cn/?ref=1&id=3") == "http://example.cn/?id=3&ref=1"


@pytest.mark.parametrize("a, b, same", [
    ("http://x.cn/cal/2026/11", "http://x.cn/cal/1999/2", True),
    ("http://x.cn/cal?month=2026-11", "http://x.cn/cal?month=2031-04", True),
    ("http://x.cn/list?page=2&sort=a", "http://x.cn/list?sort=b&page=9", True),
    ("http://x.cn/list?page=2", "http://x.cn/list?page=2&sort=a", False),   # another key set
    ("http://x.cn/news/1.html", "http://x.cn/about/1.html", False),
    ("http://x.cn/a", "http://y.cn/a", False),
])
def test_url_pattern(a, b, same):
    assert (url_pattern(a) == url_pattern(b)) is same


def test_pattern_cap_admits_exactly_cap_then_counts():
    cap = PatternCap(3)
    admitted = [cap.admit(f"http://x.cn/cal?month=2026-{m:02d}") for m in range(1, 8)]
    assert admitted == [True, True, True, False, False, False, False]
    assert cap.truncated == {"x.cn/cal?month": 4}
    assert cap.examples["x.cn/cal?month"] == "http://x.cn/cal?month=2026-04"
    assert cap.admit("http://x.cn/other")   # other patterns are unaffected


def test_sitemap_lines_of_robots_txt():
    from crawler.spiders.bootstrap import sitemap_lines

    robots = (b"User-agent: *\nDisallow: /admin/\nSitemap: https://x.cn/a.xml\nsitemap:/b.xml\n"
              b"  SITEMAP:  https://x.cn/a.xml\nSitemap: ftp://x.cn/c.xml\n# Sitemap: https://x.cn/no.xml\n")
    assert sitemap_lines(robots, "https://x.cn/robots.txt") == ["https://x.cn/a.xml", "https://x.cn/b.xml"]
