"""A generated company site of the shape issue 13 judges: catalogue, archive, more sections, and traps.

Served by `crawler.loopback.web.WebServer` (a `fallback` that makes every page on request), on one
declared host, `www.catalogue-corp.cn`:

- a product catalogue `/product/list?page=N` (20 a page) of `products` pages `/product/N.html`,
  each linking to two related products; the last list page still links to a next page, and every
  page past the end says "no products" and links on (paging past the end);
- a news archive `/news/list_N.html` (20 a page) of `articles` under `/news/YYYY/MMDD-N.html`, each
  linking to the previous and the next article;
- case studies `/cases/list?page=N` (10 a page) of `cases` pages `/case/N`;
- a few plain pages (about, contact, jobs), and sitemap-only pages `/special/N.html` that no link
  leads to (a sitemap index → a gzipped product sitemap + a plain sitemap);
- traps: an endless event calendar `/events?month=YYYY-MM` (both ways; each month links to its
  empty day pages `/events?date=YYYY-MM-DD`, which link to the day before and after), product filters
  `/product/filter?color=…&size=…&sort=…` that show the same 12 products in other orders and link
  to every other combination, sort orders of every product list page (`&sort=price&order=desc`: the
  page's own items reordered), a site search whose empty results suggest more searches, a member
  link carrying a fresh session id on every page, and relative links that nest (`/go/go/go/…`).
- `violations`: planted phrases deep in the catalogue, the archive, the cases and a sitemap-only page.

`real_pages()` lists the real pages by section, `is_trap_request(path)` tells a trap fetch apart.
"""
from __future__ import annotations

import gzip
import random
import secrets
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import parse_qs, quote, urlsplit

from crawler.loopback.web import Reply

HOST = "www.catalogue-corp.cn"
PER_PAGE = 20
CASES_PER_PAGE = 10
_WORDS = ("不锈钢 球阀 法兰 管件 密封 工艺 规格 口径 压力 温度 介质 阀体 阀杆 填料 手柄 执行器 电动 气动 "
          "安装 维护 检修 化工 水处理 暖通 食品 制药 冶金 电力 石油 天然气 管道 系统 项目 方案 客户 "
          "工程 现场 调试 交付 培训 服务 质检 出厂 包装 运输 库存 型号 参数 图纸 选型 材质 铸钢 铜 "
          "碳钢 螺纹 焊接 对夹 蝶阀 闸阀 截止阀 止回阀 减压阀 过滤器 流量 口碑 团队 合作 展会 交流").split()
_COLORS = ("red", "blue", "black", "white")
_SIZES = ("s", "m", "l", "xl")
_SORTS = ("price", "name", "new")


def _text(seed: int, words: int) -> str:
    rnd = random.Random(seed)
    sentences = []
    while words > 0:
        n = rnd.randint(6, 12)
        sentences.append("".join(rnd.choice(_WORDS) for _ in range(n)) + "。")
        words -= n
    return "".join(sentences)


