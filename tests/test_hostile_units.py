"""The pieces behind issue 18's limits, on their own: findings kept per page, pieces of long text,
encodings that mix, streams cut off, redirect targets refused, the socket deadline."""
from __future__ import annotations

import gzip
import os
import socket
import threading
import zlib

import pytest

from crawler.encoding import detect_encoding, mixed_encodings, repair_mixed
from crawler.middlewares.compression import _truncated
from crawler.middlewares.redirect import refused_target
from crawler.netdeadline import SocketDeadline, watch
from crawler.pipelines import FindingCap, phrase_findings
from rules.model import Finding, Severity

ZH = "欢迎访问我们的网站，本公司专业生产各类电子产品，质量可靠，服务周到。"


def _f(rule: str, match: str, i: int) -> Finding:
    return Finding(rule, "absolute", Severity.ERROR, "u", "msg", match=match, line=i)


def test_finding_cap_keeps_a_few_per_match_with_the_true_count():
    cap = FindingCap(per_page=50, per_match=3).extend(_f("AD101", "最佳", i) for i in range(1000))
    kept = cap.findings("en")
    assert len(kept) == 3 and kept[-1].message.endswith("(and 997 more on this page)")
    assert [f.line for f in kept] == [0, 1, 2]


def test_finding_cap_bounds_the_page_and_counts_the_other_groups():
    cap = FindingCap(per_page=5, per_match=2).extend(_f("AD101", f"m{i}", i) for i in range(20))
    kept = cap.findings("zh")
    assert len(kept) == 5 and "另有 15 项其他发现" in kept[-1].message


def test_phrase_findings_match_check_html_on_ordinary_pages():
    from rules.loader import load_ruleset

    rs = load_ruleset(packs=["all"])
    html = f"<html><head><title>全国第一</title></head><body><p>{ZH}本产品效果最佳。</p><p>国家级产品</p></body></html>"
    assert list(phrase_findings(rs, html, "u")) == rs.check_html(html, "u")
    long = "<html><body><p>" + "本产品效果最佳，" * 5000 + "</p></body></html>"
    found = list(phrase_findings(rs, long, "u"))
    assert len([f for f in found if f.match == "最佳"]) == 5000
    assert all(f.line == 1 for f in found) and len({f.column for f in found}) == len(found)


@pytest.mark.parametrize("body, mixed", [
    (ZH.encode("gbk") * 30, False),
    (ZH.encode("utf-8") * 30, False),
    ("歡迎訪問我們的網站，本公司專業生產各類電子產品。".encode("big5") * 30, False),
    (ZH.encode("gbk") * 10 + b"<p>" + ZH.encode("utf-8") * 10, True),
])
def test_mixed_encodings_only_when_both_are_there(body, mixed):
    assert mixed_encodings(b"<html><body>" + body + b"</body></html>") is mixed


def test_a_mixed_page_is_read_part_by_part():
    body = b"<p>" + ZH.encode("gbk") + b"</p><p>" + ZH.encode("utf-8") + b"</p>"
    detected = detect_encoding(body, "text/html; charset=gbk")
    assert detected.mixed == "gb18030 + utf-8"
    assert repair_mixed(body).decode("utf-8") == f"<p>{ZH}</p><p>{ZH}</p>"


def test_cut_off_streams():
    text = os.urandom(4000).hex().encode()
    whole = gzip.compress(text)
    assert not _truncated(whole, "gzip") and _truncated(whole[: len(whole) // 2], "gzip")
    deflated = zlib.compress(text)
    assert not _truncated(deflated, "deflate") and _truncated(deflated[:100], "deflate")


@pytest.mark.parametrize("url, refused", [
    ("javascript:alert(1)", True), ("data:text/html,x", True), ("file:///etc/passwd", True), ("ftp://a.cn/", True),
    ("JavaScript:void(0)", True), ("https://a.cn/", False), ("http://a.cn/x", False),
])
def test_refused_redirect_targets(url, refused):
    assert refused_target(url) is refused


@pytest.mark.timeout(30)
def test_socket_deadline_ends_a_blocked_read():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    held: list[socket.socket] = []
    threading.Thread(target=lambda: held.append(server.accept()[0]), daemon=True).start()
    client = socket.create_connection(server.getsockname())
    client.settimeout(60)             # an idle timeout that would never fire in time
    with SocketDeadline(0.5) as deadline:
        watch(client)
        data = client.recv(10)        # returns when the deadline shuts the socket down
    assert deadline.fired and data == b""
    client.close()
    server.close()
