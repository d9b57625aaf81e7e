"""Phrase accuracy on a labelled set, measured the way the product is used: `siteaudit check --format json`.

    python benchmarks/phrase_accuracy.py tests/data/independent_7.tsv [more.tsv …] [--show]

A set is UTF-8 lines `label<TAB>family<TAB>sentence` (label `flag` or `ok`; `#` lines are comments).
The sentences go into one file, one per line with a blank line between them, and `siteaudit check`
runs once over it. A sentence counts as flagged when a finding at warning or error is on its line
(`info` is "needs a human look", not a flag). Prints recall, false-positive rate and precision,
recall per category, and with `--show` the misses and false positives with the rule that fired.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COUNTED = {"warning", "error"}


def read_set(path: Path) -> list[tuple[str, str, str]]:
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        label, family, text = line.split("\t")
        if label not in ("flag", "ok"):
            sys.exit(f"{path}:{n}: label must be flag or ok, got {label!r}")
        rows.append((label, family, text))
    return rows


def check(sentences: list[str]) -> dict[int, list[dict]]:
    """Findings by sentence index, from one `siteaudit check --format json` run."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "sentences.txt"
        path.write_text("\n\n".join(sentences) + "\n", encoding="utf-8")
        proc = subprocess.run([sys.executable, "-m", "crawler", "check", "--format", "json", "--fail-on", "never",
                               str(path)], cwd=ROOT, capture_output=True, text=True, timeout=900)
    if proc.returncode != 0:
        sys.exit(f"siteaudit check failed ({proc.returncode}): {proc.stderr[-2000:]}")
    by: dict[int, list[dict]] = defaultdict(list)
    for f in json.loads(proc.stdout)["findings"]:
        line = f.get("line") or 0
        if line % 2 == 1:                      # sentence k is on line 2k + 1
            by[(line - 1) // 2].append(f)
    return by


def score(path: Path, show: bool = False) -> tuple[float, float]:
    rows = read_set(path)
    by = check([text for _, _, text in rows])
    flagged = [any(f["severity"] in COUNTED for f in by[i]) for i in range(len(rows))]
    flags = [i for i, r in enumerate(rows) if r[0] == "flag"]
    oks = [i for i, r in enumerate(rows) if r[0] == "ok"]
    tp = sum(flagged[i] for i in flags)
    fp = sum(flagged[i] for i in oks)
    recall = tp / len(flags) if flags else 1.0
    fp_rate = fp / len(oks) if oks else 0.0
    print(f"{path}: {len(rows)} sentences ({len(flags)} flag, {len(oks)} ok)")
    print(f"  recall {tp}/{len(flags)} = {recall:.3f}   false-positive rate {fp}/{len(oks)} = {fp_rate:.3f}"
          f"   precision {tp}/{tp + fp} = {tp / (tp + fp) if tp + fp else 1:.3f}")
    per: dict[str, list[bool]] = defaultdict(list)
    for i in flags:
        per[rows[i][1]].append(flagged[i])
    print("  recall by category: " + ", ".join(f"{c} {sum(v)}/{len(v)}" for c, v in sorted(per.items())))
    if show:
        for i in flags:
            if not flagged[i]:
                print(f"  MISS  {rows[i][1]:12s} {rows[i][2]}")
        for i in oks:
            if flagged[i]:
                fired = ", ".join(f"{f['rule']} {f['match']!r}" for f in by[i] if f["severity"] in COUNTED)
                print(f"  FP    {rows[i][1]:12s} {rows[i][2]}  ← {fired}")
    return recall, fp_rate


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sets", nargs="+", type=Path, metavar="TSV")
    ap.add_argument("--show", action="store_true", help="list the misses and false positives")
    args = ap.parse_args(argv)
    for path in args.sets:
        score(path, show=args.show)
    return 0


if __name__ == "__main__":
    sys.exit(main())
