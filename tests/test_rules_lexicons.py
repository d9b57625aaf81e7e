"""Meta-tests over lexicons and frames kept as data (rules/lexicons/*.txt, rules/frames/*.txt):
every list has examples of both kinds and they behave, every lexicon is used, and rules stay readable."""
import re
from pathlib import Path

import pytest

from rules.errors import RuleError
from rules.lexicon import FRAME_DIR, LEXICON_DIR, read_list
from rules.loader import load_rules, load_ruleset
from rules.normalize import normalize_term

RULES = [r for r in load_rules() if not r.deprecated]
LEXICONS = sorted(LEXICON_DIR.glob("*.txt"))
FRAMES = sorted(FRAME_DIR.glob("*.txt"))
# Patterns as written over 150 characters: a ratchet that only goes down as long alternations
# move into lexicons ({@name}); no new rule may add one.
LONG = 150
ENGINE_LEXICONS = {"sound_terms", "superlative_topics"}  # read by rules/matcher.py, rules/exemptions.py
PAGE_FRAMES = {"warning_article", "advertiser", "spam_calls", "news_report", "discussed",
               "term_list", "byline"}  # read by RuleSet.check (a page, or a line)
LONG_BUDGET = 0
# A negative lookaround with alternatives is an exception list in disguise ((?!史上|全网|…)最); a word
# boundary ((?<![a-z])) is not.
EXCEPTION_LOOKAROUND = re.compile(r"\(\?<?![^)]*\|")
# Older patterns that still hold such a list: a ratchet too; a list moves into a lexicon ((?!{@zui_plain})).
LOOKAROUND_BUDGET = 0


@pytest.fixture(scope="module")
def rs():
    return load_ruleset()


def _flagged_by(rs, text, ids=None):
    # Before overlap resolution, as rule examples are run: a longer hit of another rule may be the
    # one reported, but the list's own rule must see the sentence.
    from rules.normalize import normalize

    hits = rs.matcher.find(rs.matcher.as_meant(normalize(text).text), resolve=ids is None)
    return {h.rule.id for h in hits if h.severity.rank >= 2 and (ids is None or h.rule.id in ids)}


@pytest.mark.parametrize("path", LEXICONS, ids=lambda p: p.stem)
def test_lexicon_is_used_and_its_examples_behave(path, rs):
    lex = read_list(path)
    users = {r.id for r in RULES if lex.name in r.lexicons}
    in_frames = any(f"{{@{lex.name}}}" in p.read_text(encoding="utf-8") for p in FRAMES)
    assert users or in_frames or lex.name in ENGINE_LEXICONS, f"{path.name}: no rule or frame uses @{lex.name}"
    # A page topic (context.page_not) or a spam page's words (context.page_spam) are read over a whole text:
    # their examples go through check().
    on_page = any(set(map(normalize_term, lex.words)) <= set(r.context.page_not) | set(r.context.page_spam)
                  or r.context.page_spam for r in RULES if r.id in users)
    users = users or None  # used by a frame: the whole rule set is judged
    for sample in lex.examples_flag:
        found = _flagged_on_page(rs, sample) & users if on_page else _flagged_by(rs, sample, users)
        assert found, f"{path.name}: {sorted(users)} do not flag {sample!r}"
    for sample in lex.examples_pass:
        found = _flagged_on_page(rs, sample) & users if on_page else _flagged_by(rs, sample, users)
        assert not found, f"{path.name}: {sample!r} must pass"


@pytest.mark.parametrize("path", FRAMES, ids=lambda p: p.stem)
def test_frame_examples_behave(path, rs):
    # A frame's `pass` examples are claims it turns into a mention (a warning, a report, a goal…);
    # its `flag` examples are the same kind of sentence without the frame, still flagged.
    # Page frames (a warning article's verdict) read the whole text: their examples go through check().
    frame = read_list(path)
    flagged = _flagged_on_page if path.stem in PAGE_FRAMES else _flagged_by
    for sample in frame.examples_flag:
        assert flagged(rs, sample), f"{path.name}: {sample!r} must be flagged"
    for sample in frame.examples_pass:
        assert not flagged(rs, sample), f"{path.name}: {sample!r} must pass, got {flagged(rs, sample)}"


def _flagged_on_page(rs, text):
    return {f.rule for f in rs.check(text) if f.severity.rank >= 2}


def test_patterns_stay_readable():
    written = [(r.id, p) for r in RULES for p in (r.written or r.patterns)]
    long = [(rid, len(p)) for rid, p in written if len(p) > LONG]
    print(f"\n{len(written)} patterns; {len(long)} over {LONG} chars; longest {max(len(p) for _, p in written)}")
    assert len(long) <= LONG_BUDGET, long


