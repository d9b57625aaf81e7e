"""The crawl over HTTPS: a redirect from an HTTPS page to HTTP is reported as a downgrade (LNK006)."""
from __future__ import annotations

import json
import subprocess
import sys

from crawler.loopback.dns import DNSServer
from crawler.loopback.web import Reply, WebServer
from tests.conftest import ROOT
from tests.helpers_tls import LocalCA

SECURE = "secure.crawl-corp.cn"


def test_https_to_http_redirect_is_a_downgrade(tmp_path):
    plain = WebServer(routes={(SECURE, "/new.html"): Reply(
        200, '<html><head><meta charset="utf-8"><title>新页面</title></head><body><p>新的产品介绍页面。</p></body></html>')})
    tls = WebServer(ssl_context=LocalCA().server_context(SECURE), routes={
        (SECURE, "/"): Reply(200, '<html><head><meta charset="utf-8"><title>首页</title></head>'
                                  '<body><p>欢迎访问安全站点。</p><a href="/old">旧地址</a></body></html>'),
        (SECURE, "/old"): Reply(301, "", headers={"Location": f"http://{SECURE}:{plain.port}/new.html"}),
    })
    dns = DNSServer({"origins": ["crawl-corp.cn"], "records": {SECURE: {"A": ["127.0.0.1"]}}}, host="127.0.0.2")
    with plain, tls, dns:
        profile = tmp_path / "site.yaml"
        profile.write_text(f"site:\n  start_urls: ['https://{SECURE}:{tls.port}/']\ncrawl: {{delay: 0}}\n",
                           encoding="utf-8")
        out = tmp_path / "crawl.json"
        result = subprocess.run([sys.executable, "-m", "tests.crawl_runner", str(profile), str(out), dns.address],
                                cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr
    data = json.loads(out.read_text(encoding="utf-8"))
    new = f"http://{SECURE}:{plain.port}/new.html"
    assert new in {p["url"] for p in data["pages"]}
    (downgrade,) = [f for f in data["findings"] if f["rule"] == "LNK006"]
    assert downgrade["url"] == f"https://{SECURE}:{tls.port}/old"
    assert downgrade["actual"].endswith(f"→ {new}")
