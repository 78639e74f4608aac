"""The one contact-column pattern: contact names are caught by whole tokens, activity counts survive."""

from __future__ import annotations

import pandas as pd
import pytest

import sales_analytics as sa
from sales_analytics.privacy import contact_columns, is_contact_column, without_contact_columns
from sales_analytics.views.bundles import Bundle

# Every name either earlier copy of the pattern caught (views/bundles.py and customers/churn.py),
# plus the names CRM exports use for the same data.
CONTACT_NAMES = [
    "email",
    "Email",
    "E-mail",
    "e_mail",
    "contact_email",
    "customerEmail",
    "Secondary Email",
    "phone",
    "contact_phone",
    "Mobile",
    "mobile_phone",
    "tel",
    "Tel",
    "telephone",
    "fax",
    "wechat",
    "WeChat ID",
    "wechat_id",
    "weixin_id",
    "qq",
    "address",
    "ship_address",
    "Mailing Street",
    "id_card",
    "ID Card No",
    "contact",
    "contact_name",
    "邮箱",
    "电子邮件",
    "手机",
    "客户手机号",
    "电话",
    "联系电话",
    "微信",
    "微信号",
    "地址",
    "收货地址",
    "身份证",
    "身份证号码",
    "联系人",
]
# Columns a published table really has, some of which the old substring patterns dropped.
KEPT_NAMES = [
    "emails",
    "calls",
    "visits",
    "messages",
    "meetings",
    "customer_id",
    "rep_id",
    "hotel_nights",
    "telecom",
    "contacts",
    "last_contact_date",
    "channel",
    "region",
    "team",
]


@pytest.mark.parametrize("name", CONTACT_NAMES)
def test_each_contact_name_is_caught(name):
    assert is_contact_column(name)


@pytest.mark.parametrize("name", KEPT_NAMES)
def test_non_contact_names_are_kept(name):
    assert not is_contact_column(name)


def test_scorecard_emails_count_survives_and_contacts_go():
    frame = pd.DataFrame(
        {"rep_id": ["R1"], "emails": [12], "calls": [30], "contact_email": ["a@b.cn"], "电话": ["138"]}
    )
    out = without_contact_columns(frame)
    assert list(out.columns) == ["rep_id", "emails", "calls"]
    assert list(frame.columns) == ["rep_id", "emails", "calls", "contact_email", "电话"]  # unchanged
    assert contact_columns(frame.columns) == ["contact_email", "电话"]


def test_views_and_churn_use_the_one_pattern(tmp_path):
    # a bundle table with an activity count and a contact column: the view keeps the count
    (tmp_path / "tables").mkdir()
    pd.DataFrame(
        {"period": ["2026-10"], "rep_id": ["R1"], "emails": [5], "weixin_id": ["wx1"], "tel": ["1"]}
    ).to_parquet(tmp_path / "tables" / "kpi_scorecard.parquet")
    table = Bundle(period="2026-10", path=tmp_path, manifest={}).table("kpi_scorecard")
    assert list(table.columns) == ["period", "rep_id", "emails"]
    assert sa.without_contact_columns is without_contact_columns  # churn lists re-export the same function


def test_excel_export_drops_contact_columns(tmp_path):
    from openpyxl import load_workbook

    from sales_analytics.report.excel import write_excel

    frame = pd.DataFrame({"period": ["2026-10"], "rep_id": ["R1"], "emails": [5], "contact_phone": ["138"]})
    sheets = write_excel({"kpi_scorecard": frame}, tmp_path / "report.xlsx", language="en")
    ws = load_workbook(tmp_path / "report.xlsx")[sheets["kpi_scorecard"]]
    cells = {str(c.value) for row in ws.iter_rows() for c in row if c.value is not None}
    assert "138" not in cells and "R1" in cells
    assert "5" in cells or 5 in {c.value for row in ws.iter_rows() for c in row}
