"""Findings grouped by distinct problem (issue 15): through the history store, and streamed.

A slogan in the shared header is on every page: one group, marked as site template; a new page
carrying the same footer is not a new problem; a group is fixed once it is gone everywhere.
The store tests run on both backends (`db_url`: SQLite, and a real PostgreSQL the tests start).
"""
from __future__ import annotations

import gc
import json
import weakref

import pytest

from crawler.audit import build_outputs
from crawler.history.store import Store
from reports.grouping import group_id, is_template
from reports.inputs import Rows
from reports.render import write_outputs
from reports.sample import dense_doc
from rules.model import Finding, Severity

BASE = "https://www.example.cn/"
HEADER = "全国销量第一的最佳净水器"
FOOTER = "国家级高新技术企业"


def page(i: int) -> str:
    return f"{BASE}p{i}.html"


def header(url: str) -> Finding:
    return Finding("AD101", "absolute", Severity.ERROR, url, "使用了“最佳”", where="header", match="最佳",
                   context=HEADER, line=12, column=9)


def footer(url: str) -> Finding:
    return Finding("AD102", "absolute", Severity.ERROR, url, "使用了“国家级”", where="footer", match="国家级",
                   context=FOOTER, line=300, column=5)


def body(url: str, text: str) -> Finding:
    return Finding("AD301", "medical", Severity.WARNING, url, "使用了“根治”", where="body", match="根治",
                   context=text, line=80, column=3)


def audit(store: Store, started: str, pages: list[str], findings: list[Finding], reason: str = "finished") -> str:
    run_id = store.begin_run("s", profile="site.yaml", started=started)
    store.add_pages(run_id, [{"url": u, "status": 200, "depth": 1} for u in pages])
    store.add_findings(run_id, findings)
    changes = store.record_changes(run_id, partial=reason != "finished")
    store.finish_run(run_id, finished=started, finish_reason=reason, summary={"fixed": changes["fixed"]})
    return run_id


def by_rule(groups: list[dict]) -> dict[str, dict]:
    return {g["rule"]: g for g in groups}


def test_template_text_is_one_group_with_its_reach(db_url, tmp_path):
    pages = [page(i) for i in range(10)]
    found = [f for u in pages for f in (header(u), footer(u))] + [body(pages[3], "三天根治失眠")]
    with Store.open(db_url) as store:
        run = audit(store, "2026-12-01T01:00:00Z", pages, found)
        groups = store.groups(run)
    assert len(groups) == 3
    g = by_rule(groups)
    assert g["AD101"]["pages"] == 10 and g["AD101"]["occurrences"] == 10
    assert g["AD101"]["template"] is True and g["AD101"]["where"] == "header" and g["AD101"]["wheres"] == ["header"]
    assert g["AD101"]["urls"] == pages[:5]            # the first pages, in the order found
    assert g["AD301"]["template"] is False and g["AD301"]["pages"] == 1 and g["AD301"]["urls"] == [pages[3]]
    assert [x["rule"] for x in groups][-1] == "AD301"   # severity first, then reach
    assert all(x["status"] == "new" for x in groups)


def test_same_sentence_with_other_spacing_or_width_is_the_same_group():
    a = {"rule": "AD101", "category": "absolute", "match": "最佳", "context": "本产品效果最佳，欢迎选购"}
    assert group_id(a) == group_id(dict(a, context="…本产品  效果最佳，欢迎选购…"))
    assert group_id(a) == group_id(dict(a, context="本产品效果最佳,欢迎选购"))      # full/half width
    assert group_id(a) != group_id(dict(a, context="本产品效果最佳，另一句"))
    assert group_id(a) != group_id(dict(a, rule="AD102"))
    # site checks: the check and its subject (the value shown, else the message), not the page
    c = {"rule": "LNK001", "category": "links", "message": "失效链接：HTTP 404", "context": "链接来源：/a"}
    assert group_id(c) == group_id(dict(c, context="链接来源：/b", url="https://x/other"))
    assert group_id(c) != group_id(dict(c, message="失效链接：HTTP 500"))
    assert is_template(6, 10) and not is_template(4, 10) and not is_template(2, 2)


def test_a_new_page_with_the_same_footer_is_not_a_new_problem(db_url, tmp_path):
    with Store.open(db_url) as store:
        first = audit(store, "2026-12-01T01:00:00Z", [page(0), page(1)],
                      [header(page(0)), header(page(1)), body(page(1), "根治一")])
        second = audit(store, "2026-12-02T01:00:00Z", [page(0), page(1), page(2)],
                       [header(page(0)), header(page(1)), header(page(2)), body(page(2), "根治二")])
        g = by_rule(store.groups(second))
        statuses = {(f.url, f.rule): f.status for f in store.iter_findings(second)}
        fixed_groups = store.fixed_groups(second)
        fixed = store.fixed(second)
        assert store.fixed_groups(first) == []
    assert g["AD101"]["status"] == "persisting" and g["AD101"]["pages"] == 3
    assert statuses[(page(2), "AD101")] == "new"        # the occurrence is new on the new page ...
    assert g["AD301"]["status"] == "new"                  # ... a different sentence is a new problem
    assert [x["context"] for x in fixed_groups] == ["根治一"] and "status" not in fixed_groups[0]
    assert [(f["url"], f["rule"]) for f in fixed] == [(page(1), "AD301")]


