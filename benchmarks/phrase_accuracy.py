"""Phrase accuracy on a labelled set, measured the way the product is used: `siteaudit check --format json`.

    python benchmarks/phrase_accuracy.py tests/data/independent_7.tsv [more.tsv …] [--show]
    python benchmarks/phrase_accuracy.py tests/data/realcopy/dev_1.tsv --root /path/to/other/checkout

A set is UTF-8 lines, `#` lines are comments, in one of two formats:
- 3 columns `label<TAB>family<TAB>sentence` (synthetic sets, the gold set);
- 5 columns `label<TAB>family<TAB>industry<TAB>url<TAB>sentence` (real copy, sentence by sentence
  from real pages, with the page's address).
Labels are `flag` or `ok`. The sentences go into one file, one per line with a blank line between
them, and `siteaudit check` runs once over it. A sentence counts as flagged when a finding at
warning or error is on its line (`info` is "needs a human look", not a flag). Prints recall,
false-positive rate and precision, recall per category, per-industry figures for 5-column sets,
and with `--show` the misses and false positives with the rule that fired.
`--root DIR` scores the engine of another checkout (its own `.venv` when it has one), so the
untouched "before" score of a set can be taken with the engine as it was.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COUNTED = {"warning", "error"}


@dataclass(frozen=True)
class Row:
    label: str
    family: str
    text: str
    industry: str = ""
    url: str = ""


def read_set(path: Path) -> list[Row]:
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        cols = line.split("\t")
        if len(cols) == 3:
            row = Row(cols[0], cols[1], cols[2])
        elif len(cols) == 5:
            row = Row(cols[0], cols[1], cols[4], industry=cols[2], url=cols[3])
        else:
            sys.exit(f"{path}:{n}: expected 3 or 5 tab-separated columns, got {len(cols)}")
        if row.label not in ("flag", "ok"):
            sys.exit(f"{path}:{n}: label must be flag or ok, got {row.label!r}")
        if "\n" in row.text or not row.text.strip():
            sys.exit(f"{path}:{n}: the sentence is empty")
        rows.append(row)
    return rows


def check(sentences: list[str], root: Path = ROOT, pages: list[str] | None = None) -> dict[int, list[dict]]:
    """Findings by sentence index, from one `siteaudit check --format json` run.

    With `pages` (each sentence's page address, 5-column sets) the sentences of one page go into one
    file, in their order, so a page is checked as a whole; otherwise each sentence is a file of its own
    (a synthetic set's lines are independent copy, not one page)."""
    python = root / ".venv" / "bin" / "python"
    exe = str(python) if root != ROOT and python.exists() else sys.executable
    groups: dict[str, list[int]] = defaultdict(list)
    for i in range(len(sentences)):
        groups[pages[i] if pages else str(i)].append(i)
    with tempfile.TemporaryDirectory() as tmp:
        files: dict[str, list[int]] = {}
        for n, idx in enumerate(groups.values()):
            path = Path(tmp) / f"page_{n:04d}.txt"
            path.write_text("\n\n".join(sentences[i] for i in idx) + "\n", encoding="utf-8")
            files[str(path)] = idx
        proc = subprocess.run([exe, "-m", "crawler", "check", "--format", "json", "--fail-on", "never",
                               *files], cwd=root, capture_output=True, text=True, timeout=900)
    if proc.returncode != 0:
        sys.exit(f"siteaudit check failed ({proc.returncode}): {proc.stderr[-2000:]}")
    by: dict[int, list[dict]] = defaultdict(list)
    for f in json.loads(proc.stdout)["findings"]:
        line = f.get("line") or 0
        idx = files.get(f.get("url"), [])
        if line % 2 == 1 and (line - 1) // 2 < len(idx):   # sentence k of a file is on line 2k + 1
            by[idx[(line - 1) // 2]].append(f)
    return by


def _ratio(a: int, b: int, empty: float) -> str:
    return f"{a}/{b} = {a / b if b else empty:.3f}"


@dataclass
class Score:
    tp: int
    fp: int
    flags: int
    oks: int

    @property
    def recall(self) -> float:
        return self.tp / self.flags if self.flags else 1.0

    @property
    def fp_rate(self) -> float:
        return self.fp / self.oks if self.oks else 0.0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    def line(self) -> str:
        return (f"recall {_ratio(self.tp, self.flags, 1.0)}   false-positive rate {_ratio(self.fp, self.oks, 0.0)}"
                f"   precision {_ratio(self.tp, self.tp + self.fp, 1.0)}")


def _score(rows: list[Row], flagged: list[bool], idx: list[int]) -> Score:
    flags = [i for i in idx if rows[i].label == "flag"]
    oks = [i for i in idx if rows[i].label == "ok"]
    return Score(sum(flagged[i] for i in flags), sum(flagged[i] for i in oks), len(flags), len(oks))


def score(path: Path, show: bool = False, root: Path = ROOT) -> tuple[float, float]:
    rows = read_set(path)
    by = check([r.text for r in rows], root, [r.url for r in rows] if rows[0].url else None)
    flagged = [any(f["severity"] in COUNTED for f in by[i]) for i in range(len(rows))]
    total = _score(rows, flagged, list(range(len(rows))))
    print(f"{path}: {len(rows)} sentences ({total.flags} flag, {total.oks} ok)")
    print(f"  {total.line()}")
    per: dict[str, list[bool]] = defaultdict(list)
    for i, r in enumerate(rows):
        if r.label == "flag":
            per[r.family].append(flagged[i])
    print("  recall by category: " + ", ".join(f"{c} {sum(v)}/{len(v)}" for c, v in sorted(per.items())))
    industries: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(rows):
        if r.industry:
            industries[r.industry].append(i)
    if industries:
        print("  by industry:")
        for name, idx in sorted(industries.items()):
            s = _score(rows, flagged, idx)
            print(f"    {name:14s} {len(idx):4d}  flag {s.flags:3d}  recall {s.recall:.3f}  "
                  f"precision {s.precision:.3f}  fp {s.fp}/{s.oks}")
    if show:
        for i, r in enumerate(rows):
            if r.label == "flag" and not flagged[i]:
                print(f"  MISS  {r.family:12s} {r.industry:10s} {r.text}")
        for i, r in enumerate(rows):
            if r.label == "ok" and flagged[i]:
                fired = ", ".join(f"{f['rule']} {f['match']!r}" for f in by[i] if f["severity"] in COUNTED)
                print(f"  FP    {r.family:12s} {r.industry:10s} {r.text}  ← {fired}")
    return total.recall, total.fp_rate


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sets", nargs="+", type=Path, metavar="TSV")
    ap.add_argument("--show", action="store_true", help="list the misses and false positives")
    ap.add_argument("--root", type=Path, default=ROOT, help="checkout whose engine is scored (default: this one)")
    args = ap.parse_args(argv)
    for path in args.sets:
        score(path, show=args.show, root=args.root.resolve())
    return 0


if __name__ == "__main__":
    sys.exit(main())
