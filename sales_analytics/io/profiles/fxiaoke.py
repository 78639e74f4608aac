"""Fxiaoke / 纷享销客: OpenAPI query results (API names, ``dataList``) and the web UI's
Chinese-header Excel/CSV exports of 销售订单, 客户, 商机, 销售记录 (跟进记录) and 回款.

API values arrive as epoch milliseconds (dates), strings (currency), lists
(``owner: ["1000"]``, the first is taken) and ``__r`` labels; the exports
carry the Chinese field labels (tenants rename them, hence the aliases).
"""

from __future__ import annotations

from sales_analytics.io.columns import ColumnMap, ColumnRule

__all__ = ["FXIAOKE_PROFILES"]

_OWNER = ["owner", "负责人", "负责人ID", "owner__r"]
_ACCOUNT = ["account_id", "客户", "客户名称", "客户ID", "account_id__r"]
_CREATED = ["create_time", "创建时间"]

FXIAOKE_PROFILES: list[ColumnMap] = [
    ColumnMap(
        name="fxiaoke_sales_orders",
        table="orders",
        description="Fxiaoke 销售订单 (SalesOrderObj)",
        detect=[
            ["order_time", "order_amount"],
            ["销售订单编号"],
            ["下单日期", "销售订单金额(元)"],
            ["下单日期", "订单金额"],
        ],
        columns={
            "order_id": ["name", "销售订单编号", "订单编号", "_id"],
            "order_date": ["order_time", "下单日期"],
            "customer_id": _ACCOUNT,
            "rep_id": _OWNER,
            "amount": ["order_amount", "销售订单金额(元)", "销售订单金额", "订单金额"],
            "status": ColumnRule(
                column=["order_status__r", "订单状态", "life_status__r", "生命状态"],
                map={
                    "已作废": "cancelled",
                    "作废": "cancelled",
                    "已取消": "cancelled",
                    "invalid": "cancelled",
                    "已退货": "refunded",
                },
                default="paid",
            ),
        },
    ),
    ColumnMap(
        name="fxiaoke_payments",
        table="orders",
        description="Fxiaoke 回款 (PaymentObj): collected payments as orders",
        detect=[["payment_time", "amount", "account_id"], ["回款日期", "回款金额"], ["回款编号"]],
        columns={
            "order_id": ["name", "回款编号", "_id"],
            "order_date": ["payment_time", "回款日期"],
            "customer_id": _ACCOUNT,
            "rep_id": _OWNER,
            "amount": ["amount", "回款金额", "本次回款金额"],
            "status": ColumnRule(
                column=["life_status__r", "生命状态"],
                map={"已作废": "cancelled", "作废": "cancelled", "invalid": "cancelled"},
                default="paid",
            ),
        },
    ),
    ColumnMap(
        name="fxiaoke_accounts",
        table="customers",
        description="Fxiaoke 客户 (AccountObj)",
        detect=[
            ["account_no", "name"],
            ["account_level", "name"],
            ["客户名称", "客户编号"],
            ["客户名称", "客户级别"],
            ["客户名称", "客户类型", "负责人"],
        ],
        columns={
            "customer_id": ["_id", "account_no", "客户编号", "客户名称"],
            "customer_name": ["name", "客户名称"],
            "industry": ["industry_level1__r", "industry_level1", "1级行业", "行业"],
            "region": ["province__r", "省", "省份", "city__r", "市", "城市"],
            "created_date": _CREATED,
        },
    ),
    ColumnMap(
        name="fxiaoke_opportunities",
        table="deals",
        description="Fxiaoke 商机 (NewOpportunityObj / OpportunityObj)",
        detect=[["sales_stage", "close_date"], ["sales_stage__r"], ["商机名称", "销售阶段"], ["商机名称"]],
        columns={
            "deal_id": ["_id", "商机编号", "商机名称", "name"],
            "rep_id": _OWNER,
            "customer_id": _ACCOUNT,
            "stage": ["sales_stage__r", "销售阶段", "sales_stage"],
            "status": ColumnRule(
                column=["sales_status__r", "商机状态", "sales_status"],
                map={
                    "赢单": "won",
                    "输单": "lost",
                    "无效": "lost",
                    "进行中": "open",
                    "1": "open",
                    "2": "won",
                    "3": "lost",
                    "4": "lost",
                },
                default="open",
            ),
            "amount": ["amount", "商机金额"],
            "probability": ["probability", "赢率", "赢率(%)"],
            "created_date": _CREATED,
            "close_date": ["close_date", "预计成交日期", "预计结单日期", "结单日期"],
        },
    ),
    ColumnMap(
        name="fxiaoke_active_records",
        table="activities",
        description="Fxiaoke 销售记录 / 跟进记录 (ActiveRecordObj)",
        detect=[["active_record_content"], ["跟进内容"], ["销售记录内容"]],
        columns={
            "activity_id": ["_id", "销售记录编号", "编号"],
            "rep_id": ["owner", "created_by", "负责人", "创建人", "跟进人"],
            "customer_id": _ACCOUNT,
            "activity_type": ColumnRule(
                column=["active_record_type__r", "类型", "跟进方式", "互动方式", "interactive_types__r"],
                map={
                    "电话": "call",
                    "电话沟通": "call",
                    "打电话": "call",
                    "拜访": "visit",
                    "上门拜访": "visit",
                    "客户拜访": "visit",
                    "面谈": "visit",
                    "会议": "meeting",
                    "视频会议": "meeting",
                    "邮件": "email",
                    "短信": "message",
                    "微信": "message",
                    "企业微信": "message",
                    "在线沟通": "message",
                },
            ),
            "activity_at": ["create_time", "记录时间", "跟进时间", "创建时间"],
        },
    ),
    ColumnMap(
        name="fxiaoke_personnel",
        table="reps",
        description="Fxiaoke 人员 (PersonnelObj): the main department is the team",
        detect=[["user_id", "main_department"]],
        columns={
            "rep_id": ["user_id"],
            "rep_name": ["name"],
            "team": ["main_department__r", "main_department"],
            "manager": ["leader"],
            "active": ColumnRule(
                column=["status__r", "status"],
                map={"启用": "true", "正常": "true", "停用": "false", "离职": "false"},
                default="true",
            ),
        },
    ),
]
