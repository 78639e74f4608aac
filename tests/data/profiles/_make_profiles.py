"""Writes the small hand-written profile files (run once; the files are committed)."""

import json
from pathlib import Path

here = Path(".")


def w(name, text, enc="utf-8"):
    (here / name).write_bytes(text.encode(enc))


# Zoho Deals UI export, real header line of a Zoho Deals UI export (Deals_2025_10_07.csv; docs/loading.md, Profiles), fictional rows
w(
    "Deals_2025_10_07.csv",
    "Record Id,Deal Name,Contact Name.id,Contact Name,Stage,Next Activity Date,Next Activity Description,Closing Date,"
    "Company Name.id,Company Name,Created Time,Tag,Deal Owner.id,Deal Owner,Created By.id,Created By,"
    "Date Entered Current Stage,Last Interaction\n"
    "zcrm_5001,Pumps for Acme,zcrm_7001,Wang Fang,Closed Won,,,2025-09-30,zcrm_3001,Acme Ltd,2025-07-01 09:15:00,"
    '"VIP,Key",zcrm_9001,Li Lei,zcrm_9001,Li Lei,2025-09-30 10:00:00,\n'
    "zcrm_5002,Valves for Beta,zcrm_7002,Zhao Min,Closed Lost to Competition,,,2025-10-15,zcrm_3002,Beta Co,"
    "2025-08-12 14:56:28,,zcrm_9002,Han Mei,zcrm_9001,Li Lei,2025-10-02 11:00:00,\n"
    "zcrm_5003,Meters for Gamma,,,Negotiation/Review,2025-10-20,Call back,2025-11-30,zcrm_3003,Gamma Inc,"
    "2025-09-03 08:00:00,,zcrm_9001,Li Lei,zcrm_9001,Li Lei,2025-09-20 16:30:00,\n",
)
# the same with a BOM and the standard labels (Account Name, Amount, Probability (%))
w(
    "Deals_2025_09_10_bom.csv",
    "\ufeffRecord Id,Deal Name,Deal Owner.id,Deal Owner,Account Name.id,Account Name,Stage,Amount,Probability (%),"
    "Closing Date,Created Time\n"
    'zcrm_6001,Kiosk rollout,zcrm_9001,Li Lei,zcrm_3001,Acme Ltd,Closed Lost,"12,500.00",0,2025-09-01,2025-06-01 10:00:00\n'
    "zcrm_6002,Service plan,zcrm_9002,Han Mei,zcrm_3002,Beta Co,Qualification,8000,10,2025-12-01,2025-08-20 09:30:00\n",
)
# stage history, real header of Zoho's stage history export (docs/loading.md, Profiles)
w(
    "Deals_Stage_History_2025_09_10.csv",
    "Record Id,Deal Name.id,Deal Name,Stage,Stage Duration (Calendar Days),Modified By.id,Modified By,Modified Time,"
    "Amount,Probability (%),Expected Revenue,Closing Date,Last Activity Time,Moved To\n"
    "zcrm_8001,zcrm_5001,Pumps for Acme,Qualification,5,zcrm_9001,Li Lei,2025-07-01 09:15:00,30000,10,3000,2025-09-30,,Needs Analysis\n"
    "zcrm_8002,zcrm_5001,Pumps for Acme,Closed Won,0,zcrm_9001,Li Lei,2025-09-30 10:00:00,30000,100,30000,2025-09-30,,\n",
)
# Meetings, real header of Zoho's Meetings export (docs/loading.md, Profiles) with the elided middle left out
w(
    "Meetings_2025_09_10.csv",
    "Record Id,To,Host.id,Host,Title,Location,Contact Name.id,Contact Name,Related To.id,Related To,Created By.id,"
    "Created By,Modified By.id,Modified By,Created Time,Modified Time,Description,Repeat,Reminder,All day,"
    "Check-In Time,Checked In Status,From,Tag,Participants Reminder,Last Activity Time,Meeting Venue,Provider\n"
    "zcrm_4001,2025-09-02 11:00:00,zcrm_9001,Li Lei,Demo,Shanghai,zcrm_7001,Wang Fang,zcrm_3001,Acme Ltd,zcrm_9001,"
    "Li Lei,zcrm_9001,Li Lei,2025-08-30 10:00:00,2025-08-30 10:00:00,,,,false,,Checked In,2025-09-02 10:00:00,,,,Client site,\n",
)
# Calls (Zoho's field labels; docs/loading.md, Profiles)
w(
    "Calls_2025_09_10.csv",
    "Record Id,Call Owner.id,Call Owner,Subject,Call Type,Call Purpose,Call Start Time,Call Duration (in seconds),"
    "Call Result,Related To.id,Related To,Contact Name.id,Contact Name,Description\n"
    "zcrm_2001,zcrm_9002,Han Mei,Follow-up,Outbound,Negotiation,2025-09-05 15:00:00,540,Interested,zcrm_3002,Beta Co,,,\n"
    "zcrm_2002,zcrm_9001,Li Lei,Intro,Inbound,Prospecting,2025-09-06 09:30:00,120,No answer,zcrm_3001,Acme Ltd,,,\n",
)
# Accounts (Zoho's field labels; docs/loading.md, Profiles)
w(
    "Accounts_2025_09_10.csv",
    "Record Id,Account Owner.id,Account Owner,Account Name,Account Number,Account Type,Industry,Annual Revenue,"
    "Billing City,Billing State,Created Time\n"
    "zcrm_3001,zcrm_9001,Li Lei,Acme Ltd,A-1,Customer,Manufacturing,5000000,Suzhou,Jiangsu,2024-01-10 08:00:00\n"
    "zcrm_3002,zcrm_9002,Han Mei,Beta Co,A-2,Prospect,Retail,,Hangzhou,Zhejiang,2024-03-02 08:00:00\n",
)
# Contacts
w(
    "Contacts_2025_09_10.csv",
    "Record Id,Contact Owner.id,Contact Owner,First Name,Last Name,Full Name,Account Name.id,Account Name,Email,"
    "Mailing City,Mailing State,Created Time\n"
    "zcrm_7001,zcrm_9001,Li Lei,Fang,Wang,Wang Fang,zcrm_3001,Acme Ltd,wf@example.com,Suzhou,Jiangsu,2024-02-01 08:00:00\n",
)
# Sales Orders and Invoices (Zoho's field labels; docs/loading.md, Profiles)
w(
    "Sales_Orders_2025_09_10.csv",
    "Record Id,Sales Order Owner.id,Sales Order Owner,SO Number,Subject,Account Name.id,Account Name,Status,"
    "Sub Total,Grand Total,Created Time\n"
    'zcrm_1001,zcrm_9001,Li Lei,SO-1001,Pumps,zcrm_3001,Acme Ltd,Delivered,"30,000.00","33,900.00",2025-09-30 11:00:00\n'
    "zcrm_1002,zcrm_9002,Han Mei,SO-1002,Valves,zcrm_3002,Beta Co,Cancelled,5000,5650,2025-10-01 11:00:00\n",
)
w(
    "Invoices_2025_09_10.csv",
    "Record Id,Invoice Owner.id,Invoice Owner,Invoice Number,Subject,Sales Order.id,Sales Order,Invoice Date,"
    "Due Date,Status,Account Name.id,Account Name,Grand Total\n"
    'zcrm_1101,zcrm_9001,Li Lei,INV-1,Pumps,zcrm_1001,SO-1001,"Oct 7, 2025","Nov 6, 2025",Paid,zcrm_3001,Acme Ltd,$33900\n',
)
# Bulk read CSV: API names, ISO datetimes with offsets, plain ids
w(
    "Deals_bulk_read.csv",
    "id,Deal_Name,Owner,Account_Name,Stage,Amount,Probability,Closing_Date,Created_Time\n"
    "5001,Pumps for Acme,9001,3001,Closed Won,30000,100,2025-09-30,2025-07-01T09:15:00+08:00\n"
    "5004,Meters,9002,3003,Value Proposition,1200.5,40,2025-12-31,2025-10-01T01:00:00+00:00\n",
)
# REST record page (v8): data + info, lookups as objects
page = {
    "data": [
        {
            "id": "5001",
            "Deal_Name": "Pumps for Acme",
            "Owner": {"name": "Li Lei", "id": "9001", "email": "li@example.com"},
            "Account_Name": {"name": "Acme Ltd", "id": "3001"},
            "Stage": "Closed Won",
            "Amount": 30000.0,
            "Probability": 100,
            "Closing_Date": "2025-09-30",
            "Created_Time": "2025-07-01T09:15:00+08:00",
        },
        {
            "id": "5005",
            "Deal_Name": "Sensors",
            "Owner": {"name": "Han Mei", "id": "9002", "email": "han@example.com"},
            "Account_Name": {"name": "Beta Co", "id": "3002"},
            "Stage": "Needs Analysis",
            "Amount": None,
            "Probability": 20,
            "Closing_Date": "2026-01-15",
            "Created_Time": "2025-10-02T15:11:53+05:30",
        },
    ],
    "info": {"per_page": 200, "count": 2, "page": 1, "more_records": False},
}
w("zoho_deals_page1.json", json.dumps(page, ensure_ascii=False, indent=1))
# Fxiaoke REST query result (SalesOrderObj): epoch-ms dates, currency strings, owner lists, __r labels
fx = {
    "errorCode": 0,
    "errorMessage": "OK",
    "errorDescription": "success",
    "traceId": "t-1",
    "data": {
        "dataList": [
            {
                "_id": "64f0a1",
                "name": "SO20250901-001",
                "account_id": "acc-1",
                "account_id__r": "苏州安可",
                "order_time": 1756656000000,
                "order_amount": "12800.00",
                "owner": ["1000"],
                "owner__r": "李雷",
                "life_status": "normal",
                "life_status__r": "正常",
            },
            {
                "_id": "64f0a2",
                "name": "SO20250902-002",
                "account_id": "acc-2",
                "account_id__r": "杭州贝塔",
                "order_time": 1756742400000,
                "order_amount": "560.5",
                "owner": ["1001"],
                "owner__r": "韩梅",
                "life_status": "invalid",
                "life_status__r": "已作废",
            },
        ],
        "total": 2,
        "offset": 0,
        "limit": 100,
    },
}
w("fxiaoke_sales_orders.json", json.dumps(fx, ensure_ascii=False, indent=1))
fxo = {
    "errorCode": 0,
    "errorMessage": "OK",
    "data": {
        "dataList": [
            {
                "_id": "opp-1",
                "name": "安可二期",
                "account_id": "acc-1",
                "amount": "50000",
                "close_date": 1767110400000,
                "sales_stage": "3",
                "sales_stage__r": "方案报价",
                "sales_status": "1",
                "sales_status__r": "进行中",
                "probability": 60,
                "owner": ["1000"],
                "create_time": 1756656000000,
            },
            {
                "_id": "opp-2",
                "name": "贝塔续约",
                "account_id": "acc-2",
                "amount": "8000.00",
                "close_date": 1759248000000,
                "sales_stage": "5",
                "sales_stage__r": "赢单",
                "sales_status": "2",
                "sales_status__r": "赢单",
                "probability": 100,
                "owner": ["1001"],
                "create_time": 1754006400000,
            },
        ],
        "total": 2,
        "offset": 0,
        "limit": 100,
    },
}
w("fxiaoke_opportunities.json", json.dumps(fxo, ensure_ascii=False, indent=1))
# Fxiaoke web exports with Chinese headers, GBK
w(
    "销售订单_gbk.csv",
    "销售订单编号,客户名称,下单日期,销售订单金额(元),订单状态,负责人\n"
    'SO-001,苏州安可,2025/09/01,"￥12,800.00",已确认,李雷\n'
    "SO-002,杭州贝塔,2025/09/02,560.5元,已作废,韩梅\n",
    "gbk",
)
w(
    "客户_gbk.csv",
    "客户编号,客户名称,客户级别,1级行业,省,创建时间,负责人\n"
    "KH-001,苏州安可,A,制造业,江苏,2024年1月10日,李雷\n"
    "KH-002,杭州贝塔,B,零售,浙江,2024年3月2日,韩梅\n",
    "gbk",
)
w(
    "商机.csv",
    "商机名称,客户名称,销售阶段,商机状态,商机金额,赢率,预计成交日期,创建时间,负责人\n"
    "安可二期,苏州安可,方案报价,进行中,50000,60,2025-12-31,2025-09-01 10:00,李雷\n"
    "贝塔续约,杭州贝塔,赢单,赢单,8000,100,2025-09-30,2025-08-01 09:00,韩梅\n",
)
w(
    "销售记录.csv",
    "\ufeff跟进内容,类型,客户名称,负责人,记录时间\n"
    "电话确认报价,电话,苏州安可,李雷,2025-09-03 10:20\n"
    "上门演示设备,拜访,杭州贝塔,韩梅,2025-09-04 15:00\n",
    "utf-8",
)
w(
    "回款.csv",
    "回款编号,客户名称,回款日期,回款金额,回款方式,负责人\n"
    'HK-01,苏州安可,2025年9月20日,"12,800",银行转账,李雷\n',
    "gb18030",
)
# WeCom chat archive: decrypted messages, one JSON per line
msgs = [
    {
        "msgid": "m1",
        "action": "send",
        "from": "lilei",
        "tolist": ["hanmei"],
        "roomid": "wr-team1",
        "msgtime": 1756688400000,
        "msgtype": "text",
        "text": {"content": "【公告】本周五前提交周报"},
    },
    {
        "msgid": "m2_external",
        "action": "send",
        "from": "wmExt01",
        "tolist": ["lilei"],
        "roomid": "",
        "msgtime": 1756688460000,
        "msgtype": "image",
        "image": {"md5sum": "x", "filesize": 10},
    },
    {
        "msgid": "m3",
        "action": "recall",
        "from": "hanmei",
        "tolist": [],
        "roomid": "wr-team1",
        "msgtime": 1756688520000,
        "msgtype": "revoke",
        "revoke": {"pre_msgid": "m0"},
    },
]
w("wecom_messages.jsonl", "\n".join(json.dumps(m, ensure_ascii=False) for m in msgs) + "\n")
# WeChatMsg CSV (UTF-8 with BOM), columns as WeChatMsg writes them (docs/loading.md, From your platform)
w(
    "销售一组_utf8.csv",
    "\ufefflocalId,TalkerId,Type,SubType,IsSender,CreateTime,Status,StrContent,StrTime,Remark,NickName,Sender\n"
    "1,12,1,0,1,1756688400,2,大家好,2025-09-01 09:00:00,销售一组,销售一组,\n"
    "2,12,3,0,0,1756688460,2,<img>,2025-09-01 09:01:00,销售一组,销售一组,wxid_abc\n"
    "3,12,49,6,0,1756688520,2,报价单.pdf,2025-09-01 09:02:00,销售一组,销售一组,wxid_abc\n",
    "utf-8",
)
