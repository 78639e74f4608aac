"""The export corpus of tests/data/real/{chat,crm,sales}: every file loads as the platform wrote it,
and values are checked against the file by hand (dates in UTC, senders, amounts)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

import sales_analytics as sa
from sales_analytics.errors import DataError

REAL = Path(__file__).resolve().parents[1] / "data" / "real"
ROOT = Path(__file__).resolve().parents[2]
PHARMACY_MAP = ROOT / "parameters" / "column_maps" / "pharmacy_sales.yaml"

CORPUS = [
    ("chat/客户王先生_utf8.csv", "wechatmsg", "chat_messages", 6),
    ("chat/华东销售群_utf8.csv", "wechatmsg", "chat_messages", 6),
    ("chat/wecom_archive_2018-03.jsonl", "wecom_archive", "chat_messages", 7),
    ("chat/wxid_customer0001_0_5001.csv", "pywxdump", "chat_messages", 6),
    ("crm/Deals_2025_10_07.csv", "zoho_deals", "deals", 5),
    ("crm/Deals_001.csv", "zoho_deals", "deals", 3),
    ("crm/Deals_Stage_History_001.csv", "zoho_deal_stage_history", "deal_stage_history", 2),
    ("crm/Accounts_001.csv", "zoho_accounts", "customers", 2),
    ("crm/Contacts_001.csv", "zoho_contacts", "customers", 1),
    ("crm/Calls_001.csv", "zoho_calls", "activities", 2),
    ("crm/Events_001.csv", "zoho_meetings", "activities", 1),
    ("crm/Sales_Orders_001.csv", "zoho_sales_orders", "orders", 1),
    ("crm/Invoices_001.csv", "zoho_invoices", "orders", 2),
    ("crm/report1520000000000.csv", "salesforce_opportunities", "deals", 3),
    ("crm/Opportunity Pipeline-2018-03-31-17-02-00.xlsx", "salesforce_opportunities", "deals", 3),
    ("crm/hubspot-crm-exports-all-deals-2018-03-31.csv", "hubspot_deals", "deals", 3),
]


def _utc(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


@pytest.mark.parametrize(("name", "profile", "table", "rows"), CORPUS)
def test_every_corpus_file_loads_as_written(name: str, profile: str, table: str, rows: int) -> None:
    result = sa.inspect_table(REAL / name)
    assert (result.profile, result.table, len(result.frame)) == (profile, table, rows)


def test_every_corpus_file_has_a_provenance_line() -> None:
    text = (REAL / "PROVENANCE.md").read_text(encoding="utf-8")
    for heading in ("## chat", "## crm", "## sales"):
        assert heading in text
    for path in sorted(p for sub in ("chat", "crm", "sales") for p in (REAL / sub).iterdir()):
        assert f"`{path.parent.name}/{path.name}`" in text, path.name


def test_wechatmsg_one_to_one_rows_have_nine_fields() -> None:
    result = sa.inspect_table(REAL / "chat" / "客户王先生_utf8.csv")
    chat = result.frame
    # CreateTime 1520215878 = 2018-03-05 02:11:18 UTC (StrTime 10:11:18 is Beijing time, +8 h)
    assert chat["sent_at"].iloc[0] == _utc("2018-03-05 02:11:18")
    # IsSender 0 -> the partner (TalkerId 217), IsSender 1 -> self
    assert chat["sender_id"].tolist() == ["217", "self", "217", "self", "217", "217"]
    # Type 1, 1, 3, 49/6, 49/57, 34
    assert chat["msg_type"].tolist() == ["text", "text", "image", "file", "text", "voice"]
    assert chat["group_id"].unique().tolist() == ["217"]
    assert chat["message_id"].iloc[0] == "217:1854662"
    note = result.quality[result.quality["kind"] == "read_note"]["message"].str.cat()
    assert "the header names 12 columns but every row has 9 fields: Remark, NickName, Sender" in note


def test_wechatmsg_group_system_messages_have_no_sender() -> None:
    chat = sa.read_table(REAL / "chat" / "华东销售群_utf8.csv")
    # rows 2 and 5 of the file are Type 10000 with an empty Sender
    assert chat.loc[[0, 3], "sender_id"].tolist() == ["system", "system"]
    assert chat.loc[[0, 3], "msg_type"].tolist() == ["system", "system"]
    assert chat["sender_id"].iloc[1] == "wxid_self0001"
    assert chat["text"].iloc[0] == '"李雷"邀请"韩梅梅"加入了群聊'
    assert chat["msg_type"].tolist()[4:] == ["image", "link"]  # Type 47 sticker, 49/5 link


def test_wecom_records_without_sender_and_one_to_one_conversations() -> None:
    chat = sa.read_table(REAL / "chat" / "wecom_archive_2018-03.jsonl")
    pair = "direct:LiLei|wmErxtDgAA9AW32cGMJTwtA"
    # LiLei -> customer, customer -> LiLei, the recall and the agree: one conversation
    assert chat["group_id"].tolist()[:5] == [pair, pair, pair, "system", pair]
    # the switch record {msgid, action, time, user}: its time is 1520472000000 ms
    switch = chat.iloc[3]
    assert (switch["sender_id"], switch["msg_type"]) == ("HanMeiMei", "system")
    assert switch["sent_at"] == _utc("2018-03-08 01:20:00")
    # a revoke with an empty `from`: a system message from system, in its group
    last = chat.iloc[6]
    assert (last["group_id"], last["sender_id"], last["msg_type"]) == (
        "wrAUQhDgAAaBvMtoyaD0ZmhRt3LEO2Jw",
        "system",
        "system",
    )
    assert chat["msg_type"].tolist()[:3] == ["text", "text", "system"]  # recall -> system
    assert chat["sent_at"].iloc[0] == _utc("2018-03-08 01:00:00")  # msgtime 1520470800000


def test_pywxdump_json_content_and_self_sender() -> None:
    chat = sa.read_table(REAL / "chat" / "wxid_customer0001_0_5001.csv")
    assert chat["sender_id"].tolist() == [
        "wxid_customer0001",
        "self",  # 我
        "self",
        "wxid_customer0001",
        "system",  # 未知 on a 系统通知
        "wxid_customer0001",
    ]
    assert chat["text"].iloc[1] == "您好，稍后发您价目表"  # from {"src": "", "msg": "…"}
    assert chat["msg_type"].tolist() == ["text", "text", "image", "text", "system", "voice"]
    # CreateTime 2018-03-08 09:30:00 local (Asia/Shanghai) = 01:30 UTC
    assert chat["sent_at"].iloc[0] == _utc("2018-03-08 01:30:00")
    assert chat["message_id"].iloc[0] == "wxid_customer0001:1"


def test_wecom_and_wechatmsg_files_in_one_folder(tmp_path: Path) -> None:
    """Each file's dates are read on their own: epoch ms, epoch s and local text never mix."""
    folder = tmp_path / "data"
    shutil.copytree(REAL / "chat", folder)
    (folder / "reps.csv").write_text("rep_id,rep_name,team\nstore,Store,Shop\n", encoding="utf-8")
    (folder / "orders.csv").write_text(
        "order_id,order_date,customer_id,rep_id,amount\no1,2018-03-01,c1,store,10\n", encoding="utf-8"
    )
    ds = sa.load_dataset(folder)
    chat = ds.chat_messages
    assert len(chat) == 6 + 6 + 7 + 6
    assert str(chat["sent_at"].dtype) == "datetime64[ns, UTC]"
    assert chat["message_id"].is_unique
    assert chat["sent_at"].min() == _utc("2018-03-05 02:11:18")


