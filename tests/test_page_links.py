"""The spider's link reader finds what Scrapy's LinkExtractor finds, on the pages the audit reads."""
from __future__ import annotations

import pytest
from scrapy.http import HtmlResponse
from scrapy.linkextractors import LinkExtractor

from crawler.spiders.links import page_links

PAGES = [
    '<a href="/a">x</a><a href=" b.html ">y</a><a href="#top">t</a><a href="mailto:x@y.test">m</a>'
    '<a href="javascript:void(0)">j</a><area href="/map" alt="map"><a href="/a">again</a>',
    '<base href="http://cdn.test/dir/"><a href="x/y?b=2&a=1">1</a><a href="x/y?a=1&b=2">2</a><a href="../up">u</a>',
    '<a href="http://[::1">bad host</a><a href="/中文/页面.html?q=搜索">zh</a><a href="HTTP://Other.test/Path">o</a>'
    '<a href="ftp://f.test/x">f</a><a href="tel:123">t</a>',
    '<a href="/p%20q">s</a><a href="/p q">s2</a><a>none</a><a href="">empty</a><a href="\n/nl\t">ws</a>',
    '<div><p><a href="news/1.html#part">deep</a></p><!-- <a href="/commented">c</a> --></div>',
]


@pytest.mark.parametrize("encoding", ["utf-8", "gbk"])
@pytest.mark.parametrize("body", PAGES)
def test_the_same_links_as_scrapys_link_extractor(body, encoding):
    response = HtmlResponse("http://a.test/sub/page.html", encoding=encoding,
                            body=f"<html><head><meta charset='{encoding}'></head><body>{body}</body></html>".encode(encoding))
    expected = [link.url for link in LinkExtractor(deny_extensions=(), unique=True).extract_links(response)]
    assert page_links(response) == expected
    assert expected   # every page has links: the comparison is not between two empty lists


def test_an_xhtml_page_served_as_xml_still_has_its_links():
    response = HtmlResponse("http://a.test/", encoding="utf-8",
                            body=b'<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><body>'
                                 b'<a href="/x">x</a><area href="/y"/></body></html>')
    assert page_links(response) == ["http://a.test/x", "http://a.test/y"]
