"""The matcher: traps pass, evasions flag, context and the regulator's exceptions, positions."""
import pytest

from rules.loader import load_ruleset


@pytest.fixture(scope="module")
def rs():
    return load_ruleset()


def flagged(rs, text):
    return [(f.rule, f.match) for f in rs.check(text) if f.severity.rank >= 2]


@pytest.mark.parametrize("text", [
    "最近我们上线了新功能", "最新版本已发布", "最后一步是提交", "最初只有三个人", "最终解释权归本公司所有",
    "您最好先咨询客服", "最大的问题是预算", "第一步：注册", "第一次合作", "第一，我们重视质量",
    "唯一性约束", "每条记录有唯一标识", "返回首页", "顶级域名注册", "治愈系音乐", "防病毒软件",
    "确保本次活动顺利", "面包过期请勿食用", "招财猫摆件", "公开运营数据", "不保本，投资需谨慎",
    "本品不能替代药物", "致力于成为行业领先企业", "致以最诚挚的感谢", "口感最佳", "最佳赏味期三天",
    "国家级高新技术企业", "严禁赌博", "举报色情信息",
])
def test_traps_pass(rs, text):
    assert flagged(rs, text) == []


@pytest.mark.parametrize("text, match", [
    ("效果最 佳", "最 佳"),
    ("效果最-佳", "最-佳"),
    ("效果最\u200b佳", "最佳"),  # zero-width characters are invisible: the match shows without them
    ("行业ＮＯ．１", "ＮＯ．１"),
    ("业界TOP 1", "TOP 1"),
    ("最佳產品", "最佳"),
    ("穩賺不賠", "穩賺不賠"),
    ("保 本 保 息", "保 本 保 息"),
    ("博-彩-网站", "博-彩-网站"),
])
def test_evasions_flag_with_the_original_text(rs, text, match):
    assert match in [m for _r, m in flagged(rs, text)]


def test_jieba_confirms_on_token_boundaries(rs):
    # 保收益 is one token once rule terms are in the dictionary; 确保本次 never yields 保本.
    assert flagged(rs, "保收益的理财产品") == [("FI101", "保收益")]
    assert flagged(rs, "为确保本次会议顺利召开") == []


def test_goal_statement_is_reported_at_info_with_the_reason(rs):
    (f,) = rs.check("我们致力于成为行业领先的服务商")
    assert f.severity.value == "info" and "目标" in f.message


def test_self_comparison_is_info(rs):
    found = rs.check("新款比上一代最快提升一倍，是我们最强的产品")
    assert found and all(f.severity.value == "info" and "自身" in f.message for f in found)


@pytest.mark.parametrize("text", ["本产品不保本", "我们不承诺保本保息", "并非无风险"])
def test_negation_drops_the_hit(rs, text):
    assert [f for f in rs.check(text) if f.category == "finance"] == []


def test_overlaps_earliest_then_longest(rs):
    found = flagged(rs, "稳赚不赔")
    assert found == [("FI101", "稳赚不赔")]


def test_citation_needs_a_source(rs):
    assert flagged(rs, "研究表明，该材料更耐用") == [("CI101", "研究表明")]
    assert flagged(rs, "据《2023中国家居白皮书》研究表明，该材料更耐用") == []
    assert flagged(rs, "采用专利技术") == [("CI102", "专利技术")]
    assert flagged(rs, "采用专利技术（专利号ZL201810123456.7）") == []


def test_positions_are_one_based_and_offset(rs):
    text = "第一行没有问题\n第二行效果最佳"
    (f,) = rs.check(text, url="a.txt", where="body", line=10, column=5)
    assert (f.line, f.column) == (11, 6)
    (g,) = rs.check("效果最佳", line=3, column=7)
    assert (g.line, g.column) == (3, 9)


def test_finding_carries_evidence(rs):
    (f,) = rs.check("我们的产品效果最佳，欢迎选购", url="x.txt")
    assert f.rule == "AD101" and f.category == "absolute" and f.url == "x.txt" and f.where == "body"
    assert f.match == "最佳" and "效果最佳" in f.context and f.basis.startswith("《广告法》第九条")
    assert f.suggestion


def test_no_candidates_means_no_jieba(rs, monkeypatch):
    import rules.segment as seg

    def boom():
        raise AssertionError("jieba loaded without a candidate")

    monkeypatch.setattr(seg, "_shared_tokenizer", boom)
    fresh = load_ruleset(packs=["absolute"])
    assert fresh.check("公司成立于2008年，专注工业自动化。") == []


def test_ascii_terms_need_word_boundaries(rs):
    assert flagged(rs, "Model NO123") == []
    assert flagged(rs, "TOP10 cities") == []
    assert flagged(rs, "the best choice") != []


def test_goal_words_count_only_in_the_hits_clause(rs):
    (f,) = rs.check("我们的目标是服务好客户，目前已是全国销量第一")
    assert f.severity.value == "error"
    (g,) = rs.check("公司以成为世界一流企业为愿景")
    assert g.severity.value == "info"


def test_disclosure_lowers_a_licensed_claim_to_info_with_the_reason(rs):
    # An approved health-food function stated with its registration number is a disclosure...
    found = rs.check("保健功能：增强免疫力（国食健注G20190321）")
    assert found and all(f.severity.value == "info" and "注册证号" in f.message for f in found)
    # ...the same claim without it is not.
    assert any(f.severity.rank >= 2 for f in rs.check("保健功能：增强免疫力，全家适用"))


def test_a_page_is_judged_line_by_line_with_repeated_lines_cached(rs):
    from pathlib import Path

    rows = [line.split("\t") for line in (Path(__file__).parent / "data" / "gold_flag.tsv")
            .read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")][:120]
    lines = [text for _label, _cat, text in rows]
    page = "\n".join(lines + ["", "  "] + lines[:10])

    def key(f):
        return f.rule, f.severity, f.match, f.line, f.column, f.context

    rs.matcher.clear_caches()
    together = rs.check(page)
    assert len(rs.matcher._lines) == len(set(lines)) + 1          # each distinct non-empty line once
    # Each line alone gives what it gives inside the page (the context shown may reach further).
    alone = [f for n, text in enumerate(page.split("\n"), 1) for f in rs.check(text, line=n)]
    assert [key(f)[:5] for f in together] == [key(f)[:5] for f in alone]
    # The repeated lines at the end give the same findings as their first occurrences.
    first = [key(f)[:3] for f in together if f.line <= 10]
    again = [key(f)[:3] for f in together if f.line > len(lines) + 2]
    assert first == again and first
    # Without the caches (the benchmark's cold run) nothing changes but the speed.
    size = rs.matcher.segmenter.cache_size
    try:
        rs.matcher.segmenter.cache_size = 0
        rs.matcher.clear_caches()
        assert [key(f) for f in rs.check(page)] == [key(f) for f in together]
        assert rs.matcher._lines == {}
    finally:
        rs.matcher.segmenter.cache_size = size
