"""Sample inputs for the outputs: a small realistic run, a large one and a hostile one.

Used by the tests, `benchmarks/bench_report.py` and `python -m reports.sample OUT_DIR`
(renders the sample report to look at). The values are invented; the shapes are SPEC's.
"""
from __future__ import annotations

import random
import sys
from typing import Any

PHRASES = [  # (rule, category, severity, match, context, basis, suggestion)
    ("AD101", "absolute", "error", "最佳", "本产品效果最佳，欢迎选购", "《广告法》第九条第（三）项",
     "删除“最佳”，改为客观描述"),
    ("AD102", "absolute", "error", "国家级", "荣获国家级产品称号", "《广告法》第九条第（三）项", "删除“国家级”"),
    ("AD201", "authority", "error", "特供", "人民大会堂特供茶叶", "《广告法》第九条第（二）项", "删除特供表述"),
    ("AD301", "medical", "warning", "根治", "三天根治失眠", "《广告法》第十七条", "删除疗效表述"),
    ("AD501", "finance", "warning", "保本", "保本保息，年化收益8%", "《广告法》第二十五条", "说明风险"),
    ("AD701", "citation", "info", "销量第一", "全网销量第一（数据来源：某机构）", "《广告法》第十一条第二款",
     "注明数据出处和时间"),
]


def finding(rule, category, severity, url, *, match=None, context=None, where="body", line=None,
            column=None, basis=None, suggestion=None, status="new", message=None, expected=None,
            actual=None) -> dict[str, Any]:
    out = {"rule": rule, "category": category, "severity": severity, "url": url, "where": where,
           "message": message or f"使用了“{match}”" if match else message or rule, "status": status}
    for key, value in (("match", match), ("context", context), ("line", line), ("column", column),
                       ("basis", basis), ("suggestion", suggestion), ("expected", expected), ("actual", actual)):
        if value is not None:
            out[key] = value
    return out


def small_doc() -> tuple[dict, dict]:
    """A run of three pages with phrase and site findings, history, facts and uptime."""
    base = "https://www.example.cn"
    urls = [f"{base}/", f"{base}/products.html", f"{base}/about.html"]
    found = []
    for i, (rule, cat, sev, match, ctx, basis, sugg) in enumerate(PHRASES):
        found.append(finding(rule, cat, sev, urls[i % 3], match=match, context=ctx, line=10 + i, column=3,
                             basis=basis, suggestion=sugg, status="new" if i % 2 else "persisting"))
    found.append(finding("ICP002", "icp", "error", f"{base}/", where="footer", message="页脚备案号与申报不一致",
                         expected="京ICP备12345678号", actual="京ICP备1234567号", status="persisting"))
    found.append(finding("TLS001", "tls", "warning", f"{base}/", where="tls", message="证书将在20天后过期",
                         expected="≥ 30 天", actual="20 天", status="new"))
    doc = {
        "schema": "siteaudit/1",
        "tool": {"name": "siteaudit", "version": "0.1.0"},
        "run": {"id": "20261128-0300", "site": "示例科技官网", "started": "2026-11-28T03:00:00+08:00",
                "finished": "2026-11-28T03:04:10+08:00", "finish_reason": "finished", "pages": 3},
        "summary": {"error": 4, "warning": 3, "info": 1, "new": 4, "fixed": 1},
        "checks": [
            {"id": "dns", "status": "ok", "detail": "2 个 NS 均权威应答"},
            {"id": "tls", "status": "fail", "detail": "证书即将过期", "expected": "≥ 30 天", "actual": "20 天"},
            {"id": "uptime", "status": "ok", "detail": "3/3 次探测成功"},
            {"id": "ipv6", "status": "skipped", "detail": "未配置 AAAA"},
        ],
        "findings": found,
        "pages": [{"url": u, "status": 200, "depth": i, "ms": 80 + i, "title": f"示例科技 {i}", "encoding": "utf-8"}
                  for i, u in enumerate(urls)],
    }
    extra = {
        "fixed": [finding("AD103", "absolute", "error", urls[1], match="顶级", context="顶级工艺打造",
                          basis="《广告法》第九条第（三）项", status=None)],
        "history": [{"id": f"2026112{d}-0300", "started": f"2026-11-2{d}T03:00:00+08:00", "pages": 3,
                     "error": 5 - d % 3, "warning": 3, "info": 1, "uptime": 99.0 + d / 10} for d in range(1, 8)],
        "facts": {"www.example.cn": {"icp_filing": "京ICP备12345678号-1", "icp_license": "京B2-20201234",
                                     "psb_filing": "京公网安备11010802012345号", "title": "示例科技",
                                     "ips": ["127.0.0.1"], "ipv6": False, "https": True, "uptime": 99.5}},
        "uptime": {"www.example.cn": {"1d": 100.0, "7d": 99.5, "30d": None},
                   "uptime_rules": {"zh": "每次运行对每个域名探测 3 次；超时或 5xx 计为不可用；429/403 计为被拦截，不计入。",
                                    "en": "Each run probes every domain 3 times; a timeout or 5xx is down; "
                                          "429/403 is blocked and not counted."}},
        "partial": False,
        "profile": {"name": "示例科技官网", "domains": ["example.cn", "www.example.cn"]},
    }
    return doc, extra


