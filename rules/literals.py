"""Which literal strings a regular expression needs, so Aho-Corasick can tell when to run it.

A rule pattern such as 年化(收益|回报)\\d+% can only match a text that contains 年化; the matcher puts
such literals into its automaton and runs a pattern only near the places they occur.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Callable

PATTERN_REACH = 48  # chars either side of a trigger literal that its pattern is run on


@lru_cache(maxsize=1)
def _char_rank() -> dict[str, int]:
    """Character → rank by frequency (0 most common), from common_chars.txt; {} if it is missing."""
    try:
        lines = (Path(__file__).parent / "common_chars.txt").read_text(encoding="utf-8").splitlines()
    except OSError:
        return {}
    chars = "".join(line for line in lines if not line.startswith("#"))
    return {c: i for i, c in enumerate(dict.fromkeys(chars))}


def char_commonness(literal: str) -> float:
    """Estimated share of text positions where `literal` occurs, from its characters' ranks."""
    rank = _char_rank()
    p = 1.0
    for c in literal:
        r = 40 if c.isascii() and c.isdigit() else 200 if c.isascii() else rank.get(c, 3000)
        p /= (r + 10)
    return p


@lru_cache(maxsize=1)
def _word_shares() -> dict[str, float]:
    """Common word → its share of jieba's dictionary counts, from common_words.txt; {} if missing."""
    try:
        lines = (Path(__file__).parent / "common_words.txt").read_text(encoding="utf-8").splitlines()
    except OSError:
        return {}
    rows = [line.split(" ") for line in lines if line and not line.startswith("#")]
    total = next((int(f) for w, f in rows if w == "total"), 0)
    return {w: int(f) / total for w, f in rows if w != "total"} if total else {}


def commonness(literal: str) -> float:
    """Estimated share of text positions where `literal` occurs: a common word's own count, else
    the product of its characters' (Zipf-like) frequencies."""
    return max(_word_shares().get(literal, 0.0), char_commonness(literal))


def _commonness(literals: set[str]) -> float:
    return sum(map(commonness, literals))


def merge_spans(spans):
    """Merge overlapping [a, b) spans given in ascending order of a."""
    cur = None
    for a, b in spans:
        if cur and a <= cur[1]:
            cur = (cur[0], max(cur[1], b))
        else:
            if cur:
                yield cur
            cur = (a, b)
    if cur:
        yield cur


def required_literals(pattern: str, commonness: Callable[[set[str]], float] = _commonness) -> set[str] | None:
    """Literal strings one of which every match of `pattern` contains, or None.

    Lets the Aho-Corasick pass tell which regular expressions can match a text at all, so most
    texts run none of them: 年化(收益|回报)… waits for 年化, \\d+天(见效|治愈) for 见效 or 治愈.
    """
    try:  # the stdlib's own regex parser
        from re import _parser as sre_parse
        from re._constants import BRANCH, IN, LITERAL, SUBPATTERN
    except ImportError:  # Python 3.10
        import sre_parse
        from sre_constants import BRANCH, IN, LITERAL, SUBPATTERN

    def alternatives(items) -> set[str] | None:
        if all(op is LITERAL for op, _av in items) and items:
            return {"".join(chr(av) for _op, av in items)}
        if len(items) == 1 and items[0][0] is IN and all(op is LITERAL for op, _av in items[0][1]):
            return {chr(av) for _op, av in items[0][1]}  # (拿|得|赚) is parsed as the class [拿得赚]
        if len(items) == 1 and items[0][0] is SUBPATTERN:
            return alternatives(list(items[0][1][3]))
        if len(items) > 1:  # a sequence: 翻(倍|番) is parsed as 翻 then [倍番]
            out = {""}
            for item in items:
                alt = alternatives([item])
                if alt is None or len(out) * len(alt) > 400:
                    return None
                out = {a + b for a in out for b in alt}
            return out
        if len(items) == 1 and items[0][0] is BRANCH:
            out: set[str] = set()
            for branch in items[0][1][1]:
                alt = alternatives(list(branch))
                if alt is None:
                    return None
                out |= alt
            return out
        return None

    try:
        parsed = list(sre_parse.parse(pattern))
    except Exception:
        return None
    # Adjacent literal parts multiply out ((史上|全网)最 → 史上最, 全网最), and the set that is
    # rarest in ordinary copy wins (`commonness`: by default from character frequencies), so the
    # pattern runs on few texts:
    # 最(大|高)的?(企业|公司|…) waits for 最大/最高, not 公司.
    best: set[str] | None = None
    cur: set[str] | None = None

    def consider(alt):
        nonlocal best
        if not alt or not all(alt):
            return
        if best is None or commonness(alt) < commonness(best):
            best = alt

    for op, av in parsed + [(None, None)]:
        alt = alternatives([(op, av)]) if op in (LITERAL, SUBPATTERN, BRANCH, IN) else None
        if alt is None:
            consider(cur)
            cur = None
            continue
        cur = alt if cur is None else {a + b for a in cur for b in alt}
        if len(cur) > 400:  # too many combinations: keep what we had
            consider(alt)
            cur = None
    return best
