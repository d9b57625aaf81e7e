"""`EncodingMiddleware`: decodes HTML with `crawler.encoding.detect_encoding`, not Scrapy's guess."""
from __future__ import annotations

from typing import Any

from scrapy.http import HtmlResponse, Request, Response, TextResponse

from crawler.encoding import detect_encoding, repair_mixed

ENCODING_META = "siteaudit_encoding"


class EncodingMiddleware:
    """Re-decodes every HTML response with the encoding its bytes really use (see crawler/encoding.py)."""

    def process_response(self, request: Request, response: Response, spider: Any = None) -> Response:
        if not isinstance(response, TextResponse) or not response.body:
            return response
        ctype = (response.headers.get("Content-Type") or b"").decode("latin-1")
        if not isinstance(response, HtmlResponse) and "html" not in ctype:
            return response
        detected = detect_encoding(response.body, ctype)
        request.meta[ENCODING_META] = detected
        if detected.source == "mixed":
            # Each part read in its own encoding, so the phrase rules see the real text (and CNT001 says so).
            return response.replace(body=repair_mixed(response.body), encoding="utf-8")
        return response.replace(encoding=detected.encoding)
