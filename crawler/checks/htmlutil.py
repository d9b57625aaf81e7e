"""One lxml parse per page, shared by the filing checks, plus a text index that maps offsets back to elements.

The filing checks (icp, company, privacy, scope, injected) all look at the same page; parsing it
once and keeping the last parse avoids paying lxml four times per page. The `TextIndex` is the
page's visible text (script, style and comments left out), NFKC-normalised so full-width digits
and colons match plain patterns, with a map from each character offset to the element whose text
it is — so a number found in the text can be traced to its link and its footer.
"""
from __future__ import annotations

import bisect
import re
import threading
import unicodedata
from functools import cached_property
from typing import Iterator

import lxml.html
from lxml import etree

from crawler.page import Page

# Elements whose content is never shown as text.
SKIP_TAGS = frozenset({"script", "style", "noscript", "template", "head", "title", "iframe", "object", "svg"})
# Elements that start a new line: a separator keeps "号" of one block from fusing with the next.
BLOCK_TAGS = frozenset({"p", "div", "br", "li", "ul", "ol", "tr", "td", "th", "table", "section", "footer",
                        "header", "nav", "h1", "h2", "h3", "h4", "h5", "h6", "dd", "dt", "dl", "form",
                        "article", "aside", "main", "center", "address", "blockquote", "hr"})

_FOOTERISH = re.compile(r"foot|bottom|copyright|copy|beian|icp|record", re.I)
_SPACE = re.compile(r"\s+")
_XML_DECL = re.compile(r"^[\s\ufeff]*<\?xml[^>]*\?>")


def nfkc(text: str) -> str:
    """Full-width letters, digits and punctuation folded to ASCII (１２３ → 123, ： → :)."""
    return unicodedata.normalize("NFKC", text)


def squash(text: str) -> str:
    """Whitespace runs collapsed to one space, ends trimmed: how evidence is quoted."""
    return _SPACE.sub(" ", text).strip()


class TextIndex:
    """The visible text of a document with, for each offset, the element the text belongs to."""

    def __init__(self, root: etree._Element):
        parts: list[str] = []
        starts: list[int] = []
        owners: list[etree._Element] = []
        pos = 0

        def add(text: str, owner: etree._Element) -> None:
            nonlocal pos
            text = nfkc(text)
            if not text:
                return
            parts.append(text)
            starts.append(pos)
            owners.append(owner)
            pos += len(text)

        def walk(el: etree._Element) -> None:
            # Recursion is safe: libxml2 caps the tree depth at 256 unless huge_tree is set.
            tag = el.tag if isinstance(el.tag, str) else None
            if tag is not None and tag not in SKIP_TAGS:
                if tag in BLOCK_TAGS:
                    add("\n", el)
                if el.text:
                    add(el.text, el)
                for child in el:
                    walk(child)
                    if child.tail:
                        add(child.tail, el)
                if tag in BLOCK_TAGS:
                    add("\n", el)

        walk(root)
        self.text = "".join(parts)
        self._starts = starts
        self._owners = owners

    def owner_at(self, offset: int) -> etree._Element | None:
        """The element whose own text (or child's tail) holds the character at `offset`."""
        i = bisect.bisect_right(self._starts, offset) - 1
        return self._owners[i] if i >= 0 else None

    def context(self, start: int, end: int, around: int = 40) -> str:
        """The text around [start, end), squashed: the evidence a person reads."""
        return squash(self.text[max(0, start - around):end + around])


class Parsed:
    """A parsed page: the lxml root plus lazily built helpers."""

    def __init__(self, page: Page, root: etree._Element):
        self.page = page
        self.root = root
        self.tree = root.getroottree()

    @cached_property
    def index(self) -> TextIndex:
        return TextIndex(self.root)

    @cached_property
    def title(self) -> str:
        el = self.root.find(".//title")
        return squash(nfkc(el.text_content())) if el is not None else ""

    @cached_property
    def links(self) -> list[etree._Element]:
        return list(self.root.iter("a"))

    def path(self, el: etree._Element) -> str:
        """The element's path, e.g. `html/body/div[3]/a[2]`."""
        return self.tree.getpath(el).lstrip("/")

    def meta(self, name: str) -> str:
        """The content of `<meta name=...>` (case-insensitive), or ''."""
        for el in self.root.iter("meta"):
            if (el.get("name") or "").strip().lower() == name:
                return nfkc(el.get("content") or "")
        return ""

    def scripts(self) -> Iterator[str]:
        """The text of every inline <script>."""
        for el in self.root.iter("script"):
            if el.text:
                yield el.text


def ancestors(el: etree._Element, include_self: bool = True) -> Iterator[etree._Element]:
    node = el if include_self else el.getparent()
    while node is not None:
        yield node
        node = node.getparent()


def link_of(el: etree._Element | None) -> etree._Element | None:
    """The <a> that contains `el` (or is it), if any."""
    if el is None:
        return None
    for node in ancestors(el):
        if node.tag == "a":
            return node
    return None


def is_footerish(el: etree._Element | None) -> bool:
    """True when `el` sits in a <footer> or an element whose id/class says footer, bottom or copyright."""
    if el is None:
        return False
    for node in ancestors(el):
        if node.tag == "footer":
            return True
        marker = (node.get("id") or "") + " " + (node.get("class") or "")
        if marker.strip() and _FOOTERISH.search(marker):
            return True
    return False


def element_text(el: etree._Element) -> str:
    """An element's visible text (no script/style/comments), NFKC-normalised and squashed."""
    return squash(TextIndex(el).text)


_lock = threading.Lock()
_last: tuple[Page, Parsed | None] | None = None


def parse(page: Page) -> Parsed | None:
    """The parse of `page` (cached for the page last asked about); None when it is not usable HTML."""
    global _last
    with _lock:
        last = _last
    if last is not None and last[0] is page:
        return last[1]
    parsed: Parsed | None = None
    if page.text and page.is_html:
        try:
            # lxml refuses a str that still carries `<?xml … encoding=…?>` (old XHTML sites): the text is
            # already decoded, so the declaration is dropped.
            root = lxml.html.document_fromstring(_XML_DECL.sub("", page.text, count=1))
            parsed = Parsed(page, root)
        except (etree.ParserError, ValueError):
            # Empty or undecodable documents: nothing for the filing checks to read.
            parsed = None
    with _lock:
        _last = (page, parsed)
    return parsed
