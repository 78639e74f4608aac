"""Zoho CRM: OAuth refresh-token flow, REST record pages, deleted records, Bulk Read, Users,
deal Stage_History; and the replay of raw pulls into the current view (Bulk Read CSV layout).

Plain HTTP (httpx), not the official ``zohocrmsdk8-0``: the SDK keeps tokens in its own store
(file or database), initialises a process-wide singleton, writes its own log file and has no
way to point it at a test server; the pull needs seven endpoints, all below.

Endpoints (``{api}`` = the data centre's API host or the token's ``api_domain``):
``POST {accounts}/oauth/v2/token`` (grant_type=refresh_token);
``GET {api}/crm/v8/{module}`` (fields, per_page, page / page_token, If-Modified-Since);
``GET {api}/crm/v8/{module}/deleted`` (type=all, page, If-Modified-Since);
``GET {api}/crm/v8/{module}/actions/count``;
``POST {api}/crm/bulk/v8/read`` → ``GET …/read/{job}`` → ``GET download_url`` (zip of one CSV);
``GET {api}/crm/v8/users?type=AllUsers``; ``GET {api}/crm/v8/Deals/{id}/Stage_History``.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import re
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from sales_analytics.connectors.common import Connector, CredentialError, PullError
from sales_analytics.connectors.config import ZOHO_DATA_CENTRES, SourcesConfig
from sales_analytics.connectors.store import RawPull, replay_pulls
from sales_analytics.io.columns import ColumnRule
from sales_analytics.io.profiles import PROFILES

__all__ = ["MODULE_PROFILES", "ZohoPull", "module_fields", "replay_current"]

log = logging.getLogger(__name__)

#: Module API name → the io profile that reads it.
MODULE_PROFILES = {
    "Deals": "zoho_deals",
    "Accounts": "zoho_accounts",
    "Contacts": "zoho_contacts",
    "Calls": "zoho_calls",
    "Events": "zoho_meetings",
    "Sales_Orders": "zoho_sales_orders",
    "Invoices": "zoho_invoices",
}
HISTORY_FIELDS = ["Stage", "Amount", "Probability", "Closing_Date", "Modified_Time"]
_API_NAME = re.compile(r"^[A-Z][A-Za-z0-9]*(_[A-Za-z0-9]+)+$")
_ONE_WORD_API_NAMES = {"Owner", "Stage", "Amount", "Probability", "Industry", "Status"}

#: Zoho error codes → what to do (one line each).
ERROR_HINTS = {
    "INVALID_TOKEN": "the access token was refused twice; check the data_centre in parameters/sources.yaml",
    "OAUTH_SCOPE_MISMATCH": "the refresh token lacks a scope; create it with the scopes in docs/sources.md",
    "NO_PERMISSION": "the Zoho user behind the token may not read this module; grant read access",
    "INVALID_MODULE": "no such module in this organisation; remove it from sources.zoho.modules",
    "INVALID_URL_PATTERN": "the API host does not serve this path; check data_centre and api_version",
    "LIMIT_EXCEEDED": "the organisation's API credits or bulk limit are used up; run the pull later",
    "INVALID_DATA": "Zoho refused a parameter (often a field name in extra_fields)",
}


def module_fields(module: str, extra: list[str] | None = None) -> list[str]:
    """The field API names fetched for ``module``: those its io profile reads, plus Modified_Time.

    >>> module_fields("Deals")
    ['Account_Name', 'Amount', 'Closing_Date', 'Created_Time', 'Deal_Name', 'Modified_Time', 'Owner', 'Probability', 'Stage']
    """
    cmap = PROFILES[MODULE_PROFILES[module]]
    names: set[str] = {"Modified_Time"}
    for target in cmap.columns:
        rule: ColumnRule = cmap.rule(target)
        names.update(rule.sources())
        for name in rule.minutes_between or []:
            names.update([name] if isinstance(name, str) else name)
    for group in cmap.detect_groups():
        names.update(group)
    keep = {n for n in names if _API_NAME.match(n) or n in _ONE_WORD_API_NAMES}
    return sorted(keep | set(extra or []))


def _parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _later(a: str | None, b: str | None) -> str | None:
    if not a:
        return b
    if not b:
        return a
    return a if _parse_time(a) >= _parse_time(b) else b


class ZohoPull(Connector):
    """One Zoho pull into ``RawPull`` (see the module docstring for the endpoints)."""

    def __init__(self, cfg: SourcesConfig, *args: Any, **kwargs: Any) -> None:
        super().__init__(cfg, *args, **kwargs)
        self.src = cfg.sources.zoho
        accounts, api = ZOHO_DATA_CENTRES[self.src.data_centre]
        self.accounts = (self.src.accounts_url or accounts).rstrip("/")
        self.api = (self.src.api_url or api).rstrip("/")
        self.v = self.src.api_version

    # -- auth -----------------------------------------------------------------------------
    def refresh_token(self) -> None:
        resp = self.http.request(
            "POST",
            f"{self.accounts}/oauth/v2/token",
            what="token refresh",
            data={
                "grant_type": "refresh_token",
                "client_id": self.creds["client_id"],
                "client_secret": self.creds["client_secret"],
                "refresh_token": self.creds["refresh_token"],
            },
        )
        try:
            body = resp.json()
        except ValueError:
            body = {}
        if resp.status_code != 200 or "access_token" not in body:
            # Zoho answers a bad or revoked refresh token with HTTP 200 {"error": "invalid_code"}.
            code = body.get("error") or f"HTTP {resp.status_code}"
            if code in ("invalid_code", "invalid_client", "invalid_client_secret"):
                raise CredentialError(
                    f"zoho: the accounts server refused the credentials ({code}): the refresh token is "
                    f"expired or revoked, or the client is wrong; create a new refresh token and set "
                    f"ZOHO_REFRESH_TOKEN (and ZOHO_CLIENT_ID / ZOHO_CLIENT_SECRET), see docs/sources.md"
                )
            raise PullError(f"zoho: token refresh failed ({code})")
        if not self.src.api_url and body.get("api_domain"):
            self.api = str(body["api_domain"]).rstrip("/")
        self.set_token(str(body["access_token"]), float(body.get("expires_in", 3600)))

    def call(
        self,
        method: str,
        path: str,
        *,
        what: str,
        since: str | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        """An authorised call; refreshes the token before expiry and once on INVALID_TOKEN."""
        for attempt in (0, 1):
            if self.token_due():
                self.refresh_token()  # may switch self.api to the token's api_domain
            url = path if path.startswith("http") else f"{self.api}{path}"
            headers = {"Authorization": f"Zoho-oauthtoken {self.token}"}
            if since:
                headers["If-Modified-Since"] = since
            resp = self.http.request(method, url, what=what, headers=headers, **kwargs)
            if (
                resp.status_code == 401
                and attempt == 0
                and _code(resp) in ("INVALID_TOKEN", "AUTHENTICATION_FAILURE")
            ):
                self.token = None
                continue
            if resp.status_code >= 400:
                code = _code(resp) or f"HTTP {resp.status_code}"
                hint = ERROR_HINTS.get(code, "see docs/sources.md")
                raise PullError(f"zoho: {what} failed: {code}: {hint}")
            return resp
        raise AssertionError("unreachable")

    # -- the pull --------------------------------------------------------------------------
    def run(self, pull: RawPull, cursors: dict[str, dict[str, str | None]], full: bool) -> dict[str, Any]:
        for module in self.src.modules:
            st = pull.module(module)
            if st["phase"] == "done":
                continue
            prev = cursors.get(module, {})
            module_full = full or not prev.get("modified")
            st.setdefault("full", module_full)
            self._records(pull, module, st, prev)
            if not st["full"]:
                self._deleted(pull, module, st, prev)
            if module == "Deals" and self.src.stage_history:
                self._history(pull, st)
            st["phase"] = "done"
            pull.checkpoint()
        if self.src.users:
            st = pull.module("Users")
            if st["phase"] != "done":
                self._users(pull, st)
                st["phase"] = "done"
                pull.checkpoint()
        return {"requests": self.http.requests_made, "retries": self.http.retries_made}

    def _records(self, pull: RawPull, module: str, st: dict[str, Any], prev: dict[str, Any]) -> None:
        if st["phase"] not in ("start", "records"):
            return
        st["phase"] = "records"
        fields = module_fields(module, self.src.extra_fields.get(module))
        if st.get("method") is None:
            st["method"] = "rest"
            if st["full"] and self.src.bulk_threshold > 0:
                resp = self.call("GET", f"/crm/{self.v}/{module}/actions/count", what=f"{module} count")
                count = int(resp.json().get("count", 0)) if resp.status_code == 200 else 0
                st["count"] = count
                if count > self.src.bulk_threshold:
                    st["method"] = "bulk"
            pull.checkpoint()
        if st["method"] == "bulk":
            self._bulk(pull, module, st, fields)
        else:
            self._rest(pull, module, st, fields, None if st["full"] else prev.get("modified"))
        if st.get("cursor_modified") is None:
            st["cursor_modified"] = prev.get("modified") or pull.progress["started_at"]
        st["phase"] = "deleted"
        pull.checkpoint()

    def _rest(
        self, pull: RawPull, module: str, st: dict[str, Any], fields: list[str], since: str | None
    ) -> None:
        while not st.get("records_done"):
            page = int(st.get("page", 1))
            params: dict[str, Any] = {
                "fields": ",".join(fields),
                "per_page": self.src.per_page,
                "sort_by": "Modified_Time",
                "sort_order": "asc",
            }
            # page_token (from the previous page's info.next_page_token) is how v8 pages past
            # 2000 records; page numbers alone stop there.
            if st.get("page_token"):
                params["page_token"] = st["page_token"]
            else:
                params["page"] = page
            resp = self.call(
                "GET", f"/crm/{self.v}/{module}", what=f"{module} page {page}", since=since, params=params
            )
            if resp.status_code in (204, 304):  # no records / nothing modified since
                st["records_done"] = True
                break
            body = resp.json()
            data = body.get("data") or []
            info = body.get("info") or {}
            pull.save(f"{module}/records-{page:05d}.json", resp.content, records=len(data))
            st["records"] = int(st.get("records", 0)) + len(data)
            ids = st.setdefault("ids", []) if module == "Deals" else None
            for rec in data:
                st["cursor_modified"] = _later(st.get("cursor_modified"), rec.get("Modified_Time"))
                if ids is not None:
                    ids.append(str(rec.get("id")))
            st["page"] = page + 1
            st["page_token"] = info.get("next_page_token")
            st["records_done"] = not info.get("more_records")
            pull.checkpoint()

    def _bulk(self, pull: RawPull, module: str, st: dict[str, Any], fields: list[str]) -> None:
        base = f"/crm/bulk/{self.v}/read"
        while not st.get("records_done"):
            page = int(st.get("bulk_page", 1))
            if not st.get("job"):
                body = {
                    "query": {"module": {"api_name": module}, "fields": ["id", *fields], "page": page},
                    "file_type": "csv",
                }
                resp = self.call("POST", base, what=f"{module} bulk read job", json=body)
                st["job"] = str(resp.json()["data"][0]["details"]["id"])
                pull.checkpoint()
            job = st["job"]
            deadline = self.clock() + self.src.bulk_timeout_s
            while True:
                resp = self.call("GET", f"{base}/{job}", what=f"{module} bulk read job status")
                info = resp.json()["data"][0]
                state = str(info.get("state", "")).upper()
                if state == "COMPLETED":
                    break
                if state in ("FAILURE", "FAILED"):
                    st["job"] = None
                    pull.checkpoint()
                    raise PullError(
                        f"zoho: the Bulk Read job for {module} failed on Zoho's side; run the pull again"
                    )
                if self.clock() > deadline:
                    raise PullError(
                        f"zoho: the Bulk Read job for {module} was still {state} after "
                        f"{self.src.bulk_timeout_s:.0f}s (sources.zoho.bulk_timeout_s); run the pull again to resume"
                    )
                self.http.retry.sleep(self.src.bulk_poll_s)
            result = info.get("result") or {}
            url = str(result.get("download_url") or f"{base}/{job}/result")
            resp = self.call("GET", url, what=f"{module} bulk read download")
            rows = _bulk_rows(resp.content, f"{module} bulk page {page}")
            pull.save(f"{module}/bulk-{page:03d}.zip", resp.content, records=len(rows))
            st["records"] = int(st.get("records", 0)) + len(rows)
            ids = st.setdefault("ids", []) if module == "Deals" else None
            for row in rows:
                st["cursor_modified"] = _later(st.get("cursor_modified"), row.get("Modified_Time") or None)
                if ids is not None:
                    ids.append(str(row.get("id")))
            st["job"] = None
            st["bulk_page"] = page + 1
            st["records_done"] = not result.get("more_records")
            pull.checkpoint()

    def _deleted(self, pull: RawPull, module: str, st: dict[str, Any], prev: dict[str, Any]) -> None:
        if st["phase"] != "deleted":
            return
        since = prev.get("deleted") or prev.get("modified")
        while not st.get("deleted_done"):
            page = int(st.get("deleted_page", 1))
            resp = self.call(
                "GET",
                f"/crm/{self.v}/{module}/deleted",
                what=f"{module} deleted records page {page}",
                since=since,
                params={"type": "all", "page": page, "per_page": self.src.per_page},
            )
            if resp.status_code in (204, 304):
                break
            body = resp.json()
            data = body.get("data") or []
            pull.save(f"{module}/deleted-{page:05d}.json", resp.content, records=len(data))
            st["deleted"] = int(st.get("deleted", 0)) + len(data)
            for rec in data:
                st["cursor_deleted"] = _later(st.get("cursor_deleted"), rec.get("deleted_time"))
            st["deleted_page"] = page + 1
            st["deleted_done"] = not (body.get("info") or {}).get("more_records")
            pull.checkpoint()
        st["deleted_done"] = True
        st["phase"] = "history"
        pull.checkpoint()

    def _history(self, pull: RawPull, st: dict[str, Any]) -> None:
        for deal_id in st.get("ids", []):
            rel = f"Deals/stage_history/{deal_id}.json"
            if pull.has(rel):
                continue
            resp = self.call(
                "GET",
                f"/crm/{self.v}/Deals/{deal_id}/Stage_History",
                what=f"stage history of deal {deal_id}",
                params={"fields": ",".join(HISTORY_FIELDS), "per_page": 200},
            )
            content = resp.content if resp.status_code == 200 else b'{"data": []}'
            pull.save(rel, content, records=len(json.loads(content).get("data") or []))
            pull.checkpoint()

    def _users(self, pull: RawPull, st: dict[str, Any]) -> None:
        while not st.get("users_done"):
            page = int(st.get("page", 1))
            resp = self.call(
                "GET",
                f"/crm/{self.v}/users",
                what=f"users page {page}",
                params={"type": "AllUsers", "page": page, "per_page": self.src.per_page},
            )
            if resp.status_code == 204:
                break
            body = resp.json()
            users = body.get("users") or []
            pull.save(f"Users/users-{page:05d}.json", resp.content, records=len(users))
            st["records"] = int(st.get("records", 0)) + len(users)
            st["page"] = page + 1
            st["users_done"] = not (body.get("info") or {}).get("more_records")
            pull.checkpoint()


def _code(resp: httpx.Response) -> str:
    try:
        body = resp.json()
    except ValueError:
        return ""
    if isinstance(body, dict):
        if isinstance(body.get("data"), list) and body["data"] and isinstance(body["data"][0], dict):
            return str(body["data"][0].get("code", ""))
        return str(body.get("code", ""))
    return ""


def _bulk_rows(content: bytes, what: str) -> list[dict[str, str]]:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as zf:
            names = [n for n in zf.namelist() if n.lower().endswith(".csv")]
            if not names:
                raise PullError(f"zoho: {what}: the Bulk Read zip holds no CSV file")
            text = zf.read(names[0]).decode("utf-8-sig")
    except zipfile.BadZipFile:
        raise PullError(f"zoho: {what}: the download is not a zip file") from None
    return list(csv.DictReader(io.StringIO(text)))


# -- the current view ------------------------------------------------------------------------
def _flat(rec: dict[str, Any]) -> dict[str, str]:
    """A REST record in Bulk Read CSV layout: lookups ({id, name}) become their id."""
    out: dict[str, str] = {}
    for k, v in rec.items():
        if k.startswith("$"):
            continue
        if isinstance(v, dict):
            v = v.get("id", json.dumps(v, ensure_ascii=False, sort_keys=True))
        elif isinstance(v, list):
            v = json.dumps(v, ensure_ascii=False, sort_keys=True)
        out[k] = _text(v)
    return out


def _text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def _flat_nested(rec: dict[str, Any], prefix: str = "") -> dict[str, str]:
    """A user record with nested objects as ``role.name`` columns (as io's JSON reader names them)."""
    out: dict[str, str] = {}
    for k, v in rec.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(_flat_nested(v, key + "."))
        elif isinstance(v, list):
            out[key] = json.dumps(v, ensure_ascii=False, sort_keys=True)
        else:
            out[key] = _text(v)
    return out


def _csv(rows: list[dict[str, str]]) -> bytes:
    cols: set[str] = set()
    for r in rows:
        cols.update(r)
    header = (["id"] if "id" in cols else []) + sorted(cols - {"id"})
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=header, lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow(r)
    return buf.getvalue().encode("utf-8")


def replay_current(source_dir: Path) -> tuple[dict[str, bytes], dict[str, Any]]:
    """Rebuild the current view of every Zoho module from the complete pulls (oldest first).

    A module pulled in full resets its records; an incremental pull upserts by id, then applies
    that pull's deleted records (which also drop the deal's stage history). Users come from the
    newest pull. Returns ``{file name: CSV bytes}`` and ``{pulls, rows}`` for the state file.
    """
    tables: dict[str, dict[str, dict[str, str]]] = {}
    history: dict[str, list[dict[str, str]]] = {}
    users: list[dict[str, str]] | None = None
    used: list[str] = []
    for folder, manifest in replay_pulls(source_dir):
        used.append(folder.name)
        files = [f["path"] for f in manifest["files"]]
        for module, st in manifest.get("modules", {}).items():
            if module == "Users":
                users = []
                for rel in sorted(f for f in files if f.startswith("Users/")):
                    users += [
                        _flat_nested(u) for u in json.loads((folder / rel).read_bytes()).get("users") or []
                    ]
                continue
            table = tables.setdefault(module, {})
            if st.get("full"):
                table.clear()
                if module == "Deals":
                    history.clear()
            for rel in sorted(f for f in files if f.startswith(f"{module}/records-")):
                for rec in json.loads((folder / rel).read_bytes()).get("data") or []:
                    row = _flat(rec)
                    table[row["id"]] = row
            for rel in sorted(f for f in files if f.startswith(f"{module}/bulk-")):
                for row in _bulk_rows((folder / rel).read_bytes(), rel):
                    table[row["id"]] = dict(row)
            for rel in sorted(f for f in files if f.startswith(f"{module}/stage_history/")):
                deal_id = Path(rel).stem
                rows = json.loads((folder / rel).read_bytes()).get("data") or []
                history[deal_id] = [{**_flat(r), "Deal_Name.id": deal_id} for r in rows]
            for rel in sorted(f for f in files if f.startswith(f"{module}/deleted-")):
                for rec in json.loads((folder / rel).read_bytes()).get("data") or []:
                    table.pop(str(rec.get("id")), None)
                    if module == "Deals":
                        history.pop(str(rec.get("id")), None)
    out: dict[str, bytes] = {}
    counts: dict[str, int] = {}
    for module, table in tables.items():
        if table:
            name = f"zoho_{module.lower()}.csv"
            out[name] = _csv([table[k] for k in sorted(table)])
            counts[name] = len(table)
    rows = [r for k in sorted(history) for r in history[k]]
    if rows:
        out["zoho_stage_history.csv"] = _csv(rows)
        counts["zoho_stage_history.csv"] = len(rows)
    if users:
        users = sorted(users, key=lambda u: u.get("id", ""))
        out["zoho_users.csv"] = _csv(users)
        counts["zoho_users.csv"] = len(users)
    return out, {"pulls": used, "rows": counts}
