"""Smoke tests of the benchmark harness at tiny sizes: the site, nginx, the baseline, the report.

No timing is asserted: these prove the parts run and measure what they claim, not how fast.
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections import deque
from pathlib import Path
from urllib.parse import urljoin

import pytest
import requests

from benchmarks import corpus
from benchmarks.harness import BenchSite
from benchmarks.hotspots import parse as parse_stacks, summarise
from benchmarks.measure import Usage, measure, parse_gnu_time
from benchmarks.run import CrawlResult, Results, markdown, verdict
from benchmarks.sitegen import APEX, plan_site, write_site
from crawler.resolver import dns_resolver, lookup, parse_resolver

REPO = Path(__file__).resolve().parent.parent
needs_nginx = pytest.mark.skipif(not shutil.which("nginx") and not Path("/usr/sbin/nginx").exists(),
                                 reason="nginx is not installed")
HREF = re.compile(r'href="([^"]+)"')


def _read(site, page) -> str:
    rel = page.path.lstrip("/")
    path = site.site_dir / page.host / (rel + "index.html" if not rel or rel.endswith("/") else rel)
    return path.read_bytes().decode(page.encoding)


def test_plan_is_deterministic_and_seeded():
    assert plan_site(300, seed=7) == plan_site(300, seed=7)
    assert plan_site(300, seed=7) != plan_site(300, seed=8)
    with pytest.raises(ValueError, match="at least one page"):
        plan_site(0)


@pytest.mark.parametrize("n", [1, 9, 11, 400])
def test_every_page_is_reachable_from_the_homepage(tmp_path, n):
    site = write_site(tmp_path, n, port=8080)
    by_url = {site.url(p): p for p in site.pages}
    seen, queue = {site.start_url}, deque([site.start_url])
    while queue:
        page = by_url[queue.popleft()]
        for href in HREF.findall(_read(site, page)):
            url = urljoin(site.url(page), href)
            if url in by_url and url not in seen:
                seen.add(url)
                queue.append(url)
    assert seen == set(by_url)


def test_pages_look_like_a_filed_chinese_company_site(tmp_path):
    site = write_site(tmp_path, 600, port=8080)
    content = [p for p in site.pages if p.kind == "content"]
    assert len(content) == 600 - 11 and {p.host for p in site.pages if p.path == "/"} == set(site.hosts)
    links = [len(HREF.findall(_read(site, p))) for p in content]
    assert 20 <= sum(links) / len(links) <= 40
    for page in site.pages:
        text = _read(site, page)
        assert corpus.ICP_FILING in text and corpus.PSB_FILING in text, page.path
        assert f"code={corpus.PSB_CODE}" in text
        for phrase in page.violations:
            assert phrase in text
    gbk = [p for p in content if p.encoding == "gbk"]
    assert any(p.declared for p in gbk) and any(not p.declared for p in gbk)
    for page in gbk:
        raw = (site.site_dir / page.host / page.path.lstrip("/")).read_bytes()
        with pytest.raises(UnicodeDecodeError):
            raw.decode("utf-8")
        assert ("charset=gbk" in raw.decode("gbk")) == page.declared
    assert sum(bool(p.violations) for p in content) >= 5
    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    assert len(manifest["pages"]) == 600 and manifest["start_url"] == site.start_url


@needs_nginx
def test_nginx_and_dns_serve_the_site(tmp_path):
    with BenchSite(40, tmp_path) as bench:
        site = bench.site
        host, port = parse_resolver(bench.resolver)
        assert lookup(dns_resolver((host, port)), site.pages[0].host) == ["127.0.0.1"]
        base = f"http://127.0.0.1:{site.port}"
        for page in site.pages:
            reply = requests.get(base + page.path, headers={"Host": page.host}, timeout=5)
            assert reply.status_code == 200, page.path
            assert "charset" not in reply.headers["Content-Type"]
            assert reply.content == _read(site, page).encode(page.encoding)
        apex = requests.get(base + "/news/", headers={"Host": APEX}, allow_redirects=False, timeout=5)
        assert apex.status_code == 301 and apex.headers["Location"] == site.url(site.pages[0]) + "news/"
        assert requests.get(base + "/", headers={"Host": "unknown.test"}, timeout=5).status_code == 404
    assert not list(tmp_path.glob("siteaudit-nginx-*"))


@needs_nginx
def test_bare_spider_crawls_the_whole_site_and_stops_at_the_cap(tmp_path):
    with BenchSite(60, tmp_path) as bench:
        assert bench.site is not None
        for cap, expected in ((1000, 60), (20, 20)):
            stats = tmp_path / f"stats-{cap}.json"
            done = subprocess.run([sys.executable, "-m", "benchmarks.bare_spider", bench.site.start_url,
                                   "--domains", ",".join(bench.domains), "--resolver", bench.resolver,
                                   "--max-pages", str(cap), "--concurrency", "4", "--stats-out", str(stats)],
                                  cwd=REPO, capture_output=True, text=True, timeout=120)
            assert done.returncode == 0, done.stderr[-2000:]
            summary = json.loads(stats.read_text())
            # CLOSESPIDER_PAGECOUNT lets in-flight requests finish and responses already downloaded be
            # parsed, so the cap may be passed by up to about twice the concurrency (4) — still far below 60.
            assert expected <= summary["html_pages"] <= expected + 8, summary
            assert summary["pages"] >= summary["html_pages"]


def test_measure_reports_the_child_cost(tmp_path):
    script = "x = bytearray(60 * 1024 * 1024); import sys; sys.exit(3)"
    run = measure([sys.executable, "-c", script])
    assert run.usage.exit_code == 3
    assert run.usage.max_rss_kb > 60 * 1024
    assert run.usage.wall_s > 0 and run.usage.cpu_s > 0


def test_parse_gnu_time_names_the_missing_field():
    text = ("\tUser time (seconds): 1.50\n\tSystem time (seconds): 0.25\n"
            "\tMaximum resident set size (kbytes): 2048\n\tExit status: 1\n")
    usage = parse_gnu_time(text, wall_s=4.0)
    assert (usage.user_s, usage.sys_s, usage.max_rss_kb, usage.exit_code) == (1.5, 0.25, 2048, 1)
    assert usage.cpu_s == 1.75 and usage.rss_mb == 2.0
    with pytest.raises(ValueError, match="max_rss_kb"):
        parse_gnu_time(text.replace("Maximum resident", "Max"), wall_s=1.0)


def test_hotspots_counts_self_and_inclusive_samples():
    text = ("main (a.py:1);crawl (b.py:5);parse (c.py:9) 6\n"
            "main (a.py:1);crawl (b.py:7) 3\nmain (a.py:1);idle (d.py:2) 1\n")
    total, inclusive, own = summarise(parse_stacks(text))
    assert total == 10
    assert inclusive["crawl (b.py)"] == 9 and inclusive["main (a.py)"] == 10
    assert own["parse (c.py)"] == 6 and own["crawl (b.py)"] == 3 and own["main (a.py)"] == 0
    with pytest.raises(ValueError, match="line 1"):
        parse_stacks("no count here\n")


def _result(crawler, size, pages, wall, rss_kb):
    return CrawlResult(crawler, size, pages=pages, usage=Usage(wall, wall * 0.9, 0.1, rss_kb, 0))


def test_verdict_judges_the_targets_from_the_numbers():
    results = Results({"nproc": "2", "cpu": "x", "memory": "1 GiB", "python": "3", "scrapy": "2",
                       "nginx": "1", "loadavg_at_start": "0"})
    results.crawls = [_result("bare", 10000, 10000, 100.0, 100_000), _result("audit", 10000, 10000, 125.0, 200_000),
                      _result("audit", 30000, 30000, 400.0, 250_000)]
    text = verdict(results)
    assert "audit ÷ bare = 0.80" in text and "met" in text.splitlines()[0]
    assert "195 MB" in text and "sub-linear" in text
    results.crawls[1] = _result("audit", 10000, 10000, 200.0, 400_000)
    text = verdict(results)
    assert "= 0.50" in text and "MISSED" in text.splitlines()[0] and "MISSED" in text.splitlines()[1]
    assert "| sparse | 10,000 | audit | 10,000 |" in markdown(results)


@needs_nginx
def test_run_script_measures_both_crawlers_at_a_tiny_size(tmp_path):
    out = tmp_path / "results.json"
    done = subprocess.run([sys.executable, "-m", "benchmarks.run", "--sizes", "30", "--startup-runs", "1",
                           "--sites", "sparse,dense",
                           "--workdir", str(tmp_path / "work"), "--json", str(out)],
                          cwd=REPO, capture_output=True, text=True, timeout=240)
    doc = json.loads(out.read_text(encoding="utf-8"))
    crawls = {c["crawler"]: c for c in doc["crawls"] if c["site"] == "sparse"}
    dense = {c["crawler"]: c for c in doc["crawls"] if c["site"] == "dense"}
    assert not dense["audit"]["error"] and dense["bare"]["pages"] == 30
    # ~20 findings a page, most of them the header's and footer's few sentences
    assert dense["audit"]["findings"] >= 15 * 30 and 0 < dense["audit"]["groups"] < dense["audit"]["findings"] / 3
    assert crawls["bare"]["pages"] == 30 and not crawls["bare"]["error"]
    assert crawls["bare"]["usage"]["max_rss_kb"] > 10_000
    assert not crawls["audit"]["error"], crawls["audit"]["error"]
    assert crawls["audit"]["pages"] >= 30
    assert "| sparse | 30 | audit |" in done.stdout and "| dense | 30 | audit |" in done.stdout
    assert "audit ÷ bare" in done.stdout
    assert set(doc["startup"]) == {"siteaudit --help", "siteaudit check small.md"}
    assert done.returncode == 0, done.stderr[-2000:]


def test_phrase_accuracy_counts_warning_and_error_lines(tmp_path, capsys):
    from benchmarks.phrase_accuracy import score

    tsv = tmp_path / "set.tsv"
    tsv.write_text("# a comment\n"
                   "flag\tabsolute\t本产品效果全网最佳。\n"
                   "flag\tfinance\t这句话什么都没说。\n"           # a miss, on purpose
                   "ok\ttime-word\t最近我们更新了首页。\n"
                   "ok\tnegation\t本产品不保本，投资需谨慎。\n", encoding="utf-8")
    recall, fp_rate = score(tsv, show=True)
    assert (recall, fp_rate) == (0.5, 0.0)
    out = capsys.readouterr().out
    assert "MISS  finance" in out and "absolute 1/1" in out


def test_reviewer_agreement_counts_and_kappa(tmp_path):
    from benchmarks.reviewer_agreement import agreement

    def tsv(name, labels):
        path = tmp_path / name
        path.write_text("".join(f"{lab}\tx\tshop\thttps://a.example/{i}\t句子{i}\n" for i, lab in enumerate(labels)),
                        encoding="utf-8")
        return path

    first = tsv("a.tsv", ["flag", "flag", "ok", "ok", "ok", "ok"])
    second = tsv("b.tsv", ["flag", "ok", "flag", "ok", "ok", "ok"])
    g = agreement(first, second)
    assert (g.both, g.first, g.second, g.total) == (1, 2, 2, 6)
    assert g.score.recall == 0.5 and g.score.precision == 0.5 and g.score.fp_rate == 0.25
    # observed 4/6 agree, chance 5/9: kappa = (2/3 - 5/9) / (4/9) = 0.25
    assert abs(g.kappa - 0.25) < 1e-9
