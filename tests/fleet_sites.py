"""A fleet of small sites on loopback for the fleet tests and the fleet benchmark: one WebServer per site."""
from __future__ import annotations

from pathlib import Path

from crawler.loopback.web import Reply, WebServer

CLAIM = "<p>本产品效果最佳，全国第一。</p>"


def page(title: str, body: str, links: str = "") -> Reply:
    return Reply(200, f"<html><head><meta charset='utf-8'><title>{title}</title></head>"
                      f"<body>{body}{links}<footer>示例公司</footer></body></html>")


def site_routes(index: int, pages: int, claims: bool) -> dict:
    links = "".join(f"<a href='/p{j}.html'>第{j}页</a> " for j in range(pages))
    routes = {("*", "/"): page(f"站点{index} 首页", "<p>欢迎访问</p>", links)}
    for j in range(pages):
        body = CLAIM if claims and j == 1 else f"<p>第 {j} 页的普通介绍。</p>"
        routes[("*", f"/p{j}.html")] = page(f"站点{index} 第{j}页", body, "<a href='/'>首页</a>")
    return routes


def start_fleet(folder: Path, count: int, pages: int = 4, claims_every: int = 2, name=lambda i: f"站点{i:02d}",
                extra_yaml: str = "") -> tuple[list[WebServer], list[Path]]:
    """`count` sites (every `claims_every`-th one with an advertising-law claim), one profile each in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    servers, profiles = [], []
    for i in range(count):
        web = WebServer(routes=site_routes(i, pages, claims_every and i % claims_every == 1)).start()
        servers.append(web)
        path = folder / f"site{i:02d}.yaml"
        path.write_text(f"site:\n  name: '{name(i)}'\n  start_urls: ['http://127.0.0.1:{web.port}/']\n{extra_yaml}",
                        encoding="utf-8")
        profiles.append(path)
    return servers, profiles
