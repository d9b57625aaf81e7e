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


RESOURCE_XPATH = ("//img/@src | //script/@src | //link[@rel='stylesheet' or @rel='icon' or "
                  "@rel='shortcut icon']/@href | //source/@src | //video/@src | //audio/@src | //iframe/@src")

RESOURCES = [
    '<link rel="stylesheet" href="/a.css"><link rel="icon" href="/f.ico"><link rel="shortcut icon" href="/s.ico">'
    '<link rel="alternate" href="/feed"><link rel="Stylesheet" href="/case.css"><script src="/x.js"></script>'
    '<script>inline()</script>',
    '<img src="/1.png"><img alt="none"><video src="/v.mp4"><source src="/v.webm"></video><audio src="/a.mp3">'
    '</audio><iframe src="/brochure.pdf"></iframe><img src=" /spaced.png ">',
]


@pytest.mark.parametrize("body", RESOURCES)
def test_resources_are_those_of_the_xpath_union_in_page_order(body):
    from crawler.spiders.links import resource_sources

    response = HtmlResponse("http://a.test/", encoding="utf-8",
                            body=f"<html><head></head><body>{body}</body></html>".encode())
    expected = response.xpath(RESOURCE_XPATH).getall()
    assert resource_sources(response) == expected and expected


@pytest.mark.parametrize("head", ["<title>  关于  我们\\n\\t公司 </title>", "", "<title></title>",
                                  "<title>a<b>b</b></title><title>second</title>"])
def test_the_title_is_xpaths_normalize_space_of_the_first_title(head):
    from crawler.spiders.links import page_title

    response = HtmlResponse("http://a.test/", encoding="utf-8",
                            body=f"<html><head>{head}</head><body><svg><title>图</title></svg></body></html>".encode())
    assert page_title(response) == response.xpath("normalize-space(//title)").get()


def test_the_title_does_not_hold_on_to_the_parsed_page():
    from crawler.spiders.links import page_title

    response = HtmlResponse("http://a.test/", encoding="utf-8", body="<html><head><title>标题</title></head></html>".encode())
    title = page_title(response)
    assert type(title) is str and not hasattr(title, "getparent")
