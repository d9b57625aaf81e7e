"""The coverage sentence (reports/coverage.py) and where it is said: summary.md and the notification."""
from __future__ import annotations

import pytest

from crawler.notify.message import build_text
from reports.coverage import coverage_text
from reports.formats.markdown import MarkdownFormatter
from reports.i18n import Labels

CUT = {"complete": False, "audited": 3121, "not_audited": 1907,
       "not_audited_by_reason": {"max_pages": 1879, "time_limit": 0, "max_depth": 0, "robots": 0, "blocked": 0,
                                 "trap": 28}}
WHOLE = {"complete": True, "audited": 2200, "not_audited": 28,
         "not_audited_by_reason": {"max_pages": 0, "time_limit": 0, "max_depth": 0, "robots": 0, "blocked": 0,
                                   "trap": 28}}


def test_the_sentence_in_both_languages():
    assert coverage_text(CUT).startswith("未完整审计：还有 1,879 个页面未检查（页数上限 1,879）")
    assert coverage_text(CUT, "en").startswith("incomplete: 1,879 known pages were not audited (page limit 1,879)")
    # trap URLs are not pages: a site whose traps were ended is complete
    assert coverage_text(WHOLE) == "已完整审计：全部 2,200 个已知页面均已检查"
    assert coverage_text(WHOLE, "en") == "complete: all 2,200 known pages were audited"
    assert coverage_text(None) == "" and coverage_text({"audited": 3}) == ""


def _doc(coverage):
    return {"schema": "siteaudit/1", "tool": {"name": "siteaudit", "version": "0"},
            "run": {"id": "r1", "site": "示例", "started": "2026-12-06T00:00:00Z", "finished": "2026-12-06T01:00:00Z",
                    "finish_reason": "page_limit", "pages": 3121, "coverage": coverage},
            "summary": {"error": 0, "warning": 0, "info": 0, "new": 0, "fixed": 0},
            "checks": [], "findings": [], "groups": [], "pages": []}


@pytest.mark.parametrize("lang, said", [("zh", "未完整审计：还有 1,879 个页面未检查"),
                                        ("en", "incomplete: 1,879 known pages were not audited")])
def test_summary_md_and_the_notification_say_it(lang, said):
    doc = _doc(CUT)
    md = MarkdownFormatter().render(doc, {"partial": True, "partial_reason": "page_limit"}, Labels(lang)).decode()
    assert said in md
    _title, text = build_text(doc, {"partial": True}, "report.html", lang=lang)
    assert said in text
    _title, text = build_text(_doc(WHOLE), {}, "report.html", lang=lang)
    assert ("已完整审计" if lang == "zh" else "complete: all 2,200") in text
