"""Fxiaoke / 纷享销客 OpenAPI: corpAccessToken, paged ``data/query`` with a modified-time filter,
and the replay of raw pulls into the current view (query-result JSON the io profiles read).

Endpoints (``{base}`` = ``https://open.fxiaoke.com``):
``POST {base}/cgi/corpAccessToken/get/V2`` {appId, appSecret, permanentCode} →
{errorCode, corpAccessToken, corpId, expiresIn};
``POST {base}/cgi/crm/v2/data/query`` (``/cgi/crm/custom/v2/data/query`` for ``__c`` objects)
{corpAccessToken, corpId, currentOpenUserId, data: {dataObjectApiName, search_query_info:
{limit, offset, filters, orders}}} → {errorCode, data: {dataList, total}}.
Every answer is HTTP 200 with ``errorCode``; 0 is success and 20016 an invalid or expired
token (refreshed once). Other codes in the published table do not always match what the
server sends (an appSecret mistake answers 10006), so they are reported with the platform's
own message.

Deletions: records moved to the recycle bin come back from the modified-time query with
``is_deleted: true`` and are dropped from the current view; 作废 (``life_status: invalid``)
records stay (the profiles map them to cancelled). Records erased for good are only noticed
by a ``--full`` pull.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from sales_analytics.connectors.common import Connector, CredentialError, PullError
from sales_analytics.connectors.config import SourcesConfig
from sales_analytics.connectors.store import RawPull, replay_pulls

__all__ = ["ERROR_HINTS", "FxiaokePull", "replay_current"]

log = logging.getLogger(__name__)

TOKEN_EXPIRED = 20016
#: errorCode → what to do. Credential problems name the variable to set.
ERROR_HINTS: dict[int, str] = {
    10006: "the app credentials were refused: check FXIAOKE_APP_ID / FXIAOKE_APP_SECRET",
    20016: "the corpAccessToken is invalid or expired (refreshed once; still refused)",
    20017: "the request was not authorised: check FXIAOKE_PERMANENT_CODE and the app's data permissions",
}
_CREDENTIAL_CODES = {10006, 20017}


class FxiaokePull(Connector):
    """One Fxiaoke pull into ``RawPull``."""

    def __init__(self, cfg: SourcesConfig, *args: Any, **kwargs: Any) -> None:
        super().__init__(cfg, *args, **kwargs)
        self.src = cfg.sources.fxiaoke
        self.base = self.src.base_url.rstrip("/")
        self.corp_id = ""

    def _post(self, path: str, body: dict[str, Any], what: str) -> dict[str, Any]:
        resp = self.http.request("POST", f"{self.base}{path}", what=what, json=body)
        try:
            out = resp.json()
        except ValueError:
            raise PullError(f"fxiaoke: {what}: HTTP {resp.status_code}, not a JSON answer") from None
        if resp.status_code != 200 or not isinstance(out, dict):
            raise PullError(f"fxiaoke: {what}: HTTP {resp.status_code}")
        return out

    @staticmethod
    def _error(code: int, message: str, what: str) -> PullError:
        hint = ERROR_HINTS.get(code, "see docs/sources.md")
        cls = CredentialError if code in _CREDENTIAL_CODES else PullError
        return cls(f"fxiaoke: {what} failed: errorCode {code} ({message}): {hint}")

    def refresh_token(self) -> None:
        body = self._post(
            "/cgi/corpAccessToken/get/V2",
            {
                "appId": self.creds["app_id"],
                "appSecret": self.creds["app_secret"],
                "permanentCode": self.creds["permanent_code"],
            },
            "corpAccessToken",
        )
        code = int(body.get("errorCode", -1))
        if code != 0:
            raise self._error(code, str(body.get("errorMessage", "")), "getting the corpAccessToken")
        self.corp_id = str(body["corpId"])
        self.set_token(str(body["corpAccessToken"]), float(body.get("expiresIn", 7200)))

    def query(self, obj: str, offset: int, since: int | None, what: str) -> dict[str, Any]:
        path = "/cgi/crm/custom/v2/data/query" if obj.endswith("__c") else "/cgi/crm/v2/data/query"
        filters = []
        if since is not None:
            filters.append(
                {"field_name": self.src.modified_field, "field_values": [since], "operator": "GTE"}
            )
        for attempt in (0, 1):
            if self.token_due():
                self.refresh_token()
            body = self._post(
                path,
                {
                    "corpAccessToken": self.token,
                    "corpId": self.corp_id,
                    "currentOpenUserId": self.creds["open_user_id"],
                    "data": {
                        "dataObjectApiName": obj,
                        "search_query_info": {
                            "limit": self.src.page_size,
                            "offset": offset,
                            "filters": filters,
                            "orders": [{"fieldName": self.src.modified_field, "isAsc": True}],
                        },
                    },
                },
                what,
            )
            code = int(body.get("errorCode", -1))
            if code == TOKEN_EXPIRED and attempt == 0:
                self.token = None
                continue
            if code != 0:
                raise self._error(code, str(body.get("errorMessage", "")), what)
            return body
        raise AssertionError("unreachable")

    def run(self, pull: RawPull, cursors: dict[str, dict[str, Any]], full: bool) -> dict[str, Any]:
        for obj in self.src.objects:
            st = pull.module(obj)
            if st["phase"] == "done":
                continue
            prev = cursors.get(obj, {})
            st.setdefault("full", full or prev.get("modified") is None)
            if "since" not in st:
                st["since"] = None if st["full"] else int(prev["modified"])
                st["skip"] = 0
            # Keyset paging: each page asks for modified >= the newest time seen so far and skips
            # the records already read at exactly that time. Plain offsets would skip a record
            # whenever one read earlier is modified mid-pull and moves to the end of the order.
            while not st.get("records_done"):
                page = int(st.get("page", 1))
                raw = self.query(obj, int(st["skip"]), st["since"], f"{obj} page {page}")
                rows = (raw.get("data") or {}).get("dataList") or []
                pull.save(
                    f"{obj}/query-{page:05d}.json",
                    json.dumps(raw, ensure_ascii=False).encode("utf-8"),
                    records=len(rows),
                )
                st["records"] = int(st.get("records", 0)) + len(rows)
                st["deleted"] = int(st.get("deleted", 0)) + sum(1 for r in rows if r.get("is_deleted"))
                times = [
                    int(r[self.src.modified_field])
                    for r in rows
                    if isinstance(r.get(self.src.modified_field), int | float)
                ]
                if len(times) != len(rows):
                    raise PullError(
                        f"fxiaoke: {obj} page {page}: records without a numeric {self.src.modified_field}; "
                        f"set sources.fxiaoke.modified_field to the object's modified-time field"
                    )
                if times:
                    newest = max(times)
                    at_newest = sum(1 for t in times if t == newest)
                    st["skip"] = at_newest + (int(st["skip"]) if newest == st["since"] else 0)
                    st["since"] = newest
                    if st.get("cursor_modified") is None or newest > st["cursor_modified"]:
                        st["cursor_modified"] = newest
                st["page"] = page + 1
                st["records_done"] = len(rows) < self.src.page_size
                pull.checkpoint()
            if st.get("cursor_modified") is None:
                st["cursor_modified"] = prev.get("modified")
            st["phase"] = "done"
            pull.checkpoint()
        return {"requests": self.http.requests_made, "retries": self.http.retries_made}


def replay_current(source_dir: Path) -> tuple[dict[str, bytes], dict[str, Any]]:
    """Rebuild every object's current records from the complete pulls (full resets, upsert by
    ``_id``, recycle-bin records dropped); one query-result JSON per object."""
    tables: dict[str, dict[str, dict[str, Any]]] = {}
    used: list[str] = []
    for folder, manifest in replay_pulls(source_dir):
        used.append(folder.name)
        files = [f["path"] for f in manifest["files"]]
        for obj, st in manifest.get("modules", {}).items():
            table = tables.setdefault(obj, {})
            if st.get("full"):
                table.clear()
            for rel in sorted(f for f in files if f.startswith(f"{obj}/query-")):
                body = json.loads((folder / rel).read_bytes())
                for rec in (body.get("data") or {}).get("dataList") or []:
                    key = str(rec.get("_id"))
                    if rec.get("is_deleted") in (True, "true", 1):
                        table.pop(key, None)
                    else:
                        table[key] = rec
    out: dict[str, bytes] = {}
    counts: dict[str, int] = {}
    for obj, table in tables.items():
        if not table:
            continue
        rows = [table[k] for k in sorted(table)]
        name = f"fxiaoke_{obj.lower()}.json"
        doc = {"errorCode": 0, "errorMessage": "OK", "data": {"dataList": rows, "total": len(rows)}}
        out[name] = (json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8")
        counts[name] = len(rows)
    return out, {"pulls": used, "rows": counts}
