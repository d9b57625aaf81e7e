"""A synthetic Chinese company site of N pages, the same for a given seed, for the crawl benchmark.

Three hosts (www, shop, news) under one apex. Every page is reachable by following links from the
homepage: each section is a tree (8 children a node) and every page also carries nav, breadcrumbs
and 8–18 "related" links to random pages, so a page has ~20–40 links. About 5 % of the content pages
are GBK (half declare it in a `<meta>`, half declare nothing — the server sends no charset either),
about 3 % carry one 广告法 violation, a few have a dead link, and every footer shows the 备案号 and the
公安备案号 linked to the filing systems.

`write_site(root, n, port)` writes `root/site/<host>/…` and `root/manifest.json` (the ground truth:
every page's URL, encoding, violations, and the dead links).

`dense=True` is a real non-compliant site instead (issue 15): a slogan in the shared header and
one in the footer of every page (3 + 4 findings) and `DENSE_BODY` violating sentences in each
content page's copy, half of them the site's stock sentences, half the page's own: about 20
findings a page, most of them the same few sentences.
"""
from __future__ import annotations

import html
import json
import random
from dataclasses import asdict, dataclass, field
from pathlib import Path

from benchmarks import corpus

APEX = "yunfan-bench.cn"
HOSTS = {"www": f"www.{APEX}", "shop": f"shop.{APEX}", "news": f"news.{APEX}"}
# slug, menu name, host key, share of the content pages
SECTIONS = [
    ("about", "关于我们", "www", 0.05),
    ("solutions", "解决方案", "www", 0.10),
    ("cases", "客户案例", "www", 0.15),
    ("support", "服务支持", "www", 0.10),
    ("products", "产品中心", "shop", 0.25),
    ("news", "新闻动态", "news", 0.35),
]
BRANCHING = 8               # children per page in a section's tree
RELATED = (8, 18)           # random "related" links per content page
GBK_SHARE = 0.05
VIOLATION_SHARE = 0.03
DEAD_LINK_SHARE = 0.005
DEFAULT_SEED = 20260101
# The dense site's template text: on every page, in <header> and <footer>.
DENSE_HEADER = "云帆数智——国家级高新技术企业，行业第一品牌，全网最佳的云平台，销量遥遥领先。"
DENSE_FOOTER = "权威认证，品质无忧；理财专区保本保息，稳赚不赔；高端机型为政府机关特供。"
DENSE_BODY = 9              # violating sentences in a dense site's content page


@dataclass
class PageSpec:
    """One planned page: where it lives and what it carries."""

    id: int
    host: str
    path: str
    title: str
    section: int = -1                   # index into SECTIONS; -1 for the hosts' homepages
    parent: int | None = None
    kind: str = "content"               # home, index (a section's), special, content
    encoding: str = "utf-8"             # "utf-8" or "gbk"
    declared: bool = True               # the page names its charset in a <meta>
    violations: list[str] = field(default_factory=list)
    dead_link: str = ""                 # a path on the same host that does not exist
    children: list[int] = field(default_factory=list)


def _content_path(section: int, page_id: int, rng: random.Random) -> str:
    slug = SECTIONS[section][0]
    if slug == "news":
        return f"/news/{rng.choice((2023, 2024, 2025, 2026))}/{page_id}.html"
    if slug == "products":
        return f"/products/p{page_id}.html"
    if slug == "support":
        return f"/support/faq-{page_id}.html"
    return f"/{slug}/{page_id}.html"


