"""Webhook notifications after an audit: DingTalk, WeCom, Feishu and a generic JSON webhook.

One message per run and channel, holding the counts, the top findings and where the report is.
Secrets come from environment variables named in the profile (`secret_env`) and never reach a log,
a report or an error message; webhook tokens are masked in everything we print. A notification that
fails is reported in the returned `NotifyResult` list: it never fails the audit.

A message that hit a passing problem (timeout, refused connection, HTTP 5xx, HTTP 429) is sent again
up to `retries` times, after 1 s, then 2 s, or after the server's `Retry-After` when it is at most
`RETRY_AFTER_CAP` seconds; a longer `Retry-After`, a 4xx or an API refusal is final at once.

Signatures (DOMAIN.md §3):
- DingTalk: `HMAC-SHA256(key=secret, msg=f"{ts_ms}\\n{secret}")`, base64, URL-encoded, appended to the
  webhook URL as `&timestamp=<ts_ms>&sign=<sign>`.
- Feishu: `HMAC-SHA256(key=f"{ts_s}\\n{secret}", msg=b"")`, base64, sent in the JSON body as `sign`
  with `timestamp` (seconds, a string).
- WeCom: no signature (the key is in the URL); text at most 2048 bytes.
- Generic webhook: when `secret_env` is set, the headers `X-Siteaudit-Timestamp: <ts_s>` and
  `X-Siteaudit-Signature: sha256=<hex HMAC-SHA256(key=secret, msg=f"{ts_s}.".encode() + body)>`,
  where `body` is the exact request body bytes.
"""
from __future__ import annotations

import base64
import enum
import hashlib
import hmac
import json
import logging
import os
import time
import urllib.parse
from dataclasses import dataclass
from typing import Any, Callable, Mapping

import requests

from crawler.netdeadline import bounded_request, bounded_session

from crawler.notify.message import build_text, should_notify, top_findings
from crawler.profile import NotifySection

logger = logging.getLogger(__name__)

WECOM_TEXT_LIMIT = 2048          # bytes of UTF-8, WeCom's limit for a text message
DINGTALK_PER_MINUTE = 20         # DingTalk robots accept 20 messages a minute
TOP_FINDINGS = 10                # findings listed in a message
NOTIFY_TOTAL_S = 30.0            # seconds: every channel of one run
CHANNEL_TOTAL_S = 15.0           # seconds: every attempt to one channel, pauses included
ANSWER_MAX_BYTES = 64 * 1024     # of a hook's answer: a JSON status, never a download
RETRY_AFTER_CAP = 30.0           # seconds: a server asking for a longer pause gets no retry this run


class NotifyStatus(str, enum.Enum):
    """What happened to one channel's message."""

    SENT = "sent"
    SKIPPED = "skipped"            # `on` says this run is not worth a message
    CONFIG = "config"              # the secret's environment variable is missing, or the URL is invalid
    RATE_LIMITED = "rate_limited"  # our limiter or the server said too many messages
    TIMEOUT = "timeout"
    CONNECT = "connect"            # connection refused, DNS failure, TLS error
    HTTP_ERROR = "http_error"      # 4xx / 5xx
    BAD_RESPONSE = "bad_response"  # not JSON where JSON is expected
    REJECTED = "rejected"          # the API answered errcode != 0


@dataclass(frozen=True)
class NotifyResult:
    """The outcome of one channel's notification; `detail` never contains a secret or a token."""

    channel: str
    sent: bool
    status: NotifyStatus
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"channel": self.channel, "sent": self.sent, "status": self.status.value, "detail": self.detail}


class RateLimiter:
    """At most `limit` messages per `window_s` seconds (sliding window), per channel and URL."""

    def __init__(self, limit: int, window_s: float = 60.0, clock: Callable[[], float] = time.monotonic):
        self.limit = limit
        self.window_s = window_s
        self.clock = clock
        self._sent: dict[str, list[float]] = {}

    def acquire(self, key: str) -> float:
        """Record a message and return 0.0, or return the seconds to wait when the window is full."""
        now = self.clock()
        recent = [t for t in self._sent.get(key, []) if now - t < self.window_s]
        if len(recent) >= self.limit:
            self._sent[key] = recent
            return recent[0] + self.window_s - now
        recent.append(now)
        self._sent[key] = recent
        return 0.0


# Per process: a long-lived caller (tests, several audits in one process) shares the budget.
_LIMITERS: dict[str, RateLimiter] = {"dingtalk": RateLimiter(DINGTALK_PER_MINUTE)}


# -- signatures ------------------------------------------------------------------------------------

