"""The HTML report pages: an offline page per executed notebook, readable by a manager.

A run exports each executed notebook without code (``run.execute.export_html``,
which takes its page template, style and sanitiser from here) and, once every
notebook has published, :func:`finish_reports` adds to each page the period at
a glance (headline figures and what changed, :mod:`sales_analytics.report.summary`)
and a table of contents of its headings.

Every value on a page is escaped: the tables come from
:func:`sales_analytics.report.present.present` (escaped cell by cell), Markdown
and HTML outputs go through :func:`clean_report_html` (bleach with an allow-list
of plain formatting tags: no script, no event handler, no style attribute, no
external link other than http(s)/mailto), and the summary and the contents are
built here with :func:`html.escape`. The page's Content-Security-Policy forbids
every script as well.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from sales_analytics.report.labels import label
from sales_analytics.report.summary import Headline, headlines, load_summary_tables, what_changed

__all__ = ["REPORT_CSS", "clean_report_html", "finish_report", "finish_reports", "offline_template"]

log = logging.getLogger(__name__)

# Tags a Markdown or HTML output may keep: formatting, lists, headings, tables. Anything else is
# shown as escaped text (bleach's default), so a name like "<b>" in the data reads as written.
_TAGS = frozenset(
    {"a", "abbr", "b", "blockquote", "br", "caption", "code", "div", "em", "h1", "h2", "h3", "h4", "h5",
     "h6", "hr", "i", "li", "ol", "p", "pre", "span", "strong", "sub", "sup", "table", "tbody", "td",
     "tfoot", "th", "thead", "tr", "ul"}
)  # fmt: skip
_ATTRIBUTES = {
    "*": ["class", "id"],
    "a": ["href", "title"],
    "div": ["data-table"],  # the published table a formatted table shows (present.Presented)
    "td": ["colspan", "rowspan"],
    "th": ["colspan", "rowspan"],
}
_SECTION_MARK = "<!-- sa-report-head -->"

REPORT_CSS = """
body.jp-Notebook { max-width: 1280px; margin: 0 auto; }
.sa-table-wrap { overflow-x: auto; max-width: 100%; margin: 0.4em 0 1em; }
table.sa-table { border-collapse: collapse; font-size: 13px; font-variant-numeric: tabular-nums; }
table.sa-table th { background: #eef3f8; border-bottom: 2px solid #9db4cc; padding: 4px 8px; text-align: left !important;
  vertical-align: bottom; white-space: normal; min-width: 4em; max-width: 14em; }
table.sa-table td { border-bottom: 1px solid #e3e8ee; padding: 3px 8px; white-space: nowrap; max-width: 28em;
  text-align: left !important;
  overflow: hidden; text-overflow: ellipsis; }
