"""The real-copy dev parts (tests/data/realcopy/dev_*.tsv: sentences of real pages, labelled by reviewers
who never saw the rules) as regression sets, now that each part has been scored untouched. Each file's
header gives its untouched scores; these floors keep what the rounds of work on it reached."""
from pathlib import Path

import pytest

from rules.loader import load_ruleset

DATA = Path(__file__).parent / "data" / "realcopy"
# part: (recall at least, precision at least, false-positive rate at most)
FLOORS = {"dev_1.tsv": (0.88, 0.76, 0.035), "dev_2.tsv": (0.82, 0.62, 0.075)}


def rows(name):
    out = []
    for n, line in enumerate((DATA / name).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        label, family, industry, url, text = line.split("\t")
        assert label in ("flag", "ok") and url.startswith("http"), f"{name}:{n}"
        out.append((label, text))
    return out


@pytest.fixture(scope="module")
def rs():
    return load_ruleset()


@pytest.mark.parametrize("name", sorted(FLOORS))
def test_real_copy_part_keeps_its_scores(name, rs):
    data = rows(name)
    flagged = [any(f.severity.rank >= 2 for f in rs.check(text)) for _, text in data]
    tp = sum(f for (label, _), f in zip(data, flagged) if label == "flag")
    fp = sum(f for (label, _), f in zip(data, flagged) if label == "ok")
    flags = sum(label == "flag" for label, _ in data)
    recall, precision, fp_rate = tp / flags, tp / max(1, tp + fp), fp / (len(data) - flags)
    print(f"\n{name}: recall {recall:.3f} precision {precision:.3f} fp rate {fp_rate:.3f}")
    low_recall, low_precision, high_fp = FLOORS[name]
    assert recall >= low_recall and precision >= low_precision and fp_rate <= high_fp


def test_every_row_keeps_its_page_address():
    for name in FLOORS:
        text = (DATA / name).read_text(encoding="utf-8")
        header = [line for line in text.splitlines() if line.startswith("#")]
        assert any(line.startswith("# Untouched score before round") for line in header), name
        assert all(len(line.split("\t")) == 5 for line in text.splitlines() if line and not line.startswith("#"))
