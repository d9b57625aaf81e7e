"""Report at scale: 20,000 findings over 10,000 pages, or (`dense`) 200,000 over 10,000 pages.

Measures the time to write every output, the size of report.html, and in headless Chromium
the time to open the report (navigation until the tables are rendered) and to filter it
(search, severity, category, page). Run:

    python benchmarks/bench_report.py [N_FINDINGS N_PAGES]
    python benchmarks/bench_report.py dense [N_PAGES PER_PAGE]     # issue 15: ~20 findings a page

Prints one Markdown table for benchmarks/RESULTS.md. Timings, not assertions: the unit tests
never assert a duration.
"""
from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from reports.browser import find_chromium  # noqa: E402
from reports.render import write_outputs  # noqa: E402
from reports.sample import dense_doc, large_doc  # noqa: E402

FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run"]
# Runs in the page: time from a filter change to the table showing its result.
FILTER_JS = """async ([sel, value]) => {
  const el = document.querySelector(sel);
  const body = document.getElementById('findings-body');
  const before = body.getAttribute('data-renders');
  const t0 = performance.now();
  if (el.type === 'checkbox') { el.click(); }
  else { el.value = value; el.dispatchEvent(new Event(el.tagName === 'INPUT' ? 'input' : 'change')); }
  while (body.getAttribute('data-renders') === before) {
    await new Promise(r => setTimeout(r, 5));
  }
  await new Promise(r => requestAnimationFrame(r));  // and painted
  return performance.now() - t0;
}"""


def main(n_findings: int = 20000, n_pages: int = 10000, dense: bool = False) -> None:
    if dense:
        doc, extra = dense_doc(n_findings, n_pages)   # here: pages, findings a page
        n_findings, n_pages = len(doc["findings"]), len(doc["pages"])
    else:
        doc, extra = large_doc(n_findings, n_pages)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        paths = write_outputs(doc, extra, tmp, formats=("html", "json", "csv", "junit", "md"))
        rows.append(("write all 5 outputs", f"{time.perf_counter() - t0:.2f} s"))
        t0 = time.perf_counter()
        write_outputs(doc, extra, tmp, formats=("html",))
        rows.append(("write report.html", f"{time.perf_counter() - t0:.2f} s"))
        for fmt, path in paths.items():
            rows.append((f"{path.name} size", f"{path.stat().st_size / 1e6:.2f} MB"))
        exe = find_chromium()
        if exe:
            rows += browse(exe, paths["html"], doc)
        else:
            rows.append(("Chromium", "not found: open/filter times not measured"))
    print(f"| {n_findings} findings, {n_pages} pages | |")
    print("|---|---:|")
    for name, value in rows:
        print(f"| {name} | {value} |")


def browse(exe: str, html: Path, doc: dict) -> list[tuple[str, str]]:
    from playwright.sync_api import sync_playwright

    out = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=exe, args=FLAGS)
        page = browser.new_page()
        t0 = time.perf_counter()
        page.goto(html.resolve().as_uri())
        page.wait_for_selector("html[data-ready]", timeout=60_000)
        out.append(("open in Chromium (until tables rendered)", f"{time.perf_counter() - t0:.2f} s"))
        t = page.evaluate("() => { const n = performance.getEntriesByType('navigation')[0];"
                          " return [n.domInteractive, n.domContentLoadedEventEnd]; }")
        out.append(("  of which HTML parsed (domInteractive)", f"{t[0] / 1000:.2f} s"))
        out.append(("  of which script done (DOMContentLoaded end)", f"{t[1] / 1000:.2f} s"))
        out.append(("JS heap after open", f"{page.evaluate('performance.memory ? performance.memory.usedJSHeapSize : 0') / 1e6:.0f} MB"))
        out.append(("groups / occurrences", page.inner_text("#findings-shown")))
        t0 = time.perf_counter()
        ms = page.evaluate("""async () => {
          const body = document.getElementById('findings-body');
          const before = body.getAttribute('data-renders');
          const t0 = performance.now();
          document.querySelector('#findings-body button.toggle').click();
          while (body.getAttribute('data-renders') === before) { await new Promise(r => setTimeout(r, 5)); }
          await new Promise(r => requestAnimationFrame(r));
          return performance.now() - t0; }""")
        out.append(("expand the biggest group", f"{ms:.0f} ms"))
        for name, sel, value in (("search (typing, after 120 ms debounce)", "#f-search", "第1234段"),
                                 ("clear search", "#f-search", ""),
                                 ("severity checkbox", "#filters input[name=sev]", None),
                                 ("category select", "#f-category", "finance"),
                                 ("page select", "#f-page", doc["findings"][0]["url"]),
                                 ("sort by rule", "#f-sort", "rule")):
            ms = page.evaluate(FILTER_JS, [sel, value])
            out.append((f"filter: {name}", f"{ms:.0f} ms"))
        browser.close()
    return out


if __name__ == "__main__":
    args = sys.argv[1:]
    if args and args[0] == "dense":
        main(*(int(a) for a in args[1:3] or (10000, 20)), dense=True)
    else:
        main(*(int(a) for a in args[:2]))