table.sa-table tbody tr:nth-child(even) { background: #f8fafc; }
table.sa-table .num { text-align: right !important; }
.sa-note { color: #57606a; font-size: 12px; margin: 2px 0 0; }
.sa-summary { border: 1px solid #c9d6e3; border-radius: 6px; background: #f6f9fc; padding: 10px 14px; margin: 8px 0 16px; }
.sa-summary h2 { font-size: 16px; margin: 0 0 8px; }
.sa-cards { display: flex; flex-wrap: wrap; gap: 10px; }
.sa-card { background: #fff; border: 1px solid #dde5ee; border-radius: 5px; padding: 6px 10px; min-width: 150px; }
.sa-card .sa-k { color: #57606a; font-size: 12px; }
.sa-card .sa-v { font-size: 20px; font-weight: 600; }
.sa-card .sa-c { font-size: 12px; color: #57606a; }
.sa-card .sa-up { color: #1a7f37; } .sa-card .sa-down { color: #cf222e; }
.sa-summary ul { margin: 8px 0 0; padding-left: 20px; }
.sa-toc { border-left: 3px solid #9db4cc; padding: 4px 12px; margin: 0 0 16px; font-size: 13px; }
.sa-toc ul { margin: 4px 0; padding-left: 20px; columns: 2; }
.sa-toc li.sa-toc-3 { margin-left: 1.2em; list-style: circle; }
@media (max-width: 700px) { .sa-toc ul { columns: 1; } }
"""


def clean_report_html(element: str | bytes) -> str:
    """Sanitise one Markdown-rendered or HTML output for a report page (bleach, allow-list above).

    >>> clean_report_html('<h2 id="x">Sales</h2><img src=x onerror=alert(1)>')
    '<h2 id="x">Sales</h2>&lt;img src=x onerror=alert(1)&gt;'
    >>> clean_report_html('<table><tr><th class="num" onclick="f()">1</th></tr></table>')
    '<table><tbody><tr><th class="num">1</th></tr></tbody></table>'
    >>> clean_report_html('<div class="sa-table-wrap" data-table="kpi_x" data-x="1" style="a">t</div>')
    '<div class="sa-table-wrap" data-table="kpi_x">t</div>'
    """
    import bleach

    text = element.decode() if isinstance(element, bytes) else str(element)
    return bleach.clean(text, tags=_TAGS, attributes=_ATTRIBUTES, protocols={"http", "https", "mailto"})


def offline_template(csp: str) -> str:
    """The page template: JupyterLab's ``lab`` page without any script, with ``csp`` and the report style."""
    return (
        "{%- extends 'lab/index.html.j2' -%}\n"
        '{%- block html_head_js -%}<meta http-equiv="Content-Security-Policy" '
        f'content="{csp}">{{%- endblock html_head_js -%}}\n'
        "{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}\n"
        "{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}\n"
        "{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}\n"
        f'{{%- block html_head_css -%}}<style type="text/css">{REPORT_CSS}</style>{{%- endblock html_head_css -%}}\n'
    )


# --------------------------------------------------------------------------- summary and contents
def _cards(items: list[Headline], language: str) -> str:
    esc = html.escape
    cards = []
    for h in items:
        css = {1: "sa-c sa-up", -1: "sa-c sa-down"}.get(h.direction, "sa-c")
        change = f'<div class="{css}">{esc(h.change)}</div>' if h.change else ""
        cards.append(
            f'<div class="sa-card"><div class="sa-k">{esc(label(h.key, language))}</div>'
            f'<div class="sa-v">{esc(h.value)}</div>{change}</div>'
        )
    return '<div class="sa-cards">' + "".join(cards) + "</div>"


def summary_html(tables: Mapping[str, pd.DataFrame], period: str, language: str) -> str:
    """The "period at a glance" block (escaped); '' when the bundle has none of its tables."""
    items = headlines(tables, period, language)
    changes = what_changed(tables, period, language)
    if not items and not changes:
        return ""
    title = label("summary_title", language).format(period=period)
    lines = "".join(f"<li>{html.escape(c)}</li>" for c in changes)
    return (
        f'<section class="sa-summary"><h2 id="sa-summary">{html.escape(title)}</h2>'
        f"{_cards(items, language)}{f'<ul>{lines}</ul>' if lines else ''}</section>"
    )


_HEADING = re.compile(r'<h([23]) id="([^"]+)"[^>]*>(.*?)</h\1>', re.S)
_TAG = re.compile(r"<[^>]+>")


def contents_html(page: str, language: str, *, skip: tuple[str, ...] = ()) -> str:
    """A table of contents of the page's ``h2`` / ``h3`` headings (those containing a text of
    ``skip``, such as the period in the page's title, left out)."""
    entries = []
    for m in _HEADING.finditer(page):
        level, anchor, inner = m.group(1), m.group(2), m.group(3)
        text = html.unescape(_TAG.sub("", inner)).replace("¶", "").strip()
        if not text or anchor == "sa-summary" or any(s and s in text for s in skip):
            continue
        entries.append(
            f'<li class="sa-toc-{level}"><a href="#{html.escape(anchor)}">{html.escape(text)}</a></li>'
        )
    if len(entries) < 2:
        return ""
    return (
        f'<nav class="sa-toc"><strong>{html.escape(label("summary_contents", language))}</strong>'
        f"<ul>{''.join(entries)}</ul></nav>"
    )


_H1 = re.compile(r"<h1[\s>]")
_CELL = re.compile(r'<div[^>]*class="jp-Cell ')


def finish_report(path: str | Path, *, summary: str, language: str, period: str = "") -> None:
    """Add the summary and a table of contents under the page's first cell (its title and
    introduction); a second call changes nothing."""
    from sales_analytics.periods import parse_period

    path = Path(path)
    page = path.read_text(encoding="utf-8")
    if _SECTION_MARK in page:
        return
    page = re.sub(r'<html lang="[^"]*">', f'<html lang="{language}">', page, count=1)
    title = _H1.search(page)
    cell = _CELL.search(page, title.end()) if title else None
    main = page.find("<main>")
    at = cell.start() if cell else (main + len("<main>") if main >= 0 else 0)
    skip = (period, parse_period(period).label(language)) if period else ()
    head = _SECTION_MARK + summary + contents_html(page, language, skip=skip)
    path.write_text(page[:at] + head + page[at:], encoding="utf-8")


def finish_reports(bundle: str | Path, *, period: str, language: str) -> list[Path]:
    """Add the period at a glance and a table of contents to every page under ``<bundle>/html``."""
    bundle = Path(bundle)
    pages = sorted((bundle / "html").glob("*.html"))
    if not pages:
        return []
    summary = summary_html(load_summary_tables(bundle / "tables"), period, language)
    for page in pages:
        finish_report(page, summary=summary, language=language, period=period)
    log.info("report pages: summary and contents added to %d pages", len(pages))
    return pages
