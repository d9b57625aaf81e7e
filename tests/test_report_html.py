"""report.html read as text: self-contained, escaped, translated, and saying the right things."""
from __future__ import annotations

import base64
import hashlib
import json
import re

import pytest

from reports.i18n import CATEGORIES, CHECK_GROUPS, LABELS, Labels
from reports.render import write_outputs
from reports.sample import PAYLOADS, hostile_doc, small_doc

CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")
DATA_BLOCK = re.compile(r'<script type="application/json" id="report-data">(.*?)</script>', re.S)


def render(doc, extra, lang="zh", tmp_path=None):
    path = write_outputs(doc, extra, tmp_path, formats=["html"], lang=lang, strict=True)["html"]
    return path.read_text(encoding="utf-8")


def without_data(html):
    return DATA_BLOCK.sub("", html)


def markup_only(html):
    """The markup without any script or style: what the template itself shows."""
    return re.sub(r"<(script|style)\b[^>]*>.*?</\1>", "", html, flags=re.S)


def data_of(html):
    blocks = DATA_BLOCK.findall(html)
    assert len(blocks) == 1, "exactly one data block, ended only by its own </script>"
    return json.loads(blocks[0])


def ascii_doc():
    """The small run with every page-derived value in ASCII, to see the labels alone."""
    doc, extra = small_doc()
    for f in doc["findings"] + extra["fixed"]:
        for key in ("match", "context", "message", "basis", "suggestion", "expected", "actual"):
            if key in f:
                f[key] = f"{key} text"
    for c in doc["checks"]:
        c["detail"] = "detail"
        for key in ("expected", "actual"):
            if key in c:
                c[key] = key
    for p in doc["pages"]:
        p["title"] = "Example"
    doc["run"]["site"] = "Example site"
    extra["profile"]["name"] = "Example site"
    extra["facts"] = {"www.example.cn": {"icp_filing": "ICP-1", "psb_filing": "PSB-1", "title": "Example",
                                         "ips": ["127.0.0.1"], "ipv6": False, "https": True, "uptime": 99.5}}
    extra["partial"], extra["partial_reason"] = True, "page limit"
    return doc, extra


def test_self_contained_no_external_resource(tmp_path):
    html = render(*small_doc(), tmp_path=tmp_path)
    assert not re.search(r"<(img|iframe|object|embed|audio|video|source)\b", html, re.I)
    assert re.findall(r"<link\b[^>]*>", html) == ['<link rel="icon" href="data:,">']  # no favicon fetch
    assert not re.search(r"<script[^>]*\bsrc=", html, re.I)
    assert not re.search(r"@import|url\(\s*['\"]?(?!data:)", html, re.I)
    assert "font-family" in html and '"Noto Sans CJK SC"' in html and '"Microsoft YaHei"' in html


def test_csp_allows_exactly_our_inline_script(tmp_path):
    html = render(*small_doc(), tmp_path=tmp_path)
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html).group(1)
    assert "default-src 'none'" in csp and "unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
    scripts = re.findall(r"<script>(.*?)</script>", html, re.S)
    assert len(scripts) == 1
    digest = base64.b64encode(hashlib.sha256(scripts[0].encode("utf-8")).digest()).decode()
    assert f"'sha256-{digest}'" in csp


def test_data_block_cannot_be_broken_out_of(tmp_path):
    doc, extra = hostile_doc()
    html = render(doc, extra, tmp_path=tmp_path)
    data = data_of(html)
    assert "</" not in DATA_BLOCK.search(html).group(1)
    strings = set()

    def walk(value):
        if isinstance(value, str):
            strings.add(value)
        elif isinstance(value, list):
            for v in value:
                walk(v)
        elif isinstance(value, dict):
            for v in value.values():
                walk(v)
    walk(data)
    for payload in PAYLOADS:
        assert f"前文{payload}后文" in strings  # the text survives intact, as data


def test_page_text_is_escaped_everywhere(tmp_path):
    doc, extra = hostile_doc()
    html = without_data(render(doc, extra, tmp_path=tmp_path))
    assert "__pwned" in html  # the payloads are shown ...
    for raw in ("<script>window", "<img src=x", "<svg onload", "<iframe", '"onmouseover="', "<b>", "<i>cat"):
        assert raw not in html  # ... but never as markup
    assert "&lt;script&gt;window.__pwned=1" in html
    assert "{{ 7*7 }}" in html and ">49<" not in html
    body = html.lower().replace('<link rel="icon" href="data:,">', "")
    assert 'href="javascript:' not in body and 'href="data:' not in body


