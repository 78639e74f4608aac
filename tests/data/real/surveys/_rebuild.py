"""Write the REBUILT survey exports of this folder (see ../PROVENANCE.md, section surveys).

No public file of these layouts could be found; each is rebuilt from what the
platform's documentation and public parsers say it writes (header rows,
quoting, encodings, separators, date styles). The answers are invented and
answer ``instruments/sales_csat*.yaml``. Run from the repository root:

    python tests/data/real/surveys/_rebuild.py
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

HERE = Path(__file__).resolve().parent

ZH_Q = [
    "您所在的团队",
    "您向朋友或同事推荐我们的可能性有多大？",
    "总体而言，您对我们的服务满意吗？",
    "销售顾问能及时回复我的咨询",
    "近一个月销售顾问是否对您进行过回访？",
    "您希望通过哪些方式接收回访？",
    "您对我们还有什么意见或建议？",
]
EN_Q = [
    "Which team are you on?",
    "How likely are you to recommend us to a friend or colleague?",
    "Overall, how satisfied are you with our service?",
    "My sales rep answers my questions promptly",
    "Did your sales rep follow up with you in the last month?",
    "How would you like to be followed up?",
    "Any other comments or suggestions?",
]
WJX_META = ["序号", "提交答卷时间", "所用时间", "来源", "来源详情", "来自IP"]


def _csv(rows: list[list[str]], *, quote_all: bool = False, trailing_comma: bool = False) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL, lineterminator="\r\n")
    for r in rows:
        w.writerow([*r, ""] if trailing_comma else r)
    text = buf.getvalue()
    if trailing_comma and quote_all:
        text = text.replace(',""\r\n', ",\r\n")
    return text


def wjx_rows_by_text() -> list[list[str]]:
    head = WJX_META + [f"{i}、{q}" for i, q in enumerate(ZH_Q, start=1)]
    body = [
        ["1", "2026/3/2 9:15:03", "137秒", "微信", "N/A", "192.0.2.1(上海-上海)", "华东一组", "10", "非常满意",
         "非常符合", "是", "电话┋微信", "回复很快"],
        ["2", "2026/3/2 10:01:44", "95秒", "手机提交", "直接访问", "192.0.2.2(广东-广州)", "华南组", "6",
         "一般", "比较不符合", "否", "其他〖朋友圈私信〗", "(空)"],
        ["3", "2026/3/3 18:40:10", "211秒", "微信", "N/A", "192.0.2.3(上海-上海)", "华东一组", "9",
         "比较满意", "比较符合", "是", "(跳过)", "(空)"],
        ["4", "2026/3/4 8:02:59", "64秒", "链接", "直接访问", "192.0.2.4(广东-深圳)", "华南组", "3",
         "非常不满意", "非常不符合", "否", "邮件或信函┋电话", "希望多回访"],
    ]
    return [head, *body]


def wjx_rows_by_code() -> list[list[str]]:
    # 按选项序号: answers are option positions as listed (非常满意 first; 0–10 as options 1–11);
    # the multiple-choice question becomes one 0/1 column per option.
    head = WJX_META + [f"{i}、{q}" for i, q in enumerate(ZH_Q[:5], start=1)]
    head += [f"6、{ZH_Q[5]}({o})" for o in ("电话", "微信", "邮件或信函", "其他")] + [f"7、{ZH_Q[6]}"]
    body = [
        ["1", "2026/3/2 9:15:03", "137秒", "微信", "N/A", "192.0.2.1(上海-上海)", "1", "11", "1", "1", "1",
         "1", "1", "0", "0", "回复很快"],
        ["2", "2026/3/2 10:01:44", "95秒", "手机提交", "直接访问", "192.0.2.2(广东-广州)", "2", "7", "3", "4",
         "2", "0", "0", "0", "1", "(空)"],
        ["3", "2026/3/3 18:40:10", "211秒", "微信", "N/A", "192.0.2.3(上海-上海)", "1", "10", "2", "2", "1",
         "(跳过)", "(跳过)", "(跳过)", "(跳过)", "(空)"],
    ]
    return [head, *body]


def wjx_rows_by_score() -> list[list[str]]:
    # 按分数: rating questions are written as their scores; choices as option numbers.
    head = WJX_META + [f"{i}、{q}" for i, q in enumerate(ZH_Q, start=1)]
    body = [
        ["1", "2026/3/2 9:15:03", "137秒", "微信", "N/A", "192.0.2.1(上海-上海)", "1", "10", "5", "5", "1",
         "1┋2", "回复很快"],
        ["2", "2026/3/2 10:01:44", "95秒", "手机提交", "直接访问", "192.0.2.2(广东-广州)", "2", "6", "3", "2",
         "2", "4", "(空)"],
    ]
    return [head, *body]


def tencent() -> bytes:
    head = ["编号", "开始答题时间", "结束答题时间", "答题时长", "地理位置国家和地区", "地理位置省", "地理位置市",
            "自定义字段"]
    head += [f"{i}.{q}" for i, q in enumerate(ZH_Q, start=1)]
    head.insert(14, head[13])  # the fill-in text of "其他" gets a column under the same header
    head += ["8.请上传您的订单截图"]
    body = [
        ["\t1", "02-Sep-2020 07:40:01", "02-Sep-2020 07:44:08", "247", "中国", "上海", "上海", "",
         "A.华东一组", "9", "A.非常满意", "B.比较符合", "A.是", "A.电话|B.微信", "", "B.没有发现问题",
         '=HYPERLINK("https://wj.qq.com/files/0001.png","查看文件")'],
        ["\t2", "03-Sep-2020 21:05:30", "03-Sep-2020 21:06:12", "42", "中国", "广东", "深圳", "",
         "B.华南组", "4", "D.比较不满意", "D.不太符合", "B.否", "D.其他", "朋友圈", "",
         ""],
    ]
    text = _csv([head, *body], quote_all=True, trailing_comma=True)
    return "\ufeff".encode() + text.encode("utf-8")


def qualtrics() -> str:
    meta = ["StartDate", "EndDate", "Status", "IPAddress", "Progress", "Duration (in seconds)", "Finished",
            "RecordedDate", "ResponseId", "RecipientLastName", "RecipientFirstName", "RecipientEmail",
            "ExternalReference", "LocationLatitude", "LocationLongitude", "DistributionChannel", "UserLanguage"]
    meta_text = ["Start Date", "End Date", "Response Type", "IP Address", "Progress", "Duration (in seconds)",
                 "Finished", "Recorded Date", "Response ID", "Recipient Last Name", "Recipient First Name",
                 "Recipient Email", "External Data Reference", "Location Latitude", "Location Longitude",
                 "Distribution Channel", "User Language"]
    ids = ['{"ImportId":"startDate","timeZone":"America/Denver"}', '{"ImportId":"endDate","timeZone":"America/Denver"}',
           '{"ImportId":"status"}', '{"ImportId":"ipAddress"}', '{"ImportId":"progress"}', '{"ImportId":"duration"}',
           '{"ImportId":"finished"}', '{"ImportId":"recordedDate","timeZone":"America/Denver"}',
           '{"ImportId":"_recordId"}', '{"ImportId":"recipientLastName"}', '{"ImportId":"recipientFirstName"}',
           '{"ImportId":"recipientEmail"}', '{"ImportId":"externalDataReference"}',
           '{"ImportId":"locationLatitude"}', '{"ImportId":"locationLongitude"}',
           '{"ImportId":"distributionChannel"}', '{"ImportId":"userLanguage"}']
    tags = ["Q1", "Q2", "Q3", "Q4", "Q5", "Q6", "Q7"]
    qids = [f'{{"ImportId":"QID{i}"}}' for i in (1, 2, 3, 4, 5, 6)] + ['{"ImportId":"QID7_TEXT"}']
    rows = [
        meta + tags,
        meta_text + EN_Q,
        ids + qids,
        ["2024-03-04 09:58:12", "2024-03-04 10:01:02", "IP Address", "192.0.2.10", "100", "170", "True",
         "2024-03-04 10:01:03", "R_1a2B3c4D5e6F7g8", "", "", "", "", "39.7392", "-104.9903", "anonymous", "EN",
         "East team", "9", "Very satisfied", "Strongly agree", "Yes", "Phone,WeChat", "Quick answers."],
        ["2024-03-05 16:20:00", "2024-03-05 16:22:30", "IP Address", "192.0.2.11", "100", "150", "True",
         "2024-03-05 16:22:31", "R_2b3C4d5E6f7G8h9", "", "", "", "", "39.7392", "-104.9903", "anonymous", "EN",
         "South team", "5", "Somewhat dissatisfied", "Disagree", "No", "", ""],
    ]
    return _csv(rows)


def qualtrics_legacy() -> str:
    head = ["V1", "V2", "V3", "V4", "V5", "V6", "V7", "V8", "V9", "V10", "Q1", "Q2", "Q3", "Q4", "Q5", "Q7"]
    texts = ["ResponseID", "ResponseSet", "Name", "ExternalDataReference", "EmailAddress", "IPAddress",
             "Status", "StartDate", "EndDate", "Finished", *EN_Q[:5], EN_Q[6]]
    rows = [
        head,
        texts,
        ["R_3dF5gH7jK9", "Default Response Set", "Anonymous", "", "", "192.0.2.20", "0",
         "2015-03-02 10:21:33", "2015-03-02 10:24:01", "1", "East team", "10", "5", "4", "1", "Great"],
        ["R_4eG6hJ8kL0", "Default Response Set", "Anonymous", "", "", "192.0.2.21", "0",
         "2015-03-03 11:00:00", "2015-03-03 11:03:15", "1", "South team", "7", "4", "3", "2", ""],
    ]
    return _csv(rows)


def surveymonkey() -> str:
    head = ["Respondent ID", "Collector ID", "Start Date", "End Date", "IP Address", "Email Address",
            "First Name", "Last Name", "Custom Data 1", EN_Q[1], EN_Q[2], EN_Q[3], EN_Q[4], EN_Q[5], "", "", "",
            EN_Q[6]]
    sub = ["", "", "", "", "", "", "", "", "", "Response", "Response", "Response", "Response", "Phone", "WeChat",
           "Email, or a letter", "Other (please specify)", "Open-Ended Response"]
    rows = [
        head,
        sub,
        ["11456789012", "403245678", "03/04/2024 09:58:12 AM", "03/04/2024 10:01:02 AM", "192.0.2.30", "", "",
         "", "East team", "9", "Very satisfied.", "Agree", "Yes", "Phone", "", "Email, or a letter", "",
         "Thanks!"],
        ["11456789013", "403245678", "03/05/2024 04:20:00 PM", "03/05/2024 04:22:30 PM", "192.0.2.31", "", "",
         "", "South team", "2", "Very dissatisfied ", "Strongly disagree", "No", "", "", "", "", ""],
    ]
    return _csv(rows)


def google_forms() -> str:
    head = ["Timestamp", "Email Address", *EN_Q]
    rows = [
        head,
        ["2022/06/22 11:07:29 AM AST", "a@example.com", "East team", "9", "5 - Very satisfied",
         "4 - Agree", "Yes", "Phone;Email, or a letter", "Keep it up"],
        ["2022/06/23 9:15:02 PM AST", "b@example.com", "South team", "6", "3 - Neutral",
         "2 - Disagree", "No", "WeChat", ""],
        ["2022/06/24 8:00:00 AM GMT+8", "c@example.com", "East team", "10", "5 - Very satisfied",
         "5 - Strongly agree", "Yes", "", ""],
    ]
    return _csv(rows)


def ms_forms(path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws.append(["ID", "Start time", "Completion time", "Email", "Name", *EN_Q[1:]])
    ws.append([1, dt.datetime(2024, 3, 4, 9, 58, 12), dt.datetime(2024, 3, 4, 10, 1, 2), "li.lei@example.com",
               "Li Lei", 9, "Very satisfied", "Agree", "Yes", "Phone;WeChat;", "Fast replies"])
    ws.append([2, dt.datetime(2024, 3, 5, 16, 20), dt.datetime(2024, 3, 5, 16, 22, 30), "han.mei@example.com",
               "Han Mei", 4, "Dissatisfied", "Neutral", "No", "Other;", None])
    ws.append([3, dt.datetime(2024, 3, 6, 11, 0), dt.datetime(2024, 3, 6, 11, 4), "anonymous", "", 8,
               "Satisfied", "Agree", "Yes", "", None])
    for row in ws.iter_rows(min_row=2, max_row=4, min_col=2, max_col=3):
        for cell in row:
            cell.number_format = "m/d/yy h:mm:ss"
    wb.save(path)


def main() -> None:
    (HERE / "wjx_csv_by_text.csv").write_bytes(_csv(wjx_rows_by_text()).encode("gb18030"))
    (HERE / "wjx_csv_by_code.csv").write_bytes(_csv(wjx_rows_by_code()).encode("gb18030"))
    (HERE / "wjx_csv_by_score.csv").write_bytes(_csv(wjx_rows_by_score()).encode("gb18030"))
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    for r in wjx_rows_by_text():
        ws.append([int(c) if c.isdigit() and len(c) < 4 else c for c in r])
    wb.save(HERE / "wjx_xlsx_by_text.xlsx")
    (HERE / "tencent_wj_qq.csv").write_bytes(tencent())
    (HERE / "qualtrics_3row.csv").write_bytes(("\ufeff" + qualtrics()).encode("utf-8"))
    (HERE / "qualtrics_legacy_2row.csv").write_bytes(qualtrics_legacy().encode("utf-8"))
    (HERE / "surveymonkey_2row.csv").write_bytes(surveymonkey().encode("utf-8"))
    (HERE / "google_forms.csv").write_bytes(google_forms().encode("utf-8"))
    ms_forms(HERE / "ms_forms.xlsx")
    (HERE / "reps_roster.csv").write_text(
        "rep_id,rep_name,team,email\nR1,Li Lei,east,li.lei@example.com\nR2,Han Mei,south,HAN.MEI@example.com\n"
        "R0,(anonymous link),unknown,anonymous\n",
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
