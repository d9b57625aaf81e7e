"""The spider's internal-link test, answered from its cache as from the URL itself."""
from __future__ import annotations

from types import SimpleNamespace
from urllib.parse import urlsplit

from crawler.spiders.site import SiteSpider

HOSTS = frozenset(["a.test", "b.a.test"])
URLS = ["http://a.test/x", "http://A.TEST:8080/y", "https://a.test", "https://a.tes/x", "https://a.test?x=1",
        "https://a.tes?x=1", "http://a.test#f", "http://user@a.test/p", "http://c.test/", "http://a.test.evil.test/",
        "http://b.a.test/z", "ftp://a.test/x", "mailto:a@a.test", "http://[::1]/", "http://a.test:80",
        "http://a.test:8/", "http://a.test?q=http://c.test/", "http://c.test?q=http://a.test/"]


def _truth(url: str) -> bool:
    return (urlsplit(url).hostname or "").lower() in HOSTS


def test_cached_answers_are_the_urls_own_in_any_order():
    spider = SimpleNamespace(_hosts=HOSTS, _internal={})
    for order in (URLS, URLS[::-1], URLS + URLS):
        spider._internal.clear()
        got = [SiteSpider.is_internal(spider, url) for url in order]
        assert got == [_truth(url) for url in order]
    assert spider._internal   # the cache is used at all
