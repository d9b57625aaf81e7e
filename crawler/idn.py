"""International domain names: a declared 中文.中国 is kept as its A-label (xn--…), which is what
DNS, TLS SNI, the Host header and every URL on the wire use, so the crawl and the checks compare like
with like; what people read shows the Unicode form. Python's `idna` package (UTS 46 mapping) does the
conversion, so 中文。中国 (an ideographic full stop) and upper-case A-labels are read right too.
"""
from __future__ import annotations

import re
from urllib.parse import urlsplit


def ascii_host(host: str) -> str:
    """A host name as its lower-case A-label form (punycode); IP literals and ASCII names unchanged.
    Raises ValueError for a name that is not a valid IDN."""
    host = host.strip().rstrip(".").lower()
    if not host or host.startswith("[") or ":" in host or host.replace(".", "").isdigit():
        return host   # an IP literal (or empty: the caller says what is missing)
    if not host.isascii() or any(label.startswith("xn--") for label in host.split(".")):
        import idna

        try:
            host = idna.encode(host, uts46=True).decode("ascii").lower()
        except idna.IDNAError as exc:
            raise ValueError(str(exc) or "invalid international domain name") from None
    labels = host.split(".")
    if len(host) > 253 or any(not 1 <= len(label) <= 63 for label in labels):
        raise ValueError("each label of a domain name is 1–63 characters, the whole name at most 253")
    if not _HOST_CHARS.match(host):
        raise ValueError("a domain name has letters, digits, hyphens and dots only")
    return host


_HOST_CHARS = re.compile(r"^[a-z0-9_](?:[a-z0-9_.-]*[a-z0-9_])?$")


def unicode_host(host: str) -> str:
    """The Unicode form of an A-label host name, for people; unchanged when it is not one."""
    if "xn--" not in host.lower():
        return host
    import idna

    try:
        return idna.decode(host)
    except (idna.IDNAError, UnicodeError):
        return host


_A_LABEL_NAME = re.compile(r"(?<![\w.-])(?:[a-z0-9_-]+\.)*xn--[a-z0-9-]+(?:\.[a-z0-9_-]+)*", re.IGNORECASE)


def unicode_text(text: str) -> str:
    """`text` with every A-label host name in it shown in Unicode ("xn--fiq228c.xn--fiqs8s 没有 AAAA 记录"
    → "中文.中国 没有 AAAA 记录"), for what people read: messages, expected/actual values."""
    if not text or "xn--" not in text.lower():
        return text
    return _A_LABEL_NAME.sub(lambda m: unicode_host(m.group(0)), text)


def unicode_url(url: str) -> str:
    """`url` with its host shown in Unicode (中文.中国 rather than xn--fiq228c.xn--fiqs8s)."""
    if "xn--" not in url.lower():
        return url
    parts = urlsplit(url)
    host = parts.hostname or ""
    shown = unicode_host(host)
    if shown == host:
        return url
    netloc = parts.netloc
    at = netloc.rfind("@") + 1
    rest = netloc[at:]
    rest = shown + rest[len(host):] if rest.lower().startswith(host) else rest
    return parts._replace(netloc=netloc[:at] + rest).geturl()


def ascii_url(url: str) -> str:
    """`url` with its host as an A-label (the form sent on the wire); ValueError for a bad host or port."""
    parts = urlsplit(url.strip())
    host = parts.hostname or ""
    parts.port   # raises ValueError for a port out of range
    wire = ascii_host(host)
    if wire == host and parts.netloc.isascii():
        return url.strip()
    netloc = parts.netloc
    at = netloc.rfind("@") + 1
    port = f":{parts.port}" if parts.port is not None else ""
    return parts._replace(netloc=netloc[:at] + wire + port).geturl()
