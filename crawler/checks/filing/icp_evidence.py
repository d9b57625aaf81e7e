"""What a homepage shows about its filing numbers: where a number sits, its link, images, scripts, CSS.

`HomepageEvidence` wraps one parsed homepage for the rules in `icp.py`: it maps a number found
in the text back to its element, finds the link that goes with it, and tells whether the number
is drawn by a script, shown only as an image or hidden by CSS; `add` makes an `icp` finding that
quotes the footer.
"""
from __future__ import annotations

import re
from urllib.parse import urlsplit

from crawler.checks.base import AuditContext
from crawler.checks.filing.hidden import hidden_elements
from crawler.checks.htmlutil import Parsed, TextIndex, ancestors, element_text, is_footerish, link_of, squash
from crawler.checks.filing.icp_numbers import Number
from crawler.page import Page
from rules.model import Category, Finding, Severity

_DEAD_HREF = re.compile(r"\s*(?:#.*|javascript:.*|)$", re.I | re.S)


def host_of(href: str) -> str:
    """The lower-cased host of a link, or "" when it has none or is malformed."""
    try:
        return (urlsplit(href.strip()).hostname or "").lower()
    except ValueError:
        return ""


class HomepageEvidence:
    """One homepage under check: the parse, the footer evidence, and a finding factory."""

    def __init__(self, page: Page, parsed: Parsed, ctx: AuditContext):
        self.page = page
        self.parsed = parsed
        self.index: TextIndex = parsed.index
        self.ctx = ctx
        self.findings: list[Finding] = []
        self.footer = self._footer_text()
        self._hidden: dict | None = None

    def _footer_text(self) -> str:
        for el in reversed(list(self.parsed.root.iter("footer"))):
            return element_text(el)[-200:]
        text = squash(self.index.text)
        return text[-200:]

    def hidden_by(self, n: Number) -> str | None:
        """The CSS technique that hides the element holding the number, if one does."""
        if self._hidden is None:
            self._hidden = dict(hidden_elements(self.parsed.root, source=self.page.text, external=self.page.stylesheets))
        for node in ancestors(self.owner(n)):
            if node in self._hidden:
                return f"{self._hidden[node]} @ {self.parsed.path(node)}"
        return None

    def in_footer(self, n: Number) -> bool:
        """In a footer-like element, or in the last third of the page's text."""
        return is_footerish(self.owner(n)) or n.start >= len(self.index.text) * 2 // 3

    def footer_first(self, numbers: list[Number]) -> list[Number]:
        """The numbers the footer shows, when it shows any: an agency's homepage may quote its
        clients' numbers in the body, and those are not this site's filing."""
        footer = [n for n in numbers if self.in_footer(n)]
        return footer or numbers

    def context(self, n: Number) -> str:
        return self.index.context(n.start, n.end)

    def add(self, rule: str, severity: Severity, zh: str, en: str, *, basis: str, expected: str | None = None,
            actual: str | None = None, match: str | None = None, context: str | None = None,
            suggestion: str | None = None) -> None:
        self.findings.append(Finding(
            rule=rule, category=Category.ICP.value, severity=severity, url=self.page.url, message=self.ctx.t(zh, en),
            where="footer", match=match, context=context if context is not None else self.footer,
            basis=basis, suggestion=suggestion, expected=expected, actual=actual))

    def owner(self, n: Number):
        return self.index.owner_at(n.start)

    def nearby_links(self, n: Number, hosts: frozenset[str], levels: int = 5):
        """Links to `hosts` near the number: its own link, or one within a few enclosing elements.

        An own link that goes nowhere (`#`, `javascript:`) counts as no link."""
        own = link_of(self.owner(n))
        if own is not None and not _DEAD_HREF.match(own.get("href") or ""):
            return [own]
        el = self.owner(n)
        for i, node in enumerate(ancestors(el)):
            if i > levels or node.tag in ("body", "html"):
                break
            near = [a for a in node.iter("a") if host_of(a.get("href") or "") in hosts]
            if near:
                return near
        return []

    def links_to(self, hosts: frozenset[str]):
        return [a for a in self.parsed.links if host_of(a.get("href") or "") in hosts]

    def image_shows(self, pattern: re.Pattern, hosts: frozenset[str] = frozenset(),
                    unless: re.Pattern | None = None) -> str | None:
        """An <img> that stands for the number: inside a link to `hosts`, or named like it (alt/title/src)."""
        for img in self.parsed.root.iter("img"):
            link = link_of(img)
            if link is not None and host_of(link.get("href") or "") in hosts and not element_text(link):
                return f"<a href=\"{link.get('href')}\"><img src=\"{(img.get('src') or '')[:80]}\"></a> @ {self.parsed.path(img)}"
            if unless and unless.search(" ".join(img.get(a) or "" for a in ("alt", "title", "src"))):
                continue   # the 公安 badge is not the ICP number, and the other way round
            for attr in ("alt", "title", "src"):
                value = img.get(attr) or ""
                if pattern.search(value):
                    return f"<img {attr}=\"{value[:80]}\"> @ {self.parsed.path(img)}"
        return None

    def rendered_by_scripts(self) -> str | None:
        """A page whose HTML has next to no text but loads scripts: its footer is drawn in the browser."""
        sources = [el.get("src") for el in self.parsed.root.iter("script") if el.get("src")]
        if sources and len(squash(self.index.text)) < 40:
            return self.ctx.t(f"页面 HTML 几乎没有文字，内容由 {len(sources)} 个外部脚本生成（{sources[0]} …）",
                              f"the HTML has almost no text; {len(sources)} external scripts draw it ({sources[0]} …)")
        return None

    def script_shows(self, pattern: re.Pattern) -> str | None:
        for code in self.parsed.scripts():
            m = pattern.search(code)
            if m:
                return squash(code[max(0, m.start() - 40):m.end() + 60])
        return None
