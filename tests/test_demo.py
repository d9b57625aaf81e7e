"""`siteaudit demo` end to end: the bundled site's script-built page and PDF brochure."""
from __future__ import annotations

import json


from tests.test_render import browser_needed


def _demo(siteaudit, tmp_path, env=None) -> tuple[str, dict]:
    result = siteaudit("demo", "-o", str(tmp_path / "out"), env=env or {}, timeout=180)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout, json.loads((tmp_path / "out" / "findings.json").read_text(encoding="utf-8"))


def _brochure_findings(doc: dict) -> list[dict]:
    return [f for f in doc["findings"] if "/files/brochure.pdf#page=" in f["url"]]


@browser_needed
def test_demo_renders_its_script_built_page_and_reads_its_brochure(siteaudit, tmp_path):
    stdout, doc = _demo(siteaudit, tmp_path)
    assert "campaign.html）已在无头浏览器 Chromium 中渲染" in stdout
    campaign = [f for f in doc["findings"] if f["url"].endswith("/campaign.html")]
    assert {f.get("match") for f in campaign if f.get("rendered")} >= {"全网最低价", "保证永不宕机"}
    assert any(p["url"].endswith("/campaign.html") and p.get("rendered") for p in doc["pages"])
    assert {(f["match"], f["doc_page"]) for f in _brochure_findings(doc)} >= {("世界领先", 2)}


def test_demo_without_chromium_says_what_it_could_not_render(siteaudit, tmp_path):
    stdout, doc = _demo(siteaudit, tmp_path, env={"SITEAUDIT_CHROMIUM": str(tmp_path / "none")})
    assert "本机无法渲染脚本生成的页面（缺少 Chromium" in stdout and "siteaudit[render]" in stdout
    (info,) = [f for f in doc["findings"] if f["rule"] == "REN002"]
    assert info["url"].endswith("/campaign.html")
    assert _brochure_findings(doc)   # documents need no browser
