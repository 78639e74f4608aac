"""Masking customer contact data in chat text before it reaches a table or a view."""

from __future__ import annotations

import re

__all__ = ["mask_contacts"]

_PATTERNS = (
    re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"),  # e-mail
    re.compile(r"(?:微信|wx|wechat|vx|qq)\s*(?:号)?\s*[:：]?\s*[A-Za-z][\w-]{5,19}", re.I),  # account ids
    re.compile(r"(?<!\d)(?:\+?86[-\s]?)?1[3-9]\d[-\s]?\d{4}[-\s]?\d{4}(?!\d)"),  # mainland mobile
    re.compile(r"(?<!\d)0\d{2,3}[-\s]?\d{7,8}(?!\d)"),  # landline with area code
    re.compile(r"\d{7,}"),  # any other long number
)
MASK = "***"


def mask_contacts(text: object) -> str:
    """``text`` with e-mail addresses, phone numbers, chat account ids and long numbers masked.

    >>> mask_contacts("请加微信 wx: zhang_san88，电话 138-1234-5678，邮箱 a.b@c.com")
    '请加微信 ***，电话 ***，邮箱 ***'
    >>> mask_contacts(None)
    ''
    """
    if text is None or (isinstance(text, float) and text != text):
        return ""
    out = str(text)
    for pattern in _PATTERNS:
        out = pattern.sub(MASK, out)
    return out
