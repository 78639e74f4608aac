"""End-to-end pulls from the loopback fakes: full, incremental with edits and deletions, resume,
token expiry, an expired refresh token, rate-limit storms, platform errors, no leaked secret."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

import sales_analytics as sa
from sales_analytics.cli import main
from sales_analytics.connectors import CredentialError, PullError, load_sources, pull
from sales_analytics.connectors.common import RateLimited
from sales_analytics.connectors.store import MANIFEST, PROGRESS, sha256_bytes
from sales_analytics.connectors.zoho import module_fields
from sales_analytics.errors import ConfigError
from tests.connectors.conftest import make_config
from tests.connectors.data import write_fx_hand_export, write_zoho_hand_export
from tests.connectors.fakes import FX_CREDS, ZOHO_CREDS

KEYS = {
    "orders": ["order_id"],
    "reps": ["rep_id"],
    "customers": ["customer_id"],
    "deals": ["deal_id"],
    "activities": ["activity_id"],
    "deal_stage_history": ["deal_id", "changed_at"],
}


def _tables(folder: Path) -> dict[str, pd.DataFrame]:
    ds = sa.load_dataset(folder)
    out = {}
    for name, frame in ds.tables.items():
        f = frame.sort_values(KEYS[name]).reset_index(drop=True)
        out[name] = f[sorted(f.columns)]
    return out


def assert_same_tables(pulled: Path, by_hand: Path) -> dict[str, pd.DataFrame]:
    got, want = _tables(pulled), _tables(by_hand)
    assert sorted(got) == sorted(want)
    for name in want:
        # values must match exactly; dtypes may not: io keeps int64 for whole JSON numbers but
        # reads the same numbers from CSV as float64 (probability), an io trait outside the pull
        assert_frame_equal(got[name], want[name], check_dtype=False, obj=name)
    return got


def _sleeps() -> tuple[list[float], object]:
    waits: list[float] = []
    return waits, waits.append


# -- Zoho ------------------------------------------------------------------------------------
def test_zoho_full_pull_writes_platform_files_manifest_and_current_view(zoho_fake, creds_env, tmp_path):
    cfg = make_config(tmp_path, zoho=zoho_fake)
    [r] = pull(config=cfg)
    assert r.mode == "full"
    # 4 deals, 5 sales orders > bulk_threshold 3 -> Bulk Read; per_page 2 -> Accounts has 2 REST pages
    assert r.records == {
        "Deals": 4,
        "Accounts": 3,
        "Contacts": 2,
        "Calls": 3,
        "Events": 2,
        "Sales_Orders": 5,
        "Invoices": 2,
        "Users": 3,
    }
    manifest = json.loads((r.folder / MANIFEST).read_text())
    assert manifest["status"] == "complete" and not (r.folder / PROGRESS).exists()
    paths = {f["path"] for f in manifest["files"]}
    assert {
        "Deals/bulk-001.zip",
        "Sales_Orders/bulk-001.zip",
        "Accounts/records-00001.json",
        "Accounts/records-00002.json",
        "Users/users-00001.json",
        "Users/users-00002.json",
        "Deals/stage_history/d1.json",
    } <= paths
    for f in manifest["files"]:  # hashes match the bytes on disk
        assert sha256_bytes((r.folder / f["path"]).read_bytes()) == f["sha256"]
    assert manifest["modules"]["Deals"]["method"] == "bulk"
    assert manifest["modules"]["Accounts"]["method"] == "rest"
    # the newest Modified_Time the fake gave (records are stamped 1 s apart from 2026-12-01T00:00Z)
    assert manifest["modules"]["Invoices"]["cursor_modified"].endswith("+08:00")
    # Bulk Read job went ADDED -> IN PROGRESS -> COMPLETED before the download
    polls = [
        p for m, p in zoho_fake.calls if m == "GET" and "/crm/bulk/v8/read/" in p and not p.endswith("result")
    ]
    assert len(polls) == 2 * 3  # two jobs x (ADDED, IN PROGRESS, COMPLETED)
    tables = assert_same_tables(cfg.current_path, _hand(zoho_fake, tmp_path))
    # hand-computed: SO-3 Cancelled and INV-2 Void are cancelled; the rest paid
    orders = tables["orders"].set_index("order_id")
    assert orders.loc["SO-3", "status"] == "cancelled" and orders.loc["INV-2", "status"] == "cancelled"
    assert orders.loc["SO-1", "amount"] == 5000.0 and orders.loc["SO-1", "rep_id"] == "u1"
    assert tables["reps"].set_index("rep_id").loc["u3", "active"] == False  # noqa: E712 (status inactive)
    meetings = tables["activities"].set_index("activity_id").loc[["e1", "e2"], "duration_min"]
    assert meetings.tolist() == [60.0, 90.0]  # Start_DateTime -> End_DateTime: 14:00-15:00, 10:00-11:30


def _hand(fake, tmp_path: Path, name: str = "by_hand") -> Path:
    folder = tmp_path / name
    write_zoho_hand_export(fake, folder)
    return folder


def test_zoho_incremental_applies_edits_and_deletions(zoho_fake, creds_env, tmp_path):
    cfg = make_config(tmp_path, zoho=zoho_fake)
    pull(config=cfg)
    zoho_fake.modify("Deals", "d2", Stage="Closed Lost", Probability=0)
    zoho_fake.history["d2"].append(
        {
            "id": "h4",
            "Stage": "Closed Lost",
            "Amount": 8000.0,
            "Probability": 0,
            "Closing_Date": "2026-12-15",
            "Modified_Time": "2026-12-01T09:00:00+08:00",
        }
    )
    zoho_fake.add(
        "Deals",
        {
            "id": "d5",
            "Deal_Name": "Beta extension",
            "Stage": "Qualification",
            "Amount": 4000.0,
            "Probability": 10,
            "Closing_Date": "2027-02-01",
            "Created_Time": "2026-11-28T10:00:00+08:00",
            "Owner": {"id": "u2", "name": "Wang Fang"},
            "Account_Name": {"id": "a2", "name": "Beta Ltd"},
        },
    )
    zoho_fake.modify("Sales_Orders", "s1", Grand_Total=5500.0)  # modified ...
    zoho_fake.delete("Sales_Orders", "s1")  # ... then deleted between the two pulls
    zoho_fake.delete("Deals", "d1")
    before = len(zoho_fake.calls)
    [r] = pull(config=cfg)
    assert r.mode == "incremental"
    # only the changed records come back: d2, d5; nothing for unchanged modules (304)
    assert r.records["Deals"] == 2 and r.records["Accounts"] == 0 and r.records["Sales_Orders"] == 0
    assert r.deleted["Deals"] == 1 and r.deleted["Sales_Orders"] == 1
    incremental_calls = [p for _, p in zoho_fake.calls[before:]]
    assert not any("/crm/bulk/" in p for p in incremental_calls)  # incremental pulls use REST
    tables = assert_same_tables(cfg.current_path, _hand(zoho_fake, tmp_path))
    deals = tables["deals"].set_index("deal_id")
    assert sorted(deals.index) == ["d2", "d3", "d4", "d5"]  # 4 - d1 + d5
    assert deals.loc["d2", "status"] == "lost"
    assert "SO-1" not in set(tables["orders"]["order_id"])
    hist = tables["deal_stage_history"]
    assert list(hist["deal_id"]) == ["d2", "d2"]  # d1's history went with the deal; d2 gained a row
    # the first pull's folder is untouched (immutable)
    first = sorted((cfg.raw_path / "zoho").glob("2*"))[0]
    for f in json.loads((first / MANIFEST).read_text())["files"]:
        assert sha256_bytes((first / f["path"]).read_bytes()) == f["sha256"]


def test_replay_starts_at_the_newest_full_pull_and_refuses_changed_raw_files(zoho_fake, creds_env, tmp_path):
    cfg = make_config(tmp_path, zoho=zoho_fake)
    [first] = pull(config=cfg)
    zoho_fake.modify("Deals", "d2", Amount=9000.0)
    [second] = pull(config=cfg)
    page = next((second.folder / "Deals").glob("records-*.json"))
    page.write_text(page.read_text().replace("9000.0", "90000.0"))  # someone edits a raw pull
    with pytest.raises(PullError, match=r"was changed after it completed \(1 files differ.*pull --full"):
        pull(config=cfg)
    [third] = pull(config=cfg, full=True)  # a full pull: older pulls are no longer replayed
    state = json.loads((cfg.current_path / "_current_zoho.json").read_text())
    assert state["pulls"] == [third.folder.name]
    assert_same_tables(cfg.current_path, _hand(zoho_fake, tmp_path))


def test_zoho_pull_killed_midway_resumes_and_leaves_current_view_alone(zoho_fake, creds_env, tmp_path):
    cfg = make_config(tmp_path, zoho=zoho_fake)
    pull(config=cfg)
    snapshot = {p.name: p.read_bytes() for p in cfg.current_path.iterdir()}
    zoho_fake.modify("Accounts", "a1", Industry="Wholesale")
    for rid in ("a2", "a3"):
        zoho_fake.modify("Accounts", rid, Billing_State="Hubei")
    zoho_fake.modify("Calls", "k1", Call_Result="Closed")
    zoho_fake.delete("Contacts", "c2")
    zoho_fake.die_after = len(zoho_fake.calls) + 6  # the server goes away after six more calls
    with pytest.raises(PullError, match=r"kept unfinished; the current data is unchanged"):
        pull(config=cfg)
    unfinished = sorted((cfg.raw_path / "zoho").glob("2*"))[-1]
    assert (unfinished / PROGRESS).exists() and not (unfinished / MANIFEST).exists()
    assert {p.name: p.read_bytes() for p in cfg.current_path.iterdir()} == snapshot
    progress = json.loads((unfinished / PROGRESS).read_text())
    done = [m for m, s in progress["modules"].items() if s["phase"] == "done"]
    assert "Deals" in done  # finished modules are not fetched again
    zoho_fake.die_after = None
    before = len(zoho_fake.calls)
    [r] = pull(config=cfg)
    assert r.resumed and r.folder == unfinished
    assert not any(p.startswith("/crm/v8/Deals?") for _, p in zoho_fake.calls[before:])
    tables = assert_same_tables(cfg.current_path, _hand(zoho_fake, tmp_path))
    assert tables["customers"].set_index("customer_id").loc["a1", "industry"] == "Wholesale"
    assert "c2" not in set(tables["customers"]["customer_id"])


def test_zoho_access_token_expiry_is_refreshed(zoho_fake, creds_env, tmp_path):
    zoho_fake.token_calls = 3  # each access token answers INVALID_TOKEN after three calls
    cfg = make_config(tmp_path, zoho=zoho_fake)
    pull(config=cfg)
    assert zoho_fake.tokens_issued >= 10  # 30 calls / 3 per token
    assert_same_tables(cfg.current_path, _hand(zoho_fake, tmp_path))


def test_zoho_expired_refresh_token_is_one_clear_line(zoho_fake, creds_env, tmp_path, capsys, monkeypatch):
    zoho_fake.refresh_tokens.clear()  # revoked / expired
    cfg = make_config(tmp_path, zoho=zoho_fake)
    with pytest.raises(CredentialError, match=r"invalid_code.*set ZOHO_REFRESH_TOKEN"):
        pull(config=cfg)
    src = tmp_path / "sources.yaml"
    src.write_text(json.dumps(cfg.model_dump(mode="json")), encoding="utf-8")
    assert main(["pull", "--sources-file", str(src)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "ZOHO_REFRESH_TOKEN" in err[0]
    assert ZOHO_CREDS["refresh_token"] not in err[0]
    assert not cfg.current_path.exists()


def test_missing_credential_names_the_variable(zoho_fake, creds_env, tmp_path, monkeypatch):
    monkeypatch.delenv("ZOHO_CLIENT_SECRET")
    with pytest.raises(CredentialError, match=r"missing credential client_secret: set ZOHO_CLIENT_SECRET"):
        pull(config=make_config(tmp_path, zoho=zoho_fake))


def test_credentials_file_outside_the_project(zoho_fake, creds_env, tmp_path, monkeypatch):
    for key in ZOHO_CREDS:
        monkeypatch.delenv(f"ZOHO_{key.upper()}")
    f = tmp_path / "credentials.yaml"
    f.write_text("zoho:\n" + "".join(f"  {k}: {v}\n" for k, v in ZOHO_CREDS.items()), encoding="utf-8")
    f.chmod(0o644)
    monkeypatch.setenv("SALES_ANALYTICS_CREDENTIALS", str(f))
    cfg = make_config(tmp_path, zoho=zoho_fake)
    with pytest.raises(CredentialError, match=r"readable by other users; run: chmod 600"):
        pull(config=cfg)
    f.chmod(0o600)
    [r] = pull(config=cfg)
    assert r.records["Deals"] == 4
    inside = Path(sa.paths.project_root()) / ".h20-test-credentials.yaml"
    monkeypatch.setenv("SALES_ANALYTICS_CREDENTIALS", str(inside))
    inside.write_text(f.read_text(), encoding="utf-8")
    inside.chmod(0o600)
    try:
        with pytest.raises(CredentialError, match=r"inside the project folder"):
            pull(config=cfg)
    finally:
        inside.unlink()


def test_rate_limit_storm_is_retried_with_bounded_backoff(zoho_fake, creds_env, tmp_path):
    waits: list[float] = []
    cfg = make_config(tmp_path, zoho=zoho_fake, max_retries=4)
    zoho_fake.rate_limit_next = 4  # four 429s in a row (Retry-After: 1, capped at backoff_max_s 0.01)
    zoho_fake.fail_next = 0
    pull(config=cfg, sleep=waits.append)
    assert [w for w in waits if w] == [0.01] * 4  # (0 s waits are Bulk Read polls, bulk_poll_s 0)
    zoho_fake.rate_limit_next = 1000  # a storm longer than the retries
    before = len(zoho_fake.calls)
    with pytest.raises(RateLimited, match=r"still rate-limited \(429\) after 5 attempts"):
        pull(config=cfg, full=True, sleep=waits.append)
    assert len(zoho_fake.calls) - before == 5  # bounded: 1 try + 4 retries, then stop


def test_server_errors_are_retried_with_exponential_backoff(zoho_fake, creds_env, tmp_path):
    waits: list[float] = []
    cfg = make_config(tmp_path, zoho=zoho_fake, backoff_base_s=0.001, backoff_max_s=1.0)
    zoho_fake.fail_next = 3
    pull(config=cfg, sleep=waits.append)
    assert [w for w in waits if w] == [0.001, 0.002, 0.004]  # base x 2^n


def test_request_budget_stops_the_pull_resumably(zoho_fake, creds_env, tmp_path):
    cfg = make_config(tmp_path, zoho=zoho_fake, max_requests=10)
    with pytest.raises(PullError, match=r"request budget of 10 calls is spent"):
        pull(config=cfg)
    cfg = make_config(tmp_path, zoho=zoho_fake)
    [r] = pull(config=cfg)
    assert r.resumed


def test_zoho_error_codes_become_one_line(zoho_fake, creds_env, tmp_path):
    del zoho_fake.records["Invoices"]  # the organisation has no such module
    with pytest.raises(PullError, match=r"Invoices count failed: INVALID_MODULE: no such module"):
        pull(config=make_config(tmp_path, zoho=zoho_fake))


def test_module_fields_are_the_profile_api_names():
    # Sales_Orders: what zoho_sales_orders reads (aliases with API names) plus Modified_Time
    assert module_fields("Sales_Orders") == [
        "Account_Name",
        "Created_Time",
        "Grand_Total",
        "Modified_Time",
        "Owner",
        "SO_Number",
        "Status",
        "Sub_Total",
    ]
    assert "Lead_Source" in module_fields("Deals", ["Lead_Source"])


# -- Fxiaoke ---------------------------------------------------------------------------------
def test_fxiaoke_full_then_incremental(fx_fake, creds_env, tmp_path):
    cfg = make_config(tmp_path, fxiaoke=fx_fake)
    [r] = pull(config=cfg)
    assert r.records["SalesOrderObj"] == 3
    hand = tmp_path / "hand1"
    write_fx_hand_export(fx_fake, hand)
    assert_same_tables(cfg.current_path, hand)
    fx_fake.modify("SalesOrderObj", "o2", order_amount="900.00")
    fx_fake.modify("SalesOrderObj", "o1", order_amount="1300.00")  # modified ...
    fx_fake.delete("SalesOrderObj", "o1")  # ... then to the recycle bin
    fx_fake.add(
        "PaymentObj",
        {
            "_id": "pay2",
            "name": "HK-002",
            "payment_time": 1_764_633_600_000,
            "amount": "800.50",
            "account_id": "ac2",
            "owner": ["1001"],
        },
    )
    [r] = pull(config=cfg)
    assert r.mode == "incremental"
    # the filter is last_modified_time >= cursor, so each object's newest record from the first
    # pull comes back once more (harmless: upsert by _id); plus o2, o1 (deleted) and pay2
    assert r.records == {
        "SalesOrderObj": 3,
        "AccountObj": 1,
        "NewOpportunityObj": 1,
        "ActiveRecordObj": 1,
        "PaymentObj": 2,
        "PersonnelObj": 1,
    }
    assert r.deleted["SalesOrderObj"] == 1
    hand = tmp_path / "hand2"
    write_fx_hand_export(fx_fake, hand)
    tables = assert_same_tables(cfg.current_path, hand)
    orders = tables["orders"].set_index("order_id")
    # SO2025-001 deleted; SO2025-002 now 900; SO2025-003 作废 -> cancelled; HK-001 + HK-002 payments
    assert sorted(orders.index) == ["HK-001", "HK-002", "SO2025-002", "SO2025-003"]
    assert orders.loc["SO2025-002", "amount"] == 900.0 and orders.loc["SO2025-003", "status"] == "cancelled"
    # the incremental query carried the modified-time filter from the first pull's cursor
    manifest = json.loads((r.folder / MANIFEST).read_text())
    assert manifest["modules"]["SalesOrderObj"]["cursor_modified"] == max(
        rec["last_modified_time"] for rec in fx_fake.objects["SalesOrderObj"].values()
    )


def test_fxiaoke_record_modified_while_paging_is_not_skipped(fx_fake, creds_env, tmp_path):
    # page_size 2: page 1 holds o1, o2; o1 is then modified, moving to the end of the order.
    # Offset paging would ask for offset 2 of [o2, o3, o1] and never see o3.
    fx_fake.after_query = lambda obj: fx_fake.modify("SalesOrderObj", "o1", order_amount="1250.00")
    cfg = make_config(tmp_path, fxiaoke=fx_fake)
    cfg = cfg.model_copy(
        update={
            "sources": cfg.sources.model_copy(
                update={
                    "fxiaoke": cfg.sources.fxiaoke.model_copy(
                        update={"objects": ["SalesOrderObj", "PersonnelObj"]}
                    )
                }
            )
        }
    )
    pull(config=cfg)
    doc = json.loads((cfg.current_path / "fxiaoke_salesorderobj.json").read_text())
    got = {r["_id"]: r["order_amount"] for r in doc["data"]["dataList"]}
    assert got == {"o1": "1250.00", "o2": "800.50", "o3": "300.00"}


def test_fxiaoke_token_expiry_and_refusals(fx_fake, creds_env, tmp_path, monkeypatch):
    fx_fake.token_calls = 2  # 20016 after two queries per token
    cfg = make_config(tmp_path, fxiaoke=fx_fake)
    pull(config=cfg)
    assert fx_fake.issued >= 4
    monkeypatch.setenv("FXIAOKE_APP_SECRET", "wrong")
    with pytest.raises(
        CredentialError, match=r"errorCode 10006 \(appId或appSecret错误\).*FXIAOKE_APP_SECRET"
    ):
        pull(config=cfg, full=True)
    monkeypatch.setenv("FXIAOKE_APP_SECRET", FX_CREDS["app_secret"])
    monkeypatch.setenv("FXIAOKE_PERMANENT_CODE", "expired")
    with pytest.raises(CredentialError, match=r"errorCode 20017 .*FXIAOKE_PERMANENT_CODE"):
        pull(config=cfg, full=True)


def test_fxiaoke_unknown_object_is_one_line(fx_fake, creds_env, tmp_path):
    cfg = make_config(tmp_path, fxiaoke=fx_fake)
    cfg = cfg.model_copy(
        update={
            "sources": cfg.sources.model_copy(
                update={"fxiaoke": cfg.sources.fxiaoke.model_copy(update={"objects": ["NoSuchObj"]})}
            )
        }
    )
    with pytest.raises(
        PullError, match=r"NoSuchObj page 1 failed: errorCode 320001 \(对象不存在 NoSuchObj\)"
    ):
        pull(config=cfg)


# -- configuration, dry run, secrets ---------------------------------------------------------
def test_pulling_two_order_sources_is_warned_about(zoho_fake, creds_env, tmp_path, caplog):
    pull(config=make_config(tmp_path, zoho=zoho_fake))  # Sales_Orders and Invoices both selected
    assert "zoho: Sales_Orders and Invoices all feed the orders table" in caplog.text
    # the committed defaults pick one order source per platform
    cfg = load_sources()
    assert "Invoices" not in cfg.sources.zoho.modules and "PaymentObj" not in cfg.sources.fxiaoke.objects


def test_sources_yaml_is_validated(tmp_path):
    cfg = load_sources()  # the committed file
    assert not cfg.sources.zoho.enabled and cfg.sources.zoho.data_centre == "com"
    bad = tmp_path / "sources.yaml"
    bad.write_text("sources:\n  zoho:\n    enabled: true\n    data_center: eu\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"key 'sources.zoho.data_center': is not a known key"):
        load_sources(bad)
    bad.write_text("sources:\n  zoho:\n    data_centre: cn\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"sources.zoho.data_centre"):
        load_sources(bad)


def test_dry_run_makes_no_call(zoho_fake, creds_env, tmp_path, capsys):
    cfg = make_config(tmp_path, zoho=zoho_fake)
    src = tmp_path / "sources.yaml"
    src.write_text(json.dumps(cfg.model_dump(mode="json")), encoding="utf-8")
    assert main(["pull", "--dry-run", "--sources-file", str(src)]) == 0
    out = capsys.readouterr().out
    assert "zoho: full pull into" in out and "Deals: everything" in out
    assert zoho_fake.calls == [] and not cfg.current_path.exists()


def test_no_credential_in_any_file_or_log_line(zoho_fake, fx_fake, creds_env, tmp_path, caplog, capsys):
    caplog.set_level(logging.DEBUG)
    zoho_fake.rate_limit_next = 2
    zoho_fake.token_calls = 4
    for i, kw in enumerate([{"zoho": zoho_fake}, {"fxiaoke": fx_fake}]):
        cfg = make_config(tmp_path / str(i), **kw)
        src = tmp_path / f"sources{i}.yaml"
        src.write_text(json.dumps(cfg.model_dump(mode="json")), encoding="utf-8")
        assert main(["-vv", "pull", "--sources-file", str(src)]) == 0
        assert main(["-vv", "pull", "--sources-file", str(src)]) == 0
    secrets = [*ZOHO_CREDS.values(), *FX_CREDS.values()]
    secrets += [f"1000.access-{n}-f00dbabe" for n in range(1, zoho_fake.tokens_issued + 1)]
    secrets += [f"CAT-{n}-0a1b2c3d" for n in range(1, fx_fake.issued + 1)]
    out = capsys.readouterr()
    written = [p for p in tmp_path.rglob("*") if p.is_file() and not p.name.startswith("sources")]
    assert len(written) > 40
    texts = [p.read_bytes().decode("utf-8", "replace") for p in written if p.suffix != ".zip"]
    import zipfile

    for p in written:
        if p.suffix == ".zip":
            with zipfile.ZipFile(p) as zf:
                texts += [zf.read(n).decode() for n in zf.namelist()]
    texts += [caplog.text, out.out, out.err]
    for s in secrets:
        for t in texts:
            assert s not in t


# -- a real kill, the run's pull: step -------------------------------------------------------
def _sources_file(cfg, path: Path) -> Path:
    path.write_text(json.dumps(cfg.model_dump(mode="json")), encoding="utf-8")
    return path


def test_pull_process_killed_midway_resumes(zoho_fake, creds_env, tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import time

    cfg = make_config(tmp_path, zoho=zoho_fake)
    src = _sources_file(cfg, tmp_path / "sources.yaml")
    zoho_fake.delay_s = 0.15
    env = {**os.environ, "PYTHONPATH": str(Path(sa.paths.project_root()))}
    proc = subprocess.Popen(
        [sys.executable, "-m", "sales_analytics", "pull", "--sources-file", str(src)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        progress = None
        while time.monotonic() < deadline:
            found = list((cfg.raw_path / "zoho").glob("2*/_progress.json"))
            if found and len(json.loads(found[0].read_text()).get("files", {})) >= 4:
                progress = found[0]
                break
            time.sleep(0.05)
        assert progress is not None, "the pull never got going"
        os.kill(proc.pid, signal.SIGKILL)  # killed midway, no chance to clean up
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    folder = progress.parent
    assert not (folder / MANIFEST).exists() and not cfg.current_path.exists()
    saved = set(json.loads(progress.read_text())["files"])
    zoho_fake.delay_s = 0
    before = len(zoho_fake.calls)
    [r] = pull(config=cfg)
    assert r.resumed and r.folder == folder
    # files saved before the kill were not fetched again (Deals bulk job and pages kept)
    assert saved <= {f["path"] for f in json.loads((folder / MANIFEST).read_text())["files"]}
    # the Deals Bulk Read (saved before the kill) is not run again: one new job, for Sales_Orders
    assert [c for c in zoho_fake.calls[before:] if c == ("POST", "/crm/bulk/v8/read")] == [
        ("POST", "/crm/bulk/v8/read")
    ]
    assert_same_tables(cfg.current_path, _hand(zoho_fake, tmp_path))


def test_run_pull_step(zoho_fake, creds_env, tmp_path, capsys):
    from sales_analytics.connectors.step import before_run

    cfg = make_config(tmp_path, zoho=zoho_fake)
    src = _sources_file(cfg, tmp_path / "sources.yaml")
    params = tmp_path / "default.yaml"
    params.write_text(f"pull:\n  enabled: true\n  sources: [zoho]\n  file: {src}\n", encoding="utf-8")
    lines = before_run(parameters_file=params)
    assert len(lines) == 1 and lines[0].startswith("pull zoho: full ") and lines[0].endswith(": 24 records")
    params.write_text("pull:\n  enabled: false\n", encoding="utf-8")
    assert before_run(parameters_file=params) == []
    # a failed pull stops the run before it starts (exit 2, one line naming what to set)
    zoho_fake.refresh_tokens.clear()
    params.write_text(f"pull:\n  enabled: true\n  file: {src}\n", encoding="utf-8")
    assert main(["run", "--params", str(params), "--period", "2026-11"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "ZOHO_REFRESH_TOKEN" in err[0]
