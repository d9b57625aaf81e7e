"""Which elements CSS hides, and how: the techniques attackers use to hide injected links (暗链).

Reads inline `style` attributes, the `hidden` attribute, and the rules with simple selectors
(`tag`, `#id`, `.class`, `tag.class`, `tag#id`, comma lists; the last compound of a descendant
selector is not trusted and such rules are skipped) of the page's `<style>` blocks and of its
external style sheets on the declared domains (fetched once each by the spider,
crawler/spiders/stylesheets.py, and parsed here by `sheet_rules`).
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Callable, Iterator, Sequence

from lxml import etree

_TOKENS = re.compile(r"\s+(?![^(]*\))")   # split on spaces outside parentheses
_RULE = re.compile(r"([^{}]+)\{([^{}]*)\}")
_COMMENT = re.compile(r"/\*.*?\*/", re.S)
_SIMPLE = re.compile(r"^(?P<tag>[a-z][a-z0-9]*)?(?P<id>#[\w-]+)?(?P<classes>(?:\.[\w-]+)*)$", re.I)
_LENGTH = re.compile(r"^(-?\d+(?:\.\d+)?)(px|pt|em|rem|%|vw|vh)?$")
_NAMED = {"white": "#ffffff", "black": "#000000", "red": "#ff0000", "green": "#008000", "blue": "#0000ff",
          "yellow": "#ffff00", "gray": "#808080", "grey": "#808080", "silver": "#c0c0c0"}
_HEX3 = re.compile(r"#[0-9a-f]{3}")
_HEX6 = re.compile(r"#[0-9a-f]{6}")
_RGB = re.compile(r"rgba?\(\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*(?:,\s*([\d.]+)\s*)?\)")
OFFSCREEN_PX = -100    # an element pushed this far left/up is out of sight
# The properties that can hide an element or set the colours compared: other rules are ignored.
_RELEVANT = frozenset({"display", "visibility", "font-size", "opacity", "position", "left", "top", "margin-left",
                       "margin-top", "text-indent", "overflow", "height", "width", "max-height", "max-width", "color",
                       "background", "background-color"})


@functools.lru_cache(maxsize=4096)
def declarations(style: str) -> dict[str, str]:
    """`a: b; c: d` → {'a': 'b', 'c': 'd'}, lower-cased, `!important` dropped.

    Cached: pages repeat the same inline styles many times. Callers must not modify the result.
    """
    out: dict[str, str] = {}
    for part in style.split(";"):
        name, sep, value = part.partition(":")
        if sep:
            out[name.strip().lower()] = value.replace("!important", "").strip().lower()
    return out


@functools.lru_cache(maxsize=4096)
def colour(value: str) -> str | None:
    """A CSS colour as `#rrggbb`, or None when it is not a plain colour (or is transparent)."""
    value = value.strip().lower()
    if value in _NAMED:
        return _NAMED[value]
    if _HEX3.fullmatch(value):
        return "#" + "".join(c * 2 for c in value[1:])
    if _HEX6.fullmatch(value):
        return value
    m = _RGB.fullmatch(value)
    if m and (m.group(4) is None or float(m.group(4)) > 0):
        return "#" + "".join(f"{min(int(g), 255):02x}" for g in m.groups()[:3])
    return None


def _px(value: str) -> float | None:
    m = _LENGTH.match(value.strip())
    if not m:
        return None
    number, unit = float(m.group(1)), m.group(2) or "px"
    return number * (16 if unit in ("em", "rem") else 1)


def _top_level(css: str) -> str:
    """The CSS without @-rule blocks (`@media`, `@supports`, `@font-face` …): rules inside them apply
    only sometimes (a phone-sized screen), and a responsive footer is not a hidden one."""
    out: list[str] = []
    i, n = 0, len(css)
    while i < n:
        at = css.find("@", i)
        if at < 0:
            out.append(css[i:])
            break
        out.append(css[i:at])
        brace, semi = css.find("{", at), css.find(";", at)
        if brace < 0 or (0 <= semi < brace):   # `@import …;`, `@charset …;`
            i = n if semi < 0 else semi + 1
            continue
        depth, j = 0, brace
        while j < n:
            if css[j] == "{":
                depth += 1
            elif css[j] == "}":
                depth -= 1
                if depth == 0:
                    break
            j += 1
        i = j + 1
    return "".join(out)


# One external style sheet, parsed: its simple rules that can hide something, in source order.
SheetRules = tuple[tuple[str, dict[str, str]], ...]


def sheet_rules(css: str) -> SheetRules:
    """The rules of a style sheet that set a property that can hide an element (selector, declarations)."""
    rules: list[tuple[str, dict[str, str]]] = []
    for m in _RULE.finditer(_top_level(_COMMENT.sub("", css))):
        decls = declarations(m.group(2))
        if not decls.keys() & _RELEVANT:
            continue
        rules.extend((selector.strip(), decls) for selector in m.group(1).split(",") if _SIMPLE.match(selector.strip()))
    return tuple(rules)


@dataclass
class StyleSheet:
    """The simple rules of a page's style sheets (external ones first, then its <style> blocks),
    indexed by id, class and tag."""

    by_id: dict[str, dict[str, str]]
    by_class: dict[str, list[tuple[str | None, set[str], dict[str, str]]]]
    by_tag: dict[str, list[tuple[set[str], dict[str, str]]]]

    @classmethod
    def from_document(cls, root: etree._Element, external: Sequence[SheetRules] = ()) -> "StyleSheet":
        sheet = cls({}, {}, {})
        for rules in external:   # <link rel="stylesheet"> comes before the page's own <style> in the cascade
            for selector, decls in rules:
                sheet._add(selector, decls)
        for el in root.iter("style"):
            if (el.get("media") or "all").strip().lower() not in ("all", "screen", ""):
                continue   # print or size-conditional sheets do not hide anything on a desktop screen
            for selector, decls in sheet_rules(el.text or ""):
                sheet._add(selector, decls)
        return sheet

    def _add(self, selector: str, decls: dict[str, str]) -> None:
        m = _SIMPLE.match(selector)
        if not m or not selector:
            return
        tag = (m.group("tag") or "").lower() or None
        classes = {c for c in m.group("classes").split(".") if c}
        if m.group("id"):
            self.by_id.setdefault(m.group("id")[1:], {}).update(decls)
        elif classes:
            first = sorted(classes)[0]
            self.by_class.setdefault(first, []).append((tag, classes, decls))
        elif tag:
            self.by_tag.setdefault(tag, []).append((set(), decls))

    def style_of(self, el: etree._Element) -> dict[str, str]:
        """The declarations that apply to `el`: matching rules (tag, class, id) then its inline style."""
        out: dict[str, str] = {}
        for _, decls in self.by_tag.get(el.tag, ()):
            out.update(decls)
        classes = set((el.get("class") or "").split())
        for c in classes:
            for tag, need, decls in self.by_class.get(c, ()):
                if (tag is None or tag == el.tag) and need <= classes:
                    out.update(decls)
        el_id = el.get("id")
        if el_id and el_id in self.by_id:
            out.update(self.by_id[el_id])
        if el.get("style"):
            out.update(declarations(el.get("style")))
        return out

    def may_style(self, el: etree._Element) -> bool:
        """Cheap test: could any rule or attribute apply to `el` at all?"""
        if el.get("style") is not None or el.get("hidden") is not None or el.tag in self.by_tag:
            return True
        if el.get("id") in self.by_id:
            return True
        return any(c in self.by_class for c in (el.get("class") or "").split())


def technique(style: dict[str, str], el: etree._Element, background: str) -> str | None:
    """How `style` hides the element, in CSS words, or None when it is visible."""
    if el.get("hidden") is not None:
        return "hidden attribute"
    if style.get("display") == "none":
        return "display:none"
    if style.get("visibility") in ("hidden", "collapse"):
        return "visibility:hidden"
    if "font-size" in style and (_px(style["font-size"]) or 0) < 1 and _px(style["font-size"]) is not None:
        return f"font-size:{style['font-size']}"
    if style.get("opacity", "").strip() in ("0", "0.0", "0%"):
        return "opacity:0"
    if style.get("position") in ("absolute", "fixed", "relative"):
        for side in ("left", "top", "margin-left", "margin-top"):
            px = _px(style.get(side, ""))
            if px is not None and px <= OFFSCREEN_PX:
                return f"off-screen ({side}:{style[side]})"
    indent = _px(style.get("text-indent", ""))
    if indent is not None and indent <= OFFSCREEN_PX:
        return f"off-screen (text-indent:{style['text-indent']})"
    if style.get("overflow") == "hidden":
        for side in ("height", "width", "max-height", "max-width"):
            px = _px(style.get(side, "x"))
            if px is not None and px <= 1:
                return f"{side}:{style[side]} + overflow:hidden"
    if el.tag == "noscript":
        return "noscript"   # shown only where JavaScript is off: to search-engine spiders, not visitors
    if el.tag in ("iframe", "frame"):
        for side in ("height", "width"):
            px = _px(el.get(side) or "x")
            if px is not None and px <= 2:
                return f"<{el.tag} {side}={el.get(side)}>"
    if el.tag == "marquee":
        for side in ("height", "width"):
            px = _px(el.get(side) or "x")
            if px is not None and px <= 2:
                return f"<marquee {side}={el.get(side)}>"
    fg = colour(style.get("color", ""))
    if fg and fg == background:
        return f"same colour as background ({fg})"
    return None


def _own_background(style: dict[str, str], el: etree._Element) -> str | None:
    """The element's own background colour; "image" when a picture or gradient makes it unknowable."""
    for key in ("background-color", "background", "background-image"):
        value = style.get(key, "")
        if "url(" in value or "gradient" in value:
            return "image"
        for token in _TOKENS.split(value):
            c = colour(token)
            if c:
                return c
    bgcolor = el.get("bgcolor")
    return colour(bgcolor) if bgcolor else None


