"""`python -m reports.screenshot report.html out.png [WIDTHxHEIGHT]`: a PNG of a report (for the README)."""
from __future__ import annotations

import sys

from .browser import BrowserError, screenshot

USAGE = "usage: python -m reports.screenshot REPORT.html OUT.png [WIDTHxHEIGHT]"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) not in (2, 3):
        print(USAGE, file=sys.stderr)
        return 2
    width, height = 1280, 2000
    if len(args) == 3:
        try:
            width, height = (int(v) for v in args[2].lower().split("x"))
        except ValueError:
            print(f"{USAGE}\nbad size {args[2]!r}", file=sys.stderr)
            return 2
    try:
        out = screenshot(args[0], args[1], width, height)
    except (BrowserError, OSError) as exc:
        print(f"screenshot failed: {exc}", file=sys.stderr)
        return 3
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
