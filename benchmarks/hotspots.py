"""Summarise a py-spy profile recorded with `--format raw` (collapsed stacks) as two top-N tables.

    py-spy record -f raw -o audit.txt -- python -m crawler audit …
    python -m benchmarks.hotspots audit.txt [--top 25] [--match crawler/,rules/] [--only _run_module_as_main]

"inclusive" is the share of samples with the function anywhere on the stack (where the time goes,
callees included); "self" is the share with it on top (where the CPU actually burns).
"""
from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path


def parse(text: str) -> list[tuple[list[str], int]]:
    """Collapsed stacks (`frame;frame;… count` per line) → [(frames, count)]."""
    stacks = []
    for line_no, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line:
            continue
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            raise ValueError(f"line {line_no}: expected 'frames count', got {line[:80]!r}")
        stacks.append((stack.split(";"), int(count)))
    return stacks


def _short(frame: str) -> str:
    """`parse (scrapy/spiders/crawl.py:123)` → `parse (scrapy/spiders/crawl.py)`: one row per function."""
    name, _, where = frame.partition(" (")
    path = where.rstrip(")").rpartition(":")[0] or where.rstrip(")")
    for marker in ("site-packages/", "lib/python3.11/", "/work/wt/", "/work/main/"):
        if marker in path:
            path = path.split(marker, 1)[1]
    return f"{name} ({path})" if path else name


def summarise(stacks: list[tuple[list[str], int]]) -> tuple[int, Counter, Counter]:
    total = sum(c for _, c in stacks)
    inclusive: Counter = Counter()
    own: Counter = Counter()
    for frames, count in stacks:
        names = [_short(f) for f in frames]
        for name in set(names):
            inclusive[name] += count
        if names:
            own[names[-1]] += count
    return total, inclusive, own


def table(title: str, counts: Counter, total: int, top: int, match: list[str]) -> str:
    rows = [(n, c) for n, c in counts.most_common() if not match or any(m in n for m in match)][:top]
    lines = [f"| {title} | % of samples |", "|---|---:|"]
    lines += [f"| `{n}` | {100 * c / total:.1f} |" for n, c in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.hotspots", description=__doc__.splitlines()[0])
    parser.add_argument("profile", help="py-spy raw (collapsed) output")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--match", default="", help="comma-separated substrings: keep only matching functions")
    parser.add_argument("--only", default="", help="keep only stacks with a frame containing this, e.g. "
                        "_run_module_as_main for the main thread of an --idle profile")
    args = parser.parse_args(argv)
    stacks = parse(Path(args.profile).read_text(encoding="utf-8", errors="replace"))
    if args.only:
        stacks = [(frames, n) for frames, n in stacks if any(args.only in f for f in frames)]
    total, inclusive, own = summarise(stacks)
    match = [m for m in args.match.split(",") if m]
    print(f"{total} samples\n")
    print(table("self (on top of the stack)", own, total, args.top, match) + "\n")
    print(table("inclusive (anywhere on the stack)", inclusive, total, args.top, match))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
