"""Personal data rules shared by every output: the one contact-column pattern.

A column holds contact data when its *name* says so. Names are matched by
whole tokens, never by substring, so an activity count such as ``emails``
or ``calls`` is kept while ``email``, ``contact_phone``, ``Mobile Phone``,
``customerEmail``, ``weixin_id`` or ``tel`` are caught:

* a Latin name is split into lower-case tokens at ``_``, ``-``, spaces, dots
  and camelCase boundaries (``e-mail`` and ``e_mail`` join into ``email``); it
  is contact data when one token is in :data:`CONTACT_TOKENS` or a run of
  tokens is one of :data:`CONTACT_PHRASES` (``id card``, ``contact person``);
* Chinese has no word boundaries in a column name, so a name containing one of
  :data:`CONTACT_CJK` (``邮箱``, ``手机``, ``电话``, ``微信``, ``地址``,
  ``身份证`` …) is contact data.

Views, churn lists and the Excel export all drop these columns through
:func:`without_contact_columns`; the validated inputs snapshot keeps them (it
is data, readable only by the bundle's owner and group).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the views' kernels import this module without loading pandas
    import pandas as pd

__all__ = [
    "CONTACT_CJK",
    "CONTACT_PHRASES",
    "CONTACT_TOKENS",
    "contact_columns",
    "is_contact_column",
    "without_contact_columns",
]

CONTACT_TOKENS = frozenset(
    {
        # e-mail
        "email",
        "mailbox",
        # telephone
        "phone",
        "telephone",
        "tel",
        "mobile",
        "cellphone",
        "fax",
        # chat accounts
        "wechat",
        "weixin",
        "wx",
        "vx",
        "qq",
        "skype",
        "whatsapp",
        # postal address
        "address",
        "addr",
        "street",
        "zip",
        "zipcode",
        "postcode",
        # identity documents
        "idcard",
        "passport",
        "ssn",
    }
)
"""Single name tokens that mark a contact column (``emails``, ``phones`` or ``calls`` are not among them)."""

CONTACT_PHRASES = (
    ("id", "card"),
    ("identity", "card"),
    ("id", "number"),
    ("national", "id"),
    ("postal", "code"),
    ("contact",),  # a column named just "contact" holds a person's details
    ("contact", "name"),
    ("contact", "person"),
    ("contact", "info"),
    ("contact", "details"),
)
"""Runs of tokens that mark a contact column; ``("contact",)`` matches only a name that is exactly ``contact``."""

CONTACT_CJK = (
    "邮箱",
    "电子邮件",
    "邮件",
    "手机",
    "电话",
    "座机",
    "传真",
    "微信",
    "企业微信号",
    "联系方式",
    "联系人",
    "地址",
    "住址",
    "邮编",
    "身份证",
    "证件号",
)
"""Chinese words that mark a contact column wherever they appear in its name."""

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_TOKEN = re.compile(r"[a-z0-9]+")
_JOIN = ((("e", "mail"), "email"), (("id", "card"), "idcard"), (("we", "chat"), "wechat"))


def _tokens(name: str) -> list[str]:
    tokens = _TOKEN.findall(_CAMEL.sub(" ", name).lower())
    out: list[str] = []
    i = 0
    while i < len(tokens):
        for pair, joined in _JOIN:
            if tuple(tokens[i : i + 2]) == pair:
                out.append(joined)
                i += 2
                break
        else:
            out.append(tokens[i])
            i += 1
    return out


def is_contact_column(name: object) -> bool:
    """Whether a column name denotes personal contact data (see the module docstring).

    >>> [is_contact_column(c) for c in ["email", "emails", "E-mail", "customerEmail", "calls"]]
    [True, False, True, True, False]
    >>> [is_contact_column(c) for c in ["tel", "hotel", "weixin_id", "客户手机号", "身份证号码", "contacts"]]
    [True, False, True, True, True, False]
    """
    text = str(name)
    if any(word in text for word in CONTACT_CJK):
        return True
    tokens = _tokens(text)
    if any(t in CONTACT_TOKENS for t in tokens):
        return True
    for phrase in CONTACT_PHRASES:
        if phrase == ("contact",):
            if tokens == ["contact"]:
                return True
            continue
        k = len(phrase)
        if any(tuple(tokens[i : i + k]) == phrase for i in range(len(tokens) - k + 1)):
            return True
    return False


def contact_columns(columns: Iterable[object]) -> list[object]:
    """The names among ``columns`` that denote contact data, in their order.

    >>> contact_columns(["customer_id", "contact_phone", "emails", "ship_address"])
    ['contact_phone', 'ship_address']
    """
    return [c for c in columns if is_contact_column(c)]


def without_contact_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` without its contact columns (a new frame; the argument is unchanged).

    >>> import pandas as pd
    >>> cols = ["customer_id", "contact_phone", "Email", "wechat_id", "ship_address", "mobile", "rep_id", "emails"]
    >>> without_contact_columns(pd.DataFrame(columns=cols)).columns.tolist()
    ['customer_id', 'rep_id', 'emails']
    """
    return frame.drop(columns=contact_columns(frame.columns))