def large_doc(n_findings: int = 20000, n_pages: int = 10000, seed: int = 7) -> tuple[dict, dict]:
    """A run the size of a big corporate site, for the benchmark and the scale test."""
    rnd = random.Random(seed)
    urls = [f"https://www.example.cn/news/{i}.html" for i in range(n_pages)]
    found = []
    for i in range(n_findings):
        rule, cat, sev, match, ctx, basis, sugg = PHRASES[i % len(PHRASES)]
        found.append(finding(rule, cat, sev, urls[rnd.randrange(n_pages)], match=match,
                             context=f"第{i}段：{ctx}", line=rnd.randrange(1, 400), column=rnd.randrange(1, 80),
                             basis=basis, suggestion=sugg, status=rnd.choice(("new", "persisting"))))
    return _site_doc(found, urls, "新闻")


def dense_doc(n_pages: int = 10000, per_page: int = 20, seed: int = 11) -> tuple[dict, dict]:
    """A non-compliant site as it really looks: the same few slogans in the shared header and
    footer of every page, plus body copy that varies (issue 15). About `per_page` findings a
    page: 4 in the header, 4 in the footer, the rest in the body, 1/25 of them distinct."""
    rnd = random.Random(seed)
    urls = [f"https://www.example.cn/p/{i}.html" for i in range(n_pages)]
    found = []
    header = PHRASES[:4]
    footer = PHRASES[2:6]
    body_n = max(0, per_page - len(header) - len(footer))
    for i, url in enumerate(urls):
        for k, (rule, cat, sev, match, ctx, basis, sugg) in enumerate(header):
            found.append(finding(rule, cat, sev, url, match=match, context=f"头部：{ctx}", where="header", line=12,
                                 column=5 + 30 * k, basis=basis, suggestion=sugg, status="persisting"))
        for k, (rule, cat, sev, match, ctx, basis, sugg) in enumerate(footer):
            found.append(finding(rule, cat, sev, url, match=match, context=f"页脚：{ctx}", where="footer", line=400,
                                 column=5 + 30 * k, basis=basis, suggestion=sugg, status="persisting"))
        for k in range(body_n):
            rule, cat, sev, match, ctx, basis, sugg = PHRASES[rnd.randrange(len(PHRASES))]
            found.append(finding(rule, cat, sev, url, match=match, context=f"正文{rnd.randrange(n_pages * body_n // 25 + 1)}：{ctx}",
                                 line=100 + k, column=3, basis=basis, suggestion=sugg,
                                 status=rnd.choice(("new", "persisting"))))
    return _site_doc(found, urls, "产品")


PAYLOADS = ['<script>window.__pwned=1;alert(1)</script>', '"><img src=x onerror="window.__pwned=2;alert(2)">',
            "</script><script>window.__pwned=3</script>", "{{ 7*7 }}", "${7*7}",
            "<svg onload=\"window.__pwned=4\">", "'><iframe src=javascript:window.__pwned=5>"]


def hostile_doc() -> tuple[dict, dict]:
    """Every page-derived field carries markup and template payloads; none may run or render."""
    doc, extra = small_doc()
    p = " ".join(PAYLOADS)
    bad_urls = ["javascript:window.__pwned=6", "https://evil.example/<script>window.__pwned=7</script>",
                'https://x.example/"onmouseover="window.__pwned=8']
    doc["run"]["site"] = p
    doc["findings"] = [
        finding("AD101", "absolute", "error", bad_urls[i % 3], match=payload, context=f"前文{payload}后文",
                where=("title", "body", "alt")[i % 3], message=f"消息 {payload}", basis=payload, suggestion=payload,
                expected=payload, actual=payload, line=1, column=1)
        for i, payload in enumerate(PAYLOADS)
    ] + [finding("X<b>1</b>", "<i>cat</i>", "info", "data:text/html,<script>window.__pwned=9</script>",
                 match="<b>", context="<b>bold</b>", message="<u>m</u>")]
    doc["pages"] = [{"url": u, "status": 200, "title": p, "encoding": "<b>utf-8</b>"} for u in bad_urls]
    doc["checks"] = [{"id": "<script>window.__pwned=10</script>", "status": "fail", "detail": p, "expected": p,
                      "actual": p}]
    extra["fixed"] = [dict(f, status=None) for f in doc["findings"][:3]]
    extra["facts"] = {p: {"icp_filing": p, "title": p, "ips": [p], "https": True}}
    extra["uptime"] = {p: {"1d": 50.0}, "uptime_rules": p}
    extra["profile"] = {"name": p, "domains": [p]}
    extra["partial"] = True
    extra["partial_reason"] = p
    extra["history"] = [{"id": p, "started": p, "pages": 1, "error": 1, "warning": 0, "info": 0, "uptime": 90.0}]
    return doc, extra


if __name__ == "__main__":
    from .render import write_outputs

    out = sys.argv[1] if len(sys.argv) > 1 else "out-sample"
    kind = sys.argv[2] if len(sys.argv) > 2 else "small"
    d, x = {"small": small_doc, "large": large_doc, "hostile": hostile_doc, "dense": dense_doc}[kind]()
    for fmt, path in write_outputs(d, x, out, formats=("html", "json", "csv", "junit", "md")).items():
        print(fmt, path)


def _site_doc(found: list[dict], urls: list[str], title: str) -> tuple[dict, dict]:
    """`small_doc` with these findings and one page entry for each URL (titled `title` and its number)."""
    doc, extra = small_doc()
    doc["findings"] = found
    doc["pages"] = [{"url": u, "status": 200, "depth": 2, "ms": 50 + i % 300, "title": f"{title} {i}", "encoding": "utf-8"}
                    for i, u in enumerate(urls)]
    doc["run"] = dict(doc["run"], pages=len(urls))
    return doc, extra
