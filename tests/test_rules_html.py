"""Visible copy of HTML pages by location, positions in the source."""
from rules.html import extract_blocks
from rules.loader import load_ruleset

PAGE = """<!doctype html>
<html><head>
<title>示例科技 - 行业最佳的解决方案</title>
<meta name="description" content="国内首家智能仓储服务商">
<style>.a:after{content:"最佳"}</style>
<script>var slogan = "全网第一";</script>
</head>
<body>
<header class="site-header"><a href="/">返回首页</a> 最新动态</header>
<!-- 最佳 in a comment is not copy -->
<p>我们的产品效果<b>最</b>佳，欢迎选购。</p>
<img src="a.png" alt="销量冠军产品图">
<input type="hidden" name="k" value="稳赚不赔">
<p>价格&#20840;网最低&nbsp;&amp;包邮</p>
<div class="footer">京ICP备12345678号-1 百家乐在线</div>
</body></html>
"""


def source_pos(needle, occurrence=0):
    lines = PAGE.split("\n")
    seen = 0
    for i, line in enumerate(lines, 1):
        col = line.find(needle)
        while col != -1:
            if seen == occurrence:
                return i, col + 1
            seen += 1
            col = line.find(needle, col + 1)
    raise AssertionError(needle)


def test_blocks_by_location():
    wheres = {b.where for b in extract_blocks(PAGE)}
    assert {"title", "meta", "header", "body", "alt", "footer"} <= wheres


def test_script_style_comments_and_hidden_inputs_are_not_copy():
    text = "".join(b.text for b in extract_blocks(PAGE))
    assert "全网第一" not in text and "稳赚不赔" not in text and "content:" not in text
    assert "in a comment" not in text


def test_findings_carry_source_positions_and_where():
    rs = load_ruleset()
    found = {(f.rule, f.where): f for f in rs.check_html(PAGE, url="https://example.cn/")}
    title = found[("AD103", "title")]
    assert title.match == "行业最佳" and (title.line, title.column) == source_pos("行业最佳")
    meta = found[("AD105", "meta")]
    assert (meta.line, meta.column) == source_pos("国内首家")
    alt = found[("AD103", "alt")]
    assert (alt.line, alt.column) == source_pos("销量冠军")
    body = found[("AD101", "body")]  # 最</b>佳 across an inline tag
    assert (body.line, body.column) == source_pos("最</b>")
    entity = found[("AD103", "body")]  # &#20840; is 全
    assert (entity.line, entity.column) == source_pos("&#20840;")
    assert entity.match.startswith("全")
    footer = found[("PR101", "footer")]
    assert (footer.line, footer.column) == source_pos("百家乐")
    assert all(f.url == "https://example.cn/" for f in found.values())


def test_header_traps_pass():
    rs = load_ruleset()
    assert [f for f in rs.check_html(PAGE) if f.where == "header"] == []


def test_block_tags_end_sentences():
    # A heading and the next paragraph are different sentences: no hit spans them.
    blocks = extract_blocks("<h2>公司最</h2><p>佳能相机专卖</p>")
    rs = load_ruleset()
    assert [f for f in rs.check_html("<h2>公司最</h2><p>佳能相机专卖</p>") if f.severity.rank >= 2] == []
    assert len(blocks) == 1


def test_broken_html_does_not_crash():
    rs = load_ruleset()
    assert rs.check_html("<p>效果最佳<div <<< </p") is not None


def test_tokenizer_edge_cases_keep_text_and_positions():
    src = ("<p title='a>b'>甲</p>\n<script>if (a<b) {x='<p>最佳</p>'}</script><br/>"
           "<div class=\"x-footer\">&copy2026 乙&#20840;</div><!-- 最佳 -->")
    blocks = [(b.where, b.text.replace("\u200b", "").replace("\ue000", ""), b.line, b.column)
              for b in extract_blocks(src)]
    assert blocks[0] == ("body", "甲\n", 1, 16)
    assert blocks[-1][0] == "footer" and blocks[-1][1] == "©2026 乙全" and blocks[-1][2] == 2
    assert "最佳" not in "".join(b[1] for b in blocks)
    # An unclosed comment at the end is text, as html.parser reads it.
    assert "最佳" in "".join(b.text for b in extract_blocks("<p>x</p><!-- 最佳"))
