"""Meta-tests over the bundled packs: every rule has examples of both kinds and they behave."""
import pytest

from rules.loader import load_rules, load_ruleset, pack_paths, read_pack
from rules.model import PHRASE_CATEGORIES

RULES = load_rules()
LANGUAGE_PACKS = {"english"}


@pytest.fixture(scope="module")
def rs():
    return load_ruleset()


def test_one_family_per_file_and_every_phrase_category_covered():
    # …besides language packs (english.yaml: the same law in English), whose rules carry their family's category.
    cats = {}
    for path in pack_paths():
        if path.stem in LANGUAGE_PACKS:
            continue
        for rule in read_pack(path):
            cats.setdefault(rule.category, set()).add(path.stem)
    assert set(cats) == set(PHRASE_CATEGORIES)
    assert all(len(files) == 1 for files in cats.values()), cats


def test_at_least_400_terms_and_patterns():
    total = sum(len(r.terms) + len(r.patterns) for r in RULES if not r.deprecated)
    print(f"\n{total} terms and patterns in {len(RULES)} rules")
    assert total >= 400


def test_ids_are_unique():
    ids = [r.id for r in RULES]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("rule", [r for r in RULES if not r.deprecated], ids=lambda r: r.id)
def test_rule_has_both_kinds_of_examples_and_they_behave(rule, rs):
    assert rule.examples_flag and rule.examples_pass, f"{rule.id} needs flag and pass examples"
    assert rs.run_examples([rule]) == []


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_rule_has_law_and_bilingual_text(rule):
    assert rule.basis and rule.message and rule.message_en and rule.suggestion and rule.suggestion_en
    assert rule.message_en.isascii() or "\"" in rule.message_en


def test_run_examples_reports_a_misbehaving_example(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("""family: demo
rules:
  - id: ZZ201
    category: absolute
    severity: error
    basis: x
    message: 测试
    message_en: test
    terms: [超级棒]
    examples: {flag: [这个很好], pass: [这个超级棒]}
""", encoding="utf-8")
    rs = load_ruleset(packs=[], extra=[bad])
    problems = rs.run_examples()
    assert len(problems) == 2 and all(p.startswith(f"{bad}:3: examples: ZZ201") for p in problems)


def test_every_bundled_pattern_has_trigger_literals():
    # A pattern without a literal for the automaton to wait for runs on every text of every page.
    from rules.literals import required_literals
    loose = [f"{r.id}: {p}" for r in RULES for p in r.patterns if not required_literals(p)]
    assert loose == []
