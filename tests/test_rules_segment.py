"""The SQLite-backed jieba tokenizer gives exactly jieba's tokens, loading only what it needs."""
import pytest

from rules.loader import load_ruleset
from rules.segment import _quiet_jieba

SENTENCES = [
    "确保本次活动顺利进行", "面包过期请勿食用", "招财猫摆件", "公开运营数据", "治愈系音乐", "最近我们上线了新功能",
    "保收益的理财产品", "稳赚不赔的好项目", "国家级高新技术企业", "第一步：注册账号", "唯一标识码", "最好先咨询客服",
    "本公司拥有国内最完善的售后服务体系", "经高僧开光，佩戴可转运", "学员考试包过，不过全额退款",
    "这是一款划时代的产品，颠覆行业", "南京市长江大桥", "结婚的和尚未结婚的",
]


@pytest.fixture(scope="module")
def full_jieba():
    """jieba as everyone uses it: whole dictionary, rule terms added the same way."""
    rs = load_ruleset()
    tk = _quiet_jieba().Tokenizer()
    tk.initialize()
    for w in rs.matcher.segmenter._words:
        tk.add_word(w)
    return rs, tk


@pytest.mark.parametrize("sentence", SENTENCES)
def test_tokens_equal_full_jieba(full_jieba, sentence):
    rs, tk = full_jieba
    assert rs.matcher.segmenter.tokens(sentence) == list(tk.cut(sentence, HMM=False))


def test_cached_words_give_the_same_tokens(tmp_path, monkeypatch, full_jieba):
    """A fresh cache directory (words computed) and a warm one (words from the cache) agree."""
    import rules.segment as seg

    rs, tk = full_jieba
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    results = []
    for _ in range(2):
        monkeypatch.setattr(seg, "_SHARED", None)
        monkeypatch.setattr(seg, "_ADDED", set())
        s = seg.Segmenter(rs.matcher.segmenter._words)
        results.append([s.tokens(x) for x in SENTENCES])
    assert results[0] == results[1] == [list(tk.cut(x, HMM=False)) for x in SENTENCES]
    assert list(tmp_path.glob("siteaudit/jieba-words-*.pickle"))


def test_a_damaged_cache_falls_back_to_full_jieba(tmp_path, monkeypatch, full_jieba):
    import rules.segment as seg

    rs, tk = full_jieba
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(seg, "_SHARED", None)
    monkeypatch.setattr(seg, "_ADDED", set())
    db = seg._db_path()
    db.parent.mkdir(parents=True)
    db.write_bytes(b"SQLite format 3\x00" + b"\x00" * 200)  # a header and nothing else
    s = seg.Segmenter(rs.matcher.segmenter._words)
    assert s.tokens("确保本次活动顺利进行") == list(tk.cut("确保本次活动顺利进行", HMM=False))
