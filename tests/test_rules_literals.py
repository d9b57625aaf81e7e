"""Which literal a pattern waits for: one every match contains, and the rarest such set."""
import re

from rules.literals import commonness, required_literals


def test_character_classes_and_factored_branches_give_literals():
    # sre parses (拿|得) as the class [拿得] and (翻倍|翻番) as 翻 followed by [倍番].
    # \\d+ begins with one ASCII digit (texts are NFKC-normalised): 稳拿5, not just 稳拿.
    assert required_literals("稳(拿|得)\\d+") == {f"稳{a}{d}" for a in "拿得" for d in "0123456789"}
    assert required_literals("(保证|确保)[\u4e00-\u9fa5]{0,4}(翻倍|翻番|翻一番)") == {"翻倍", "翻番", "翻一番"}


def test_the_rarer_set_wins_over_common_words():
    assert commonness("公司") > commonness("最大") > commonness("骨密度")
    assert required_literals("最(大|高|低)的?(企业|公司|品牌)") == {"最大", "最高", "最低"}
    assert required_literals("(提高|提升|开发)[\u4e00-\u9fa5]{0,3}(智力|视力|骨密度)") == {"智力", "视力", "骨密度"}


def test_every_match_contains_one_of_the_literals():
    cases = {
        "最(大|高|低)的?(企业|公司|品牌)": ["全国最大的企业", "最低品牌"],
        "(同城|上门)[\u4e00-\u9fa5]{0,4}(包夜|全套)": ["同城美女包夜", "上门全套"],
        "年化(收益|回报)\\d+%": ["年化收益12%"],
    }
    for pattern, texts in cases.items():
        lits = required_literals(pattern)
        for text in texts:
            m = re.search(pattern, text)
            assert m, (pattern, text)
            assert any(lit in m.group() for lit in lits), (pattern, text, lits)


def test_literals_inside_nested_groups_and_top_level_alternations():
    # An optional part inside a branch no longer hides the branch's own literals: the rare
    # 回本/收回… wins over the common units 月/天/年/周.
    lits = required_literals("\\d+(个)?(月|天|年|周)(即可)?(回本|(收回|赚回)(全部)?(成本|本金))")
    assert lits == {"回本", "收回", "赚回"}
    # Both branches contain 包夜, the rarer word: waiting for it alone is enough.
    assert required_literals("全套[\u4e00-\u9fa5]{0,2}包夜|包夜[\u4e00-\u9fa5]{0,2}全套") == {"包夜"}
    assert required_literals("(稳赚)+") == {"稳赚"}
    assert required_literals("[\u4e00-\u9fa5]{2,4}") is None


def test_every_bundled_pattern_match_contains_its_literals():
    # The gold set's flagged lines exercise the real patterns: every match found there must
    # contain one of the literals the matcher waits for, or the pattern would silently never run.
    from pathlib import Path

    from rules.loader import load_ruleset
    from rules.normalize import normalize

    rs = load_ruleset()
    lines = [line.split("\t")[2] for line in (Path(__file__).parent / "data" / "gold_flag.tsv")
             .read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")]
    texts = [normalize(line).text for line in lines]
    checked = 0
    for rule in rs.rules:
        for pattern in rule.patterns:
            lits = required_literals(pattern)
            compiled = re.compile(pattern)
            for text in texts:
                for m in compiled.finditer(text):
                    if m.group():
                        checked += 1
                        assert any(lit in m.group() for lit in lits), (rule.id, pattern, m.group(), lits)
    assert checked > 300


def test_windows_around_triggers_find_what_a_whole_text_scan_finds():
    # The matcher runs each pattern only within `pattern_reach` of its trigger literals; on the
    # gold set's lines (with copy around them, so windows really cut the text) that must find
    # the same pattern matches as running every pattern over the whole text.
    from pathlib import Path

    from rules.loader import load_ruleset
    from rules.normalize import normalize

    matcher = load_ruleset().matcher
    data = Path(__file__).parent / "data"
    lines = [line.split("\t")[2] for name in ("gold_flag.tsv", "gold_ok.tsv")
             for line in (data / name).read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")]
    filler = "公司成立于2008年，总部位于杭州，是一家专注于智能门锁研发、生产和销售的企业。"
    compiled = [(i, re.compile(src)) for i, src in matcher._pattern_src]
    compared = 0
    for k in range(0, len(lines), 3):
        text = normalize(filler + "\n".join(lines[k:k + 3]) + filler).text
        whole = {(m.start(), m.end(), i) for i, pattern in compiled for m in pattern.finditer(text) if m.group()}
        windowed = {(s, e, i) for s, e, i, is_term in matcher.candidates(text) if not is_term}
        assert windowed == whole, (text, whole ^ windowed)
        compared += len(whole)
    assert compared > 500


def test_pattern_reach_covers_the_longest_match_and_its_lookahead():
    from rules.literals import PATTERN_REACH, pattern_reach

    assert pattern_reach("代开[\u4e00-\u9fa5]{0,8}发票") == 12 + 2
    assert pattern_reach("最(?!近|新|重要)的") == 2 + 2 + 2      # the lookahead reads up to 2 more chars
    assert pattern_reach("年化(收益|回报)\\d+%") == PATTERN_REACH  # unbounded: the old fixed reach
