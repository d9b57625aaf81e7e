"""The checks list of a run: one row per page-check module, and a crashed page check is an `error`
row (not `ok · 0 findings`), in findings.json's checks and in the report."""
from __future__ import annotations

import pytest

import crawler.checks as checks
from crawler.audit import _page_check_rows
from crawler.checks import AuditContext, run_page_checks
from crawler.page import Page
from crawler.profile import profile_for_url
from reports.render import write_outputs
from reports.sample import small_doc
from rules.model import CheckStatus

HOME = "http://www.x.cn/"


def _crashes(page, ctx):
    raise ValueError("the parser met a page it did not expect")
    yield  # a generator, like the real page checks


@pytest.fixture
def crashing(monkeypatch):
    monkeypatch.setattr(checks, "PAGE_CHECKS", [*checks.PAGE_CHECKS, ("privacy.broken_demo", _crashes)])


def _run(ctx, n_pages=3):
    counts = {check_id: 0 for check_id, _ in checks.PAGE_CHECKS}
    for i in range(n_pages):
        run_page_checks(Page(url=f"{HOME}p{i}.html", status=200, content_type="text/html",
                             text="<html><body><p>公司简介</p></body></html>"), ctx, counts)
    return _page_check_rows(counts, {"ipv6", "scope"}, ctx)


def test_a_crashed_page_check_is_an_error_row(crashing):
    ctx = AuditContext(profile=profile_for_url(HOME))
    rows = {r.id: r for r in _run(ctx)}
    assert rows["privacy"].status is CheckStatus.ERROR
    assert "privacy.broken_demo" in rows["privacy"].detail and "3" in rows["privacy"].detail
    assert f"{HOME}p0.html" in rows["privacy"].detail and "ValueError" in rows["privacy"].detail
    assert rows["icp"].status is CheckStatus.OK          # the other checks still ran on every page


def test_a_crash_in_a_collecting_check_gets_its_own_row(monkeypatch):
    monkeypatch.setattr(checks, "PAGE_CHECKS", [*checks.PAGE_CHECKS, ("ipv6.crashing", _crashes)])
    ctx = AuditContext(profile=profile_for_url(HOME), lang="en")
    rows = {r.id: r for r in _run(ctx, n_pages=1)}
    assert rows["ipv6.crashing"].status is CheckStatus.ERROR and "crashed" in rows["ipv6.crashing"].detail
    assert "ipv6" not in rows            # the site check's own row tells the module's result


def test_without_a_crash_no_error_row():
    ctx = AuditContext(profile=profile_for_url(HOME))
    assert all(r.status is not CheckStatus.ERROR for r in _run(ctx))


def test_the_report_shows_the_crash_as_an_error(crashing, tmp_path):
    ctx = AuditContext(profile=profile_for_url(HOME))
    rows = _run(ctx)
    doc, extra = small_doc()
    doc["checks"] = [r.to_dict() for r in rows]
    html = write_outputs(doc, extra, tmp_path, formats=["html"], lang="zh", strict=True)["html"].read_text("utf-8")
    row = html[html.index('<tr class="check-error">'):]
    row = row[:row.index("</tr>")]
    assert "<code>privacy</code>" in row and "出错" in row and "privacy.broken_demo" in row


def _row_groups() -> set[str]:
    ids = [check_id for check_id, _ in checks.SITE_CHECKS + checks.PAGE_CHECKS + checks.FINAL_CHECKS]
    return {check_id.split(".")[0] for check_id in ids} | {"phrases", "crawl"}   # rows audit.py adds itself


def test_every_check_row_has_a_name_in_both_languages():
    from reports.i18n import Labels

    for group in sorted(_row_groups()):
        assert Labels("zh").check_name(group) and Labels("en").check_name(group), group


def test_the_names_table_has_no_id_that_no_check_uses():
    from reports.i18n import CHECK_GROUPS

    assert set(CHECK_GROUPS) <= _row_groups()


def test_a_site_checks_result_carries_the_id_it_is_listed_under():
    ctx = AuditContext(profile=profile_for_url(HOME))
    for check_id, fn in checks.FINAL_CHECKS:
        assert checks.run_site_check(check_id, fn, ctx).result.id == check_id