def test_only_http_urls_become_links(tmp_path):
    doc, extra = small_doc()
    extra["fixed"] = [dict(extra["fixed"][0], url=u) for u in
                      ("https://ok.example/a", "JavaScript:alert(1)", "ftp://x.example/", " javascript:x")]
    html = render(doc, extra, tmp_path=tmp_path)
    table = re.search(r'<table class="grid" id="fixed-table">.*?</table>', html, re.S).group(0)
    assert re.findall(r'href="([^"]*)"', table) == ["https://ok.example/a"]
    assert "JavaScript:alert(1)" in table and "ftp://x.example/" in table


def test_fixed_findings_highlight_the_match_in_escaped_context(tmp_path):
    doc, extra = small_doc()
    extra["fixed"][0].update(match="<最佳>", context="a<b>本品<最佳>c&d")
    html = render(doc, extra, tmp_path=tmp_path)
    assert "a&lt;b&gt;本品<mark>&lt;最佳&gt;</mark>c&amp;d" in html


@pytest.mark.parametrize("change, verdict", [
    (lambda d, x: None, "fail"),
    (lambda d, x: d.update(findings=[f for f in d["findings"] if f["severity"] != "error"]), "attention"),
    (lambda d, x: d.update(findings=[f for f in d["findings"] if f["severity"] == "info"]), "attention"),  # tls check fails
    (lambda d, x: (d.update(findings=[f for f in d["findings"] if f["severity"] == "info"]),
                   d.update(checks=[])), "pass"),
    (lambda d, x: (d.update(findings=[], checks=[]), x.update(partial=True)), "attention"),
    (lambda d, x: d.update(findings=[], checks=[{"id": "dns", "status": "error", "detail": "boom"}]), "attention"),
])
def test_verdict(tmp_path, change, verdict):
    doc, extra = small_doc()
    change(doc, extra)
    html = render(doc, extra, tmp_path=tmp_path)
    assert f'class="verdict verdict-{verdict}"' in html
    assert Labels("zh")(f"verdict_{verdict}") in html


def test_counts_come_from_the_findings(tmp_path):
    doc, extra = small_doc()
    doc["summary"] = {"error": 99, "warning": 99, "info": 99, "new": 99, "fixed": 99}  # stale summary ignored
    html = render(doc, extra, tmp_path=tmp_path)
    for sev in ("error", "warning", "info"):
        n = sum(f["severity"] == sev for f in doc["findings"])
        assert re.search(rf'id="count-{sev}"><span class="n">{n}</span>', html), sev
    assert f'id="count-total">{len(doc["findings"])}<' in html
    assert f'id="count-new">{sum(f["status"] == "new" for f in doc["findings"])}<' in html
    assert f'id="count-fixed">{len(extra["fixed"])}<' in html


def test_partial_banner_only_when_partial(tmp_path):
    doc, extra = small_doc()
    assert 'id="partial-banner"' not in render(doc, extra, tmp_path=tmp_path)
    extra.update(partial=True, partial_reason="达到页面上限 5000")
    html = render(doc, extra, tmp_path=tmp_path)
    assert 'id="partial-banner"' in html and "达到页面上限 5000" in html


def test_sections_show_checks_facts_uptime_and_charts(tmp_path):
    doc, extra = small_doc()
    html = render(doc, extra, tmp_path=tmp_path)
    assert "≥ 30 天" in html and "20 天" in html  # expected vs actual of the failing check
    for fact in ("京ICP备12345678号-1", "京B2-20201234", "京公网安备11010802012345号", "127.0.0.1", "99.50%"):
        assert fact in html
    assert "99.50%" in html and "每次运行对每个域名探测 3 次" in html
    cat_svg = re.search(r'<figure class="chart" id="chart-categories">.*?</figure>', html, re.S).group(0)
    n_segments = len({(f["category"], f["severity"]) for f in doc["findings"]})
    assert cat_svg.count("<rect ") == n_segments
    hist_svg = re.search(r'<figure class="chart" id="chart-history">.*?</figure>', html, re.S).group(0)
    assert hist_svg.count("<polyline ") == 3
    assert hist_svg.count("<circle ") == 3 * (len(extra["history"]) + 1)  # past runs + this one
    assert re.search(r'id="chart-uptime">.*?<polyline ', html, re.S)


