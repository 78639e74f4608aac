"""Loopback fakes of the Zoho CRM and Fxiaoke APIs (127.0.0.1 only, started by the tests).

They implement the endpoints the connectors call with the platforms' shapes: Zoho's OAuth token
answers (``{"error": "invalid_code"}`` for a revoked refresh token), record pages with
``info.more_records`` / ``next_page_token``, ``If-Modified-Since`` (304 when nothing changed),
``/deleted``, ``/actions/count``, Bulk Read jobs (ADDED → IN PROGRESS → COMPLETED, zipped CSV),
``users`` and ``Stage_History``, ``INVALID_TOKEN`` on an expired access token; Fxiaoke's
``corpAccessToken/get/V2`` and ``data/query`` with ``errorCode`` 0 / 10006 / 20016. Both can answer
429 (with Retry-After) or 500 on demand, and "die" (503 for everything) after N calls.
"""

from __future__ import annotations

import csv
import io
import json
import threading
import time
import zipfile
from datetime import UTC, datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

ZOHO_CREDS = {
    "client_id": "1000.FAKECLIENTID",
    "client_secret": "zoho-client-s3cret-9f8e",
    "refresh_token": "1000.refresh-t0ken-abc123",
}
FX_CREDS = {
    "app_id": "FSAID_fake01",
    "app_secret": "fx-app-s3cret-77aa",
    "permanent_code": "PERMCODE-5566-XYZ",
    "open_user_id": "FSUID_ADMIN01",
}
_TZ = timedelta(hours=8)