@dataclass
class CatalogueSite:
    products: int = 1500
    articles: int = 600
    cases: int = 100
    specials: int = 20
    today: date = field(default_factory=date.today)
    # path -> planted phrase (each must be found)
    violations: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.violations:
            p, a = self.products, self.articles
            self.violations = {
                f"/product/{p - 3}.html": "本阀门密封效果最佳",
                f"/product/{p * 2 // 3}.html": "全网最低价",
                f"/product/{p // 2 + 1}.html": "国家级产品",
                self.article_path(a - 7): "喝了根治失眠",
                self.article_path(a // 3): "投资稳赚不赔",
                f"/case/{self.cases - 1}": "销量第一的阀门",
                f"/special/{self.specials - 2}.html": "史无前例的品质",
            }

    # -- what is real ------------------------------------------------------------------------------
    def article_path(self, n: int) -> str:
        year = 2016 + (n * 9) // max(1, self.articles)
        return f"/news/{year}/{1 + n % 12:02d}{1 + n % 28:02d}-{n}.html"

    def product_lists(self) -> int:
        return -(-self.products // PER_PAGE)

    def news_lists(self) -> int:
        return -(-self.articles // PER_PAGE)

    def case_lists(self) -> int:
        return -(-self.cases // CASES_PER_PAGE)

    def real_pages(self) -> dict[str, list[str]]:
        """Every real page, by section (paths; the product list's first page is `?page=1`)."""
        return {
            "home": ["/", "/about.html", "/contact.html", "/jobs.html"],
            "product_lists": [f"/product/list?page={n}" for n in range(1, self.product_lists() + 1)],
            "products": [f"/product/{n}.html" for n in range(1, self.products + 1)],
            "news_lists": [f"/news/list_{n}.html" for n in range(1, self.news_lists() + 1)],
            "articles": [self.article_path(n) for n in range(1, self.articles + 1)],
            "case_lists": [f"/cases/list?page={n}" for n in range(1, self.case_lists() + 1)],
            "cases": [f"/case/{n}" for n in range(1, self.cases + 1)],
            "specials": [f"/special/{n}.html" for n in range(1, self.specials + 1)],
        }

    def is_trap_request(self, path_qs: str) -> bool:
        """A fetch of a trap URL (or of a list page past the end), from a request line's path."""
        parts = urlsplit(path_qs)
        path, query = parts.path, parse_qs(parts.query)
        if path.startswith(("/events", "/product/filter", "/search", "/go/go")) or "sid" in query or "sort" in query:
            return True
        page = int((query.get("page") or ["1"])[0] or 1)
        return ((path == "/product/list" and page > self.product_lists())
                or (path == "/cases/list" and page > self.case_lists()))

    # -- pages -------------------------------------------------------------------------------------
    def _page(self, title: str, body: str) -> Reply:
        sid = secrets.token_hex(8)
        html = (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title} - 卡特阀门</title></head><body>'
                '<div class="nav"><a href="/">首页</a> <a href="/product/list?page=1">产品中心</a> '
                '<a href="/news/list_1.html">新闻动态</a> <a href="/cases/list?page=1">工程案例</a> '
                '<a href="/about.html">关于我们</a> <a href="/contact.html">联系我们</a> '
                f'<a href="/member/login.html?sid={sid}">会员登录</a></div>'
                f'<h1>{title}</h1>{body}'
                '<div class="footer"><p>卡特阀门制造有限公司 版权所有</p>'
                '<p><a href="https://beian.miit.gov.cn/">京ICP备12345678号-1</a></p></div></body></html>')
        return Reply(200, html)

    def _pager(self, base: str, n: int, last: int, sep: str = "?page=") -> str:
        links = [f'<a href="{base}{sep}{i}">{i}</a>' for i in range(max(1, n - 2), min(last, n + 2) + 1)]
        if n > 1:
            links.insert(0, f'<a href="{base}{sep}{n - 1}">上一页</a>')
        links.append(f'<a href="{base}{sep}{n + 1}">下一页</a>')   # also on the last page: paging past the end
        links.append(f'<a href="{base}{sep}{last}">末页</a>')
        return '<div class="pager">' + " ".join(links) + "</div>"

    def _product(self, n: int) -> Reply | None:
        if not 1 <= n <= self.products:
            return None
        path = f"/product/{n}.html"
        planted = self.violations.get(path, "")
        related = " ".join(f'<a href="/product/{m}.html">相关产品 {m}</a>'
                           for m in ((n % self.products) + 1, ((n + 6) % self.products) + 1))
        return self._page(f"KT-{n:04d} {_text(n, 4)[:8]}",
                          f"<p>型号 KT-{n:04d}</p><p>{_text(n * 7 + 1, 40)}{planted}</p><p>{related}</p>")

    def _article(self, n: int) -> Reply:
        path = self.article_path(n)
        planted = self.violations.get(path, "")
        nav = []
        if n > 1:
            nav.append(f'<a href="{self.article_path(n - 1)}">上一篇</a>')
        if n < self.articles:
            nav.append(f'<a href="{self.article_path(n + 1)}">下一篇</a>')
        return self._page(f"新闻 {_text(n + 50_000, 3)[:10]}",
                          f"<p>{_text(n + 90_000, 60)}{planted}</p><p>{' '.join(nav)}</p>")

    def _product_list(self, n: int, sort: str = "", order: str = "") -> Reply:
        last = self.product_lists()
        items = [f'<li><a href="/product/{m}.html">KT-{m:04d}</a></li>'
                 for m in range((n - 1) * PER_PAGE + 1, min(self.products, n * PER_PAGE) + 1)]
        if sort:   # a sort order shows the same items in another order, and links to the other orders
            random.Random(f"{n}{sort}{order}").shuffle(items)
        body = "<ul>" + "".join(items) + "</ul>" if items else "<p>暂无产品，请浏览其他分类。</p>"
        body += "<p>排序：" + " ".join(
            f'<a href="/product/list?order={o}&page={n}&sort={k}">{k} {o}</a>' for k in _SORTS for o in ("asc", "desc")
            if (k, o) != (sort, order)) + "</p>"
        filters = ('<p><a href="/product/filter?color=red">按颜色筛选</a> <a href="/product/filter?sort=price">'
                   '按价格排序</a> <a href="/search?q=%E7%90%83%E9%98%80">搜索球阀</a></p>') if n == 1 else ""
        return self._page(f"产品中心 第{n}页", body + self._pager("/product/list", n, last) + filters)

    def _news_list(self, n: int) -> Reply:
        last = self.news_lists()
        items = [f'<li><a href="{self.article_path(m)}">新闻 {m}</a></li>'
                 for m in range((n - 1) * PER_PAGE + 1, min(self.articles, n * PER_PAGE) + 1)]
        body = "<ul>" + "".join(items) + "</ul>" if items else "<p>暂无新闻。</p>"
        pager = " ".join(f'<a href="/news/list_{i}.html">{i}</a>' for i in range(max(1, n - 2), min(last, n + 2) + 1))
        return self._page(f"新闻动态 第{n}页", body + f'<div class="pager">{pager}</div>')

    def _case_list(self, n: int) -> Reply:
        last = self.case_lists()
        items = [f'<li><a href="/case/{m}">案例 {m}</a></li>'
                 for m in range((n - 1) * CASES_PER_PAGE + 1, min(self.cases, n * CASES_PER_PAGE) + 1)]
        body = "<ul>" + "".join(items) + "</ul>" if items else "<p>暂无案例。</p>"
        return self._page(f"工程案例 第{n}页", body + self._pager("/cases/list", n, last))

    def _case(self, n: int) -> Reply | None:
        if not 1 <= n <= self.cases:
            return None
        planted = self.violations.get(f"/case/{n}", "")
        return self._page(f"案例 {n}", f"<p>{_text(n + 200_000, 50)}{planted}</p>")

    def _special(self, n: int) -> Reply | None:
        if not 1 <= n <= self.specials:
            return None
        planted = self.violations.get(f"/special/{n}.html", "")
        return self._page(f"专题 {n}", f"<p>{_text(n + 300_000, 40)}{planted}</p>")

    def _day(self, when: str) -> Reply:
        try:
            day = date.fromisoformat(when)
        except ValueError:
            day = self.today
        prev, nxt = date.fromordinal(day.toordinal() - 1), date.fromordinal(day.toordinal() + 1)
        return self._page(f"活动日历 {day:%Y年%m月%d日}",
                          f'<p>本日暂无活动。</p><a href="/events?date={prev:%Y-%m-%d}">前一天</a> '
                          f'<a href="/events?date={nxt:%Y-%m-%d}">后一天</a> <a href="/events?month={day:%Y-%m}">本月</a>')

    def _events(self, month: str) -> Reply:
        try:
            year, mon = (int(x) for x in month.split("-"))
            first = date(year, mon, 1)
        except ValueError:
            first = self.today.replace(day=1)
        prev = date(first.year - (first.month == 1), (first.month - 2) % 12 + 1, 1)
        nxt = date(first.year + (first.month == 12), first.month % 12 + 1, 1)
        days = " ".join(f'<a href="/events?date={first:%Y-%m}-{d:02d}">{d}</a>' for d in range(1, 29))
        return self._page(f"活动日历 {first:%Y年%m月}",
                          f'<table><tr><td>{days}</td></tr></table><p>本月暂无活动安排。</p>'
                          f'<a href="/events?month={prev:%Y-%m}">上个月</a> <a href="/events?month={nxt:%Y-%m}">下个月</a>')

    def _filter(self, query: dict[str, str]) -> Reply:
        color, size, sort = query.get("color", ""), query.get("size", ""), query.get("sort", "")
        items = list(range(1, 13))
        random.Random(f"{color}{size}{sort}").shuffle(items)
        shown = "".join(f'<li><a href="/product/{m}.html">KT-{m:04d}</a></li>' for m in items)
        links = []
        for key, values in (("color", _COLORS), ("size", _SIZES), ("sort", _SORTS)):
            for value in values:
                combo = {**query, key: value}
                links.append('<a href="/product/filter?' + "&".join(f"{k}={v}" for k, v in sorted(combo.items()))
                             + f'">{key} {value}</a>')
        return self._page("产品筛选", f"<ul>{shown}</ul><p>{' '.join(links)}</p>")

    def _search(self, q: str) -> Reply:
        more = " ".join(f'<a href="/search?q={quote(q + w)}">{q}{w}</a>' for w in ("阀门", "价格", "厂家"))
        return self._page(f"搜索 {q}", f"<p>没有找到与“{q}”相关的结果。</p><p>相关搜索：{more}</p>")

    def _home(self) -> Reply:
        return self._page("卡特阀门制造有限公司", '<p>专业生产工业阀门。</p><p><a href="/events?month='
                          f'{self.today:%Y-%m}">活动日历</a> <a href="/go/">快速通道</a> <a href="/jobs.html">招聘</a> '
                          '<a href="/about.html#team">团队</a> <a href="/about.html#history">发展历程</a></p>')

    def _sitemaps(self, path: str) -> Reply | None:
        base = "http://" + HOST + ":{port}"
        if path == "/robots.txt":
            return Reply(200, f"User-agent: *\nDisallow: /admin/\nSitemap: {base}/sitemap_index.xml\n",
                         content_type="text/plain")
        if path == "/sitemap_index.xml":
            return Reply(200, '<?xml version="1.0" encoding="UTF-8"?><sitemapindex '
                         'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                         f"<sitemap><loc>{base}/sitemap-products.xml.gz</loc></sitemap>"
                         f"<sitemap><loc>{base}/sitemap-pages.xml</loc></sitemap></sitemapindex>",
                         content_type="application/xml")
        if path == "/sitemap-products.xml.gz":
            locs = "".join(f"<url><loc>{base}/product/{n}.html</loc></url>" for n in range(1, self.products + 1))
            xml = f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{locs}</urlset>'
            return Reply(200, gzip.compress(xml.encode()), content_type="application/gzip")
        if path == "/sitemap-pages.xml":
            locs = "".join(f"<url><loc>{base}/special/{n}.html</loc></url>" for n in range(1, self.specials + 1))
            return Reply(200, f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                         f"{locs}</urlset>", content_type="application/xml")
        return None

    def reply(self, handler) -> Reply:
        """The WebServer fallback: every page of the site, made on request."""
        parts = urlsplit(handler.path)
        path, query = parts.path, {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        port = handler.server.server_address[1]
        reply = self._route(path, query)
        if reply is None:
            return Reply(404, "<html><head><title>404 页面不存在</title></head><body>页面不存在</body></html>")
        if isinstance(reply.body, str) and "{port}" in reply.body:
            reply = Reply(reply.status, reply.body.replace("{port}", str(port)), reply.headers,
                          content_type=reply.content_type)
        elif isinstance(reply.body, bytes) and reply.body[:2] == b"\x1f\x8b":
            xml = gzip.decompress(reply.body).replace(b"{port}", str(port).encode())
            reply = Reply(200, gzip.compress(xml), content_type=reply.content_type)
        return reply

    def _route(self, path: str, query: dict[str, str]) -> Reply | None:
        def number(text: str) -> int:
            return int(text) if text.isdigit() else 0

        if path == "/":
            return self._home()
        sitemap = self._sitemaps(path)
        if sitemap is not None:
            return sitemap
        if path in ("/about.html", "/contact.html", "/jobs.html", "/member/login.html"):
            anchors = '<h2 id="team">团队</h2>' if path == "/about.html" else ""
            return self._page({"/about.html": "关于我们", "/contact.html": "联系我们", "/jobs.html": "招聘信息",
                               "/member/login.html": "会员登录"}[path], f"{anchors}<p>{_text(len(path), 30)}</p>")
        if path == "/product/list":
            return self._product_list(max(1, number(query.get("page", "1"))), query.get("sort", ""),
                                      query.get("order", ""))
        if path.startswith("/product/") and path.endswith(".html"):
            return self._product(number(path[len("/product/"):-5]))
        if path.startswith("/news/list_") and path.endswith(".html"):
            return self._news_list(max(1, number(path[len("/news/list_"):-5])))
        if path.startswith("/news/"):
            n = number(path.rsplit("-", 1)[-1][:-5]) if path.endswith(".html") else 0
            return self._article(n) if 1 <= n <= self.articles and path == self.article_path(n) else None
        if path == "/cases/list":
            return self._case_list(max(1, number(query.get("page", "1"))))
        if path.startswith("/case/"):
            return self._case(number(path[len("/case/"):]))
        if path.startswith("/special/") and path.endswith(".html"):
            return self._special(number(path[len("/special/"):-5]))
        if path == "/events":
            return self._day(query["date"]) if "date" in query else self._events(query.get("month", ""))
        if path == "/product/filter":
            return self._filter(query)
        if path == "/search":
            return self._search(query.get("q", ""))
        if path.startswith("/go/"):
            return self._page("快速通道", '<p>请选择：</p><a href="go/">更多通道</a> <a href="/contact.html">联系</a>')
        return None
