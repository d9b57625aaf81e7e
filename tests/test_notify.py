"""Notifications: every channel against a loopback receiver that re-checks the signature itself."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import socket
import urllib.parse

import pytest

from crawler.notify.webhooks import (NotifyStatus, RateLimiter, mask_url, notify, truncate_utf8, WECOM_TEXT_LIMIT)
from crawler.notify.message import build_text, should_notify
from crawler.profile import NotifySection, PlainWebhook, SignedWebhook
from crawler.loopback.web import Reply, WebServer

SECRET = "SECabcdef0123456789secretvalue"
TOKEN = "0123456789abcdef0123456789abcdef"


def _doc(new: int = 2, error: int = 1) -> dict:
    findings = [
        {"rule": "AD101", "category": "absolute", "severity": "error", "url": "https://www.example.cn/",
         "where": "body", "match": "最佳", "message": "绝对化用语", "status": "new"},
        {"rule": "ICP001", "category": "icp", "severity": "warning", "url": "https://www.example.cn/",
         "message": "首页未展示备案号", "status": "new" if new > 1 else "persisting"},
        {"rule": "AD301", "category": "citation", "severity": "info", "url": "https://www.example.cn/a",
         "where": "body", "match": "研究表明", "message": "需出处", "status": "persisting"},
    ]
    if not error:
        findings = findings[1:]
    return {"schema": "siteaudit/1",
            "run": {"id": "r1", "site": "示例科技官网", "started": "2026-11-28T01:00:00Z", "pages": 12,
                    "finish_reason": "finished"},
            "summary": {"error": error, "warning": 1, "info": 1, "new": new, "fixed": 1},
            "findings": findings}


EXTRA = {"fixed": [{"rule": "AD102", "url": "https://www.example.cn/old", "match": "第一品牌", "message": "m"}]}


class Receiver:
    """A webhook receiver on loopback: records each request, answers with `answer`."""

    def __init__(self, answer: Reply | None = None):
        self.got: list[dict] = []
        self.answer = answer or Reply(200, '{"errcode": 0, "errmsg": "ok"}', content_type="application/json")
        self.server = WebServer(routes={("*", "/hook"): self._route})

    def _route(self, handler) -> Reply:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length)
        self.got.append({"query": urllib.parse.parse_qs(urllib.parse.urlsplit(handler.path).query),
                         "raw_query": urllib.parse.urlsplit(handler.path).query,
                         "headers": dict(handler.headers), "body": body})
        return self.answer

    def url(self, query: str = "") -> str:
        return self.server.url("127.0.0.1", "/hook") + (f"?{query}" if query else "")

    def __enter__(self) -> "Receiver":
        self.server.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.stop()


def _section(**hooks) -> NotifySection:
    return NotifySection(**hooks)


def test_dingtalk_signature_verifies_at_the_receiver():
    with Receiver() as rx:
        section = _section(dingtalk=SignedWebhook(rx.url(f"access_token={TOKEN}"), "DT_SECRET"), on="always")
        results = notify(section, _doc(), EXTRA, "/srv/out/report.html", env={"DT_SECRET": SECRET})
    assert [(r.channel, r.sent, r.status) for r in results] == [("dingtalk", True, NotifyStatus.SENT)]
    got = rx.got[0]
    # Independent re-implementation: HMAC-SHA256(key=secret, msg="{ts_ms}\n{secret}"), base64, URL-encoded.
    ts = got["query"]["timestamp"][0]
    assert len(ts) == 13 and ts.isdigit()
    expected = base64.b64encode(hmac.new(SECRET.encode(), f"{ts}\n{SECRET}".encode(), hashlib.sha256).digest())
    assert got["query"]["sign"][0] == expected.decode()           # parse_qs URL-decodes it
    raw_sign = dict(p.split("=", 1) for p in got["raw_query"].split("&"))["sign"]
    assert raw_sign == urllib.parse.quote_plus(expected.decode())  # and on the wire it was URL-encoded
    assert got["query"]["access_token"] == [TOKEN]
    body = json.loads(got["body"])
    assert body["msgtype"] == "markdown"
    text = body["markdown"]["text"]
    assert "禁用 1" in text and "新增 2" in text and "/srv/out/report.html" in text and "最佳" in text
    assert SECRET not in text


def test_dingtalk_wrong_secret_would_not_verify():
    """The receiver's check can fail: a different secret gives a different signature."""
    with Receiver() as rx:
        section = _section(dingtalk=SignedWebhook(rx.url(f"access_token={TOKEN}"), "DT_SECRET"), on="always")
        notify(section, _doc(), EXTRA, "r.html", env={"DT_SECRET": "other-secret"})
    got = rx.got[0]
    ts = got["query"]["timestamp"][0]
    expected = base64.b64encode(hmac.new(SECRET.encode(), f"{ts}\n{SECRET}".encode(), hashlib.sha256).digest())
    assert got["query"]["sign"][0] != expected.decode()


