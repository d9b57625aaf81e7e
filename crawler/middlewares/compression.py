"""`BoundedDecompressionMiddleware`: Scrapy's Content-Encoding handling, but a body that cannot be
read reaches the spider as an empty response that says why, instead of vanishing.

Scrapy decodes gzip, deflate, br and zstd (each bounded by DOWNLOAD_MAXSIZE while it inflates) and
drops a response whose decompressed body passes that limit with IgnoreRequest, which the spider
cannot tell from a filtered request: a gzip bomb served as the homepage looked like a clean site.
Here a bomb, a corrupt stream or an encoding nobody can decode becomes the same 3-digit response
with no body and `UNREADABLE_META` in its meta ("decompressed body larger than 10 MiB (gzip)"),
and the page is a CNT006 finding (`crawler/checks/crawl/content.py`).
"""
from __future__ import annotations

import logging
from typing import Any

from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response

UNREADABLE_META = "siteaudit_unreadable"
_IDENTITY = {b"", b"identity"}

logger = logging.getLogger(__name__)


def _mib(size: int) -> str:
    return f"{size / (1024 * 1024):g} MiB"


class BoundedDecompressionMiddleware(HttpCompressionMiddleware):
    """HttpCompressionMiddleware whose failures are reported, never silent (see the module docstring)."""

    def process_response(self, request: Request, response: Response, spider: Any = None) -> Request | Response:
        codings = b", ".join(response.headers.getlist("Content-Encoding")).decode("latin-1").strip()
        try:
            result = super().process_response(request, response)
        except IgnoreRequest:
            limit = request.meta.get("download_maxsize", self._max_size)
            return _unreadable(request, response, f"decompressed body larger than {_mib(limit)} "
                                                  f"(Content-Encoding: {codings}); not read")
        except Exception as exc:  # a corrupt or truncated stream: zlib.error, brotli.error, zstd errors…
            return _unreadable(request, response, f"Content-Encoding {codings} does not decode: "
                                                  f"{type(exc).__name__}: {exc}"[:300])
        if isinstance(result, Response) and request.method != "HEAD":
            left = [c.strip().lower() for v in result.headers.getlist("Content-Encoding") for c in v.split(b",")]
            left = [c for c in left if c not in _IDENTITY]
            if left:
                return _unreadable(request, result, "unsupported Content-Encoding: "
                                                    + ", ".join(c.decode("latin-1") for c in left))
            if codings and result is not response and _truncated(response.body, codings):
                # Scrapy keeps what a cut-off stream gave: the page is read, but only in part (CNT006).
                logger.info("%s: truncated %s stream", response.url, codings)
                request.meta[UNREADABLE_META] = (f"the {codings} stream is cut off: only the first "
                                                 f"{len(result.body):,} bytes could be read")
        return result


def _truncated(raw: bytes, codings: str) -> bool:
    """True when a single gzip/deflate/br/zstd stream ends before its end marker (a cut-off download).
    Decoding stops at 1 MiB of output: a stream that long is judged by what Scrapy already decoded."""
    coding = codings.lower()
    limit = 1024 * 1024
    try:
        if coding in ("gzip", "x-gzip", "deflate"):
            import zlib

            for wbits in ((47,) if coding != "deflate" else (15, -15)):   # -15: raw deflate, as some servers send
                d = zlib.decompressobj(wbits)
                try:
                    out = d.decompress(raw, limit)
                except zlib.error:
                    continue
                return not d.eof and len(out) < limit and not d.unconsumed_tail
            return False
        if coding == "br":
            import brotli

            d = brotli.Decompressor()
            d.process(raw[:limit])
            return len(raw) <= limit and not d.is_finished()
        if coding == "zstd":
            try:
                from compression import zstd
            except ImportError:   # Python < 3.14: the backport Scrapy depends on
                from backports import zstd

            d = zstd.ZstdDecompressor()
            out = d.decompress(raw, limit)
            return not d.eof and len(out) < limit
    except Exception:
        return False   # Scrapy decoded it; a second opinion that fails is no finding
    return False


def _unreadable(request: Request, response: Response, reason: str) -> Response:
    logger.info("%s: %s", response.url, reason)   # the finding (CNT006) tells the user
    request.meta[UNREADABLE_META] = reason
    headers = response.headers.copy()
    headers.pop("Content-Encoding", None)
    headers.pop("Content-Length", None)
    return Response(response.url, status=response.status, headers=headers, body=b"", request=request,
                    flags=[*response.flags, "unreadable"], protocol=response.protocol)
