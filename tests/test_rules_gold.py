"""The gold set: precision and recall of the phrase engine on labelled company-site copy.

A sentence counts as flagged when it has a finding at warning or error (as the judged
held-out set counts it). Fails below recall 0.95 or above a false-positive rate of 0.05.
"""
from collections import Counter
from pathlib import Path

import pytest

from rules.loader import load_ruleset
from rules.model import PHRASE_CATEGORIES

DATA = Path(__file__).parent / "data"


SETS = {
    "gold": ("gold_flag.tsv", "gold_ok.tsv"),
    # Written by reviewers who had not seen the rules; each file's header gives what it scored while
    # still untouched (sets 1-2: recall 0.93-0.95, FP 0.05-0.10; 3-5: 0.81-0.84, 0.10-0.15; 6-7 after
    # two rounds: 0.93-0.98, 0.055-0.063; 8-9 after three and four: 0.962, 0.045). The families
    # they exposed were then fixed in general.
    **{f"independent_{n}": (f"independent_{n}.tsv",) for n in range(1, 10)},
}


def gold(names=SETS["gold"]):
    rows = []
    for name in names:
        for n, line in enumerate((DATA / name).read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip() or line.startswith("#"):
                continue
            label, category, text = line.split("\t")
            assert label in ("flag", "ok"), f"{name}:{n}: label"
            rows.append((label, category, text, f"{name}:{n}"))
    return rows


ROWS = gold()


def test_gold_set_is_big_and_covers_every_category():
    assert len(ROWS) >= 300
    flag_cats = {c for label, c, _t, _w in ROWS if label == "flag"}
    ok_cats = {c for label, c, _t, _w in ROWS if label == "ok"}
    assert PHRASE_CATEGORIES <= flag_cats
    assert PHRASE_CATEGORIES <= ok_cats  # hard negatives of every family


@pytest.mark.parametrize("set_name", list(SETS))
def test_precision_and_recall(set_name):
    rs = load_ruleset()
    counts = Counter()
    misses, false_alarms = [], []
    rows = ROWS if set_name == "gold" else gold(SETS[set_name])
    for label, category, text, where in rows:
        flagged = any(f.severity.rank >= 2 for f in rs.check(text))
        if label == "flag":
            counts["tp" if flagged else "fn"] += 1
            if not flagged:
                misses.append(f"{where} [{category}] {text}")
        else:
            counts["fp" if flagged else "tn"] += 1
            if flagged:
                false_alarms.append(f"{where} [{category}] {text}")
    recall = counts["tp"] / (counts["tp"] + counts["fn"])
    fp_rate = counts["fp"] / (counts["fp"] + counts["tn"])
    precision = counts["tp"] / max(1, counts["tp"] + counts["fp"])
    print(f"\n{set_name} set: {len(rows)} sentences; precision {precision:.3f} recall {recall:.3f} "
          f"false-positive rate {fp_rate:.3f}")
    print("\n".join(["missed:"] + misses + ["false alarms:"] + false_alarms))
    assert recall >= 0.95, misses
    assert fp_rate <= 0.05, false_alarms
