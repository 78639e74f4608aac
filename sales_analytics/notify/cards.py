"""喜报 cards (PNG) and the one-page PDF summary, drawn with the CJK font, byte-identical per bundle.

Every text is drawn with the font file of :func:`sales_analytics.report.theme.cjk_font_path`
(passed by path, so no fallback font is ever picked), and checked against that
font's character map first: a character the font lacks is an error, never an
empty box. PNGs carry no time or software stamp; the PDF embeds the font as
TrueType (``pdf.fonttype: 42``) and carries no creation date, so the same
bundle gives the same bytes.
"""

from __future__ import annotations

import io
import logging
from functools import lru_cache
from pathlib import Path

from sales_analytics.errors import SalesAnalyticsError
from sales_analytics.notify.content import Digest, Milestone
from sales_analytics.report.labels import label
from sales_analytics.report.theme import cjk_font_path

__all__ = ["card_png", "font_coverage", "missing_glyphs", "summary_pdf"]

# 喜报 colours: festive red, gold text.
_RED = "#c8102e"
_GOLD = "#ffd966"
_CREAM = "#fff4d6"
CARD_SIZE_IN = (6.0, 8.0)
CARD_DPI = 100
# A WeCom image message takes at most 2 MB before base64 (cards are far smaller).
MAX_IMAGE_BYTES = 2 * 1024 * 1024


@lru_cache(maxsize=4)
def font_coverage(path: str) -> frozenset[int]:
    """Code points the font at ``path`` (.ttf/.otf or the first face of a .ttc) maps to a glyph."""
    from fontTools.ttLib import TTCollection, TTFont

    if path.lower().endswith((".ttc", ".otc")):
        font = TTCollection(path).fonts[0]
    else:
        font = TTFont(path, lazy=True)
    cmap = font.getBestCmap() or {}
    return frozenset(cmap)


def missing_glyphs(text: str, font_path: str | Path | None = None) -> list[str]:
    """Characters of ``text`` the font cannot draw (whitespace ignored), in order, once each.

    >>> missing_glyphs("喜报 2026-11")
    []
    """
    cover = font_coverage(str(font_path or cjk_font_path()))
    out: list[str] = []
    for ch in text:
        if not ch.isspace() and ord(ch) not in cover and ch not in out:
            out.append(ch)
    return out


def _check(texts: list[str]) -> None:
    missing = missing_glyphs("".join(texts))
    if missing:
        raise SalesAnalyticsError(
            f"the CJK font {cjk_font_path()} has no glyph for {''.join(missing)!r}; "
            "set SALES_ANALYTICS_CJK_FONT to a font that covers it"
        )


def _font(size: float, weight: str = "normal"):
    from matplotlib.font_manager import FontProperties

    return FontProperties(fname=str(cjk_font_path()), size=size, weight=weight)


def card_texts(m: Milestone, language: str, organisation: str = "") -> list[str]:
    """The lines a card shows, top to bottom."""
    return [
        label("notify_card_title", language),
        organisation,
        m.name,
        m.team,
        m.headline,
        m.detail,
        label("notify_card_period", language).format(period=m.period),
        label("notify_card_footer", language),
    ]