def dingtalk_sign(secret: str, ts_ms: int) -> str:
    """DingTalk's `sign` parameter, already URL-encoded."""
    digest = hmac.new(secret.encode("utf-8"), f"{ts_ms}\n{secret}".encode("utf-8"), hashlib.sha256).digest()
    return urllib.parse.quote_plus(base64.b64encode(digest).decode("ascii"))


def feishu_sign(secret: str, ts_s: int) -> str:
    """Feishu's `sign` body field: the key is the timestamp and secret, the message empty."""
    digest = hmac.new(f"{ts_s}\n{secret}".encode("utf-8"), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def webhook_sign(secret: str, ts_s: int, body: bytes) -> str:
    """The generic webhook's `X-Siteaudit-Signature` value."""
    mac = hmac.new(secret.encode("utf-8"), f"{ts_s}.".encode("ascii") + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def truncate_utf8(text: str, limit: int) -> str:
    """`text` cut to at most `limit` UTF-8 bytes without splitting a character; marks the cut with …."""
    raw = text.encode("utf-8")
    if len(raw) <= limit:
        return text
    ellipsis = "…".encode("utf-8")
    return raw[: limit - len(ellipsis)].decode("utf-8", errors="ignore") + "…"


# -- masking ---------------------------------------------------------------------------------------

def _token_like(segment: str) -> bool:
    return len(segment) >= 16 and all(c.isalnum() or c in "-_" for c in segment)


def mask_url(url: str) -> str:
    """The URL with every query value and token-like path segment replaced by `***`."""
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        return "***"
    path = "/".join("***" if _token_like(s) else s for s in parts.path.split("/"))
    query = "&".join(f"{k}=***" for k, _ in urllib.parse.parse_qsl(parts.query, keep_blank_values=True))
    netloc = parts.hostname or ""
    if parts.port:
        netloc += f":{parts.port}"
    return urllib.parse.urlunsplit((parts.scheme, netloc, path, query, ""))


def _sensitive(url: str, secret: str) -> list[str]:
    """Every string that must not appear in a message we print, longest first."""
    found = [secret] if secret else []
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        return found + [url]
    found += [v for _, v in urllib.parse.parse_qsl(parts.query) if v]
    found += [s for s in parts.path.split("/") if _token_like(s)]
    if parts.password:
        found.append(parts.password)
    found += [s for s in list(found) if s != urllib.parse.quote_plus(s)]
    found += [urllib.parse.quote_plus(s) for s in list(found)]
    return sorted({s for s in found if len(s) >= 4}, key=len, reverse=True)


class _MaskFilter(logging.Filter):
    """Masks webhook tokens in other libraries' log records (urllib3 logs request URLs at DEBUG)."""

    def __init__(self) -> None:
        super().__init__()
        self.hidden: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        if self.hidden:
            message = record.getMessage()
            for s in sorted(self.hidden, key=len, reverse=True):
                message = message.replace(s, "***")
            record.msg, record.args = message, ()
        return True


_MASK = _MaskFilter()
logging.getLogger("urllib3.connectionpool").addFilter(_MASK)


def scrub(text: str, url: str, secret: str = "") -> str:
    """`text` with the URL masked and any token or secret replaced by `***`."""
    text = text.replace(url, mask_url(url))
    for s in _sensitive(url, secret):
        text = text.replace(s, "***")
    return text


# -- channels --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Request:
    url: str
    body: bytes
    headers: dict[str, str]
    expects: str                  # "errcode" (DingTalk, WeCom), "code" (Feishu) or "http" (generic)


def _json(payload: Any) -> bytes:
    return json.dumps(payload, ensure_ascii=False).encode("utf-8")


_JSON = {"Content-Type": "application/json; charset=utf-8"}


def dingtalk_request(webhook: str, secret: str, title: str, text: str, now: float) -> _Request:
    url = webhook
    if secret:
        ts_ms = int(now * 1000)
        url += ("&" if "?" in url else "?") + f"timestamp={ts_ms}&sign={dingtalk_sign(secret, ts_ms)}"
    body = _json({"msgtype": "markdown", "markdown": {"title": title, "text": text}})
    return _Request(url, body, dict(_JSON), "errcode")


def wecom_request(webhook: str, text: str) -> _Request:
    body = _json({"msgtype": "text", "text": {"content": truncate_utf8(text, WECOM_TEXT_LIMIT)}})
    return _Request(webhook, body, dict(_JSON), "errcode")


def feishu_request(webhook: str, secret: str, text: str, now: float) -> _Request:
    payload: dict[str, Any] = {}
    if secret:
        ts_s = int(now)
        payload = {"timestamp": str(ts_s), "sign": feishu_sign(secret, ts_s)}
    payload.update({"msg_type": "text", "content": {"text": text}})
    return _Request(webhook, _json(payload), dict(_JSON), "code")


def webhook_request(url: str, secret: str, payload: dict[str, Any], now: float) -> _Request:
    body = _json(payload)
    headers = dict(_JSON)
    if secret:
        ts_s = int(now)
        headers["X-Siteaudit-Timestamp"] = str(ts_s)
        headers["X-Siteaudit-Signature"] = webhook_sign(secret, ts_s, body)
    return _Request(url, body, headers, "http")


# DingTalk's "send too fast" error codes; WeCom's 45009 is its API frequency limit.
_RATE_ERRCODES = {130101, 45009}


def _send_with_retries(channel: str, req: _Request, secret: str, timeout: float, retries: int, backoff: float,
                       sleep: Callable[[float], None]) -> NotifyResult:
    """Send, and send again after a passing failure (see the module docstring); all attempts of one
    channel, pauses included, end within CHANNEL_TOTAL_S (a hook that keeps timing out costs that at most)."""
    ends = time.monotonic() + max(timeout, CHANNEL_TOTAL_S)
    for attempt in range(retries + 1):
        result, wait = _send(channel, req, secret, max(0.5, round(min(timeout, ends - time.monotonic()), 1)))
        if wait is None or attempt == retries:
            break
        pause = wait if wait > 0 else backoff * (attempt + 1)
        if time.monotonic() + pause + 0.5 >= ends:
            break
        sleep(pause)
    if attempt:
        result = NotifyResult(result.channel, result.sent, result.status,
                              f"{result.detail} (attempt {attempt + 1} of {retries + 1})")
    return result


def _retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds only; dates are rare on webhook APIs)."""
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


def _send(channel: str, req: _Request, secret: str, timeout: float) -> tuple[NotifyResult, float | None]:
    """One attempt: (result, None when final, or seconds to wait before a retry; 0 = use the backoff)."""
    masked = mask_url(req.url)
    _MASK.hidden.update(_sensitive(req.url, secret))
    try:
        # `timeout` bounds the whole exchange: a hook that answers one byte a second is cut at it.
        with bounded_session() as session:
            resp = bounded_request(session, "POST", req.url, timeout=timeout, max_bytes=ANSWER_MAX_BYTES,
                                   data=req.body, headers=req.headers, allow_redirects=False)
    except requests.Timeout:
        return NotifyResult(channel, False, NotifyStatus.TIMEOUT, f"{masked}: no answer within {timeout:g}s"), 0.0
    except requests.RequestException as exc:
        detail = scrub(f"{masked}: {type(exc).__name__}: {exc}", req.url, secret)
        return NotifyResult(channel, False, NotifyStatus.CONNECT, detail), 0.0
    if resp.status_code == 429:
        pause = _retry_after(resp.headers.get("Retry-After"))
        wait = None if pause is not None and pause > RETRY_AFTER_CAP else (pause or 0.0)
        said = f", Retry-After {pause:g}s" if pause is not None else ""
        return NotifyResult(channel, False, NotifyStatus.RATE_LIMITED, f"{masked}: HTTP 429{said}"), wait
    if not 200 <= resp.status_code < 300:
        snippet = scrub(resp.text[:200], req.url, secret)
        result = NotifyResult(channel, False, NotifyStatus.HTTP_ERROR,
                              f"{masked}: HTTP {resp.status_code} {snippet}".strip())
        return result, (0.0 if resp.status_code >= 500 else None)
    return _answer(channel, req, resp, secret), None


def _answer(channel: str, req: _Request, resp: requests.Response, secret: str) -> NotifyResult:
    """The outcome of a 2xx answer: the API's own success or error code."""
    masked = mask_url(req.url)
    if req.expects == "http":
        return NotifyResult(channel, True, NotifyStatus.SENT, f"{masked}: HTTP {resp.status_code}")
    try:
        answer = resp.json()
    except ValueError:
        snippet = scrub(resp.text[:200], req.url, secret)
        return NotifyResult(channel, False, NotifyStatus.BAD_RESPONSE, f"{masked}: not JSON: {snippet!r}")
    if not isinstance(answer, dict):
        return NotifyResult(channel, False, NotifyStatus.BAD_RESPONSE, f"{masked}: unexpected JSON answer")
    # Feishu answers {"code": 0, "msg": "success"} (older bots: {"StatusCode": 0}).
    key = req.expects if req.expects in answer or req.expects == "errcode" else "StatusCode"
    code = answer.get(key)
    message = answer.get("errmsg") or answer.get("msg") or answer.get("StatusMessage") or ""
    if code == 0:
        return NotifyResult(channel, True, NotifyStatus.SENT, f"{masked}: ok")
    status = NotifyStatus.RATE_LIMITED if code in _RATE_ERRCODES else NotifyStatus.REJECTED
    detail = scrub(f"{masked}: {key}={code} {message}".strip(), req.url, secret)
    return NotifyResult(channel, False, status, detail)


def _secret(env_name: str, env: Mapping[str, str]) -> tuple[str, str | None]:
    """(secret, problem): the secret from the environment, or why it is missing."""
    if not env_name:
        return "", None
    value = env.get(env_name, "")
    if not value:
        return "", f"environment variable {env_name} is not set"
    return value, None


def _channels(section: NotifySection) -> list[tuple[str, str, str]]:
    """(channel, url, secret_env) for every configured channel, in a fixed order."""
    out = []
    for name in ("dingtalk", "wecom", "feishu"):
        hook = getattr(section, name)
        if hook.webhook:
            out.append((name, hook.webhook, hook.secret_env))
    if section.webhook.url:
        out.append(("webhook", section.webhook.url, section.webhook.secret_env))
    return out


def notify(section: NotifySection, doc: dict, extra: dict, report_path: str,
           env: Mapping[str, str] = os.environ, timeout: float = 10.0, *,
           clock: Callable[[], float] = time.time, retries: int = 2, backoff: float = 1.0,
           sleep: Callable[[float], None] = time.sleep) -> list[NotifyResult]:
    """Send the run's message to every configured channel; one result per channel, never raises.

    `doc` is the findings.json object, `extra` the report extras (`fixed`, `partial`, and
    optionally `exit_code` and `fail_on`, which `on: fail` uses), `report_path` the path or URL
    of the report shown in the message.
    """
    channels = _channels(section)
    if not channels:
        return []
    send, why = should_notify(section.on, doc, extra)
    if not send:
        return [NotifyResult(name, False, NotifyStatus.SKIPPED, why) for name, _, _ in channels]
    lang = extra.get("lang", "zh")
    results = []
    ends = time.monotonic() + NOTIFY_TOTAL_S
    for name, url, env_name in channels:
        if time.monotonic() >= ends:   # hooks that kept timing out used the run's notification time
            results.append(NotifyResult(name, False, NotifyStatus.TIMEOUT,
                                        f"not sent: the {NOTIFY_TOTAL_S:g} s for notifications were used up"))
            continue
        try:
            ready = _notify_one(name, url, env_name, doc, extra, report_path, env, clock(), lang)
            result = ready if isinstance(ready, NotifyResult) else _send_with_retries(
                name, *ready, timeout, retries, backoff, sleep)
        except Exception as exc:  # a bug here must not cost the user the audit's outputs
            result = NotifyResult(name, False, NotifyStatus.CONFIG, scrub(f"{type(exc).__name__}: {exc}", url))
        level = logging.INFO if result.sent else logging.WARNING
        logger.log(level, "notify %s: %s %s", name, result.status.value, result.detail)
        results.append(result)
    return results


def _notify_one(name: str, url: str, env_name: str, doc: dict, extra: dict, report_path: str,
                env: Mapping[str, str], now: float, lang: str) -> tuple[_Request, str] | NotifyResult:
    """(the signed request for one channel, its secret), or the result that says why it cannot be sent."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return NotifyResult(name, False, NotifyStatus.CONFIG, f"notify.{name}: not an http(s) URL: {mask_url(url)}")
    secret, problem = _secret(env_name, env)
    if problem:
        return NotifyResult(name, False, NotifyStatus.CONFIG, f"notify.{name}.secret_env: {problem}")
    limiter = _LIMITERS.get(name)
    if limiter is not None:
        wait = limiter.acquire(f"{parts.hostname}{parts.path}?{parts.query}")
        if wait > 0:
            return NotifyResult(name, False, NotifyStatus.RATE_LIMITED,
                                f"{mask_url(url)}: {DINGTALK_PER_MINUTE}/min reached, retry in {wait:.0f}s")
    markdown = name == "dingtalk"
    title, text = build_text(doc, extra, report_path, lang=lang, markdown=markdown, top=TOP_FINDINGS)
    if name == "dingtalk":
        req = dingtalk_request(url, secret, title, text, now)
    elif name == "wecom":
        req = wecom_request(url, text)
    elif name == "feishu":
        req = feishu_request(url, secret, text, now)
    else:
        payload = {"event": "siteaudit.run", "run": doc.get("run", {}), "summary": doc.get("summary", {}),
                   "top": top_findings(doc, TOP_FINDINGS), "fixed": len(extra.get("fixed") or []),
                   "report": report_path, "title": title, "text": text}
        req = webhook_request(url, secret, payload, now)
    return req, secret

