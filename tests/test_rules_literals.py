"""Which literal a pattern waits for: one every match contains, and the rarest such set."""
import re

from rules.literals import commonness, required_literals


def test_character_classes_and_factored_branches_give_literals():
    # sre parses (拿|得) as the class [拿得] and (翻倍|翻番) as 翻 followed by [倍番].
    assert required_literals("稳(拿|得)\\d+") == {"稳拿", "稳得"}
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