class _Server:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.calls: list[tuple[str, str]] = []
        self.rate_limit_next = 0
        self.fail_next = 0
        self.die_after: int | None = None
        self.delay_s = 0.0
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # keep the test output quiet
                pass

            def _go(self, method: str) -> None:
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n) if n else b""
                if fake.delay_s:
                    time.sleep(fake.delay_s)  # a slow platform, so a test can kill a pull midway
                with fake.lock:
                    status, headers, payload = fake.dispatch(method, self.path, dict(self.headers), body)
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def do_GET(self) -> None:
                self._go("GET")

            def do_POST(self) -> None:
                self._go("POST")

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def start(self) -> _Server:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def dispatch(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        self.calls.append((method, path))
        if self.die_after is not None and len(self.calls) > self.die_after:
            return 503, {}, b"down"
        if self.rate_limit_next > 0:
            self.rate_limit_next -= 1
            return 429, {"Retry-After": "1", "Content-Type": "application/json"}, self.too_many()
        if self.fail_next > 0:
            self.fail_next -= 1
            return 500, {}, b"internal error"
        return self.handle(method, path, headers, body)

    def too_many(self) -> bytes:
        return b"{}"

    def handle(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        raise NotImplementedError


def _j(obj: Any, status: int = 200) -> tuple[int, dict[str, str], bytes]:
    return (
        status,
        {"Content-Type": "application/json;charset=UTF-8"},
        json.dumps(obj, ensure_ascii=False).encode("utf-8"),
    )


def _zoho_time(t: datetime) -> str:
    return t.astimezone(timezone(_TZ)).isoformat(timespec="seconds")


class FakeZoho(_Server):
    """A Zoho CRM organisation in memory (``records[module][id]`` in REST JSON form)."""

    def __init__(
        self,
        records: dict[str, list[dict[str, Any]]],
        users: list[dict[str, Any]],
        history: dict[str, list[dict[str, Any]]],
    ) -> None:
        super().__init__()
        self.now = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)
        self.records = {
            m: {r["id"]: dict(r, Modified_Time=_zoho_time(self.tick())) for r in rs}
            for m, rs in records.items()
        }
        self.users = users
        self.history = history
        self.deleted: dict[str, list[dict[str, Any]]] = {m: [] for m in records}
        self.refresh_tokens = {ZOHO_CREDS["refresh_token"]}
        self.access: dict[str, int] = {}  # token -> calls left before it expires
        self.token_calls = 50
        self.tokens_issued = 0
        self.jobs: dict[str, dict[str, Any]] = {}
        self.bulk_polls = 2

    def tick(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now

    # -- mutations the tests make between pulls --
    def modify(self, module: str, rid: str, **changes: Any) -> None:
        with self.lock:
            self.records[module][rid].update(changes, Modified_Time=_zoho_time(self.tick()))

    def add(self, module: str, rec: dict[str, Any]) -> None:
        with self.lock:
            self.records[module][rec["id"]] = dict(rec, Modified_Time=_zoho_time(self.tick()))

    def delete(self, module: str, rid: str) -> None:
        with self.lock:
            rec = self.records[module].pop(rid)
            self.history.pop(rid, None)
            self.deleted[module].append(
                {
                    "id": rid,
                    "display_name": rec.get("Deal_Name", rid),
                    "type": "recycle",
                    "deleted_by": {"id": "u1", "name": "Admin"},
                    "deleted_time": _zoho_time(self.tick()),
                }
            )

    def too_many(self) -> bytes:
        return json.dumps(
            {"code": "TOO_MANY_REQUESTS", "details": {}, "message": "too many requests", "status": "error"}
        ).encode()

    def handle(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        url = urlparse(path)
        q = {k: v[0] for k, v in parse_qs(url.query).items()}
        if url.path == "/oauth/v2/token":
            form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
            if (
                form.get("client_id") != ZOHO_CREDS["client_id"]
                or form.get("client_secret") != ZOHO_CREDS["client_secret"]
            ):
                return _j({"error": "invalid_client"})
            if (
                form.get("grant_type") != "refresh_token"
                or form.get("refresh_token") not in self.refresh_tokens
            ):
                return _j({"error": "invalid_code"})
            self.tokens_issued += 1
            token = f"1000.access-{self.tokens_issued}-f00dbabe"
            self.access[token] = self.token_calls
            return _j(
                {"access_token": token, "api_domain": self.url, "token_type": "Bearer", "expires_in": 3600}
            )
        auth = headers.get("Authorization", "")
        token = auth.removeprefix("Zoho-oauthtoken ")
        if not auth.startswith("Zoho-oauthtoken ") or token not in self.access:
            return _j(
                {
                    "code": "AUTHENTICATION_FAILURE",
                    "details": {},
                    "message": "Authentication failed",
                    "status": "error",
                },
                401,
            )
        if self.access[token] <= 0:
            return _j(
                {"code": "INVALID_TOKEN", "details": {}, "message": "invalid oauth token", "status": "error"},
                401,
            )
        self.access[token] -= 1
        parts = url.path.strip("/").split("/")
        if parts[:3] == ["crm", "bulk", "v8"]:
            return self.bulk(method, parts[3:], body)
        if parts[:2] != ["crm", "v8"]:
            return _j(
                {
                    "code": "INVALID_URL_PATTERN",
                    "details": {},
                    "message": "Please check if the URL trying to access is a correct one",
                    "status": "error",
                },
                404,
            )
        rest = parts[2:]
        if rest == ["users"]:
            return self.page(self.users, q, key="users")
        module = rest[0]
        if module not in self.records:
            return _j(
                {
                    "code": "INVALID_MODULE",
                    "details": {},
                    "message": "the module name given seems to be invalid",
                    "status": "error",
                },
                400,
            )
        since = headers.get("If-Modified-Since")
        if len(rest) == 1:
            recs = sorted(self.records[module].values(), key=lambda r: (r["Modified_Time"], r["id"]))
            if since:
                recs = [r for r in recs if _t(r["Modified_Time"]) > _t(since)]  # modified after
                if not recs:
                    return 304, {}, b""
            return self.page(recs, q)
        if rest[1:] == ["deleted"]:
            recs = [r for r in self.deleted[module] if not since or _t(r["deleted_time"]) > _t(since)]
            return self.page(recs, q)
        if rest[1:] == ["actions", "count"]:
            return _j({"count": len(self.records[module])})
        if module == "Deals" and len(rest) == 3 and rest[2] == "Stage_History":
            rows = self.history.get(rest[1]) or []
            return self.page(rows, q) if rows else (204, {}, b"")
        return _j(
            {"code": "INVALID_URL_PATTERN", "details": {}, "message": "bad url", "status": "error"}, 404
        )

    def page(
        self, recs: list[dict[str, Any]], q: dict[str, str], key: str = "data"
    ) -> tuple[int, dict[str, str], bytes]:
        if not recs:
            return 204, {}, b""
        per_page = int(q.get("per_page", 200))
        if "page_token" in q:
            start = int(q["page_token"].removeprefix("ptk-"))
            page = start // per_page + 1
        else:
            page = int(q.get("page", 1))
            start = (page - 1) * per_page
        chunk = recs[start : start + per_page]
        more = start + per_page < len(recs)
        info = {
            "per_page": per_page,
            "count": len(chunk),
            "page": page,
            "more_records": more,
            "next_page_token": f"ptk-{start + per_page}" if more else None,
        }
        return _j({key: chunk, "info": info})

    def bulk(self, method: str, parts: list[str], body: bytes) -> tuple[int, dict[str, str], bytes]:
        if method == "POST" and parts == ["read"]:
            req = json.loads(body)
            jid = f"5545{len(self.jobs) + 1:08d}"
            self.jobs[jid] = {
                "module": req["query"]["module"]["api_name"],
                "page": req["query"].get("page", 1),
                "fields": req["query"].get("fields"),
                "polls": 0,
            }
            return _j(
                {
                    "data": [
                        {
                            "status": "success",
                            "code": "ADDED_SUCCESSFULLY",
                            "message": "Added successfully.",
                            "details": {"id": jid, "operation": "read", "state": "ADDED"},
                        }
                    ],
                    "info": {},
                }
            )
        if len(parts) >= 2 and parts[0] == "read" and parts[1] in self.jobs:
            job = self.jobs[parts[1]]
            if len(parts) == 2:
                job["polls"] += 1
                state = (
                    "COMPLETED"
                    if job["polls"] > self.bulk_polls
                    else ("IN PROGRESS" if job["polls"] > 1 else "ADDED")
                )
                out: dict[str, Any] = {"id": parts[1], "operation": "read", "state": state}
                if state == "COMPLETED":
                    per = self.bulk_page_size
                    n = len(self.records[job["module"]])
                    out["result"] = {
                        "page": job["page"],
                        "count": min(per, n - (job["page"] - 1) * per),
                        "download_url": f"/crm/bulk/v8/read/{parts[1]}/result",
                        "per_page": per,
                        "more_records": job["page"] * per < n,
                    }
                return _j({"data": [out]})
            if parts[2:] == ["result"]:
                return 200, {"Content-Type": "application/zip"}, self.bulk_zip(parts[1], job)
        return _j(
            {"code": "RESOURCE_NOT_FOUND", "details": {}, "message": "no such job", "status": "error"}, 404
        )

    bulk_page_size = 200000

    def bulk_zip(self, jid: str, job: dict[str, Any]) -> bytes:
        recs = sorted(self.records[job["module"]].values(), key=lambda r: r["id"])
        per = self.bulk_page_size
        recs = recs[(job["page"] - 1) * per : job["page"] * per]
        fields = job["fields"] or sorted({k for r in recs for k in r})
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(fields)
        for r in recs:
            # Bulk Read CSV: lookups are written as the related record's id.
            w.writerow(
                [
                    "" if r.get(f) is None else (r[f]["id"] if isinstance(r.get(f), dict) else r[f])
                    for f in fields
                ]
            )
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as zf:
            zf.writestr(f"{jid}.csv", buf.getvalue())
        return out.getvalue()


def _t(s: str) -> datetime:
    return datetime.fromisoformat(s.replace("Z", "+00:00"))


class FakeFxiaoke(_Server):
    """A Fxiaoke tenant in memory (``objects[api_name][_id]``; times are epoch milliseconds)."""

    def __init__(self, objects: dict[str, list[dict[str, Any]]]) -> None:
        super().__init__()
        self.ms = 1_764_547_200_000  # 2025-12-01T00:00:00Z
        self.objects = {
            o: {r["_id"]: dict(r, last_modified_time=self.tick()) for r in rs} for o, rs in objects.items()
        }
        self.tokens: dict[str, int] = {}
        self.token_calls = 50
        self.issued = 0
        self.after_query: Any = None

    def tick(self) -> int:
        self.ms += 1000
        return self.ms

    def modify(self, obj: str, rid: str, **changes: Any) -> None:
        with self.lock:
            self.objects[obj][rid].update(changes, last_modified_time=self.tick())

    def add(self, obj: str, rec: dict[str, Any]) -> None:
        with self.lock:
            self.objects[obj][rec["_id"]] = dict(rec, last_modified_time=self.tick())

    def delete(self, obj: str, rid: str) -> None:
        """To the recycle bin: still returned by data/query, with is_deleted true."""
        self.modify(obj, rid, is_deleted=True)

    def live(self, obj: str) -> list[dict[str, Any]]:
        return [r for _, r in sorted(self.objects[obj].items()) if not r.get("is_deleted")]

    def handle(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        req = json.loads(body or b"{}")
        if path == "/cgi/corpAccessToken/get/V2":
            if req.get("appId") != FX_CREDS["app_id"] or req.get("appSecret") != FX_CREDS["app_secret"]:
                return _j({"errorCode": 10006, "errorMessage": "appId或appSecret错误"})
            if req.get("permanentCode") != FX_CREDS["permanent_code"]:
                return _j({"errorCode": 20017, "errorMessage": "永久授权码无效"})
            self.issued += 1
            tok = f"CAT-{self.issued}-0a1b2c3d"
            self.tokens[tok] = self.token_calls
            return _j(
                {
                    "errorCode": 0,
                    "errorMessage": "success",
                    "corpAccessToken": tok,
                    "corpId": "FSCID_FAKE",
                    "expiresIn": 7200,
                }
            )
        if path in ("/cgi/crm/v2/data/query", "/cgi/crm/custom/v2/data/query"):
            tok = req.get("corpAccessToken")
            if tok not in self.tokens or self.tokens[tok] <= 0:
                return _j({"errorCode": 20016, "errorMessage": "corpAccessToken已失效", "traceId": "E-1"})
            self.tokens[tok] -= 1
            data = req.get("data") or {}
            obj = data.get("dataObjectApiName")
            if obj not in self.objects:
                return _j({"errorCode": 320001, "errorMessage": f"对象不存在 {obj}"})
            sq = data.get("search_query_info") or {}
            rows = sorted(self.objects[obj].values(), key=lambda r: (r["last_modified_time"], r["_id"]))
            for f in sq.get("filters") or []:
                assert f["operator"] == "GTE"
                rows = [r for r in rows if r[f["field_name"]] >= f["field_values"][0]]
            off, lim = int(sq.get("offset", 0)), min(int(sq.get("limit", 100)), 100)
            answer = _j(
                {
                    "errorCode": 0,
                    "errorMessage": "OK",
                    "data": {
                        "dataList": rows[off : off + lim],
                        "total": len(rows),
                        "offset": off,
                        "limit": lim,
                    },
                }
            )
            if self.after_query is not None:  # a change made while the pull pages (after this answer)
                hook, self.after_query = self.after_query, None
                hook(obj)
            return answer
        return 404, {}, b""
