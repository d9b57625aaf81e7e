"""The downloader middlewares on plain Scrapy objects (no reactor, no network)."""
from __future__ import annotations

import pytest
from scrapy import Spider
from scrapy.http import HtmlResponse, Request, Response
from scrapy.utils.test import get_crawler

from crawler.middlewares.encoding import ENCODING_META, EncodingMiddleware
from crawler.middlewares.redirect import LoopAwareRedirectMiddleware
from crawler.profile import basic_auth
from rules.errors import ConfigError


def test_encoding_middleware_redecodes_by_the_bytes():
    body = "<html><body><p>本产品效果最佳，欢迎选购。</p></body></html>".encode("gbk")
    request = Request("http://x.cn/")
    response = HtmlResponse("http://x.cn/", body=body, headers={"Content-Type": "text/html; charset=utf-8"},
                            request=request)
    assert "最佳" not in response.text   # what Scrapy alone would hand on
    fixed = EncodingMiddleware().process_response(request, response)
    assert "最佳" in fixed.text and fixed.encoding == "gb18030"
    detected = request.meta[ENCODING_META]
    assert (detected.declared, detected.mismatch) == ("utf-8", True)


def test_encoding_middleware_leaves_other_responses_alone():
    request = Request("http://x.cn/a.png")
    response = Response("http://x.cn/a.png", body=b"\x89PNG", request=request)
    assert EncodingMiddleware().process_response(request, response) is response
    assert ENCODING_META not in request.meta


@pytest.fixture
def redirects():
    return LoopAwareRedirectMiddleware.from_crawler(get_crawler(Spider, {"REDIRECT_MAX_TIMES": 3}))


def _redirect(url: str, to: str, request: Request) -> Response:
    return Response(url, status=302, headers={"Location": to}, request=request)


def test_a_loop_reaches_the_spider_as_a_response(redirects):
    first = Request("http://x.cn/a")
    second = redirects.process_response(first, _redirect("http://x.cn/a", "/b", first))
    assert isinstance(second, Request) and second.url == "http://x.cn/b"
    result = redirects.process_response(second, _redirect("http://x.cn/b", "/a", second))
    assert isinstance(result, Response) and result.status == 302
    assert second.meta["redirect_loop"] == ["http://x.cn/a", "http://x.cn/b", "http://x.cn/a"]


def test_too_many_redirects_reach_the_spider(redirects):
    request = Request("http://x.cn/0")
    for i in range(1, 10):
        result = redirects.process_response(request, _redirect(request.url, f"/{i}", request))
        if isinstance(result, Response):
            break
        request = result
    assert request.meta.get("redirect_overflow") and len(request.meta["redirect_loop"]) == 4


def test_long_chains_bypass_the_dupe_filter(redirects):
    request = Request("http://x.cn/1")
    hops = []
    for i in (2, 3):
        request = redirects.process_response(request, _redirect(request.url, f"/{i}", request))
        hops.append(request.dont_filter)
    assert hops == [False, True]   # from the second hop on, the chain must reach the spider


def test_basic_auth_reads_the_password_from_the_environment(monkeypatch):
    monkeypatch.setenv("SITE_PW", "s3cret")
    assert basic_auth("audit", "SITE_PW") == "Basic YXVkaXQ6czNjcmV0"
    monkeypatch.delenv("SITE_PW")
    with pytest.raises(ConfigError, match="crawl.auth.password_env.*SITE_PW"):
        basic_auth("audit", "SITE_PW", "site.yaml")
    with pytest.raises(ConfigError, match="password_env"):
        basic_auth("audit", "")


def test_cookie_domains_are_judged_without_downloading_the_suffix_list(monkeypatch):
    import socket

    from scrapy.downloadermiddlewares import cookies

    from crawler.settings import use_bundled_public_suffix_list

    lookups: list[str] = []

    def refuse(host, *args, **kwargs):
        lookups.append(host)
        raise socket.gaierror("no network in tests")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    use_bundled_public_suffix_list()
    assert cookies._is_public_domain("com.cn")
    assert cookies._is_public_domain("github.io")  # a private-section suffix: one site cannot set cookies for all
    assert not cookies._is_public_domain("example.com.cn")
    assert lookups == []
