"""Which literal strings a regular expression needs, so Aho-Corasick can tell when to run it.

A rule pattern such as 年化(收益|回报)\\d+% can only match a text that contains 年化; the matcher puts
such literals into its automaton and runs a pattern only near the places they occur.
"""
from __future__ import annotations

PATTERN_REACH = 48  # chars either side of a trigger literal that its pattern is run on


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


def required_literals(pattern: str) -> set[str] | None:
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
    # Adjacent literal parts multiply out ((史上|全网)最 → 史上最, 全网最): longer literals are
    # rarer in ordinary copy, so the pattern runs on fewer texts. The longest shortest wins, and
    # of equally short sets the smaller: 最(大|高)的?(企业|公司|…) waits for 最大/最高, not 公司.
    best: set[str] | None = None
    cur: set[str] | None = None

    def consider(alt):
        nonlocal best
        if not alt or not all(alt):
            return
        score = (min(map(len, alt)), -len(alt))
        if best is None or score > (min(map(len, best)), -len(best)):
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