def test_feishu_signature_in_body():
    answer = Reply(200, '{"code": 0, "msg": "success", "data": {}}', content_type="application/json")
    with Receiver(answer) as rx:
        section = _section(feishu=SignedWebhook(rx.url(), "FS_SECRET"), on="always")
        results = notify(section, _doc(), EXTRA, "https://reports.example.cn/r1.html", env={"FS_SECRET": SECRET})
    assert results[0].sent and results[0].status is NotifyStatus.SENT
    body = json.loads(rx.got[0]["body"])
    ts = body["timestamp"]
    assert isinstance(ts, str) and len(ts) == 10
    # Independent: HMAC-SHA256(key="{ts_s}\n{secret}", msg=b""), base64.
    expected = base64.b64encode(hmac.new(f"{ts}\n{SECRET}".encode(), b"", hashlib.sha256).digest()).decode()
    assert body["sign"] == expected
    assert body["msg_type"] == "text" and "https://reports.example.cn/r1.html" in body["content"]["text"]


def test_feishu_error_code_is_reported_not_raised():
    answer = Reply(200, '{"code": 19021, "msg": "sign match fail or timestamp is not within one hour"}',
                   content_type="application/json")
    with Receiver(answer) as rx:
        section = _section(feishu=SignedWebhook(rx.url(), "FS_SECRET"), on="always")
        results = notify(section, _doc(), EXTRA, "r.html", env={"FS_SECRET": SECRET})
    assert results[0].status is NotifyStatus.REJECTED and not results[0].sent
    assert "19021" in results[0].detail


def test_wecom_text_is_cut_to_2048_bytes_and_key_masked():
    doc = _doc()
    doc["findings"] = doc["findings"] * 40      # a long message
    with Receiver() as rx:
        section = _section(wecom=SignedWebhook(rx.url(f"key={TOKEN}")), on="always")
        results = notify(section, doc, EXTRA, "r.html", env={})
    assert results[0].sent
    body = json.loads(rx.got[0]["body"])
    content = body["text"]["content"]
    assert len(content.encode("utf-8")) <= WECOM_TEXT_LIMIT
    assert "X-Siteaudit-Signature" not in rx.got[0]["headers"]
    assert TOKEN not in results[0].detail and "key=***" in results[0].detail


def test_generic_webhook_hmac_header():
    answer = Reply(204, "")
    with Receiver(answer) as rx:
        section = _section(webhook=PlainWebhook(rx.url(), "WH_SECRET"), on="always")
        results = notify(section, _doc(), EXTRA, "r.html", env={"WH_SECRET": SECRET})
    assert results[0].sent
    got = rx.got[0]
    ts = got["headers"]["X-Siteaudit-Timestamp"]
    expected = "sha256=" + hmac.new(SECRET.encode(), f"{ts}.".encode() + got["body"], hashlib.sha256).hexdigest()
    assert got["headers"]["X-Siteaudit-Signature"] == expected
    payload = json.loads(got["body"])
    assert payload["summary"]["new"] == 2 and payload["report"] == "r.html" and payload["fixed"] == 1
    assert payload["top"][0]["rule"] == "AD101"


def test_generic_webhook_unsigned_without_secret_env():
    with Receiver(Reply(200, "ok", content_type="text/plain")) as rx:
        results = notify(_section(webhook=PlainWebhook(rx.url()), on="always"), _doc(), EXTRA, "r.html", env={})
    assert results[0].sent
    assert "X-Siteaudit-Signature" not in rx.got[0]["headers"]


