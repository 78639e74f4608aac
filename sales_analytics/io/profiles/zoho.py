"""Zoho CRM: UI exports (field labels, ``.id`` pairs, ``zcrm_`` ids), Bulk Read CSV (API names),
REST record pages (JSON ``data`` + ``info``; lookups flattened to ``Owner.id`` …) and the
Data Backup zip (``Deals_001.csv`` …: field labels, the record id as ``Record Id`` or ``Id``,
lookups as ``<label> Id`` beside ``<label>``, e.g. ``Deal Owner Id``, ``Account Name Id`` or
``Account Id``).

Labels differ between organisations (``Company Name`` where the standard
label is ``Account Name``), so every column lists its aliases: the export
label first, then the API name, then known renamed labels.
"""

from __future__ import annotations

from sales_analytics.io.columns import ColumnMap, ColumnRule

__all__ = ["ZOHO_PROFILES", "ZOHO_STAGE_STATUS"]

#: Stage → deal status (Zoho's closed stages; every other stage is open).
ZOHO_STAGE_STATUS = {
    "Closed Won": "won",
    "Closed Lost": "lost",
    "Closed Lost to Competition": "lost",
    "Closed-Lost to Competition": "lost",
}

_ACCOUNT_ID = [
    "Account Name.id",
    "Company Name.id",
    "Account_Name.id",
    "Account Name Id",
    "Account Id",
    "Company Name Id",
    "Account_Name",
]
_RECORD_ID = ["Record Id", "id", "Id", "Record ID"]
_RELATED = [
    "Related To.id",
    "What_Id.id",
    "Related To Id",
    "What Id",
    "What_Id",
    "Contact Name.id",
    "Contact Name Id",
    "Who_Id.id",
    "Who Id",
]
_CREATED = ["Created Time", "Created_Time"]


def _owner(label: str) -> list[str]:
    return [f"{label}.id", f"{label} Id", "Owner.id", "Owner Id", "Owner"]


