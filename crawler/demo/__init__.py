"""`siteaudit demo`: the whole product offline — the bundled demo site and its DNS zone on loopback, audited."""
from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import yaml

from crawler.loopback.dns import DNSServer, Zone
from crawler.loopback.web import Reply, WebServer
from rules.model import pick

DEMO_DIR = Path(__file__).parent
SITE_DIR = DEMO_DIR / "site"
DEMO_PORT = 18080


def start_demo_servers(host: str = "127.0.0.1") -> tuple[WebServer, DNSServer]:
    """Serve the demo site and its zone on loopback; the apex redirects to www like most real sites."""
    zone = Zone.from_dict(yaml.safe_load((DEMO_DIR / "zone.yaml").read_text(encoding="utf-8")))
    dns = DNSServer(zone, host=host).start()
    try:  # a stable port keeps URLs, and so finding identities, the same from one demo run to the next
        web = WebServer(SITE_DIR, host=host, port=DEMO_PORT).start()
    except OSError:
        web = WebServer(SITE_DIR, host=host).start()
    web.replace = {b"{port}": str(web.port).encode()}
    web.routes[("demo-tech.cn", "/")] = Reply(301, "", {"Location": web.url("www.demo-tech.cn")})
    return web, dns


def write_profile(web: WebServer, directory: Path) -> Path:
    text = (DEMO_DIR / "site.yaml").read_text(encoding="utf-8").replace("{port}", str(web.port))
    path = directory / "site.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _render_note(lang: str) -> str:
    """What the demo's script-built page (campaign.html) got: rendered, or why not."""
    from crawler.render import INSTALL_HINT_EN, INSTALL_HINT_ZH, render_support

    support = render_support()
    if support.available:
        return pick(lang, "脚本生成的活动页（campaign.html）已在无头浏览器 Chromium 中渲染后审计。",
                    "The script-built campaign page (campaign.html) was rendered in headless Chromium and audited.")
    return pick(lang, f"本机无法渲染脚本生成的页面（缺少 {support.missing}）：活动页 campaign.html 只按原始 HTML 审计。"
                      f"如需渲染：{INSTALL_HINT_ZH}",
                f"This machine cannot render script-built pages (missing {support.missing}): campaign.html was "
                f"audited on its served HTML only. To render: {INSTALL_HINT_EN}")


def run_demo(out: str = "out/demo", lang: str = "zh", db: str | None = None, serve_only: bool = False) -> int:
    """Serve the demo and audit it; returns 0 when the audit ran (the demo is meant to have findings)."""
    from crawler.audit import AuditOptions, run_audit

    web, dns = start_demo_servers()
    try:
        with tempfile.TemporaryDirectory(prefix="siteaudit-demo-") as tmp:
            profile = write_profile(web, Path(tmp))
            if serve_only:
                print(pick(lang, "演示站点：", "Demo site: ") + web.url("www.demo-tech.cn"))
                print(pick(lang, "DNS 服务器：", "DNS server: ") + dns.address + "  (siteaudit audit ... --resolver "
                      + dns.address + ")")
                print("Ctrl-C 结束 / to stop")
                try:
                    while True:
                        time.sleep(3600)
                except KeyboardInterrupt:
                    return 0
            out_dir = Path(out)
            options = AuditOptions(out=str(out_dir), formats=["html", "json", "csv", "junit", "md"],
                                   resolver=dns.address, lang=lang, db=db or str(out_dir / "history.sqlite3"),
                                   check_budget=20.0)
            code = run_audit(str(profile), options)
            print(_render_note(lang), file=sys.stdout)
            report = (out_dir / "report.html").resolve()
            print(pick(lang, "演示报告：", "Demo report: ") + str(report), file=sys.stdout)
            return 0 if code in (0, 1) else code
    finally:
        web.stop()
        dns.stop()
