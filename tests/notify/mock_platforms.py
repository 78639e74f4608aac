"""Local stand-ins for the WeCom, DingTalk and Feishu bot endpoints (127.0.0.1 only).

Each mock implements the documented request format, verifies the key/token and
signature, enforces a per-bot rate limit in a sliding window and answers with
the platform's own error codes:

- WeCom: 93000 invalid webhook url (wrong key), 45009 api freq out of limit,
  40058 for a malformed message (markdown over 4096 bytes, image md5 mismatch or over 2 MB).
- DingTalk: 300001 token is not exist, 310000 sign not match (wrong secret or a timestamp
  more than an hour off), 130101 send too fast, exceed 20 times per minute.
- Feishu: 19001 incoming webhook access token invalid, 19021 sign match fail or timestamp
  is not within one hour from current time, 9499 too many request; bodies over 20 KB refused.

``script`` queues canned answers (``(http_status, body)``) served before normal handling,
to test retries on 45009 / 429 / 5xx.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
import urllib.parse
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

WECOM_MARKDOWN_MAX = 4096
WECOM_IMAGE_MAX = 2 * 1024 * 1024
FEISHU_BODY_MAX = 20 * 1024


@dataclass
class MockBot:
    platform: str  # wecom | dingtalk | feishu
    token: str
    secret: str = ""
    per_window: int = 20
    window_s: float = 60.0
    received: list[dict[str, Any]] = field(default_factory=list)
    rejected: list[dict[str, Any]] = field(default_factory=list)
    script: deque = field(default_factory=deque)
    _times: deque = field(default_factory=deque)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def rate_ok(self) -> bool:
        now = time.monotonic()
        while self._times and now - self._times[0] >= self.window_s:
            self._times.popleft()
        if len(self._times) >= self.per_window:
            return False
        self._times.append(now)
        return True

    # ----------------------------------------------------------------- platforms
    def wecom(self, query: dict[str, str], body: dict[str, Any], raw: bytes) -> tuple[int, dict[str, Any]]:
        if query.get("key") != self.token:
            return 200, {
                "errcode": 93000,
                "errmsg": "invalid webhook url, hint: [1700000000_1], from ip: 127.0.0.1",
            }
        if not self.rate_ok():
            return 200, {"errcode": 45009, "errmsg": "api freq out of limit"}
        kind = body.get("msgtype")
        if kind == "markdown":
            content = body.get("markdown", {}).get("content", "")
            if not content or len(content.encode("utf-8")) > WECOM_MARKDOWN_MAX:
                return 200, {"errcode": 40058, "errmsg": "markdown.content exceed max length 4096"}
        elif kind == "image":
            image = body.get("image", {})
            data = base64.b64decode(image.get("base64", ""), validate=True)
            if len(data) > WECOM_IMAGE_MAX or hashlib.md5(data).hexdigest() != image.get("md5"):
                return 200, {"errcode": 40058, "errmsg": "invalid image: md5 mismatch or larger than 2M"}
            if not data.startswith(b"\x89PNG") and not data.startswith(b"\xff\xd8"):
                return 200, {"errcode": 40058, "errmsg": "image must be JPG or PNG"}
        else:
            return 200, {"errcode": 40008, "errmsg": f"invalid message type {kind!r}"}
        return 200, {"errcode": 0, "errmsg": "ok"}

    def dingtalk(self, query: dict[str, str], body: dict[str, Any], raw: bytes) -> tuple[int, dict[str, Any]]:
        if query.get("access_token") != self.token:
            return 200, {"errcode": 300001, "errmsg": "token is not exist"}
        if self.secret:
            ts, sign = query.get("timestamp", ""), query.get("sign", "")
            expected = base64.b64encode(
                hmac.new(self.secret.encode(), f"{ts}\n{self.secret}".encode(), hashlib.sha256).digest()
            ).decode()
            fresh = ts.isdigit() and abs(int(ts) - time.time() * 1000) < 3_600_000
            if not fresh or not hmac.compare_digest(sign, expected):
                return 200, {
                    "errcode": 310000,
                    "errmsg": "sign not match, more: [https://ding-doc.dingtalk.com/doc#/serverapi2/qf2nxq]",
                }
        if not self.rate_ok():
            return 200, {"errcode": 130101, "errmsg": "send too fast, exceed 20 times per minute"}
        md = body.get("markdown", {})
        if body.get("msgtype") != "markdown" or not md.get("title") or not md.get("text"):
            return 200, {"errcode": 40035, "errmsg": "缺少参数 markdown.title / markdown.text"}
        return 200, {"errcode": 0, "errmsg": "ok"}

    def feishu(self, path_token: str, body: dict[str, Any], raw: bytes) -> tuple[int, dict[str, Any]]:
        if path_token != self.token:
            return 200, {"code": 19001, "msg": "param invalid: incoming webhook access token invalid"}
        if len(raw) > FEISHU_BODY_MAX:
            return 200, {"code": 9499, "msg": "Bad Request: request body larger than 20K"}
        if self.secret:
            ts, sign = str(body.get("timestamp", "")), str(body.get("sign", ""))
            expected = base64.b64encode(
                hmac.new(f"{ts}\n{self.secret}".encode(), b"", hashlib.sha256).digest()
            ).decode()
            fresh = ts.isdigit() and abs(int(ts) - time.time()) < 3600
            if not fresh or not hmac.compare_digest(sign, expected):
                return 200, {
                    "code": 19021,
                    "msg": "sign match fail or timestamp is not within one hour from current time",
                }
        if not self.rate_ok():
            return 200, {"code": 9499, "msg": "too many request"}
        if body.get("msg_type") != "interactive" or not body.get("card", {}).get("elements"):
            return 200, {"code": 19002, "msg": "params error, msg_type need"}
        return 200, {"code": 0, "msg": "success", "data": {}}


class MockServer:
    """One HTTP server on 127.0.0.1 serving the three platforms' paths."""

    def __init__(self) -> None:
        self.bots: dict[str, MockBot] = {}
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def do_POST(self) -> None:
                parts = urllib.parse.urlsplit(self.path)
                query = dict(urllib.parse.parse_qsl(parts.query))
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                status, answer = server.handle(parts.path, query, raw)
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def add(self, name: str, bot: MockBot) -> str:
        """Register a bot; return its webhook URL."""
        self.bots[name] = bot
        if bot.platform == "wecom":
            return f"{self.base}/wecom/{name}/cgi-bin/webhook/send?key={bot.token}"
        if bot.platform == "dingtalk":
            return f"{self.base}/dingtalk/{name}/robot/send?access_token={bot.token}"
        return f"{self.base}/feishu/{name}/open-apis/bot/v2/hook/{bot.token}"

    def handle(self, path: str, query: dict[str, str], raw: bytes) -> tuple[int, dict[str, Any]]:
        bits = path.strip("/").split("/")
        bot = self.bots.get(bits[1]) if len(bits) > 1 else None
        if bot is None:
            return 404, {"errcode": 404, "errmsg": "not found"}
        try:
            body = json.loads(raw.decode("utf-8"))
        except ValueError:
            return 400, {"errcode": 40001, "errmsg": "invalid json"}
        with bot.lock:
            if bot.script:
                status, answer = bot.script.popleft()
            elif bot.platform == "wecom":
                status, answer = bot.wecom(query, body, raw)
            elif bot.platform == "dingtalk":
                status, answer = bot.dingtalk(query, body, raw)
            else:
                status, answer = bot.feishu(bits[-1], body, raw)
            record = {
                "query": query,
                "body": body,
                "status": status,
                "answer": answer,
                "at": time.monotonic(),
            }
            ok = status == 200 and answer.get("errcode", answer.get("code")) == 0
            (bot.received if ok else bot.rejected).append(record)
        return status, answer

    def __enter__(self) -> MockServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
