"""Source profiles on small hand-written files (real header lines, fictional rows)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import sales_analytics as sa

PROFILES = Path(__file__).resolve().parents[1] / "data" / "profiles"
MAPS = Path(__file__).resolve().parents[2] / "parameters" / "column_maps"


@pytest.mark.parametrize(
    ("file", "profile", "table", "rows"),
    [
        ("Deals_2025_10_07.csv", "zoho_deals", "deals", 3),
        ("Deals_2025_09_10_bom.csv", "zoho_deals", "deals", 2),
        ("Deals_bulk_read.csv", "zoho_deals", "deals", 2),
        ("zoho_deals_page1.json", "zoho_deals", "deals", 2),
        ("Deals_Stage_History_2025_09_10.csv", "zoho_deal_stage_history", "deal_stage_history", 2),
        ("Accounts_2025_09_10.csv", "zoho_accounts", "customers", 2),
        ("Contacts_2025_09_10.csv", "zoho_contacts", "customers", 1),
        ("Calls_2025_09_10.csv", "zoho_calls", "activities", 2),
        ("Meetings_2025_09_10.csv", "zoho_meetings", "activities", 1),
        ("Sales_Orders_2025_09_10.csv", "zoho_sales_orders", "orders", 2),
        ("Invoices_2025_09_10.csv", "zoho_invoices", "orders", 1),
        ("fxiaoke_sales_orders.json", "fxiaoke_sales_orders", "orders", 2),
        ("fxiaoke_opportunities.json", "fxiaoke_opportunities", "deals", 2),
        ("销售订单_gbk.csv", "fxiaoke_sales_orders", "orders", 2),
        ("客户_gbk.csv", "fxiaoke_accounts", "customers", 2),
        ("商机.csv", "fxiaoke_opportunities", "deals", 2),
        ("销售记录.csv", "fxiaoke_active_records", "activities", 2),
        ("回款.csv", "fxiaoke_payments", "orders", 1),
        ("wecom_messages.jsonl", "wecom_archive", "chat_messages", 3),
        ("销售一组_utf8.csv", "wechatmsg", "chat_messages", 3),
    ],
)
def test_profile_is_detected_from_headers(file: str, profile: str, table: str, rows: int) -> None:
    result = sa.inspect_table(PROFILES / file)
    assert (result.profile, result.table, len(result.frame)) == (profile, table, rows)


def test_zoho_deals_ids_owner_and_stage_status() -> None:
    deals = sa.read_table(PROFILES / "Deals_2025_10_07.csv")
    assert deals["deal_id"].tolist() == ["5001", "5002", "5003"]  # zcrm_ stripped
    assert deals["rep_id"].tolist() == ["9001", "9002", "9001"]
    assert deals["customer_id"].tolist() == ["3001", "3002", "3003"]  # Company Name.id alias
    assert deals["status"].tolist() == ["won", "lost", "open"]  # Closed Lost to Competition -> lost
    assert str(deals["created_date"].iloc[1]) == "2025-08-12 14:56:28"


def test_zoho_bom_export_amount_with_thousands() -> None:
    deals = sa.read_table(PROFILES / "Deals_2025_09_10_bom.csv")
    assert deals["amount"].tolist() == [12500.0, 8000.0]
    assert deals["probability"].tolist() == [0.0, 10.0]


def test_zoho_rest_page_lookups_and_offsets() -> None:
    deals = sa.read_table(PROFILES / "zoho_deals_page1.json")
    assert deals["rep_id"].tolist() == ["9001", "9002"]  # Owner.id from the lookup object
    # 2025-10-02T15:11:53+05:30 = 09:41:53 UTC = 17:41:53 in Shanghai
    assert str(deals["created_date"].iloc[1]) == "2025-10-02 17:41:53"


def test_zoho_calls_meetings_orders_invoices() -> None:
    calls = sa.read_table(PROFILES / "Calls_2025_09_10.csv")
    assert calls["duration_min"].tolist() == [9.0, 2.0]  # 540 s and 120 s
    assert set(calls["activity_type"]) == {"call"}
    meeting = sa.read_table(PROFILES / "Meetings_2025_09_10.csv")
    assert meeting["duration_min"].tolist() == [60.0]  # From 10:00 to 11:00
    orders = sa.read_table(PROFILES / "Sales_Orders_2025_09_10.csv")
    assert orders[["order_id", "amount", "status"]].values.tolist() == [
        ["SO-1001", 33900.0, "paid"],
        ["SO-1002", 5650.0, "cancelled"],
    ]
    invoice = sa.read_table(PROFILES / "Invoices_2025_09_10.csv")
    assert (
        str(invoice["order_date"].iloc[0]) == "2025-10-07 00:00:00" and invoice["amount"].iloc[0] == 33900.0
    )


def test_zoho_events_from_the_api_have_durations(tmp_path: Path) -> None:
    # Events read through the REST API name their times Start_DateTime / End_DateTime (not From / To)
    events = tmp_path / "Events.csv"
    events.write_text(
        "id,Event_Title,Start_DateTime,End_DateTime,Owner.id,What_Id.id\n"
        "e1,Acme QBR,2026-11-06T14:00:00+08:00,2026-11-06T15:00:00+08:00,u1,a1\n"
        "e2,Beta demo,2026-11-18T10:00:00+08:00,2026-11-18T11:30:00+08:00,u2,a2\n",
        encoding="utf-8",
    )
    out = sa.read_table(events)
    assert out["duration_min"].tolist() == [60.0, 90.0]  # 14:00-15:00 and 10:00-11:30
    assert set(out["activity_type"]) == {"meeting"}


def test_fxiaoke_rest_result() -> None:
    orders = sa.read_table(PROFILES / "fxiaoke_sales_orders.json")
    assert orders["rep_id"].tolist() == ["1000", "1001"]  # owner lists -> first id
    assert orders["amount"].tolist() == [12800.0, 560.5]  # currency strings
    # epoch ms 1756656000000 = 2025-09-01 00:00 in Shanghai
    assert str(orders["order_date"].iloc[0]) == "2025-09-01 00:00:00"
    assert orders["status"].tolist() == ["paid", "cancelled"]  # 已作废
    deals = sa.read_table(PROFILES / "fxiaoke_opportunities.json")
    assert deals["stage"].tolist() == ["方案报价", "赢单"]  # __r labels
    assert deals["status"].tolist() == ["open", "won"]


def test_fxiaoke_chinese_exports() -> None:
    orders = sa.read_table(PROFILES / "销售订单_gbk.csv")
    assert orders["amount"].tolist() == [12800.0, 560.5]  # ￥12,800.00 and 560.5元
    customers = sa.read_table(PROFILES / "客户_gbk.csv")
    assert str(customers["created_date"].iloc[0]) == "2024-01-10 00:00:00"  # 2024年1月10日
    activities = sa.read_table(PROFILES / "销售记录.csv")
    assert activities["activity_type"].tolist() == ["call", "visit"]
    payments = sa.read_table(PROFILES / "回款.csv")
    assert payments["amount"].tolist() == [12800.0]


def test_chat_exports() -> None:
    wecom = sa.read_table(PROFILES / "wecom_messages.jsonl")
    # a one-to-one chat is one conversation whichever way a message goes: the two parties, sorted
    assert wecom["group_id"].tolist() == ["wr-team1", "direct:lilei|wmExt01", "wr-team1"]
    assert wecom["msg_type"].tolist() == ["text", "image", "system"]  # a recall is a system message
    assert str(wecom["sent_at"].dtype) == "datetime64[ns, UTC]"
    assert str(wecom["sent_at"].iloc[0]) == "2025-09-01 01:00:00+00:00"  # msgtime 1756688400000
    wechat = sa.read_table(PROFILES / "销售一组_utf8.csv")
    assert wechat["msg_type"].tolist() == ["text", "image", "file"]  # Type 49 / SubType 6 is a file
    assert wechat["sender_id"].tolist() == ["self", "wxid_abc", "wxid_abc"]
    assert str(wechat["sent_at"].iloc[0]) == "2025-09-01 01:00:00+00:00"


def test_explicit_profile_overrides_detection() -> None:
    with pytest.raises(sa.DataError, match="required column 'amount' not found"):
        sa.read_table(PROFILES / "Calls_2025_09_10.csv", profile="zoho_sales_orders")


def test_maven_pipeline_and_teams(shared_datasets: Path) -> None:
    deals = sa.inspect_table(
        shared_datasets / "maven_crm" / "sales_pipeline.csv", column_map=MAPS / "maven_pipeline.yaml"
    )
    assert len(deals.frame) == 8800
    counts = deals.frame["status"].value_counts().to_dict()
    assert sum(counts.values()) == 8800 and set(counts) == {"won", "lost", "open"}
    # prospecting deals have no engage_date: kept, reported
    missing = deals.quality[deals.quality["kind"] == "missing_value"]
    assert missing["column"].tolist() == ["created_date"] and missing["count"].iloc[0] > 0
    reps = sa.read_table(
        shared_datasets / "maven_crm" / "sales_teams.csv", column_map=MAPS / "maven_teams.yaml"
    )
    assert len(reps) == 35 and reps["rep_id"].is_unique
    assert set(deals.frame["rep_id"]) <= set(reps["rep_id"])


@pytest.mark.parametrize(
    ("file", "refunds", "missing"),
    [("online_retail_first8000.csv", 89, 2290), ("online_retail_random20k.csv", 350, 5078)],
)
def test_online_retail_column_map(shared_datasets: Path, file: str, refunds: int, missing: int) -> None:
    result = sa.inspect_table(
        shared_datasets / "online_retail" / file, column_map=MAPS / "online_retail.yaml"
    )
    orders = result.frame
    refund = orders[orders["status"] == "refunded"]
    assert len(refund) == refunds
    assert (refund["amount"] <= 0).all() and refund["order_id"].str.endswith("-R").all()
    assert not refund["order_id"].str.startswith("C").any()
    assert orders["customer_id"].isna().sum() == missing  # kept, and reported
    row = result.quality[result.quality["kind"] == "missing_value"].iloc[0]
    assert row["count"] == missing and row["column"] == "customer_id"
    assert not orders["customer_id"].dropna().str.endswith(".0").any()  # 17850.0 -> 17850


def test_online_retail_first_rows(shared_datasets: Path) -> None:
    orders = sa.read_table(
        shared_datasets / "online_retail" / "online_retail_first8000.csv",
        column_map=MAPS / "online_retail.yaml",
    )
    first = orders.iloc[0]
    # 6 × 2.55 = 15.30
    assert (first["order_id"], first["customer_id"], first["rep_id"]) == ("536365", "17850", "online")
    assert first["amount"] == pytest.approx(15.30)
    assert first["order_date"] == pd.Timestamp("2010-12-01 08:26:00")


def test_pharmacy_xlsx_with_a_user_map(shared_datasets: Path, tmp_path: Path) -> None:
    (tmp_path / "pharmacy.yaml").write_text(
        "table: orders\ncolumns:\n  order_id: 社保卡号\n  order_date: 购药时间\n  customer_id: 社保卡号\n"
        "  rep_id: {value: counter}\n  amount: 实收金额\n  product_id: 商品编码\n  quantity: 销售数量\n",
        encoding="utf-8",
    )
    path = shared_datasets / "chinese_sales" / "pharmacy_sales_2018.xlsx"
    # the real file holds 2018-02-29 (no such day) and a row without a date: both named by sheet row
    with pytest.raises(sa.DataError) as info:
        sa.read_table(path, column_map=tmp_path / "pharmacy.yaml")
    problems = {p.problem: p for p in info.value.problems}
    invalid = problems["23 rows are not valid dates"]
    # a mapped date column is read file by file and named as the file names it
    assert (invalid.file, invalid.column, invalid.found) == (str(path), "购药时间", "2018-02-29 星期一")
    assert invalid.rows[0] == 337 and invalid.count == 23
    assert problems["1 row is empty"].rows == (6572,)


def test_column_map_errors_name_the_file_and_key(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("table: orders\ncolumns:\n  order_idd: x\n", encoding="utf-8")
    with pytest.raises(
        sa.ConfigError, match=r"bad.yaml, key 'columns.order_idd': is not a column of the orders"
    ):
        sa.load_column_map(bad)
    bad.write_text("table: sales\ncolumns: {}\n", encoding="utf-8")
    with pytest.raises(sa.ConfigError, match="key 'table'"):
        sa.load_column_map(bad)
