"""fleet.html in headless Chromium: the script runs under the page's CSP, sorts and filters the rows,
and injected markup in a site's name stays text. Chromium missing: skipped, a failure when CI=true."""
from __future__ import annotations

import pytest

from crawler.fleet.report import fleet_doc, write_fleet
from tests.test_report_browser import TRIPWIRE, browser  # noqa: F401  (the module-scoped Chromium)

pytestmark = pytest.mark.browser


def _row(site: str, verdict: str, code: int, error: int, warning: int, new: int) -> dict:
    return {"site": site, "profile": f"{site}.yaml", "run_id": f"r-{site}", "node": "local", "attempts": 1,
            "detail": "", "report": f"sites/{site}/report.html", "exit_code": code, "verdict": verdict,
            "started": "2026-12-06T01:00:00Z", "finished": "2026-12-06T01:05:00Z", "finish_reason": "finished",
            "pages": 10, "error": error, "warning": warning, "info": 0, "new": new, "fixed": 0,
            "coverage": {"complete": True, "audited": 10, "not_audited": None}, "uptime_pct": 99.5,
            "tls": {"status": "expiring", "not_after": "2026-12-20", "days": 14, "severity": "warning"}}


def test_fleet_html_sorts_filters_and_keeps_markup_inert(browser, tmp_path):  # noqa: F811
    rows = [_row("甲站", "findings", 1, 3, 1, 2), _row("乙站", "pass", 0, 0, 5, 0),
            _row("<img src=x onerror=alert(1)>", "crashed", 3, 1, 0, 0)]
    paths = write_fleet(fleet_doc(rows, mode="local", started="2026-12-06T01:00:00Z", jobs=2), tmp_path, "zh")
    page = browser.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.add_init_script(TRIPWIRE)
    page.goto(paths["html"].as_uri())
    assert page.is_visible("#filters")                                # the script ran (it un-hides the filters)
    sites = lambda: page.eval_on_selector_all("#fleet tbody tr:not([hidden])", "rs => rs.map(r => r.dataset.site)")
    page.click("th[data-key=error]")
    assert sites() == ["乙站", "<img src=x onerror=alert(1)>", "甲站"]
    page.click("th[data-key=error]")
    assert sites()[0] == "甲站"
    page.select_option("#verdict", "pass")
    assert sites() == ["乙站"] and page.text_content("#shown") == "1"
    page.select_option("#verdict", "")
    page.fill("#q", "甲")
    assert sites() == ["甲站"]
    page.fill("#q", "")
    page.check("#only-new")
    assert sites() == ["甲站"]
    assert page.evaluate("window.__alerts") == [] and page.locator("img").count() == 0
    assert not [e for e in errors if "Content Security Policy" in e]
    page.close()