@pytest.mark.parametrize("answer, status", [
    (Reply(500, "boom"), NotifyStatus.HTTP_ERROR),
    (Reply(404, "no such robot"), NotifyStatus.HTTP_ERROR),
    (Reply(429, "slow down"), NotifyStatus.RATE_LIMITED),
    (Reply(200, "<html>not json</html>"), NotifyStatus.BAD_RESPONSE),
    (Reply(200, '{"errcode": 310000, "errmsg": "sign not match"}', content_type="application/json"),
     NotifyStatus.REJECTED),
    (Reply(200, '{"errcode": 130101, "errmsg": "send too fast"}', content_type="application/json"),
     NotifyStatus.RATE_LIMITED),
])
def test_failures_are_results_and_never_leak_the_token(answer, status, caplog):
    caplog.set_level(logging.DEBUG)
    with Receiver(answer) as rx:
        section = _section(wecom=SignedWebhook(rx.url(f"key={TOKEN}")), on="always")
        results = notify(section, _doc(), EXTRA, "r.html", env={}, backoff=0.01)
    assert len(results) == 1 and not results[0].sent and results[0].status is status
    assert TOKEN not in results[0].detail and TOKEN not in caplog.text


def test_timeout_is_a_result():
    with Receiver(Reply(200, '{"errcode":0}', delay=2.0)) as rx:
        section = _section(dingtalk=SignedWebhook(rx.url(f"access_token={TOKEN}"), "S"), on="always")
        results = notify(section, _doc(), EXTRA, "r.html", env={"S": SECRET}, timeout=0.3, backoff=0.01)
    assert results[0].status is NotifyStatus.TIMEOUT
    assert TOKEN not in results[0].detail and SECRET not in results[0].detail


def test_connection_refused_is_a_result_without_secrets(caplog):
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()                                    # nothing listens there now
    url = f"http://127.0.0.1:{port}/robot/send?access_token={TOKEN}"
    section = _section(dingtalk=SignedWebhook(url, "S"), on="always")
    results = notify(section, _doc(), EXTRA, "r.html", env={"S": SECRET}, timeout=2, backoff=0.01)
    assert results[0].status is NotifyStatus.CONNECT
    for text in (results[0].detail, caplog.text):
        assert TOKEN not in text and SECRET not in text


class Flaky(Receiver):
    """Answers with each of `answers` in turn, then with the last one."""

    def __init__(self, *answers: Reply):
        super().__init__(answers[-1])
        self.answers = list(answers)

    def _route(self, handler) -> Reply:
        self.answer = self.answers[min(len(self.got), len(self.answers) - 1)]
        return super()._route(handler)


OK_JSON = Reply(200, '{"errcode": 0, "errmsg": "ok"}', content_type="application/json")


@pytest.mark.parametrize("first", [Reply(503, "busy"), Reply(429, "slow", headers={"Retry-After": "2"}),
                                   Reply(200, '{"errcode":0}', delay=2.0)])
def test_a_passing_failure_is_sent_again_with_the_same_valid_signature(first):
    waits: list[float] = []
    with Flaky(first, OK_JSON) as rx:
        section = _section(dingtalk=SignedWebhook(rx.url(f"access_token={TOKEN}"), "S"), on="always")
        results = notify(section, _doc(), EXTRA, "r.html", env={"S": SECRET}, timeout=0.5, sleep=waits.append)
    assert results[0].sent and "attempt 2 of 3" in results[0].detail
    assert len(rx.got) >= 2
    last = rx.got[-1]["query"]
    ts = last["timestamp"][0]
    expected = base64.b64encode(hmac.new(SECRET.encode(), f"{ts}\n{SECRET}".encode(), hashlib.sha256).digest())
    assert last["sign"][0] == expected.decode()
    assert waits == ([2.0] if first.status == 429 else [1.0])   # Retry-After, or the first backoff step


def test_retries_stop_after_the_limit_and_back_off():
    waits: list[float] = []
    with Flaky(Reply(502, "bad gateway")) as rx:
        section = _section(webhook=PlainWebhook(rx.url()), on="always")
        results = notify(section, _doc(), EXTRA, "r.html", env={}, retries=2, backoff=0.5, sleep=waits.append)
    assert len(rx.got) == 3 and waits == [0.5, 1.0]
    assert results[0].status is NotifyStatus.HTTP_ERROR and "attempt 3 of 3" in results[0].detail