def _written_regexes(value):
    """Every regular expression a pack writes: patterns, `/…/` exceptions and context words."""
    if isinstance(value, dict):
        for v in value.values():
            yield from _written_regexes(v)
    elif isinstance(value, list):
        for v in value:
            yield from _written_regexes(v)
    elif isinstance(value, str) and len(value) > 2 and value.startswith("/") and value.endswith("/"):
        yield value[1:-1]


def test_exceptions_and_context_words_stay_readable_too():
    # A long exception is as hard to review as a long pattern: its alternatives belong in a lexicon.
    import yaml

    long = []
    for pack in sorted((Path(LEXICON_DIR).parent / "packs").glob("*.yaml")):
        doc = yaml.safe_load(pack.read_text(encoding="utf-8"))
        for rule in doc.get("rules", []):
            for key in ("exceptions", "context"):
                long += [(pack.name, rule["id"], len(p)) for p in _written_regexes(rule.get(key)) if len(p) > LONG]
        long += [(pack.name, "defaults", len(p)) for p in _written_regexes(doc.get("defaults")) if len(p) > LONG]
    assert not long, long


def test_exception_lists_written_as_lookarounds_only_fall():
    written = [(r.id, p) for r in RULES for p in (r.written or r.patterns)]
    lists = [rid for rid, p in written if EXCEPTION_LOOKAROUND.search(p)]
    print(f"\n{len(lists)} patterns hold an exception list as a lookaround: {sorted(set(lists))}")
    assert len(lists) <= LOOKAROUND_BUDGET, lists


def test_patterns_built_from_lexicons_are_short_and_have_no_lookahead_exception_lists():
    for r in RULES:
        for p in r.written:
            if "{@" in p:
                assert len(p) <= LONG and not EXCEPTION_LOOKAROUND.search(p), (r.id, p)


def test_lexicon_reference_is_expanded_and_unknown_one_is_a_clear_error(tmp_path):
    pack = tmp_path / "p.yaml"
    pack.write_text("""family: demo
rules:
  - id: ZZ301
    category: medical
    severity: error
    basis: x
    message: 测试
    message_en: test
    patterns: ['能{@nosuch}']
    examples: {flag: [a], pass: [b]}
""", encoding="utf-8")
    with pytest.raises(RuleError) as exc:
        load_rules(packs=[], extra=[pack])
    assert "unknown lexicon @nosuch" in str(exc.value) and f"{pack}:9: patterns" in str(exc.value)


def test_bad_word_list_names_file_and_line(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("# demo\nflag: 一\npass: 二\n/(unclosed/\n", encoding="utf-8")
    with pytest.raises(RuleError) as exc:
        read_list(bad)
    assert f"{bad}:4" in str(exc.value)
    empty = tmp_path / "empty.txt"
    empty.write_text("词\n", encoding="utf-8")
    with pytest.raises(RuleError, match="flag"):
        read_list(empty)


def test_context_distinct_must_be_a_whole_number(tmp_path):
    pack = tmp_path / "p.yaml"
    pack.write_text("""family: demo
rules:
  - id: ZZ302
    category: prohibited
    severity: error
    basis: x
    message: 测试
    message_en: test
    terms: [甲乙, 丙丁]
    context: {distinct: many}
    examples: {flag: [a], pass: [b]}
""", encoding="utf-8")
    with pytest.raises(RuleError, match="distinct"):
        load_rules(packs=[], extra=[pack])


def test_distinct_counts_different_phrases_of_the_rule(rs):
    # One stock phrase is a word; three of them chained in a title is spam.
    assert not [f for f in rs.check("国产精品茶叶，在线观看制茶过程") if f.rule == "PR105"]
    assert [f for f in rs.check("久久精品国产_亚洲一区二区_在线观看") if f.rule == "PR105"]


def test_ruby_readings_are_dropped_and_findings_show_the_text_as_written(rs):
    found = [f for f in rs.check("實測數(shù)據(jù)顯示，溫度高3-5℃") if f.rule == "CI101"]
    assert found and found[0].match == "實測數(shù)據(jù)顯示"


def test_english_terms_match_whole_words_only(rs):
    assert [f.rule for f in rs.check("Our herbal tea cures insomnia") if f.severity.rank >= 2] == ["EN102"]
    assert not [f for f in rs.check("The secure insomniac app") if f.rule == "EN102"]
