"""Encoding detection: BOM → declaration that decodes and reads right → utf-8 → gb18030/big5."""
from __future__ import annotations

import pytest

from crawler.encoding import canonical, detect_encoding, header_charset, meta_charset

ZH = ("<html><head><title>关于我们</title></head><body><p>本公司是国内最佳的云服务提供商，产品质量第一，"
      "欢迎联系我们了解更多信息。</p></body></html>")
TW = "<html><body><p>本公司是國內最佳的雲端服務提供商，產品質量第一，歡迎聯繫我們了解更多資訊。</p></body></html>"


def _meta(charset: str, html: str) -> str:
    return html.replace("<head>", f'<head><meta http-equiv="Content-Type" content="text/html; charset={charset}">')


@pytest.mark.parametrize("body, content_type, encoding, mismatch", [
    (ZH.encode("gbk"), "text/html", "gb18030", True),                                 # undeclared GBK
    (ZH.encode("gb18030"), "text/html; charset=utf-8", "gb18030", True),               # wrong header
    (ZH.encode("gbk"), "text/html; charset=iso-8859-1", "gb18030", True),              # latin-1 header
    (_meta("gbk", ZH).encode("gbk"), "text/html; charset=UTF-8", "gb18030", True),   # header beats correct meta
    (_meta("utf-8", ZH).encode("utf-8"), "text/html; charset=gbk", "utf-8", True),    # utf-8 labelled gbk
    (TW.encode("big5"), "text/html", "big5hkscs", True),                              # undeclared Big5
    (TW.encode("big5"), "text/html; charset=gb2312", "big5hkscs", True),              # Big5 labelled gb2312
    (ZH.encode("gbk"), "text/html; charset=big5", "gb18030", True),                   # GBK labelled big5
    (b"\xef\xbb\xbf" + ZH.encode("utf-8"), "text/html", "utf-8", False),             # BOM
    (b"\xff\xfe" + ZH.encode("utf-16-le"), "text/html", "utf-16-le", False),          # UTF-16 BOM
    (ZH.encode("utf-8"), "text/html; charset=utf-8", "utf-8", False),
    (_meta("gb2312", ZH).encode("gbk"), "text/html", "gb18030", False),              # right meta
    (TW.encode("big5"), "text/html; charset=big5", "big5hkscs", False),
    (ZH.encode("utf-8"), "text/html", "utf-8", True),                                 # undeclared utf-8
    (b"<html><body>plain ascii</body></html>", "text/html", "utf-8", False),
])
def test_detect_encoding(body, content_type, encoding, mismatch):
    detected = detect_encoding(body, content_type)
    assert (detected.encoding, detected.mismatch) == (encoding, mismatch)
    text = body.decode(detected.encoding)
    assert ("最佳" in text) if not body.isascii() else text == body.decode("ascii")


def test_a_right_meta_wins_over_a_wrong_header():
    # Few CJK characters: the bytes alone could not tell GBK from Big5, the <meta> can.
    body = _meta("big5", "<html><head></head><body>服務</body></html>").encode("big5")
    detected = detect_encoding(body, "text/html; charset=utf-8")
    assert (detected.encoding, detected.source, detected.mismatch) == ("big5hkscs", "meta", True)


def test_declared_is_reported_as_header_then_meta():
    assert detect_encoding(_meta("gbk", ZH).encode("gbk"), "text/html; charset=utf-8").declared == "utf-8"
    assert detect_encoding(_meta("gbk", ZH).encode("gbk"), "text/html").declared == "gb18030"
    assert detect_encoding(ZH.encode("gbk"), "text/html").declared == ""


def test_undecodable_bytes_fall_back_without_crashing():
    detected = detect_encoding(b"<html>\xfd\x80\x81 broken</html>\x81", "text/html")
    assert (detected.encoding, detected.source) == ("gb18030", "default")
    assert "broken" in b"<html>\xfd\x80\x81 broken</html>\x81".decode(detected.encoding, "replace")


@pytest.mark.parametrize("label, name", [
    ("GB2312", "gb18030"), ("gbk", "gb18030"), ("GB18030", "gb18030"), ("big5", "big5hkscs"),
    ("UTF8", "utf-8"), ("utf-8-sig", "utf-8"), ("ISO-8859-1", "cp1252"), ("x-unknown", ""), ("", ""),
])
def test_canonical(label, name):
    assert canonical(label) == name


def test_header_and_meta_charset():
    assert header_charset('text/html; charset="GBK"') == "gb18030"
    assert header_charset("text/html") == ""
    assert meta_charset(b'<meta charset="big5">') == "big5hkscs"
    assert meta_charset(b"<html>no meta</html>") == ""
