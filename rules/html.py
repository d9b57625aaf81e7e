"""Visible copy of an HTML page, by location, with positions in the HTML source.

A block's text keeps the source's layout character for character: markup inside a block
(inline tags such as <b>, comments) becomes zero-width spaces, which the normaliser drops, so
"<b>最</b>佳" is still 最佳 and every offset maps straight back to a line and column of the
source. Entities become their character padded with zero-width spaces to the entity's length.
Script, style, template and comment text is not copy; neither are hidden inputs (attributes).
"""
from __future__ import annotations

import bisect
import html as htmllib
import re
from dataclasses import dataclass

from .normalize import BOUNDARY

PAD = "\u200b"
BLOCK_TAGS = frozenset("""address article aside blockquote body br dd details dialog div dl dt fieldset figcaption
figure footer form h1 h2 h3 h4 h5 h6 head header hr html li main nav ol option p pre section summary table
tbody td tfoot th thead title tr ul button select textarea label""".split())
NOT_COPY = frozenset({"script", "style", "template", "noscript", "svg", "math", "iframe", "object"})
VOID = frozenset("area base br col embed hr img input link meta param source track wbr".split())
REGION_RE = re.compile(r"(^|[\s_-])(footer|foot|copyright|header|masthead|topbar)([\s_-]|$)", re.I)
# A tag's attributes are parsed only when they could matter: a region word in them (id/class),
# or a tag whose attribute is copy (meta, img).
_REGION_WORD = re.compile(r"foot|copyright|header|masthead|topbar", re.I)
_ATTR_TAGS = frozenset({"meta", "img"})

# One token of HTML source, in the order the alternatives are tried: comment, declaration or
# processing instruction, end tag, start tag (quoted values may hold ">"), character reference,
# a run of text, or a stray "<" / "&" (text; so is markup left unclosed at the end). Names follow html.parser: a tag name runs to
# whitespace, "/" or ">"; an entity name is letters and digits, its ";" optional.
_TOKEN = re.compile(
    r"(?P<comment><!--.*?-->)"
    r"|(?P<decl><[!?][^>]*>)"
    r"|</(?P<end>[a-zA-Z][^\t\n\r\f />\x00]*)[^>]*>"
    r"|<(?P<start>[a-zA-Z][^\t\n\r\f />\x00]*)(?P<attrs>(?:[^>\"']|\"[^\"]*\"|'[^']*')*)>"
    r"|(?P<ref>&(?:#[xX][0-9a-fA-F]+|#[0-9]+|[a-zA-Z][a-zA-Z0-9]*);?)"
    r"|(?P<text>[^<&]+|[<&])",
    re.S)
_ATTR = re.compile(r"""([^\s/>"'=]+)(?:\s*=\s*('[^']*'|"[^"]*"|[^\s>]*))?""")
# Script and style hold raw text up to their end tag: no markup, no references inside.
_RAW_TEXT = {"script": re.compile(r"</script[\s/>]", re.I), "style": re.compile(r"</style[\s/>]", re.I)}


@dataclass(frozen=True)
class TextBlock:
    """A run of visible text: where on the page, the text, and its start (1-based) in the source."""

    where: str
    text: str
    line: int
    column: int