def test_a_partial_run_fixes_a_group_only_when_every_page_of_it_was_seen_again(db_url, tmp_path):
    pages = [page(i) for i in range(4)]
    with Store.open(db_url) as store:
        audit(store, "2026-12-01T01:00:00Z", pages, [header(u) for u in pages] + [body(pages[0], "根治")])
        partial = audit(store, "2026-12-02T01:00:00Z", pages[:2], [], reason="interrupted")
        assert [g["rule"] for g in store.fixed_groups(partial)] == ["AD301"]   # its one page was fetched
        whole = audit(store, "2026-12-03T01:00:00Z", pages, [])
        assert {g["rule"] for g in store.fixed_groups(whole)} == {"AD101", "AD301"}


def test_build_outputs_streams_from_the_store_and_the_outputs_agree(db_url, tmp_path):
    pages = [page(i) for i in range(30)]
    found = [f for u in pages for f in (header(u), footer(u), body(u, f"正文{u[-7:]}根治"))]
    with Store.open(db_url) as store:
        run = audit(store, "2026-12-01T01:00:00Z", pages, found)
        doc, extra = build_outputs(store, run)
        assert isinstance(doc["findings"], Rows) and isinstance(doc["pages"], Rows)
        paths = write_outputs(doc, extra, tmp_path / "out", formats="json,csv,junit,md,html")
    written = json.loads(paths["json"].read_text(encoding="utf-8"))
    assert len(written["findings"]) == 90 and len(written["pages"]) == 30
    assert len(written["groups"]) == 32
    assert sum(g["occurrences"] for g in written["groups"]) == 90
    groups_csv = (tmp_path / "out" / "groups.csv").read_text(encoding="utf-8-sig").splitlines()
    assert len(groups_csv) == 33 and groups_csv[0].startswith("id,rule,")
    md = paths["md"].read_text(encoding="utf-8")
    assert "全站模板" in md and "30 页 / 30 处" in md and md.count("AD101") == 1


class Row(dict):
    """A finding that tells when it is gone (dicts cannot be weakly referenced; a subclass can)."""


def counting_rows(n_pages: int, per_page: int):
    """Rows over a generator, and a probe: the most rows alive at once while a writer read them."""
    doc, _ = dense_doc(n_pages, per_page)
    source = doc["findings"]
    alive: list[weakref.ref] = []
    peak = [0]
    made = [0]

    by_url = sorted(source, key=lambda f: f["url"])   # the store's ORDER BY url, here

    def rows_by_url():
        for f in by_url:
            yield from track(f)

    def track(f):
        row = Row(f)
        alive.append(weakref.ref(row))
        made[0] += 1
        if made[0] % 500 == 0:
            gc.collect()
            alive[:] = [r for r in alive if r() is not None]
            peak[0] = max(peak[0], len(alive))
        yield row

    def rows():
        for f in source:
            yield from track(f)

    return doc, Rows(rows, count=len(source), by_url=rows_by_url), peak


@pytest.mark.parametrize("fmt", ["json", "csv", "junit", "md", "html"])
def test_writers_consume_the_findings_as_a_stream(tmp_path, fmt):
    """No writer builds the list of findings: at most a batch of them (the report's 2,000, one
    page's for JUnit) is alive at any time, however many the run has."""
    doc, rows, peak = counting_rows(400, 20)     # 8,000 findings
    from reports.grouping import group_findings

    doc = dict(doc, findings=rows, groups=group_findings(doc["findings"], len(doc["pages"])))
    rows_pages = doc["pages"]
    doc["pages"] = Rows(lambda: iter(rows_pages), count=len(rows_pages))
    path = write_outputs(doc, {}, tmp_path, formats=[fmt])[fmt]
    assert path.stat().st_size > 0
    assert 0 < peak[0] <= 2600, f"{fmt}: {peak[0]} findings alive at once"


def test_the_sentence_not_the_context_window_makes_the_group():
    """A stock sentence after different copy is the same problem: the window's neighbours differ."""
    a = {"rule": "AD101", "category": "absolute", "match": "最佳", "context": "今年营收增长。云帆平台是企业上云的最佳选择。欢迎"}
    b = dict(a, context="招聘启事见下文。云帆平台是企业上云的最佳选择。联系")
    c = dict(a, context="新闻标题：云帆平台是企业上云的最佳选择。")
    assert group_id(a) == group_id(b)
    assert group_id(a) != group_id(c)


def test_repeated_text_blocks_give_exactly_the_findings_of_a_full_check():
    """The phrase rules run once per distinct block; the findings on the next page are the same
    as checking that page afresh, at that page's URL, line and column."""
    from crawler.audit import RepeatedText
    from rules.loader import load_ruleset

    rs = load_ruleset(packs=["all"])
    header = "<header><p>全网最佳的云平台，行业第一品牌</p></header>"
    pages = [f"<html><head><title>第{i}页</title></head><body>{header}" + "\n" * i +
             f"<p>第{i}段：本产品\n效果最佳</p><footer>国家级品质</footer></body></html>" for i in range(3)]
    cached = RepeatedText(rs)
    for i, html in enumerate(pages):
        url = f"https://a.cn/{i}"
        assert cached.check_html(html, url) == rs.check_html(html, url)
    assert cached.hits >= 4 and cached.misses >= 5
