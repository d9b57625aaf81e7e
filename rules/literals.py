"""Which literal strings a regular expression needs, so Aho-Corasick can tell when to run it.

A rule pattern such as 年化(收益|回报)\\d+% can only match a text that contains 年化; the matcher puts
such literals into its automaton and runs a pattern only near the places they occur.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Callable

PATTERN_REACH = 64  # chars either side of a trigger literal that its pattern is run on, at most


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
        from re._constants import (BRANCH, CATEGORY, CATEGORY_DIGIT, IN, LITERAL, MAX_REPEAT, MIN_REPEAT, RANGE,
                                   SUBPATTERN)
    except ImportError:  # Python 3.10
        import sre_parse
        from sre_constants import (BRANCH, CATEGORY, CATEGORY_DIGIT, IN, LITERAL, MAX_REPEAT, MIN_REPEAT, RANGE,
                                   SUBPATTERN)

    def chars(members) -> set[str] | None:
        """The characters of a small class such as [\\d一二三] (texts are NFKC-normalised, so \\d
        means the ASCII digits), or None for a large or negated one."""
        out: set[str] = set()
        for o, v in members:
            if o is LITERAL:
                out.add(chr(v))
            elif o is RANGE and v[1] - v[0] < 30:
                out.update(chr(c) for c in range(v[0], v[1] + 1))
            elif o is CATEGORY and v is CATEGORY_DIGIT:
                out.update("0123456789")
            else:
                return None
        return out or None

    def pick(a: set[str] | None, b: set[str] | None) -> set[str] | None:
        """The rarer of two usable sets (every literal non-empty)."""
        if not b or not all(b):
            return a
        return b if a is None or commonness(b) < commonness(a) else a

    def item(op, av) -> tuple[set[str] | None, bool | str]:
        """(literals, exact) of one regex item: True when the item matches exactly one of them,
        "prefix" when every match begins with one, False when every match merely contains one."""
        if op is LITERAL:
            return {chr(av)}, True
        if op is IN:
            members = chars(av)  # (拿|得) is parsed as the class [拿得]
            return members, members is not None
        if op is SUBPATTERN:
            return sequence(list(av[3]))
        if op is BRANCH:
            out: set[str] = set()
            exact = True
            for branch in av[1]:
                lits, ex = sequence(list(branch))
                if not lits:
                    return None, False
                out |= lits
                exact = exact and ex
            return out, exact
        if op in (MAX_REPEAT, MIN_REPEAT) and av[0] >= 1:  # X+ begins with one X
            lits, ex = sequence(list(av[2]))
            return lits, ("prefix" if ex else False)
        return None, False

    def sequence(items) -> tuple[set[str] | None, bool | str]:
        # Adjacent exact parts multiply out ((史上|全网)最 → 史上最, 全网最); where the sequence
        # breaks (an optional part, a class, a repeat), the rarest run found so far is kept.
        best: set[str] | None = None
        cur: set[str] | None = None
        exact = bool(items)
        for op, av in items:
            lits, ex = item(op, av)
            if lits is None:
                best, cur, exact = pick(best, cur), None, False
                continue
            if ex == "prefix":  # the run so far, followed by the start of the repeat
                prefixed = lits if cur is None else {a + b for a in cur for b in lits}
                best, cur, exact = pick(pick(best, cur), prefixed if len(prefixed) <= 400 else lits), None, False
                continue
            if not ex:
                best, cur, exact = pick(pick(best, cur), lits), None, False
                continue
            product = lits if cur is None else {a + b for a in cur for b in lits}
            if len(product) > 400:  # too many combinations: keep what we had
                best, cur, exact = pick(best, cur), lits, False
            else:
                cur = product
        if exact:
            return cur, True
        return pick(best, cur), False

    try:
        parsed = list(sre_parse.parse(pattern))
    except Exception:
        return None
    # The set that is rarest in ordinary copy wins (`commonness`: by default from character
    # frequencies), so the pattern runs on few texts: 最(大|高)的?(企业|公司|…) waits for
    # 最大/最高, not 公司; …(月|天)…(回本|(收回|赚回)(全部)?成本) for 回本/收回/赚回, not 月/天.
    lits, _ = sequence(parsed)
    return lits if lits and all(lits) else None


def pattern_reach(pattern: str) -> int:
    """Chars either side of a trigger literal to run `pattern` on: its longest match plus what
    its lookaheads may read past the match (a window's end hides the text after it), at most
    PATTERN_REACH. Short patterns (代开…发票: 12 chars) then scan a few dozen chars per trigger."""
    try:
        from re import _parser as sre_parse
        from re._constants import ASSERT, ASSERT_NOT, MAXREPEAT
    except ImportError:  # Python 3.10
        import sre_parse
        from sre_constants import ASSERT, ASSERT_NOT, MAXREPEAT

    def lookaround(items) -> int:
        """Upper bound of the chars all lookarounds in `items` can read (MAXREPEAT: unbounded)."""
        total = 0
        for op, av in items:
            if op in (ASSERT, ASSERT_NOT):
                total += av[1].getwidth()[1]
            elif isinstance(av, (tuple, list)):
                for part in av:
                    if isinstance(part, sre_parse.SubPattern):
                        total += lookaround(part)
                    elif isinstance(part, (tuple, list)):
                        total += sum(lookaround(p) for p in part if isinstance(p, sre_parse.SubPattern))
            elif isinstance(av, sre_parse.SubPattern):
                total += lookaround(av)
        return total

    try:
        parsed = sre_parse.parse(pattern)
        width = parsed.getwidth()[1] + lookaround(parsed)
    except Exception:
        return PATTERN_REACH
    return PATTERN_REACH if width >= MAXREPEAT else min(PATTERN_REACH, width + 2)