@lru_cache(maxsize=128)
def card_png(m: Milestone, language: str, organisation: str = "") -> bytes:
    """One 喜报 card as PNG bytes (600 × 800 px); cached, since every channel sends the same card."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure
    from matplotlib.patches import FancyBboxPatch

    title, org, name, team, headline, detail, period, footer = card_texts(m, language, organisation)
    _check([t for t in (title, org, name, team, headline, detail, period, footer) if t])
    fig = Figure(figsize=CARD_SIZE_IN, dpi=CARD_DPI, facecolor=_RED)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.axis("off")
    ax.add_patch(
        FancyBboxPatch(
            (0.06, 0.05),
            0.88,
            0.9,
            boxstyle="round,pad=0.0,rounding_size=0.03",
            linewidth=3,
            edgecolor=_GOLD,
            facecolor="none",
        )
    )
    ax.text(0.5, 0.85, title, ha="center", va="center", color=_GOLD, fontproperties=_font(54, "bold"))
    if org:
        ax.text(0.5, 0.76, org, ha="center", va="center", color=_CREAM, fontproperties=_font(16))
    ax.text(0.5, 0.62, name, ha="center", va="center", color="white", fontproperties=_font(40, "bold"))
    if team:
        ax.text(0.5, 0.54, team, ha="center", va="center", color=_CREAM, fontproperties=_font(18))
    ax.text(
        0.5,
        0.42,
        headline,
        ha="center",
        va="center",
        color=_GOLD,
        fontproperties=_font(28, "bold"),
        wrap=True,
    )
    ax.text(0.5, 0.33, detail, ha="center", va="center", color="white", fontproperties=_font(20))
    ax.text(0.5, 0.20, period, ha="center", va="center", color=_CREAM, fontproperties=_font(16))
    ax.text(0.5, 0.10, footer, ha="center", va="center", color=_GOLD, fontproperties=_font(14))
    buf = io.BytesIO()
    # No Software/creation stamp: the same card gives the same bytes.
    fig.savefig(buf, format="png", dpi=CARD_DPI, facecolor=_RED, metadata={"Software": None})
    data = buf.getvalue()
    if len(data) > MAX_IMAGE_BYTES:  # pragma: no cover - a 600×800 card is ~40 KB
        raise SalesAnalyticsError(
            f"card {m.key} is {len(data)} bytes; images may be at most {MAX_IMAGE_BYTES}"
        )
    return data


def summary_texts(d: Digest) -> list[str]:
    """Every text the PDF summary draws (title, headline, board rows, contests, awards)."""
    from sales_analytics.notify.markdown import digest_sections

    out = [d.title()]
    for section in digest_sections(d, kind="email"):
        out += [line.replace("### ", "").replace("\\", "") for line in section]
    return out


def summary_pdf(d: Digest, revenue_series: list[tuple[str, float]] | None = None) -> bytes:
    """A one-page A4 PDF of the month: the digest's text and, when given, the revenue trend.

    The font is embedded as TrueType (Type 42), so Chinese reads on any machine.
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib import rc_context
    from matplotlib.figure import Figure

    lines = summary_texts(d)
    _check(lines)
    with rc_context({"pdf.fonttype": 42, "pdf.compression": 6, "svg.hashsalt": "sales-analytics"}):
        fig = Figure(figsize=(8.27, 11.69), dpi=72)
        top = fig.add_axes((0, 0.36 if revenue_series else 0, 1, 0.64 if revenue_series else 1))
        top.axis("off")
        y = 0.97
        top.text(0.06, y, lines[0], fontproperties=_font(18, "bold"), va="top")
        y -= 0.06
        # Shrink the text when the month has many lines, so it always fits one page.
        size = 10.5 if len(lines) < 45 else max(6.0, 10.5 * 45 / len(lines))
        step = size / 10.5 * 0.021 * (1 if not revenue_series else 1.5)
        for line in lines[1:]:
            heading = not line.startswith(("-", " ")) and not line[:1].isdigit()
            top.text(
                0.06,
                y,
                line,
                fontproperties=_font(size + (1 if heading else 0), "bold" if heading else "normal"),
                va="top",
            )
            y -= step
            if y < 0.02:
                break
        if revenue_series:
            from matplotlib.ticker import FuncFormatter

            from sales_analytics.views.components import fmt_money

            ax = fig.add_axes((0.12, 0.05, 0.83, 0.26))
            xs = list(range(len(revenue_series)))
            ax.plot(xs, [v for _, v in revenue_series], marker="o", color=_RED)
            ax.set_xticks(xs, [p for p, _ in revenue_series])
            ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: fmt_money(v, d.language)))
            ax.set_title(label("notify_revenue_trend", d.language), fontproperties=_font(11))
            for tick in ax.get_xticklabels() + ax.get_yticklabels():
                tick.set_fontproperties(_font(8))
            ax.tick_params(axis="x", rotation=45)
        buf = io.BytesIO()
        logging.getLogger("fontTools").setLevel(max(logging.WARNING, logging.getLogger("fontTools").level))
        fig.savefig(
            buf,
            format="pdf",
            metadata={"CreationDate": None, "ModDate": None, "Producer": None, "Creator": None},
        )
    return buf.getvalue()
