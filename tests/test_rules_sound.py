"""Banned words written by sound (rules/sound.py): pinyin or letters, digits, sound-alike characters."""
import pytest

from rules.lexicon import lexicon
from rules.loader import load_ruleset
from rules.sound import SoundMatcher


@pytest.fixture(scope="module")
def rs():
    return load_ruleset()


@pytest.fixture(scope="module")
def sm():
    return SoundMatcher(lexicon("sound_terms").words)


def _all_bounds(text):
    return set(range(len(text) + 1))


@pytest.mark.parametrize("written, meant", [
    ("本店商品zui好", "本店商品最好"), ("销量第yi", "销量第一"), ("考试bao过", "考试包过"), ("全国唯1指定", "全国唯一指定"),
    ("guo家级品质", "国家级品质"), ("最hao", "最好"), ("醉好的选择", "最好的选择"),
    ("泰国k光佛牌", "泰国开光佛牌"), ("全网z低价", "全网最低价"),   # a lone consonant for its character's initial
])
def test_rewrites_words_written_by_sound(sm, written, meant):
    assert sm.rewrite(written, _all_bounds).text == meant


@pytest.mark.parametrize("text", ["第10名", "zuihao", "iphone手机壳", "最好的", "2023年第10期",
                                  "X光检查", "Q弹瘦脸霜", "B超检查", "K线图", "维生素C片"])
def test_leaves_plain_text_alone(sm, text):
    assert sm.rewrite(text, _all_bounds) is None


def test_a_sound_alike_must_sit_on_the_lines_own_token_boundaries(sm):
    # 喝醉好难受 is 喝醉 / 好 / 难受: 醉好 crosses a word, it is no respelled 最好.
    assert sm.rewrite("喝醉好难受", lambda t: {0, 2, 3, 5}) is None
    assert sm.rewrite("醉好的选择", lambda t: {0, 2, 3, 5}).text == "最好的选择"


@pytest.mark.parametrize("text, rule, shown", [
    ("本店商品zui好，欢迎选购", "AD113", "zui好"), ("考试bao过，不过退费", "ED101", "bao过"),
    ("全国唯1指定品牌", "AD105", "全国唯1"), ("醉好的选择就是我们", "AD113", "醉好"),
])
def test_findings_name_the_rule_and_show_the_words_as_written(rs, text, rule, shown):
    found = [(f.rule, f.match) for f in rs.check(text) if f.severity.rank >= 2]
    assert (rule, shown) in found


@pytest.mark.parametrize("text", ["第1章 总则", "喝醉好难受", "2023年第1季度", "5G网络覆盖", "荣获第1名"])
def test_ordinary_text_with_digits_and_letters_is_not_flagged(rs, text):
    assert [f for f in rs.check(text) if f.severity.rank >= 2] == []


def test_the_sound_table_pickles_with_the_rule_set(sm):
    import pickle

    again = pickle.loads(pickle.dumps(sm))
    assert again.rewrite("销量第yi", _all_bounds).text == "销量第一"


# -- words of the rules' own lexicons and terms, part written in pinyin (zhi疗, 转yun) ------------------

@pytest.fixture(scope="module")
def spelled():
    return SoundMatcher(lexicon("sound_terms").words, ("治疗", "转运", "专用", "美白", "淡斑", "消除"))


@pytest.mark.parametrize("written, meant", [
    ("对关节痛有zhi疗作用", "对关节痛有治疗作用"), ("转yun红绳", "转运红绳"), ("部队专yong款", "部队专用款"),
    ("美bai淡ban霜", "美白淡斑霜"), ("xiao除双下巴", "消除双下巴"),
])
def test_a_lexicon_word_part_written_in_pinyin_is_read_as_the_word(spelled, written, meant):
    assert spelled.spelled_near(written)
    assert spelled.rewrite(written, _all_bounds).text == meant


def test_a_spelled_word_needs_one_character_as_written(spelled):
    assert spelled.rewrite("zhiliao方案", _all_bounds) is None
    assert spelled.rewrite("治liao", _all_bounds).text == "治疗"


@pytest.mark.parametrize("text", ["iphone手机壳", "app下载", "mini版本", "转账", "x光检查"])
def test_english_and_plain_words_stay_as_written(spelled, text):
    out = spelled.rewrite(text, _all_bounds)
    assert out is None or out.text == text


def test_no_sound_alike_character_stands_for_a_spelled_word(spelled):
    # 砖运 is a sound-alike of 转运: only the watched `sound_terms` are judged by sound-alike characters.
    assert spelled.rewrite("砖运红绳", _all_bounds) is None
    assert not spelled.spelled_near("砖运红绳")


@pytest.mark.parametrize("text, rule, shown", [
    ("远红外床垫，对风湿关节痛有zhi疗作用", "MD101", "对风湿关节痛有zhi疗作用"),
    ("部队专yong款羽绒睡袋", "AU101", "部队专yong"),
])
def test_the_rule_set_watches_every_lexicon_word_in_pinyin(rs, text, rule, shown):
    found = [(f.rule, f.match) for f in rs.check(text) if f.severity.rank >= 2]
    assert (rule, shown) in found
    plain = text.replace("zhi", "").replace("yong", "")
    assert [f for f in rs.check(plain) if f.rule == rule and f.severity.rank >= 2] == []