@pytest.mark.parametrize("answer", [Reply(400, "bad request"), Reply(429, "later", headers={"Retry-After": "3600"}),
                                    Reply(200, '{"errcode": 310000, "errmsg": "sign not match"}',
                                          content_type="application/json")])
def test_final_answers_are_not_retried(answer):
    waits: list[float] = []
    with Flaky(answer) as rx:
        section = _section(wecom=SignedWebhook(rx.url(f"key={TOKEN}")), on="always")
        results = notify(section, _doc(), EXTRA, "r.html", env={}, sleep=waits.append)
    assert len(rx.got) == 1 and waits == [] and not results[0].sent


def test_missing_secret_env_names_the_variable_and_sends_nothing():
    with Receiver() as rx:
        section = _section(dingtalk=SignedWebhook(rx.url(f"access_token={TOKEN}"), "DT_SECRET"), on="always")
        results = notify(section, _doc(), EXTRA, "r.html", env={})
    assert results[0].status is NotifyStatus.CONFIG and "DT_SECRET" in results[0].detail
    assert rx.got == []


@pytest.mark.parametrize("on, doc, extra, sends", [
    ("always", _doc(new=0, error=0), {}, True),
    ("new", _doc(new=2), {}, True),
    ("new", _doc(new=0), {}, False),
    ("fail", _doc(error=1), {}, True),
    ("fail", _doc(error=0), {}, False),
    ("fail", _doc(error=0), {"fail_on": "warning"}, True),
    ("fail", _doc(error=1), {"exit_code": 0}, False),
    ("fail", _doc(error=0), {"exit_code": 3}, True),
])
def test_on_decides_whether_to_send(on, doc, extra, sends):
    assert should_notify(on, doc, extra)[0] is sends


def test_skipped_channels_are_reported_and_nothing_is_sent():
    with Receiver() as rx:
        section = _section(wecom=SignedWebhook(rx.url("key=k")), on="new")
        results = notify(section, _doc(new=0), {}, "r.html", env={})
    assert [(r.sent, r.status) for r in results] == [(False, NotifyStatus.SKIPPED)]
    assert rx.got == []


def test_no_channel_no_results():
    assert notify(NotifySection(), _doc(), {}, "r.html", env={}) == []


def test_rate_limiter_window():
    now = [1000.0]
    limiter = RateLimiter(20, 60.0, clock=lambda: now[0])
    assert all(limiter.acquire("k") == 0.0 for _ in range(20))
    assert limiter.acquire("k") == pytest.approx(60.0)
    assert limiter.acquire("other") == 0.0         # per channel URL
    now[0] += 60.0
    assert limiter.acquire("k") == 0.0


@pytest.mark.parametrize("url, hidden", [
    (f"https://oapi.dingtalk.com/robot/send?access_token={TOKEN}", TOKEN),
    (f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={TOKEN}", TOKEN),
    (f"https://open.feishu.cn/open-apis/bot/v2/hook/{TOKEN}", TOKEN),
])
def test_mask_url(url, hidden):
    masked = mask_url(url)
    assert hidden not in masked and "***" in masked
    assert masked.split("/")[2] == url.split("/")[2]    # the host stays readable


@pytest.mark.parametrize("text, limit", [("备案" * 2000, 2048), ("abc", 2048), ("a" * 2047 + "备", 2048)])
def test_truncate_utf8(text, limit):
    cut = truncate_utf8(text, limit)
    assert len(cut.encode("utf-8")) <= limit
    assert cut == text or cut.endswith("…")


def test_message_english_and_partial():
    doc = _doc()
    doc["run"]["finish_reason"] = "interrupted"
    title, text = build_text(doc, {"partial": True, "partial_reason": "interrupted"}, "r.html", lang="en")
    assert "siteaudit audit" in title and "partial run" in text and "Error 1" in text
    title, text = build_text(doc, {}, "r.html")
    assert "未完成" in text and "主要问题" in text
    # new findings come first in the list
    assert text.index("AD101") < text.index("AD301")
