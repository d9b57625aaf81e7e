"""Visible copy of an HTML page, by location, with positions in the HTML source.

A block's text keeps the source's layout character for character: markup inside a block
(inline tags such as <b>, comments) becomes zero-width spaces, which the normaliser drops, so
"<b>最</b>佳" is still 最佳 and every offset maps straight back to a line and column of the
source. Entities become their character padded with zero-width spaces to the entity's length.
Script, style, template and comment text is not copy; neither are hidden inputs (attributes).
"""
from __future__ import annotations

import html as htmllib
import re
from dataclasses import dataclass
from html.parser import HTMLParser

from .normalize import BOUNDARY

PAD = "\u200b"
BLOCK_TAGS = frozenset("""address article aside blockquote body br dd details dialog div dl dt fieldset figcaption
figure footer form h1 h2 h3 h4 h5 h6 head header hr html li main nav ol option p pre section summary table
tbody td tfoot th thead title tr ul button select textarea label""".split())
NOT_COPY = frozenset({"script", "style", "template", "noscript", "svg", "math", "iframe", "object"})
VOID = frozenset("area base br col embed hr img input link meta param source track wbr".split())
REGION_RE = re.compile(r"(^|[\s_-])(footer|foot|copyright|header|masthead|topbar)([\s_-]|$)", re.I)


@dataclass(frozen=True)
class TextBlock:
    """A run of visible text: where on the page, the text, and its start (1-based) in the source."""

    where: str
    text: str
    line: int
    column: int


class _Extractor(HTMLParser):
    def __init__(self, source: str):
        super().__init__(convert_charrefs=False)
        self.source = source
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", source)]
        self.blocks: list[TextBlock] = []
        self.stack: list[tuple[str, str | None]] = []  # (tag, region it opened or None)
        self.skip = 0  # depth inside NOT_COPY elements
        self.in_title = False
        self.cur: list[str] = []
        self.cur_start: int | None = None
        self.cur_where = "body"
        self.cur_end = 0
        self.pending = False

    # positions ------------------------------------------------------------------------------
    def _here(self) -> int:
        line, col = self.getpos()
        return self.line_starts[line - 1] + col

    def pos(self, offset: int) -> tuple[int, int]:
        import bisect

        k = bisect.bisect_right(self.line_starts, offset) - 1
        return k + 1, offset - self.line_starts[k] + 1

    def region(self) -> str:
        if self.in_title:
            return "title"
        for _tag, reg in reversed(self.stack):
            if reg:
                return reg
        return "body"

    # text assembly ----------------------------------------------------------------------------
    def add(self, text: str, offset: int) -> None:
        where = self.region()
        if self.cur_start is not None and where != self.cur_where:
            self.flush()
        if self.cur_start is None:
            self.cur_start, self.cur_where, self.cur_end = offset, where, offset
        if offset > self.cur_end:  # markup between text runs: keep its newlines, pad the rest
            gap = "".join(c if c == "\n" else PAD for c in self.source[self.cur_end:offset])
            if self.pending:  # a block-level tag was in the gap: it ends the sentence
                gap = gap.replace(PAD, BOUNDARY, 1)
            self.cur.append(gap)
        self.pending = False
        self.cur.append(text)
        self.cur_end = offset + len(text)

    def flush(self) -> None:
        if self.cur_start is not None:
            text = "".join(self.cur)
            if text.strip(" \n\t\r" + PAD + BOUNDARY):
                line, col = self.pos(self.cur_start)
                self.blocks.append(TextBlock(self.cur_where, text, line, col))
        self.cur, self.cur_start = [], None

    def attr_block(self, where: str, value: str, name: str) -> None:
        """An attribute value (meta content, img alt) as its own block, located in the tag source."""
        start = self._here()
        tag_src = self.get_starttag_text() or ""
        m = re.search(r"\b" + re.escape(name) + r"\s*=\s*(['\"]?)", tag_src, re.I)
        at = start + (m.end() if m else 0)
        raw = self.source[at:at + len(tag_src)]
        raw = re.split(r"['\"]" if m and m.group(1) else r"[\s>]", raw, maxsplit=1)[0]
        text = _pad_entities(raw) if htmllib.unescape(raw) == value else value
        line, col = self.pos(at)
        self.blocks.append(TextBlock(where, text, line, col))

    # parser events --------------------------------------------------------------------------
    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        if tag in NOT_COPY:
            self.skip += 1
        if tag in BLOCK_TAGS:
            self.boundary()
        if tag == "title":
            self.in_title = True
        if tag == "meta" and a.get("name", "").lower() in ("description", "keywords") and a.get("content"):
            self.attr_block("meta", a["content"], "content")
        if tag == "img" and a.get("alt") and not self.skip:
            self.attr_block("alt", a["alt"], "alt")
        if tag not in VOID:
            reg = None
            if tag in ("header", "footer"):
                reg = tag
            else:
                m = REGION_RE.search(f"{a.get('id', '')} {a.get('class', '')}")
                if m:
                    reg = "header" if m.group(2).lower() in ("header", "masthead", "topbar") else "footer"
            self.stack.append((tag, reg))

    def handle_endtag(self, tag):
        if tag in NOT_COPY and self.skip:
            self.skip -= 1
        if tag in BLOCK_TAGS:
            self.boundary()
        if tag == "title":
            self.flush()
            self.in_title = False
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break

    def boundary(self) -> None:
        """A block-level tag ends a sentence; a new region starts a new block."""
        self.pending = True

    def handle_data(self, data):
        if not self.skip:
            self.add(data, self._here())

    def handle_entityref(self, name):
        self._entity(f"&{name};", htmllib.unescape(f"&{name};"))

    def handle_charref(self, name):
        self._entity(f"&#{name};", htmllib.unescape(f"&#{name};"))

    def _entity(self, raw: str, char: str) -> None:
        if self.skip:
            return
        off = self._here()
        src = self.source[off:off + len(raw)]
        if src != raw:  # entity without the semicolon
            src = raw[:-1]
        ch = char if char != raw else src
        text = (" " if ch == "\xa0" else ch[:1]) + PAD * (len(src) - 1)
        self.add(text, off)


def _pad_entities(raw: str) -> str:
    def repl(m):
        ch = htmllib.unescape(m.group())
        return (ch[:1] if ch != m.group() else m.group()[:1]) + PAD * (len(m.group()) - 1)

    return re.sub(r"&#?\w+;", repl, raw)


def extract_blocks(html: str) -> list[TextBlock]:
    """Visible text blocks of `html` (title, meta, alt, header, footer, body) in source order."""
    parser = _Extractor(html)
    try:
        parser.feed(html)
        parser.close()
    except (AssertionError, ValueError):  # a broken page still yields what was read so far
        pass
    parser.flush()
    return parser.blocks