def hidden_elements(root: etree._Element, interesting: Callable[[etree._Element], bool] | None = None,
                    source: str = "", external: Sequence[SheetRules] = ()) -> Iterator[tuple[etree._Element, str]]:
    """The outermost hidden elements of the body, each with the technique that hides it, in document order.

    Only elements that carry a style, a `hidden` or `bgcolor` attribute, or are named by a <style>
    rule are looked at (found by XPath, in C), so a long page costs little; `interesting`, when
    given, narrows them further (e.g. to elements that hold links). `external` are the page's
    external style sheets (`Page.stylesheets`).
    """
    body = root.find("body")
    if body is None:
        return
    sheet = StyleSheet.from_document(root, external)
    candidates: list[etree._Element] = body.xpath(
        ".//*[@style or @hidden or @bgcolor] | .//marquee | .//iframe | .//noscript")
    # Style sheets name many classes a page never uses; `source` (the page HTML) lets those be skipped
    # without an XPath pass each.
    for el_id in sheet.by_id:
        if not source or el_id in source:
            candidates.extend(body.xpath(".//*[@id=$v]", v=el_id))
    for cls in sheet.by_class:
        if not source or cls in source:
            candidates.extend(body.xpath('.//*[contains(concat(" ", normalize-space(@class), " "), $v)]', v=f" {cls} "))
    if sheet.by_tag:
        candidates.extend(body.iter(*sheet.by_tag))
    if interesting is not None:
        candidates = [el for el in candidates if interesting(el)]
    hidden: dict[etree._Element, str] = {}
    backgrounds: dict[etree._Element, str] = {}
    for el in dict.fromkeys(candidates):
        style = sheet.style_of(el)
        # Same-colour hiding is judged on inline colours only: style sheets set backgrounds in ways
        # (descendant selectors, images) this reader does not follow, and a guess would flag menus.
        inline_colour = colour(declarations(el.get("style") or "").get("color", ""))
        how = technique(style if inline_colour else {k: v for k, v in style.items() if k != "color"}, el,
                        _background(el, sheet, backgrounds) if inline_colour else "")
        if how:
            hidden[el] = how
    if not hidden:
        return
    order = {el: i for i, el in enumerate(body.iter())}
    for el in sorted(hidden, key=lambda e: order.get(e, 0)):
        if not any(a in hidden for a in el.iterancestors()):
            yield el, hidden[el]


def _background(el: etree._Element, sheet: StyleSheet, memo: dict[etree._Element, str]) -> str:
    """The background colour behind `el`: its own, or the nearest ancestor's, or white (memoised per page)."""
    chain: list[etree._Element] = []
    node: etree._Element | None = el
    found = "#ffffff"
    while node is not None:
        if node in memo:
            found = memo[node]
            break
        chain.append(node)
        if sheet.may_style(node) or node.get("bgcolor") is not None:
            own = _own_background(sheet.style_of(node), node)
            if own:
                found = own
                break
        node = node.getparent()
    # Every element walked shares the answer, except that the one that had its own colour keeps it.
    for walked in chain:
        memo[walked] = found
    return found
