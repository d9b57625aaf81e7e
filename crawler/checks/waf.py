"""One detector of web application firewalls and bot walls (Aliyun 云盾, Tencent, 安全狗, Cloudflare…).

Used by the crawl (a 403 that is a WAF block is "blocked", not a broken link) and by the uptime probes
(a block is neither up nor down), so both judge the same answer the same way.
"""
from __future__ import annotations

import re
from typing import Mapping

WAF_STATUSES = frozenset({403, 405, 406, 418, 503})   # statuses a WAF answers with (429 is always a block)
_HEADERS = ("cf-ray", "cf-mitigated", "x-waf-uuid", "x-waf-event-info", "x-safe-firewall", "x-tencent-waf", "eagleid",
            "x-powered-by-360wzb", "x-powered-by-anquanbao", "x-yd-waf", "x-yd-waf-info", "x-wswaf", "x-cdn-waf",
            "x-sucuri-id", "x-akamai-transformed")
_SERVERS = re.compile(r"cloudflare|yundun|safedog|aliyun.*waf|tengine-waf|akamaighost|sucuri|360wzws|jiasule|"
                      r"wangzhanbao|yunsuo|baidu-yunjiasu|\bwaf\b", re.IGNORECASE)
_BODY = re.compile(r"waf|web应用防火墙|云盾|安全狗|云锁|防火墙|访问被拦截|访问被阻断|请求被拦截|拦截|"
                   r"access denied|forbidden by|request blocked|attention required|captcha|验证码|人机验证|"
                   r"challenge|just a moment|ddos|bot protection|security check|安全验证|频繁", re.IGNORECASE)
_BODY_SCANNED = 20000   # block pages are short; their words come early


def waf_evidence(headers: Mapping[str, str], body: str) -> str:
    """What marks a response as a WAF's block page ("" when nothing does): a header, the Server, or
    words of the block page. `headers` have lower-case names."""
    for name in _HEADERS:
        if name in headers:
            return f"{name}: {headers[name][:60]}"
    server = headers.get("server", "")
    if _SERVERS.search(server):
        return f"Server: {server[:60]}"
    match = _BODY.search(body[:_BODY_SCANNED]) if body else None
    return f"“{match.group(0)}”" if match else ""
