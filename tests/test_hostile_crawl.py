"""Hostile sites (issue 18): the audit ends, exits with its documented code, writes parseable outputs,
names every URL it could not read, and keeps its peak memory under 500 MB.

One audit (module fixture) of a site on loopback whose pages are decompression bombs in every
Content-Encoding, broken streams, mixed GBK/UTF-8 bytes, meta refresh loops, redirects to
javascript:/data:/file:, a gzip-bomb sitemap, a phrase flood and a page of 100,000 images; a second
declared domain whose homepage is a gzip bomb, and a third that is an international domain name.
"""
from __future__ import annotations

import gzip
import json
import zlib

import brotli
import pytest

from crawler.loopback.dns import DNSServer
from crawler.loopback.web import Reply, WebServer
from tests.hostile import audit_loopback_site, run_audit_bounded

MB = 1024 * 1024
BOMB = 64 * MB          # decompressed size of each bomb: well past DOWNLOAD_MAXSIZE (10 MiB)
IDN = "xn--fiq228c.xn--fiqs8s"   # 中文.中国
HTML = "text/html; charset=utf-8"


def _chunks(total: int = BOMB, size: int = MB):
    zeros = b"\0" * size
    for _ in range(total // size):
        yield zeros


def gzip_bomb() -> bytes:
    c = zlib.compressobj(9, zlib.DEFLATED, 31)
    return b"".join(c.compress(z) for z in _chunks()) + c.flush()


def deflate_bomb() -> bytes:
    c = zlib.compressobj(9, zlib.DEFLATED, 15)
    return b"".join(c.compress(z) for z in _chunks()) + c.flush()


def brotli_bomb() -> bytes:
    c = brotli.Compressor(quality=5)
    return b"".join(c.process(z) for z in _chunks()) + c.finish()


def zstd_bomb() -> bytes:
    try:
        from compression import zstd
    except ImportError:
        from backports import zstd
    c = zstd.ZstdCompressor()
    return b"".join(c.compress(z) for z in _chunks()) + c.flush()


def _cut_gzip() -> bytes:
    """A page whose gzip stream stops half way (a download cut off, a broken proxy)."""
    text = "".join(f"<p>第{i}段：{i * 7919 % 100003}</p>" for i in range(3000))
    whole = gzip.compress(_page(text).encode("utf-8"))
    return whole[:len(whole) // 2]


def _page(body: str, head: str = "") -> str:
    return f"<html><head><meta charset='utf-8'><title>测试</title>{head}</head><body>{body}</body></html>"


PAGES = ["gzip-bomb", "deflate-bomb", "br-bomb", "zstd-bomb", "corrupt-gzip", "cut-gzip", "unknown-encoding", "mixed",
         "refresh-a", "self-refresh", "to-js", "to-data", "to-file", "refresh-js", "flood", "images"]


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hostile")
    gz = gzip_bomb()
    mixed = (b"<html><head><meta charset='gbk'><title>t</title></head><body><p>"
             + "欢迎访问我们的网站，本公司专业生产各类电子产品。".encode("gbk") + b"</p><p>"
             + "联系我们获取最新的产品报价信息。".encode("utf-8") + b"</p></body></html>")
    links = "".join(f'<a href="/{p}.html">{p}</a> ' for p in PAGES)
    routes = {
        ("site.test", "/"): Reply(200, _page(f"<p>欢迎访问。</p>{links}")),
        ("site.test", "/robots.txt"): Reply(200, "User-agent: *\nAllow: /\nSitemap: /sitemap.xml.gz\n",
                                            content_type="text/plain"),
        ("site.test", "/sitemap.xml.gz"): Reply(200, gz, content_type="application/gzip"),
        ("site.test", "/sitemap.xml"): Reply(200, gz, headers={"Content-Encoding": "gzip"},
                                             content_type="application/xml"),
        ("*", "/gzip-bomb.html"): Reply(200, gz, headers={"Content-Encoding": "gzip"}, content_type=HTML),
        ("*", "/deflate-bomb.html"): Reply(200, deflate_bomb(), headers={"Content-Encoding": "deflate"},
                                           content_type=HTML),
        ("*", "/br-bomb.html"): Reply(200, brotli_bomb(), headers={"Content-Encoding": "br"}, content_type=HTML),
        ("*", "/zstd-bomb.html"): Reply(200, zstd_bomb(), headers={"Content-Encoding": "zstd"}, content_type=HTML),
        ("*", "/corrupt-gzip.html"): Reply(200, b"\x1f\x8b\x08\x00garbage-not-gzip" * 10,
                                           headers={"Content-Encoding": "gzip"}, content_type=HTML),
        ("*", "/cut-gzip.html"): Reply(200, _cut_gzip(), headers={"Content-Encoding": "gzip"}, content_type=HTML),
        ("*", "/unknown-encoding.html"): Reply(200, b"\x00\x01binary", headers={"Content-Encoding": "x-siteaudit"},
                                               content_type=HTML),
        ("*", "/mixed.html"): Reply(200, mixed, content_type="text/html; charset=gbk"),
        ("*", "/refresh-a.html"): Reply(200, _page("a", "<meta http-equiv='refresh' content='0; url=/refresh-b.html'>")),
        ("*", "/refresh-b.html"): Reply(200, _page("b", "<meta http-equiv='refresh' content='0; url=/refresh-a.html'>")),
        ("*", "/self-refresh.html"): Reply(200, _page("新闻", "<meta http-equiv='refresh' content='30; url=/self-refresh.html'>")),
        ("*", "/to-js.html"): Reply(302, b"", headers={"Location": "javascript:alert(1)"}),
        ("*", "/to-data.html"): Reply(301, b"", headers={"Location": "data:text/html,<script>alert(1)</script>"}),
        ("*", "/to-file.html"): Reply(302, b"", headers={"Location": "file:///etc/passwd"}),
        ("*", "/refresh-js.html"): Reply(200, _page("x", "<meta http-equiv='refresh' content='0;url=javascript:alert(1)'>")),
        ("*", "/flood.html"): Reply(200, _page("<p>" + "本产品效果最佳，" * 200_000 + "</p>")),
        ("*", "/images.html"): Reply(200, _page("".join(f'<img src="/img/i{i}.png">' for i in range(100_000)))),
        ("bomb.test", "/"): Reply(200, gz, headers={"Content-Encoding": "gzip"}, content_type=HTML),
        (IDN, "/"): Reply(200, _page("<p>中文域名首页</p><a href='/about.html'>关于</a>")),
        (IDN, "/about.html"): Reply(200, _page("<p>关于我们</p>")),
    }
    zone = {"origins": ["site.test", "bomb.test", IDN],
            "records": {"site.test": {"A": ["127.0.0.1"]}, "bomb.test": {"A": ["127.0.0.1"]},
                        IDN: {"A": ["127.0.0.1"]}}}
    with WebServer(routes=routes) as web, DNSServer(zone, host="127.0.0.2") as dns:
        result, out = audit_loopback_site(tmp, f"http://site.test:{web.port}/", ["site.test", "bomb.test", "中文.中国"],
                                          dns.address, formats="html,json")
        requests = list(web.requests)
    doc = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    return result, doc, out, requests


def _on(doc, rule, path):
    return [f for f in doc["findings"] if f["rule"] == rule and f["url"].endswith(path)]


def test_the_audit_ends_with_its_exit_code_and_parseable_outputs(hostile_run):
    result, doc, out, _ = hostile_run
    assert result.code == 1, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    assert doc["run"]["finish_reason"] == "finished"
    assert (out / "report.html").stat().st_size > 1000
    assert result.peak_mb < 500, f"peak RSS {result.peak_mb:.0f} MB"
    print(f"hostile site: {result.seconds:.1f} s, peak RSS {result.peak_mb:.0f} MB")


@pytest.mark.parametrize("path", ["/gzip-bomb.html", "/deflate-bomb.html", "/br-bomb.html", "/zstd-bomb.html",
                                  "/corrupt-gzip.html", "/cut-gzip.html", "/unknown-encoding.html"])
def test_every_unreadable_page_is_a_finding_on_its_url(hostile_run, path):
    _, doc, _, _ = hostile_run
    found = _on(doc, "CNT006", path)
    assert found and found[0]["severity"] == "error", path
    assert not _on(doc, "CNT004", path)    # not called an empty page either


def test_a_gzip_bomb_homepage_is_named_and_not_a_clean_page(hostile_run):
    _, doc, _, _ = hostile_run
    assert [f for f in doc["findings"] if f["rule"] == "CNT006" and "bomb.test" in f["url"]]


def test_a_bomb_sitemap_is_a_finding_and_the_crawl_goes_on(hostile_run):
    _, doc, _, _ = hostile_run
    assert _on(doc, "LNK017", "/sitemap.xml.gz") and _on(doc, "LNK017", "/sitemap.xml")
    crawled = {p["url"].split("/", 3)[-1] for p in doc["pages"]}
    assert "mixed.html" in crawled and "flood.html" in crawled


def test_mixed_gbk_and_utf8_bytes_are_an_encoding_finding(hostile_run):
    _, doc, _, _ = hostile_run
    found = _on(doc, "CNT001", "/mixed.html")
    assert found and "utf-8" in found[0]["actual"]


def test_meta_refresh_loop_is_reported_but_a_periodic_self_refresh_is_a_page(hostile_run):
    _, doc, _, _ = hostile_run
    loops = _on(doc, "LNK005", "/refresh-a.html") + _on(doc, "LNK005", "/refresh-b.html")
    assert loops
    assert "刷新" in loops[0]["message"] and "refresh-b.html" in loops[0]["actual"]
    assert not _on(doc, "LNK005", "/self-refresh.html")
    assert any(p["url"].endswith("/self-refresh.html") for p in doc["pages"])


@pytest.mark.parametrize("path, scheme", [("/to-js.html", "javascript"), ("/to-data.html", "data"),
                                          ("/to-file.html", "file"), ("/refresh-js.html", "javascript")])
def test_redirects_to_non_web_urls_are_refused_and_reported(hostile_run, path, scheme):
    _, doc, _, requests = hostile_run
    found = _on(doc, "LNK005", path)
    assert found and scheme in found[0]["message"], path
    assert not [r for r in requests if "passwd" in r[2]]


def test_a_phrase_flood_keeps_a_few_findings_with_the_true_count(hostile_run):
    _, doc, _, _ = hostile_run
    flood = [f for f in doc["findings"] if f["url"].endswith("/flood.html") and f["match"] == "最佳"]
    assert 1 <= len(flood) <= 10
    assert "199,990" in flood[-1]["message"]


def test_a_page_of_100000_images_checks_a_capped_number(hostile_run):
    _, doc, _, requests = hostile_run
    assert len([r for r in requests if r[2].startswith("/img/")]) <= 200
    found = [f for f in doc["findings"] if f["rule"] == "LNK018"]
    assert found and "99,800" in found[0]["message"]


def test_an_international_domain_is_crawled_and_shown_in_unicode(hostile_run):
    _, doc, out, requests = hostile_run
    assert any(r[0] == IDN and r[2] == "/about.html" for r in requests)   # punycode Host on the wire
    assert any(IDN in p["url"] for p in doc["pages"])
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "中文.中国" in html
    # What people read names the domain in Unicode; the URLs keep the A-label sent on the wire.
    assert [f for f in doc["findings"] if "中文.中国" in f["message"]]
    assert not [f for f in doc["findings"] if "xn--" in f["message"] + (f.get("actual") or "")]


def test_a_bomb_robots_txt_is_named_and_the_crawl_goes_on(tmp_path):
    gz = gzip_bomb()
    long_link = "/x?" + "a" * 3000
    routes = {("*", "/robots.txt"): Reply(200, gz, headers={"Content-Encoding": "gzip"}, content_type="text/plain"),
              ("*", "/"): Reply(200, _page(f"<a href='/a.html'>a</a><a href='{long_link}'>long</a>")),
              ("*", "/a.html"): Reply(200, _page("<p>关于</p>"))}
    with WebServer(routes=routes) as web:
        result = run_audit_bounded(["audit", f"http://127.0.0.1:{web.port}/", "--no-dns", "--no-uptime", "--delay", "0",
                                    "-o", str(tmp_path / "out"), "--format", "json"], tmp_path, limit=90)
    assert "Traceback" not in result.stderr
    doc = json.loads((tmp_path / "out" / "findings.json").read_text(encoding="utf-8"))
    assert _on(doc, "LNK017", "/robots.txt")
    assert any(p["url"].endswith("/a.html") for p in doc["pages"])
    skipped = [f for f in doc["findings"] if f["rule"] == "LNK018"]
    assert skipped and "1 个链接" in skipped[0]["message"]