class _Extractor:
    """Walks the source token by token (one regex), keeping the offset of every token."""

    def __init__(self, source: str):
        self.source = source
        self.at = 0  # offset of the token being handled
        self.tag_src = ""  # source of the start tag being handled
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", source)]
        self.blocks: list[TextBlock] = []
        self.stack: list[tuple[str, str | None]] = []  # (tag, region it opened or None)
        self.regions: list[tuple[int, str]] = []  # (stack index, region) of the region-opening entries
        self.skip = 0  # depth inside NOT_COPY elements
        self.in_title = False
        self.cur: list[str] = []
        self.cur_start: int | None = None
        self.cur_where = "body"
        self.cur_end = 0
        self.pending = False

    # positions ------------------------------------------------------------------------------
    def _here(self) -> int:
        return self.at

    def pos(self, offset: int) -> tuple[int, int]:
        k = bisect.bisect_right(self.line_starts, offset) - 1
        return k + 1, offset - self.line_starts[k] + 1

    # text assembly ----------------------------------------------------------------------------
    def add(self, text: str, offset: int) -> None:
        where = "title" if self.in_title else self.regions[-1][1] if self.regions else "body"
        if self.cur_start is None:
            self.cur_start, self.cur_where, self.cur_end = offset, where, offset
        elif where != self.cur_where:
            self.flush()
            self.cur_start, self.cur_where, self.cur_end = offset, where, offset
        if offset > self.cur_end:  # markup between text runs: keep its newlines, pad the rest
            gap = self.source[self.cur_end:offset]
            if "\n" in gap:
                gap = "\n".join(PAD * len(part) for part in gap.split("\n"))
            else:
                gap = PAD * len(gap)
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
        tag_src = self.tag_src
        m = re.search(r"\b" + re.escape(name) + r"\s*=\s*(['\"]?)", tag_src, re.I)
        at = start + (m.end() if m else 0)
        raw = self.source[at:at + len(tag_src)]
        raw = re.split(r"['\"]" if m and m.group(1) else r"[\s>]", raw, maxsplit=1)[0]
        text = _pad_entities(raw) if htmllib.unescape(raw) == value else value
        line, col = self.pos(at)
        self.blocks.append(TextBlock(where, text, line, col))

    # tokens -----------------------------------------------------------------------------------
    def feed(self, source: str) -> None:
        pos, n = 0, len(source)
        match = _TOKEN.match
        while pos < n:
            m = match(source, pos)
            self.at = pos
            kind = m.lastgroup
            if kind == "text":
                if not self.skip:
                    self.add(m.group(kind), pos)
            elif kind == "ref":
                raw = m.group(kind)
                char = htmllib.unescape(raw if raw.endswith(";") else raw + ";")
                if not raw.endswith(";") and len(char) > 1 and char[0] != "&":
                    # "&copy2026": the reference is "&copy", the digits after it are text.
                    raw = raw[:len(raw) + 2 - len(char)]
                    self._entity(raw, char[0])
                    pos += len(raw)
                    continue
                self._entity(raw, char)
            elif kind == "attrs":
                tag = m.group("start").lower()
                self.tag_src = m.group()
                attrs_src = m.group("attrs")
                self.handle_starttag(tag, _attrs(tag, attrs_src))
                if attrs_src.endswith("/"):
                    self.handle_endtag(tag)
                elif tag in _RAW_TEXT:  # skip the raw text (never copy); its end tag is the next token
                    r = _RAW_TEXT[tag].search(source, m.end())
                    pos = r.start() if r else n
                    continue
            elif kind == "end":
                self.handle_endtag(m.group(kind).lower())
            pos = m.end()

    # parser events --------------------------------------------------------------------------
    def handle_starttag(self, tag, attrs):
        a = dict(attrs) if attrs else {}
        if tag in NOT_COPY:
            self.skip += 1
        if tag in BLOCK_TAGS:
            self.pending = True  # a block-level tag ends a sentence
        if tag == "title":
            self.in_title = True
        if a:
            if tag == "meta" and a.get("name", "").lower() in ("description", "keywords") and a.get("content"):
                self.attr_block("meta", a["content"], "content")
            if tag == "img" and a.get("alt") and not self.skip:
                self.attr_block("alt", a["alt"], "alt")
        if tag not in VOID:
            reg = None
            if tag == "header" or tag == "footer":
                reg = tag
            elif a:
                m = REGION_RE.search(f"{a.get('id', '')} {a.get('class', '')}")
                if m:
                    reg = "header" if m.group(2).lower() in ("header", "masthead", "topbar") else "footer"
            if reg:
                self.regions.append((len(self.stack), reg))
            self.stack.append((tag, reg))

    def handle_endtag(self, tag):
        if tag in NOT_COPY and self.skip:
            self.skip -= 1
        if tag in BLOCK_TAGS:
            self.pending = True
        if tag == "title":
            self.flush()
            self.in_title = False
        stack = self.stack
        if stack and stack[-1][0] == tag:
            i = len(stack) - 1
        else:
            for i in range(len(stack) - 1, -1, -1):
                if stack[i][0] == tag:
                    break
            else:
                return
        del stack[i:]
        regions = self.regions
        while regions and regions[-1][0] >= i:
            regions.pop()

    def _entity(self, src: str, char: str) -> None:
        """A character reference (`src` as written, with or without its ";") and what it stands for."""
        if self.skip:
            return
        off = self._here()
        ch = char if char != (src if src.endswith(";") else src + ";") else src
        text = (" " if ch == "\xa0" else ch[:1]) + PAD * (len(src) - 1)
        self.add(text, off)


def _attrs(tag: str, src: str) -> list[tuple[str, str]]:
    """The attributes of a start tag that the extractor reads (names lower-cased, values unescaped)."""
    if not src or (tag not in _ATTR_TAGS and not _REGION_WORD.search(src)):
        return []
    out = []
    for name, value in _ATTR.findall(src):
        if value[:1] in ("'", '"'):
            value = value[1:-1]
        out.append((name.lower(), htmllib.unescape(value) if "&" in value else value))
    return out


def _pad_entities(raw: str) -> str:
    def repl(m):
        ch = htmllib.unescape(m.group())
        return (ch[:1] if ch != m.group() else m.group()[:1]) + PAD * (len(m.group()) - 1)

    return re.sub(r"&#?\w+;", repl, raw)


_last: tuple[str, list[TextBlock]] | None = None   # the page extracted last: the phrase rules and the
                                                   # page checks read the same page one after the other


def extract_blocks(html: str) -> list[TextBlock]:
    """Visible text blocks of `html` (title, meta, alt, header, footer, body) in source order.

    The one extractor of visible text: the phrase rules and the crawler's page checks all read a page
    through it. The last page's blocks are kept, so a page is parsed once however many read it
    (callers must not change the list)."""
    global _last
    last = _last
    if last is not None and last[0] is html:
        return last[1]
    parser = _Extractor(html)
    parser.feed(html)
    parser.flush()
    _last = (html, parser.blocks)
    return parser.blocks


def asks(text: str) -> bool:
    """A text whose last word is a question (问：能保证通过吗？)."""
    return text.rstrip().endswith(("?", "？"))


_SPACES = re.compile(r"\s+")


def visible_text(html: str) -> str:
    """What a reader sees in the page itself, as one string: the body's blocks (header, footer and body;
    not the title, meta descriptions or alt texts), whitespace squashed."""
    text = " ".join(b.text for b in extract_blocks(html) if b.where not in ("title", "meta", "alt"))
    return _SPACES.sub(" ", text.replace(PAD, "")).strip()
