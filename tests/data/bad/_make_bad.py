"""Writes the bad-input corpus (run from this folder; the outputs are committed).

Each file must make the loader raise a DataError naming the file (see
tests/io/test_io_bad_inputs.py for the expected message of each). The 50 MB
line is generated at test time, not committed.
"""

import io
import json
import random
from pathlib import Path

import openpyxl
import pandas as pd

H = "order_id,order_date,customer_id,rep_id,amount\n"
here = Path(".")


def w(name: str, data: str | bytes, enc: str = "utf-8") -> None:
    (here / name).write_bytes(data if isinstance(data, bytes) else data.encode(enc))


w("orders_empty.csv", b"")
w("orders_header_only.csv", H)
w("orders_whitespace_only.csv", "\n\n\n")
w("orders_latin1.csv", H + "o1,2026-01-05,café,r1,10\n", "latin-1")
w("orders_gbk_declared_utf8.csv", H + "o1,2026-01-05,苏州安可,r1,10\n", "gbk")
w("orders_missing_amount.csv", "order_id,order_date,customer_id,rep_id\no1,2026-01-05,c1,r1\n")
w("reps_duplicated_ids.csv", "rep_id,rep_name,team\nr1,Li Lei,East\nr2,Han Mei,East\nr1,Wang Fang,West\n")
w("orders_text_in_amount.csv", H + "o1,2026-01-05,c1,r1,10\no2,2026-01-06,c1,r1,ten yuan\n")
w("orders_impossible_dates.csv", H + "o1,2026-02-30,c1,r1,10\no2,2026-13-01,c1,r1,12\n")
w(
    "orders_mixed_date_formats.csv",
    H + "o1,2026-01-05,c1,r1,10\no2,05/01/2026,c1,r1,12\no3,2026/01/07,c1,r1,9\n",
)
random.seed(3)
w("orders_binary_garbage.csv", bytes(random.randrange(256) for _ in range(4096)) + b"\x00\x00")
w(
    "orders_formula_cell.csv",
    H + 'o1,2026-01-05,c1,r1,10\n"=HYPERLINK(""http://x"",""y"")",2026-01-06,c1,r1,12\n',
)
w("orders_ragged.csv", H + "o1,2026-01-05,c1,r1,10\no2,2026-01-06,c1,r1,1,200\n")
w(
    "orders_duplicate_header.csv",
    "order_id,order_date,customer_id,rep_id,amount,amount\no1,2026-01-05,c1,r1,10,11\n",
)
w(
    "orders_bad_status.csv",
    "order_id,order_date,customer_id,rep_id,amount,status\no1,2026-01-05,c1,r1,10,shipped\n",
)
w("orders_empty_required.csv", H + "o1,2026-01-05,c1,,10\no2,,c1,r1,12\n")
w("orders_implausible_year.csv", H + "o1,1899-12-31,c1,r1,10\no2,2150-01-01,c1,r1,12\n")
w("orders_not_parquet.parquet", b"PAR1 this is not really parquet")
pd.DataFrame({"order_id": pd.Series([], dtype="str")}).to_parquet(here / "orders_empty_rows.parquet")
w("orders_unsupported.docx", b"PK\x03\x04 a word document")
w("reps_bad_bool.csv", "rep_id,rep_name,team,active\nr1,Li Lei,East,maybe\n")
w("targets_bad_month.csv", "period,rep_id,target_amount\nMarch,r1,1000\n")
w(
    "deals_probability_over_100.csv",
    "deal_id,rep_id,stage,created_date,probability\nd1,r1,Proposal,2026-01-05,150\n",
)
w("activities_bad_type.csv", "rep_id,activity_type,activity_at\nr1,lunch,2026-01-05 12:00\n")
w("chat_messages_bad_time.csv", "group_id,sender_id,sent_at,text\ng1,u1,yesterday,hi\n")
w("orders_not_a_record_page.json", json.dumps({"foo": 1, "bar": [1, 2]}))
w("orders_json_scalar.json", "42")
w("orders_json_list_of_numbers.json", "[1, 2, 3]")
w("orders_invalid.json", '{"data": [{"order_id": "o1"')
w("orders_bad_lines.jsonl", '{"order_id": "o1"}\nnot json\n[1]\n')
w(
    "orders_fxiaoke_error.json",
    json.dumps(
        {"errorCode": 10001, "errorMessage": "corpAccessToken 无效", "data": None}, ensure_ascii=False
    ),
)
w(
    "orders_wecom_encrypted.json",
    json.dumps(
        {
            "errcode": 0,
            "errmsg": "ok",
            "chatdata": [
                {
                    "seq": 1,
                    "msgid": "m1",
                    "publickey_ver": 1,
                    "encrypt_random_key": "abc",
                    "encrypt_chat_msg": "xyz",
                }
            ],
        }
    ),
)
w("targets_negative.csv", "period,rep_id,target_amount\n2026-01,r1,-5\n")
# spreadsheets: a truncated workbook and an empty one
wb = openpyxl.Workbook()
ws = wb.active
ws.append(["order_id", "order_date", "customer_id", "rep_id", "amount"])
for i in range(50):
    ws.append([f"o{i}", "2026-01-05", "c1", "r1", 10 + i])
buf = io.BytesIO()
wb.save(buf)
w("orders_truncated.xlsx", buf.getvalue()[: len(buf.getvalue()) // 2])
wb = openpyxl.Workbook()
wb.active.title = "Empty"
buf = io.BytesIO()
wb.save(buf)
w("orders_empty_sheet.xlsx", buf.getvalue())