def plan_site(n: int, seed: int = DEFAULT_SEED, dense: bool = False) -> list[PageSpec]:
    """The pages of an n-page site; page 0 is the homepage and every parent precedes its children."""
    if n < 1:
        raise ValueError(f"a site needs at least one page, got n={n}")
    rng = random.Random(seed)
    pages = [PageSpec(0, HOSTS["www"], "/", f"{corpus.COMPANY} - 首页", kind="home")]
    members: list[list[int]] = [[] for _ in SECTIONS]
    for s, (slug, name, host, _) in enumerate(SECTIONS):
        pages.append(PageSpec(len(pages), HOSTS[host], f"/{slug}/", f"{name} - {corpus.BRAND}", s, kind="index"))
        members[s].append(pages[-1].id)
    about = 0
    for path, name in (("/about/contact.html", "联系我们"), ("/about/privacy.html", "隐私政策")):
        pages.append(PageSpec(len(pages), HOSTS["www"], path, f"{name} - {corpus.BRAND}", about, kind="special"))
        members[about].append(pages[-1].id)
    # Every declared host has a homepage of its own: the filing checks look at each one.
    for key, name in (("shop", "在线商城"), ("news", "新闻中心")):
        pages.append(PageSpec(len(pages), HOSTS[key], "/", f"{corpus.BRAND}{name}", parent=0, kind="home"))
    weights = [s[3] for s in SECTIONS]
    while len(pages) < n:
        s = rng.choices(range(len(SECTIONS)), weights)[0]
        page = PageSpec(len(pages), HOSTS[SECTIONS[s][2]], "", corpus.title(rng), s)
        page.path = _content_path(s, page.id, rng)
        if rng.random() < GBK_SHARE:
            page.encoding, page.declared = "gbk", rng.random() < 0.5
        if dense:
            page.violations.extend(rng.choice(corpus.VIOLATIONS)[0] for _ in range(DENSE_BODY))
        elif rng.random() < VIOLATION_SHARE:
            page.violations.append(rng.choice(corpus.VIOLATIONS)[0])
        if rng.random() < DEAD_LINK_SHARE:
            page.dead_link = f"/{SECTIONS[s][0]}/removed-{page.id}.html"
        members[s].append(page.id)
        pages.append(page)
    pages = pages[:n]
    for ids in members:
        ids = [i for i in ids if i < n]
        for pos, page_id in enumerate(ids):
            pages[page_id].parent = 0 if pos == 0 else ids[(pos - 1) // BRANCHING]
    for page in pages[1:]:
        pages[page.parent].children.append(page.id)
    return pages


class _Renderer:
    def __init__(self, pages: list[PageSpec], port: int, seed: int, dense: bool = False):
        self.pages = pages
        self.port = port
        self.seed = seed
        self.dense = dense

    def base(self, host: str) -> str:
        return f"http://{host}" if self.port == 80 else f"http://{host}:{self.port}"

    def href(self, frm: PageSpec, to: PageSpec) -> str:
        """Relative on the same host, absolute across hosts (as real multi-domain sites do)."""
        return to.path if frm.host == to.host else self.base(to.host) + to.path

    def link(self, frm: PageSpec, to_id: int, text: str | None = None) -> str:
        to = self.pages[to_id]
        return f'<a href="{self.href(frm, to)}">{html.escape(text or to.title)}</a>'

    def slogan(self, text: str) -> str:
        return f'<p class="slogan">{html.escape(text)}</p>' if self.dense else ""

    def render(self, page: PageSpec) -> str:
        rng = random.Random(self.seed * 1_000_003 + page.id)
        n = len(self.pages)
        charset = {"utf-8": '<meta charset="utf-8">',
                   "gbk": '<meta http-equiv="Content-Type" content="text/html; charset=gbk">'}[page.encoding]
        head = charset if page.declared else ""
        nav = [self.link(page, 0, "首页")] + [self.link(page, 1 + s, SECTIONS[s][1])
                                              for s in range(len(SECTIONS)) if 1 + s < n]
        if n > 7:
            nav.append(self.link(page, 7, "联系我们"))
        crumbs = []
        node = page
        while node.parent is not None:
            node = self.pages[node.parent]
            crumbs.insert(0, self.link(page, node.id, "首页" if node.id == 0 else node.title))
        paragraphs = [corpus.paragraph(rng) for _ in range(rng.randint(4, 9))]
        for k, phrase in enumerate(page.violations):
            sentence = next(s for p, s in corpus.VIOLATIONS if p == phrase)
            if self.dense and k % 2:   # the page's own sentence around the stock claim
                sentence = f"{page.title}：{sentence}"
            i = rng.randrange(len(paragraphs))
            paragraphs[i] += sentence
        body = "\n".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
        children = "".join(f"<li>{self.link(page, c)}</li>" for c in page.children)
        related_ids = [rng.randrange(n) for _ in range(rng.randint(*RELATED))] if n > 1 and page.id else []
        related = "".join(f"<li>{self.link(page, r)}</li>" for r in related_ids if r != page.id)
        if page.dead_link:
            related += f'<li><a href="{page.dead_link}">往期资料下载</a></li>'
        footer_links = " | ".join(self.link(page, i, t) for i, t in ((1, "关于我们"), (7, "联系我们"),
                                                                     (8, "隐私政策")) if i < n)
        title = html.escape(page.title)
        return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
{head}
<title>{title}</title>
<meta name="description" content="{html.escape(corpus.COMPANY)}：{title}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/static/site.css">
<style>.crumbs a{{margin-right:.5em}} .related li{{display:inline-block;margin:0 1em}}</style>
</head>
<body>
<header><img src="/static/logo.png" alt="{corpus.BRAND}数智 标志">{self.slogan(DENSE_HEADER)}<nav>{" ".join(nav)}</nav></header>
<div class="crumbs">{" &gt; ".join(crumbs)}</div>
<main>
<h1>{title}</h1>
{body}
<ul class="children">{children}</ul>
<h2>相关推荐</h2>
<ul class="related">{related}</ul>
</main>
<footer>
{self.slogan(DENSE_FOOTER)}<p>{footer_links}</p>
<p>Copyright 2026 {corpus.COMPANY} 版权所有 统一社会信用代码：{corpus.CREDIT_CODE}</p>
<p><a href="https://beian.miit.gov.cn/" target="_blank">{corpus.ICP_FILING}-1</a>
<a href="https://beian.mps.gov.cn/#/query/webSearch?code={corpus.PSB_CODE}" target="_blank">{corpus.PSB_FILING}</a></p>
</footer>
<script src="/static/app.js"></script>
</body>
</html>
"""


# A 1×1 transparent PNG.
_PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                     "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")
_STATIC = {
    "static/site.css": b"body{font-family:sans-serif;margin:0 auto;max-width:960px}\n",
    "static/app.js": b"document.documentElement.className='js';\n",
    "static/logo.png": _PNG,
    "robots.txt": b"User-agent: *\nDisallow: /admin/\n",
}


@dataclass
class Site:
    """A generated site on disk: `site_dir/<host>/…` plus its ground truth."""

    root: Path
    n: int
    port: int
    seed: int
    pages: list[PageSpec]
    dense: bool = False

    @property
    def site_dir(self) -> Path:
        return self.root / "site"

    @property
    def hosts(self) -> list[str]:
        return list(HOSTS.values())

    def url(self, page: PageSpec) -> str:
        return _Renderer(self.pages, self.port, self.seed, self.dense).base(page.host) + page.path

    @property
    def start_url(self) -> str:
        return self.url(self.pages[0])


def _file_for(site_dir: Path, page: PageSpec) -> Path:
    rel = page.path.lstrip("/")
    if not rel or rel.endswith("/"):
        rel += "index.html"
    return site_dir / page.host / rel


def write_site(root: str | Path, n: int, port: int, seed: int = DEFAULT_SEED, dense: bool = False) -> Site:
    """Generate the n-page site for `port` under `root` and return it."""
    root = Path(root)
    pages = plan_site(n, seed, dense)
    renderer = _Renderer(pages, port, seed, dense)
    site = Site(root, n, port, seed, pages, dense)
    made: set[Path] = set()
    for host in HOSTS.values():
        for rel, data in _STATIC.items():
            path = site.site_dir / host / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
    for page in pages:
        path = _file_for(site.site_dir, page)
        if path.parent not in made:
            path.parent.mkdir(parents=True, exist_ok=True)
            made.add(path.parent)
        # "strict": every corpus string must be GBK-encodable; a failure is a bug in corpus.py.
        path.write_bytes(renderer.render(page).encode(page.encoding))
    manifest = {"n": n, "port": port, "seed": seed, "dense": dense, "hosts": site.hosts, "start_url": site.start_url,
                "template_text": [DENSE_HEADER, DENSE_FOOTER] if dense else [],
                "pages": [{"url": site.url(p), **{k: v for k, v in asdict(p).items()
                                                  if k in ("encoding", "declared", "violations", "dead_link")}}
                          for p in pages]}
    (root / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=0), encoding="utf-8")
    return site