ZOHO_PROFILES: list[ColumnMap] = [
    ColumnMap(
        name="zoho_deals",
        table="deals",
        strip_prefix="zcrm_",
        description="Zoho CRM Deals (UI export, Bulk Read or REST)",
        detect=[["Deal Name", "Stage"], ["Deal_Name", "Stage"]],
        columns={
            "deal_id": _RECORD_ID,
            "rep_id": _owner("Deal Owner"),
            "customer_id": _ACCOUNT_ID,
            "stage": ["Stage"],
            "status": ColumnRule(column="Stage", map=ZOHO_STAGE_STATUS, default="open"),
            "amount": ["Amount"],
            "probability": ["Probability (%)", "Probability"],
            "created_date": _CREATED,
            "close_date": ["Closing Date", "Closing_Date"],
        },
    ),
    ColumnMap(
        name="zoho_deal_stage_history",
        table="deal_stage_history",
        strip_prefix="zcrm_",
        description="Zoho CRM Deals stage history export",
        detect=[
            ["Stage Duration (Calendar Days)", "Deal Name.id", "Stage"],
            ["Moved To", "Deal Name.id", "Stage"],
            ["Stage Duration (Calendar Days)", "Deal Name Id", "Stage"],
            ["Moved To", "Deal Name Id", "Stage"],
            ["Deal_Name.id", "Stage", "Modified_Time"],  # Stage_History API records (connectors)
        ],
        columns={
            "deal_id": ["Deal Name.id", "Deal_Name.id", "Deal Name Id", "Deal Id", "Deal_Name"],
            "stage": ["Stage"],
            "changed_at": ["Modified Time", "Modified_Time", "Last Activity Time"],
            "close_date": ["Closing Date", "Closing_Date"],
            "amount": ["Amount"],
            "probability": ["Probability (%)", "Probability"],
        },
    ),
    ColumnMap(
        name="zoho_accounts",
        table="customers",
        strip_prefix="zcrm_",
        description="Zoho CRM Accounts",
        detect=[
            ["Account Owner", "Account Name"],
            ["Account_Name", "Account_Type"],
            ["Account Name", "Account Type"],
            ["Account_Name", "Account_Number"],
            ["Account Number"],
        ],
        columns={
            "customer_id": _RECORD_ID,
            "customer_name": ["Account Name", "Account_Name", "Company Name"],
            "industry": ["Industry"],
            "region": ["Billing State", "Billing_State", "Billing City", "Billing_City", "Billing Country"],
            "created_date": _CREATED,
        },
    ),
    ColumnMap(
        name="zoho_contacts",
        table="customers",
        strip_prefix="zcrm_",
        description="Zoho CRM Contacts (each contact a customer, for teams that sell to people)",
        detect=[
            ["Contact Owner", "First Name", "Last Name"],
            ["Contact Owner", "Full Name"],
            ["First_Name", "Last_Name", "Reporting_To"],
            ["Mailing Street"],
            ["Mailing_Street"],
        ],
        columns={
            "customer_id": _RECORD_ID,
            "customer_name": ["Full Name", "Full_Name", "Last Name", "Last_Name"],
            "region": ["Mailing State", "Mailing_State", "Mailing City", "Mailing_City"],
            "created_date": _CREATED,
        },
    ),
    ColumnMap(
        name="zoho_calls",
        table="activities",
        strip_prefix="zcrm_",
        description="Zoho CRM Calls",
        detect=[["Call Start Time"], ["Call_Start_Time"], ["Call Type", "Call Owner"]],
        columns={
            "activity_id": _RECORD_ID,
            "rep_id": _owner("Call Owner"),
            "customer_id": _RELATED,
            "activity_type": ColumnRule(value="call"),
            "activity_at": ["Call Start Time", "Call_Start_Time"],
            "duration_min": ColumnRule(
                column=["Call Duration (in seconds)", "Call_Duration_in_seconds"], divide=60
            ),
            "outcome": ["Call Result", "Call_Result", "Call Status", "Outgoing_Call_Status"],
        },
    ),
    ColumnMap(
        name="zoho_meetings",
        table="activities",
        strip_prefix="zcrm_",
        description="Zoho CRM Meetings / Events",
        detect=[
            ["Host", "Title", "From"],
            ["Event_Title", "Start_DateTime"],
            ["Meeting Venue", "From"],
            ["Event Title", "Start DateTime"],
        ],
        columns={
            "activity_id": _RECORD_ID,
            "rep_id": ["Host.id", "Host Id", "Owner.id", "Owner Id", "Owner"],
            "customer_id": _RELATED,
            "activity_type": ColumnRule(value="meeting"),
            "activity_at": ["From", "Start DateTime", "Start_DateTime"],
            "duration_min": ColumnRule(
                minutes_between=[
                    ["From", "Start DateTime", "Start_DateTime"],
                    ["To", "End DateTime", "End_DateTime"],
                ]
            ),
            "outcome": ["Checked In Status", "Check_In_Status"],
        },
    ),
    ColumnMap(
        name="zoho_sales_orders",
        table="orders",
        strip_prefix="zcrm_",
        description="Zoho CRM Sales Orders",
        detect=[["SO Number"], ["SO_Number"], ["Sales Order Owner"]],
        columns={
            "order_id": ["SO Number", "SO_Number", *_RECORD_ID],
            "order_date": ["Order Date", "Created Time", "Created_Time"],
            "customer_id": _ACCOUNT_ID,
            "rep_id": _owner("Sales Order Owner"),
            "amount": ["Grand Total", "Grand_Total", "Sub Total", "Sub_Total"],
            "status": ColumnRule(
                column=["Status"], map={"Cancelled": "cancelled", "Canceled": "cancelled"}, default="paid"
            ),
        },
    ),
    ColumnMap(
        name="zoho_invoices",
        table="orders",
        strip_prefix="zcrm_",
        description="Zoho CRM Invoices",
        detect=[["Invoice Number"], ["Invoice_Number"], ["Invoice Date", "Invoice Owner"]],
        columns={
            "order_id": ["Invoice Number", "Invoice_Number", *_RECORD_ID],
            "order_date": ["Invoice Date", "Invoice_Date", "Created Time", "Created_Time"],
            "customer_id": _ACCOUNT_ID,
            "rep_id": _owner("Invoice Owner"),
            "amount": ["Grand Total", "Grand_Total", "Sub Total", "Sub_Total"],
            "status": ColumnRule(
                column=["Status"],
                map={"Cancelled": "cancelled", "Canceled": "cancelled", "Void": "cancelled"},
                default="paid",
            ),
        },
    ),
    ColumnMap(
        name="zoho_users",
        table="reps",
        strip_prefix="zcrm_",
        description="Zoho CRM Users (REST users API; the role is the team)",
        detect=[["full_name", "role.name"]],
        columns={
            "rep_id": ["id"],
            "rep_name": ["full_name"],
            "team": ["role.name"],
            "manager": ["Reporting_To.id"],
            "active": ColumnRule(
                column="status",
                map={"active": "true", "inactive": "false", "disabled": "false", "deleted": "false"},
                default="true",
            ),
        },
    ),
]
