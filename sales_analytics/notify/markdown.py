"""The digest as each platform's markdown, split deterministically to fit the platform's limit.

Limits (bytes of UTF-8 in the message text):

- WeCom group bot ``markdown.content``: at most 4096 bytes (WeCom's group-bot documentation).
- DingTalk custom robot ``markdown.text``: the documentation gives no figure; 5000 bytes is
  kept so a message stays readable on a phone and well inside the request size robots accept.
- Feishu custom bot: the whole request body at most 20 KB; 18000 bytes of card text leaves
  room for the card's JSON around it.

A digest is a list of sections. Sections are packed in order into as few
messages as fit; a section larger than a message is split between lines; a
single line larger than a message is cut at a character boundary and ends in
"…". Every message after the first starts with the title and "(2/3)".
"""

from __future__ import annotations

from sales_analytics.notify.content import Digest
from sales_analytics.report.labels import label

__all__ = ["LIMITS", "digest_markdown", "digest_sections", "fit", "plain_text"]

LIMITS: dict[str, int] = {"wecom": 4096, "dingtalk": 5000, "feishu": 18000, "email": 1_000_000}


def _esc(text: str) -> str:
    """Data text inside markdown: characters that would start markup are escaped."""
    out = str(text)
    for ch in ("\\", "*", "_", "`", "[", "]", "<", ">", "#"):
        out = out.replace(ch, "\\" + ch)
    return out.replace("\n", " ")


def digest_sections(d: Digest, *, kind: str = "wecom") -> list[list[str]]:
    """The digest as sections of markdown lines (no title; :func:`fit` adds it)."""
    t = lambda key: label(key, d.language)  # noqa: E731
    bold = (lambda s: f"**{s}**") if kind != "email" else (lambda s: s)
    sections: list[list[str]] = []
    head = []
    if d.revenue:
        head.append(f"- {t('revenue')}: {bold(d.revenue)}")
    if d.mom:
        head.append(f"- {t('view_growth_mom')}: {d.mom}")
    if d.yoy:
        head.append(f"- {t('view_growth_yoy')}: {d.yoy}")
    if d.attainment:
        head.append(f"- {t('attainment')}: {bold(d.attainment)}")
    head += [f"- {_esc(name)}: {value}" for name, value in d.survey]
    if head:
        sections.append([f"### {t('view_kpi_section')}", *head])
    for board in d.boards:
        lines = [f"### {_esc(board.title)}"]
        for rank, name, team, value in board.rows:
            who = (
                f"{_esc(name)}（{_esc(team)}）"
                if team and d.language == "zh"
                else (f"{_esc(name)} ({_esc(team)})" if team else _esc(name))
            )
            # a bullet with "第2名" / "No. 2", never "2." (markdown would renumber a tie 1, 2, 2 as 1, 2, 3)
            lines.append(f"- {t('notify_rank').format(rank=rank)} {who} {value}")
        sections.append(lines)
    if d.contests:
        lines = [f"### {t('view_contests')}"]
        lines += [
            f"- {_esc(c)}: {t('notify_rank').format(rank=rank)} {_esc(who)} {value}"
            for c, rank, who, value in d.contests
        ]
        sections.append(lines)
    if d.awards:
        lines = [f"### {t('view_awards')}"]
        lines += [
            f"- {_esc(a)}: {bold(_esc(who))}" + (f" · {_esc(team)}" if team else "")
            for a, who, team in d.awards
        ]
        sections.append(lines)
    if d.views_url:
        link = (
            f"[{t('notify_open_views')}]({d.views_url})"
            if kind != "email"
            else f"{t('notify_open_views')}: {d.views_url}"
        )
        sections.append([link])
    return sections


def _nbytes(text: str) -> int:
    return len(text.encode("utf-8"))


def _cut(line: str, limit: int) -> str:
    """``line`` shortened to at most ``limit`` bytes, ending in … when cut."""
    if _nbytes(line) <= limit:
        return line
    out = line.encode("utf-8")[: max(limit - 3, 0)].decode("utf-8", errors="ignore")
    return out + "…"


def fit(title: str, sections: list[list[str]], limit: int) -> list[str]:
    """Pack ``sections`` under ``title`` into messages of at most ``limit`` bytes.

    >>> fit("T", [["a" * 5], ["b" * 5]], 40)
    ['## T\\n\\naaaaa\\n\\nbbbbb']
    >>> [(m[:10], len(m.encode())) for m in fit("T", [["a" * 20], ["b" * 20]], 40)]
    [('## T (1/2)', 32), ('## T (2/2)', 32)]
    """
    reserve = len(b" (99/99)")
    head = f"## {title}"
    budget = limit - _nbytes(head) - 2 - reserve  # title, blank line, part counter
    if budget < 16:
        raise ValueError(f"a message limit of {limit} bytes leaves no room after the title")
    blocks: list[str] = []
    for section in sections:
        lines = [_cut(line, budget) for line in section]
        block = "\n".join(lines)
        if _nbytes(block) <= budget:
            blocks.append(block)
            continue
        current: list[str] = []
        for line in lines:
            if current and _nbytes("\n".join([*current, line])) > budget:
                blocks.append("\n".join(current))
                current = []
            current.append(line)
        if current:
            blocks.append("\n".join(current))
    bodies: list[str] = []
    for block in blocks:
        if bodies and _nbytes(bodies[-1] + "\n\n" + block) <= budget:
            bodies[-1] += "\n\n" + block
        else:
            bodies.append(block)
    if not bodies:
        bodies = [""]
    n = len(bodies)
    return [f"{head}{f' ({i}/{n})' if n > 1 else ''}\n\n{body}".rstrip() for i, body in enumerate(bodies, 1)]


def digest_markdown(d: Digest, kind: str) -> list[str]:
    """The digest in the markdown of ``kind`` (wecom | dingtalk | feishu), one string per message."""
    return fit(d.title(), digest_sections(d, kind=kind), LIMITS[kind])


def plain_text(d: Digest) -> str:
    """The digest as plain text for an e-mail body."""
    lines = [d.title(), ""]
    for section in digest_sections(d, kind="email"):
        for line in section:
            lines.append(line.replace("### ", "").replace("\\", ""))
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
