"""Word pools for the sample: names (with pinyin), places, companies, products."""

from __future__ import annotations

import numpy as np

# (hanzi, pinyin) pairs: the most common Chinese surnames and given-name characters.
SURNAMES = [
    ("王", "Wang"),
    ("李", "Li"),
    ("张", "Zhang"),
    ("刘", "Liu"),
    ("陈", "Chen"),
    ("杨", "Yang"),
    ("黄", "Huang"),
    ("赵", "Zhao"),
    ("吴", "Wu"),
    ("周", "Zhou"),
    ("徐", "Xu"),
    ("孙", "Sun"),
    ("马", "Ma"),
    ("朱", "Zhu"),
    ("胡", "Hu"),
    ("郭", "Guo"),
    ("何", "He"),
    ("林", "Lin"),
    ("高", "Gao"),
    ("罗", "Luo"),
    ("郑", "Zheng"),
    ("梁", "Liang"),
    ("谢", "Xie"),
    ("宋", "Song"),
    ("唐", "Tang"),
    ("许", "Xu"),
    ("韩", "Han"),
    ("冯", "Feng"),
    ("邓", "Deng"),
    ("曹", "Cao"),
]
GIVEN = [
    ("伟", "wei"),
    ("芳", "fang"),
    ("娜", "na"),
    ("敏", "min"),
    ("静", "jing"),
    ("磊", "lei"),
    ("强", "qiang"),
    ("洋", "yang"),
    ("艳", "yan"),
    ("勇", "yong"),
    ("军", "jun"),
    ("杰", "jie"),
    ("娟", "juan"),
    ("涛", "tao"),
    ("明", "ming"),
    ("超", "chao"),
    ("秀", "xiu"),
    ("霞", "xia"),
    ("平", "ping"),
    ("刚", "gang"),
    ("丽", "li"),
    ("华", "hua"),
    ("鹏", "peng"),
    ("辉", "hui"),
    ("婷", "ting"),
    ("宇", "yu"),
    ("浩", "hao"),
    ("凯", "kai"),
    ("晨", "chen"),
    ("欣", "xin"),
    ("佳", "jia"),
    ("斌", "bin"),
    ("琳", "lin"),
    ("倩", "qian"),
    ("雪", "xue"),
    ("飞", "fei"),
]

# region → (cities, team prefix); teams are named <region><n>组.
REGIONS: dict[str, list[str]] = {
    "华东": ["上海", "杭州", "南京", "苏州", "宁波", "合肥"],
    "华北": ["北京", "天津", "石家庄", "太原", "济南"],
    "华南": ["广州", "深圳", "东莞", "佛山", "厦门"],
    "西南": ["成都", "重庆", "昆明", "贵阳"],
    "华中": ["武汉", "长沙", "郑州", "南昌"],
    "西北": ["西安", "兰州", "银川"],
    "东北": ["沈阳", "大连", "长春", "哈尔滨"],
}
REGION_ORDER = ["华东", "华北", "华南", "西南", "华中", "西北", "东北"]
TEAM_NUMERALS = ["一", "二", "三", "四", "五"]

BRAND_WORDS = [
    "云启",
    "华信",
    "博远",
    "恒通",
    "鼎盛",
    "星辰",
    "瑞丰",
    "中科",
    "天成",
    "汇智",
    "新创",
    "明达",
    "金桥",
    "宏图",
    "海纳",
    "卓越",
    "联创",
    "长风",
    "锦程",
    "优品",
    "智联",
    "同舟",
    "远航",
    "安泰",
    "嘉禾",
    "众合",
    "睿思",
    "光华",
    "百川",
    "九州",
]
INDUSTRIES_B2B = {
    "制造业": "制造",
    "零售": "商贸",
    "教育": "教育科技",
    "医疗": "医疗器械",
    "金融": "金融服务",
    "互联网": "网络科技",
    "物流": "供应链管理",
    "政府及公共事业": "信息技术服务",
}
INDUSTRY_B2C = "个人消费者"

# product category → (B2B weight, B2C weight, base unit price CNY, products)
CATEGORIES: dict[str, tuple[float, float, float, list[str]]] = {
    "软件": (0.30, 0.10, 4800.0, ["CRM 标准版", "CRM 专业版", "进销存系统", "数据分析平台", "移动办公套件"]),
    "硬件": (0.25, 0.15, 2600.0, ["扫码枪", "收银一体机", "平板终端", "标签打印机", "网络设备套装"]),
    "服务": (0.25, 0.05, 3500.0, ["实施服务", "年度运维", "数据迁移", "定制开发"]),
    "耗材": (0.10, 0.45, 120.0, ["热敏纸", "色带", "标签纸", "清洁套装", "电池组"]),
    "培训课程": (0.10, 0.25, 680.0, ["入门课程", "进阶课程", "认证考试", "线上训练营"]),
}

CHANNELS = ["direct", "online", "distributor", "phone"]
CHANNEL_P_B2B = [0.55, 0.05, 0.30, 0.10]
CHANNEL_P_B2C = [0.05, 0.70, 0.05, 0.20]

PHONE_PREFIXES = ["138", "139", "136", "137", "150", "151", "158", "186", "188", "177"]


def person_names(rng: np.random.Generator, n: int) -> tuple[list[str], list[str]]:
    """``n`` distinct Chinese names with their pinyin (``张伟``, ``Zhang Wei``)."""
    seen: set[str] = set()
    zh: list[str] = []
    en: list[str] = []
    while len(zh) < n:
        s = SURNAMES[rng.integers(len(SURNAMES))]
        k = 1 if rng.random() < 0.35 else 2
        chars = [GIVEN[i] for i in rng.choice(len(GIVEN), size=k, replace=False)]
        name = s[0] + "".join(c[0] for c in chars)
        if name in seen:
            continue
        seen.add(name)
        zh.append(name)
        en.append(f"{s[1]} {''.join(c[1] for c in chars).capitalize()}")
    return zh, en
