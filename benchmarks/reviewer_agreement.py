"""How far two reviewers agree on the same real-copy sentences: the ceiling a rule engine is measured against.

    python benchmarks/reviewer_agreement.py tests/data/realcopy/part_g.tsv tests/data/realcopy/reviewer_b_part_g.tsv

Both files are 5-column real-copy sets (label, family, industry, url, sentence); a sentence is matched by its
page address and text. Prints the second reviewer's recall and precision against the first (the same figures
the engine is scored by), the false-positive rate, and Cohen's kappa. If the second reviewer, reading as
carefully, scores below a target against the first, the target asks more of the rules than of a person.
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks.phrase_accuracy import Score, read_set  # noqa: E402  (run as a script)


@dataclass(frozen=True)
class Agreement:
    both: int        # flagged by both
    first: int       # flagged by the first reviewer
    second: int      # flagged by the second
    total: int       # sentences labelled by both

    @property
    def score(self) -> Score:
        """The second reviewer scored against the first, as the engine is scored (recall, precision, FP rate)."""
        return Score(tp=self.both, fp=self.second - self.both, flags=self.first, oks=self.total - self.first)

    @property
    def kappa(self) -> float:
        agree = (self.total - self.first - self.second + 2 * self.both) / self.total
        p1, p2 = self.first / self.total, self.second / self.total
        chance = p1 * p2 + (1 - p1) * (1 - p2)
        return (agree - chance) / (1 - chance) if chance < 1 else 1.0


def agreement(first: Path, second: Path) -> Agreement:
    a = {(r.url, r.text): r.label for r in read_set(first)}
    b = {(r.url, r.text): r.label for r in read_set(second)}
    keys = [k for k in b if k in a]
    if not keys:
        sys.exit(f"{second}: no sentence in common with {first}")
    return Agreement(both=sum(a[k] == "flag" == b[k] for k in keys), first=sum(a[k] == "flag" for k in keys),
                     second=sum(b[k] == "flag" for k in keys), total=len(keys))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("first", type=Path)
    ap.add_argument("second", type=Path)
    args = ap.parse_args(argv)
    g = agreement(args.first, args.second)
    print(f"{g.total} sentences in common; first reviewer flags {g.first}, second {g.second}, both {g.both}")
    print(f"second against first: recall {g.score.recall:.3f}  precision {g.score.precision:.3f}  "
          f"false-positive rate {g.score.fp_rate:.3f}")
    print(f"Cohen's kappa {g.kappa:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
