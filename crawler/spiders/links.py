"""A page's links, read in one pass over the tree Scrapy has already parsed.

Scrapy's `LinkExtractor` also works out, for every link, what the audit never reads: the link's
text (an XPath `string()` per link), a canonical URL to de-duplicate by, and filters that are all
switched off here. On the benchmark's dense site that was 18 % of the crawl process's time. The
audit needs each absolute URL once, in page order, resolved as Scrapy resolves it (the page's
`<base href>`, HTML5 whitespace stripped, percent-encoded in the page's encoding).
"""
from __future__ import annotations

from urllib.parse import urljoin

from scrapy.http import TextResponse
from scrapy.utils.response import get_base_url
from w3lib.html import strip_html5_whitespace
from w3lib.url import safe_url_string

_XHTML = "{http://www.w3.org/1999/xhtml}"
_TAGS = ("a", "area", f"{_XHTML}a", f"{_XHTML}area")   # LinkExtractor's tags, in an XHTML page too
_SCHEMES = ("http://", "https://", "file://", "ftp://")   # the URLs LinkExtractor keeps
# What a page loads: the element and the attribute that names it.
_SOURCED = ("img", "script", "source", "video", "audio", "iframe")
_LINKED_RELS = frozenset({"stylesheet", "icon", "shortcut icon"})


def page_links(response: TextResponse) -> list[str]:
    """The absolute URL of every <a href> and <area href> of the page, each once, in page order."""
    base = get_base_url(response)
    encoding = response.encoding
    urls: list[str] = []
    seen: set[str] = set()
    for element in response.selector.root.iter(*_TAGS):
        href = element.get("href")
        if href is None:
            continue
        try:
            url = safe_url_string(urljoin(base, strip_html5_whitespace(href)), encoding=encoding)
        except ValueError:   # a bogus link (an invalid IPv6 host, say) is skipped, as Scrapy skips it
            continue
        if url not in seen and url.startswith(_SCHEMES):
            seen.add(url)
            urls.append(url)
    return urls


def resource_sources(response: TextResponse) -> list[str]:
    """The `src` of every image, script, media source and frame, and the `href` of every style sheet
    and icon <link>, as written, in page order: one walk of the tree (an XPath union of the seven
    walks them one by one)."""
    out: list[str] = []
    for element in response.selector.root.iter(*_SOURCED, "link"):
        if element.tag == "link":
            value = element.get("href") if element.get("rel") in _LINKED_RELS else None
        else:
            value = element.get("src")
        if value is not None:
            out.append(value)
    return out


def page_title(response: TextResponse) -> str:
    """The first <title>'s text, spaces squeezed (XPath `normalize-space(//title)`, without
    evaluating `//title` over the whole page)."""
    title = response.selector.root.find(".//title")
    # str(): lxml's "smart" string result would keep the whole parsed page alive with the title.
    return str(title.xpath("normalize-space(.)")) if title is not None else ""