def test_english_report_has_no_chinese_labels(tmp_path):
    html = render(*ascii_doc(), lang="en", tmp_path=tmp_path)
    assert '<html lang="en">' in html
    leftover = CJK.findall(markup_only(html))
    assert not leftover, f"Chinese left in the English report: {''.join(leftover)[:80]}"
    assert CJK.findall(DATA_BLOCK.search(html).group(1)) == []  # the script's labels too
    for key in ("sec_findings", "sec_facts", "verdict_fail", "partial_title", "uptime_rules"):
        assert LABELS[key][1] in html


def test_chinese_report_has_chinese_labels(tmp_path):
    html = render(*ascii_doc(), lang="zh", tmp_path=tmp_path)
    assert '<html lang="zh-CN">' in html
    visible = markup_only(html)
    for key in ("sec_summary", "sec_checks", "sec_findings", "sec_facts", "sec_uptime", "sec_pages", "verdict_fail",
                "sev_error", "icp_filing", "psb_filing", "uptime_rules", "partial_title"):
        assert LABELS[key][0] in visible, key
    for key in ("sec_findings", "sec_facts", "uptime_rules", "partial_title", "search_placeholder"):
        assert LABELS[key][1] not in visible, key
    assert data_of(html)["labels"]["next"] == LABELS["next"][0]


def test_every_label_exists_in_both_languages():
    for key, (zh, en) in {**LABELS, **CATEGORIES, **CHECK_GROUPS}.items():
        assert zh and en, key
        assert not CJK.search(en), f"English label {key!r} has Chinese: {en}"
    assert all(CJK.search(zh) for key, (zh, en) in LABELS.items() if zh != en)


def test_unknown_label_is_our_bug():
    with pytest.raises(KeyError, match="nope"):
        Labels("zh")("nope")


def test_store_shaped_extras_render(tmp_path):
    """What the audit hands over: Finding objects as `fixed`, a finish reason code, nested facts."""
    from rules.model import Finding

    doc, extra = small_doc()
    extra["fixed"] = [Finding.from_dict(extra["fixed"][0])]
    extra.update(partial=True, partial_reason="page_limit")
    extra["facts"]["www.example.cn"]["uptime"] = {"1d": 100.0}
    extra["history"].append({"id": doc["run"]["id"], "started": doc["run"]["started"], "pages": 3,
                             "error": 4, "warning": 3, "info": 1, "uptime": None, "site": "x"})
    html = render(doc, extra, tmp_path=tmp_path)
    assert "达到页面上限" in html and "page_limit" not in markup_only(html)
    assert "<mark>顶级</mark>工艺打造" in html and "1d: 100.0" in html
    hist_svg = re.search(r'<figure class="chart" id="chart-history">.*?</figure>', html, re.S).group(0)
    assert hist_svg.count("<circle ") == 3 * len(extra["history"])  # this run is not counted twice


@pytest.mark.parametrize("check_id, zh, en", [
    ("dns", "DNS", "DNS"), ("links.status", "链接", "Links"), ("phrases", "广告用语", "Advertising phrases"),
    ("uptime/probe", "可用性", "Uptime"), ("zzz.custom", "", ""),
])
def test_check_names(check_id, zh, en):
    assert Labels("zh").check_name(check_id) == zh and Labels("en").check_name(check_id) == en


def test_every_label_the_script_and_templates_use_exists():
    from importlib import resources

    templates = resources.files("reports").joinpath("templates")
    script = templates.joinpath("report.js").read_text(encoding="utf-8")
    used = set(re.findall(r"\bL\.(\w+)", script))
    for name in ("report.html.j2", "charts.html.j2", "macros.html.j2"):
        used |= set(re.findall(r"\bt\('(\w+)'[),]", templates.joinpath(name).read_text(encoding="utf-8")))
    assert used and used <= set(LABELS), sorted(used - set(LABELS))


def test_script_never_parses_data_as_markup():
    from importlib import resources

    script = resources.files("reports").joinpath("templates", "report.js").read_text(encoding="utf-8")
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function",
                 "setTimeout(\"", "srcdoc"):
        assert sink not in script, sink
    assert "textContent" in script and "createTextNode" in script
