"""A small hand-built organisation for the fake CRMs, and its hand export (what a person would save)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any


def _u(uid: str, name: str) -> dict[str, str]:
    return {"id": uid, "name": name}


ACME, BETA, GAMMA = _u("a1", "Acme"), _u("a2", "Beta Ltd"), _u("a3", "Gamma Co")
LI, WANG, ZHAO = _u("u1", "Li Lei"), _u("u2", "Wang Fang"), _u("u3", "Zhao Min")

ZOHO_USERS = [
    {
        "id": "u1",
        "full_name": "Li Lei",
        "email": "li@example.com",
        "role": {"id": "r1", "name": "East"},
        "status": "active",
        "Reporting_To": None,
    },
    {
        "id": "u2",
        "full_name": "Wang Fang",
        "email": "wang@example.com",
        "role": {"id": "r1", "name": "East"},
        "status": "active",
        "Reporting_To": {"id": "u1", "name": "Li Lei"},
    },
    {
        "id": "u3",
        "full_name": "Zhao Min",
        "email": "zhao@example.com",
        "role": {"id": "r2", "name": "West"},
        "status": "inactive",
        "Reporting_To": {"id": "u1", "name": "Li Lei"},
    },
]

ZOHO_RECORDS: dict[str, list[dict[str, Any]]] = {
    "Accounts": [
        {
            "id": "a1",
            "Account_Name": "Acme",
            "Account_Type": "Customer",
            "Industry": "Retail",
            "Billing_State": "Shanghai",
            "Created_Time": "2026-01-05T09:00:00+08:00",
            "Owner": LI,
        },
        {
            "id": "a2",
            "Account_Name": "Beta Ltd",
            "Account_Type": "Customer",
            "Industry": "Education",
            "Billing_State": "Beijing",
            "Created_Time": "2026-02-10T09:00:00+08:00",
            "Owner": WANG,
        },
        {
            "id": "a3",
            "Account_Name": "Gamma Co",
            "Account_Type": "Prospect",
            "Industry": "Retail",
            "Billing_State": "Zhejiang",
            "Created_Time": "2026-03-15T09:00:00+08:00",
            "Owner": ZHAO,
        },
    ],
    "Contacts": [
        {
            "id": "c1",
            "First_Name": "Jun",
            "Last_Name": "Xu",
            "Full_Name": "Jun Xu",
            "Mailing_State": "Jiangsu",
            "Reporting_To": None,
            "Created_Time": "2026-04-01T09:00:00+08:00",
            "Owner": LI,
        },
        {
            "id": "c2",
            "First_Name": "Mei",
            "Last_Name": "Sun",
            "Full_Name": "Mei Sun",
            "Mailing_State": "Fujian",
            "Reporting_To": None,
            "Created_Time": "2026-04-02T09:00:00+08:00",
            "Owner": WANG,
        },
    ],
    "Deals": [
        {
            "id": "d1",
            "Deal_Name": "Acme renewal",
            "Stage": "Closed Won",
            "Amount": 12000.0,
            "Probability": 100,
            "Closing_Date": "2026-11-20",
            "Created_Time": "2026-09-01T10:00:00+08:00",
            "Owner": LI,
            "Account_Name": ACME,
        },
        {
            "id": "d2",
            "Deal_Name": "Beta pilot",
            "Stage": "Negotiation/Review",
            "Amount": 8000.0,
            "Probability": 75,
            "Closing_Date": "2026-12-15",
            "Created_Time": "2026-10-01T10:00:00+08:00",
            "Owner": WANG,
            "Account_Name": BETA,
        },
        {
            "id": "d3",
            "Deal_Name": "Gamma trial",
            "Stage": "Qualification",
            "Amount": 3000.0,
            "Probability": 10,
            "Closing_Date": "2027-01-10",
            "Created_Time": "2026-10-15T10:00:00+08:00",
            "Owner": ZHAO,
            "Account_Name": GAMMA,
        },
        {
            "id": "d4",
            "Deal_Name": "Acme add-on",
            "Stage": "Closed Lost",
            "Amount": 2000.0,
            "Probability": 0,
            "Closing_Date": "2026-11-05",
            "Created_Time": "2026-09-20T10:00:00+08:00",
            "Owner": LI,
            "Account_Name": ACME,
        },
    ],
    "Calls": [
        {
            "id": "k1",
            "Subject": "Intro",
            "Call_Start_Time": "2026-11-03T10:00:00+08:00",
            "Call_Duration_in_seconds": 300,
            "Call_Result": "Interested",
            "Owner": LI,
            "What_Id": ACME,
        },
        {
            "id": "k2",
            "Subject": "Follow-up",
            "Call_Start_Time": "2026-11-04T15:30:00+08:00",
            "Call_Duration_in_seconds": 600,
            "Call_Result": "Call back",
            "Owner": WANG,
            "What_Id": BETA,
        },
        {
            "id": "k3",
            "Subject": "Pricing",
            "Call_Start_Time": "2026-11-12T09:15:00+08:00",
            "Call_Duration_in_seconds": 120,
            "Call_Result": "Not interested",
            "Owner": ZHAO,
            "What_Id": GAMMA,
        },
    ],
    "Events": [
        {
            "id": "e1",
            "Event_Title": "Acme QBR",
            "Start_DateTime": "2026-11-06T14:00:00+08:00",
            "End_DateTime": "2026-11-06T15:00:00+08:00",
            "Owner": LI,
            "What_Id": ACME,
        },
        {
            "id": "e2",
            "Event_Title": "Beta demo",
            "Start_DateTime": "2026-11-18T10:00:00+08:00",
            "End_DateTime": "2026-11-18T11:30:00+08:00",
            "Owner": WANG,
            "What_Id": BETA,
        },
    ],
    "Sales_Orders": [
        {
            "id": "s1",
            "SO_Number": "SO-1",
            "Subject": "Acme licences",
            "Grand_Total": 5000.0,
            "Status": "Delivered",
            "Created_Time": "2026-11-02T11:00:00+08:00",
            "Owner": LI,
            "Account_Name": ACME,
        },
        {
            "id": "s2",
            "SO_Number": "SO-2",
            "Subject": "Beta licences",
            "Grand_Total": 3000.0,
            "Status": "Delivered",
            "Created_Time": "2026-11-08T11:00:00+08:00",
            "Owner": WANG,
            "Account_Name": BETA,
        },
        {
            "id": "s3",
            "SO_Number": "SO-3",
            "Subject": "Gamma pilot",
            "Grand_Total": 1500.0,
            "Status": "Cancelled",
            "Created_Time": "2026-11-09T11:00:00+08:00",
            "Owner": ZHAO,
            "Account_Name": GAMMA,
        },
        {
            "id": "s4",
            "SO_Number": "SO-4",
            "Subject": "Acme support",
            "Grand_Total": 2500.0,
            "Status": "Delivered",
            "Created_Time": "2026-11-20T11:00:00+08:00",
            "Owner": LI,
            "Account_Name": ACME,
        },
        {
            "id": "s5",
            "SO_Number": "SO-5",
            "Subject": "Beta support",
            "Grand_Total": 700.0,
            "Status": "Created",
            "Created_Time": "2026-11-25T11:00:00+08:00",
            "Owner": WANG,
            "Account_Name": BETA,
        },
    ],
    "Invoices": [
        {
            "id": "i1",
            "Invoice_Number": "INV-1",
            "Invoice_Date": "2026-11-10",
            "Grand_Total": 4000.0,
            "Status": "Paid",
            "Owner": LI,
            "Account_Name": ACME,
        },
        {
            "id": "i2",
            "Invoice_Number": "INV-2",
            "Invoice_Date": "2026-11-21",
            "Grand_Total": 900.0,
            "Status": "Void",
            "Owner": WANG,
            "Account_Name": BETA,
        },
    ],
}

ZOHO_HISTORY: dict[str, list[dict[str, Any]]] = {
    "d1": [
        {
            "id": "h1",
            "Stage": "Qualification",
            "Amount": 10000.0,
            "Probability": 10,
            "Closing_Date": "2026-11-30",
            "Modified_Time": "2026-09-01T10:00:00+08:00",
        },
        {
            "id": "h2",
            "Stage": "Closed Won",
            "Amount": 12000.0,
            "Probability": 100,
            "Closing_Date": "2026-11-20",
            "Modified_Time": "2026-11-20T16:00:00+08:00",
        },
    ],
    "d2": [
        {
            "id": "h3",
            "Stage": "Negotiation/Review",
            "Amount": 8000.0,
            "Probability": 75,
            "Closing_Date": "2026-12-15",
            "Modified_Time": "2026-10-01T10:00:00+08:00",
        },
    ],
}


def zoho_org() -> tuple[
    dict[str, list[dict[str, Any]]], list[dict[str, Any]], dict[str, list[dict[str, Any]]]
]:
    return copy.deepcopy(ZOHO_RECORDS), copy.deepcopy(ZOHO_USERS), copy.deepcopy(ZOHO_HISTORY)


def write_zoho_hand_export(fake: Any, folder: Path) -> None:
    """What a person saves from the same organisation: REST record pages, a users list, stage history."""
    folder.mkdir(parents=True, exist_ok=True)
    for module, recs in fake.records.items():
        rows = [recs[k] for k in sorted(recs)]
        if rows:
            doc = {
                "data": rows,
                "info": {"per_page": 200, "count": len(rows), "page": 1, "more_records": False},
            }
            (folder / f"{module}.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    (folder / "users.json").write_text(json.dumps(fake.users, ensure_ascii=False), encoding="utf-8")
    hist = [dict(r, Deal_Name={"id": d, "name": d}) for d in sorted(fake.history) for r in fake.history[d]]
    (folder / "stage_history.json").write_text(json.dumps(hist, ensure_ascii=False), encoding="utf-8")


MS = 1_764_547_200_000  # 2025-12-01T00:00:00Z in epoch milliseconds
DAY = 86_400_000

FX_OBJECTS: dict[str, list[dict[str, Any]]] = {
    "PersonnelObj": [
        {
            "_id": "p1",
            "user_id": "1000",
            "name": "王芳",
            "main_department": ["1001"],
            "main_department__r": "华东一组",
            "status__r": "启用",
        },
        {
            "_id": "p2",
            "user_id": "1001",
            "name": "李雷",
            "main_department": ["1002"],
            "main_department__r": "华南组",
            "status__r": "启用",
        },
    ],
    "AccountObj": [
        {
            "_id": "ac1",
            "name": "上海甲公司",
            "account_no": "KH-001",
            "industry_level1__r": "零售",
            "province__r": "上海",
            "create_time": MS - 300 * DAY,
            "owner": ["1000"],
        },
        {
            "_id": "ac2",
            "name": "广州乙公司",
            "account_no": "KH-002",
            "industry_level1__r": "教育",
            "province__r": "广东",
            "create_time": MS - 200 * DAY,
            "owner": ["1001"],
        },
    ],
    "SalesOrderObj": [
        {
            "_id": "o1",
            "name": "SO2025-001",
            "order_time": MS - 20 * DAY,
            "order_amount": "1200.00",
            "account_id": "ac1",
            "owner": ["1000"],
            "life_status__r": "正常",
        },
        {
            "_id": "o2",
            "name": "SO2025-002",
            "order_time": MS - 15 * DAY,
            "order_amount": "800.50",
            "account_id": "ac2",
            "owner": ["1001"],
            "life_status__r": "正常",
        },
        {
            "_id": "o3",
            "name": "SO2025-003",
            "order_time": MS - 10 * DAY,
            "order_amount": "300.00",
            "account_id": "ac1",
            "owner": ["1000"],
            "life_status__r": "已作废",
        },
    ],
    "NewOpportunityObj": [
        {
            "_id": "op1",
            "name": "甲公司扩容",
            "sales_stage": "2",
            "sales_stage__r": "需求确认",
            "sales_status": "1",
            "amount": "50000",
            "probability": "30",
            "close_date": MS + 30 * DAY,
            "create_time": MS - 40 * DAY,
            "owner": ["1000"],
            "account_id": "ac1",
        },
    ],
    "ActiveRecordObj": [
        {
            "_id": "ar1",
            "active_record_content": "电话沟通需求",
            "active_record_type__r": "电话",
            "create_time": MS - 12 * DAY,
            "owner": ["1000"],
            "account_id": "ac1",
        },
        {
            "_id": "ar2",
            "active_record_content": "上门拜访",
            "active_record_type__r": "拜访",
            "create_time": MS - 8 * DAY,
            "owner": ["1001"],
            "account_id": "ac2",
        },
    ],
    "PaymentObj": [
        {
            "_id": "pay1",
            "name": "HK-001",
            "payment_time": MS - 5 * DAY,
            "amount": "1200.00",
            "account_id": "ac1",
            "owner": ["1000"],
        },
    ],
}


def fx_tenant() -> dict[str, list[dict[str, Any]]]:
    return copy.deepcopy(FX_OBJECTS)


def write_fx_hand_export(fake: Any, folder: Path) -> None:
    """Query results saved by hand: one {errorCode, data: {dataList}} per object, recycle bin left out."""
    folder.mkdir(parents=True, exist_ok=True)
    for obj in fake.objects:
        rows = fake.live(obj)
        if rows:
            doc = {"errorCode": 0, "errorMessage": "OK", "data": {"dataList": rows, "total": len(rows)}}
            (folder / f"{obj}.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