def test_zoho_backup_and_ui_exports() -> None:
    deals = sa.read_table(REAL / "crm" / "Deals_001.csv")
    # lookups written `Deal Owner Id` and `Account Id`
    assert deals["rep_id"].tolist() == ["4876876000000315001", "4876876000000315002", "4876876000000315001"]
    assert deals["customer_id"].iloc[1] == "4876876000000330002"
    assert deals["status"].tolist() == ["open", "won", "lost"]
    assert deals["amount"].tolist() == [25000.0, 12500.5, 8000.0]
    ui = sa.read_table(REAL / "crm" / "Deals_2025_10_07.csv")
    assert ui["deal_id"].iloc[0] == "6221978000008413574"  # zcrm_ stripped
    assert ui["customer_id"].iloc[0] == "6221978000003795044"  # Company Name.id
    assert ui["close_date"].iloc[0] == pd.Timestamp("2024-07-15")
    calls = sa.read_table(REAL / "crm" / "Calls_001.csv")
    assert calls["duration_min"].tolist() == [5.0, 21.0]  # 300 s, 1260 s
    assert calls["customer_id"].tolist() == ["4876876000000330001", "4876876000000330002"]  # Related To Id
    meetings = sa.read_table(REAL / "crm" / "Events_001.csv")
    assert meetings["duration_min"].tolist() == [90.0]  # 14:00 -> 15:30
    assert meetings["rep_id"].tolist() == ["4876876000000315002"]  # Host Id
    history = sa.read_table(REAL / "crm" / "Deals_Stage_History_001.csv")
    assert history["deal_id"].tolist() == ["4876876000000339002"] * 2  # Deal Name Id
    assert history["changed_at"].tolist() == [
        pd.Timestamp("2018-03-08 10:00"),
        pd.Timestamp("2018-03-20 17:30"),
    ]
    invoices = sa.read_table(REAL / "crm" / "Invoices_001.csv")
    assert invoices["status"].tolist() == ["paid", "cancelled"]  # Void -> cancelled
    orders = sa.read_table(REAL / "crm" / "Sales_Orders_001.csv")
    assert orders[["order_id", "amount", "rep_id"]].values.tolist() == [
        ["SO-2018-0001", 12500.5, "4876876000000315002"]
    ]


def test_salesforce_report_footer_currency_and_month_first_dates() -> None:
    result = sa.inspect_table(REAL / "crm" / "report1520000000000.csv")
    deals = result.frame
    assert len(deals) == 3  # the Total / Copyright / Generated By lines are not deals
    assert deals["close_date"].tolist() == [
        pd.Timestamp("2018-03-09"),
        pd.Timestamp("2018-04-13"),
        pd.Timestamp("2018-03-30"),
    ]
    assert deals["amount"].tolist() == [48000.0, 15500.0, 7250.0]  # "USD 48,000.00"
    assert deals["probability"].tolist() == [100.0, 90.0, 0.0]  # "100%"
    assert deals["status"].tolist() == ["won", "open", "lost"]
    assert deals["rep_id"].tolist() == ["Owner Three", "Owner Three", "Owner Four"]
    notes = result.quality["message"].str.cat()
    assert "note/blank line(s) after the data" in notes


def test_salesforce_formatted_xlsx_header_and_footer_blocks() -> None:
    result = sa.inspect_table(REAL / "crm" / "Opportunity Pipeline-2018-03-31-17-02-00.xlsx")
    deals = result.frame
    # sheet rows 1-7: title, company, "As of", filters; row 8 the header; rows 12-17: Total and footer
    assert deals["deal_id"].tolist() == ["Company J - 200 units", "Company K - renewal", "Company L - pilot"]
    assert deals["close_date"].tolist()[0] == pd.Timestamp("2018-03-09")
    assert deals["amount"].sum() == 70750.0  # 48,000 + 15,500 + 7,250: the Total row is not a deal
    notes = result.quality["message"].str.cat(sep="\n")
    assert "skipped 7 row(s) before the header" in notes and "skipped 5 note row(s) after the data" in notes


def test_hubspot_deals_export() -> None:
    deals = sa.read_table(REAL / "crm" / "hubspot-crm-exports-all-deals-2018-03-31.csv")
    assert deals["deal_id"].tolist() == ["1257328471", "1257328472", "1257328473"]
    assert deals["status"].tolist() == ["won", "open", "lost"]  # Closed won / Contract sent / Closed lost
    assert deals["amount"].tolist() == [30000.0, 9000.0, 4500.0]
    assert deals["close_date"].iloc[0] == pd.Timestamp("2018-03-16 10:00")
    assert deals["customer_id"].iloc[2] == "8123003"


def test_pharmacy_workbook_weekday_dates_and_returns() -> None:
    result = sa.inspect_table(
        REAL / "sales" / "朝阳医院2018年销售数据_first200.xlsx", column_map=PHARMACY_MAP
    )
    orders = result.frame
    assert len(orders) == 200
    first = orders.iloc[0]  # 2018-01-01 星期五, *******528, 236701, 6, 82.8, 69
    assert first["order_date"] == pd.Timestamp("2018-01-01")
    assert (first["amount"], first["quantity"], first["product_id"]) == (69.0, 6.0, "236701")
    assert first["order_id"] == "2018-01-01 星期五 / *******528"
    assert (first["rep_id"], first["status"]) == ("store", "paid")
    # sheet rows 63 and 102 are returns: quantity -1, 实收金额 -13.8 and -11.0
    refunds = orders[orders["status"] == "refunded"]
    assert refunds.index.tolist() == [61, 100]
    assert refunds["amount"].tolist() == [-13.8, -11.0]
    assert refunds["order_date"].tolist() == [pd.Timestamp("2018-05-02"), pd.Timestamp("2018-06-19")]
    assert not (result.quality["kind"] == "negative_sale").any()


def test_pharmacy_full_workbook_drops_and_lists_bad_dates(shared_datasets: Path) -> None:
    result = sa.inspect_table(
        shared_datasets / "chinese_sales" / "pharmacy_sales_2018.xlsx", column_map=PHARMACY_MAP
    )
    dropped = result.quality[result.quality["kind"] == "dropped_row"]
    dates = dropped[dropped["column"] == "购药时间"].iloc[0]
    assert dates["count"] == 23 and "2018-02-29 星期一" in dates["message"]  # no 29 February in 2018
    assert dates["rows"].startswith("337, 515, 516")
    assert len(result.frame) == 6577 - 23 - 1  # one more row has no date at all


def real_folder(folder: Path) -> Path:
    """The chat and sales files, the HubSpot deals and a reps file naming their reps: one data folder."""
    folder.mkdir()
    for sub in ("chat", "sales"):
        for f in (REAL / sub).iterdir():
            shutil.copy(f, folder)
    shutil.copy(REAL / "crm" / "hubspot-crm-exports-all-deals-2018-03-31.csv", folder)
    (folder / "reps.csv").write_text(
        "rep_id,rep_name,team\nstore,门店,Store\nOwner Five,Owner Five,B2B\nOwner Six,Owner Six,B2B\n",
        encoding="utf-8",
    )
    return folder


def test_corpus_loads_without_hand_editing_as_a_folder(tmp_path: Path) -> None:
    folder = real_folder(tmp_path / "data")
    maps = tmp_path / "maps"
    maps.mkdir()
    shutil.copy(PHARMACY_MAP, maps)
    params = sa.load_parameters()
    params = params.model_copy(update={"data": params.data.model_copy(update={"column_maps_dir": str(maps)})})
    result = sa.check_data(folder, params=params)
    assert result.ok, [str(p) for p in result.problems]
    assert not result.skipped
    ds = result.dataset
    assert len(ds.orders) == 200 and len(ds.deals) == 3 and len(ds.chat_messages) == 25


def test_unknown_export_names_the_closest_profile(tmp_path: Path) -> None:
    path = tmp_path / "pipeline.csv"
    path.write_text("Deal Name,Amount,Owner\nA,1,x\n", encoding="utf-8")
    with pytest.raises(DataError, match="not a recognised table"):
        sa.read_table(path)
