"""Chart theme: seaborn first, then a CJK font registered by path.

Chinese labels need a font with CJK glyphs; matplotlib's default DejaVu Sans
draws empty boxes. ``use_theme()`` finds one of the fonts below (Debian's
``fonts-wqy-microhei`` or ``fonts-noto-cjk``; ``SALES_ANALYTICS_CJK_FONT``
names any other file), registers it with matplotlib's font manager and puts it
first in the sans-serif list. The order matters: ``sns.set_theme`` resets
``font.family``, so the font is set after it.
"""

from __future__ import annotations

import logging
import os
from functools import lru_cache
from pathlib import Path

from sales_analytics.errors import SalesAnalyticsError

__all__ = ["FontMissingError", "cjk_font_path", "use_theme"]

log = logging.getLogger(__name__)

CANDIDATE_FONTS = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/System/Library/Fonts/PingFang.ttc",
    "C:/Windows/Fonts/msyh.ttc",
)


class FontMissingError(SalesAnalyticsError):
    """No font with Chinese glyphs is installed."""


@lru_cache(maxsize=1)
def cjk_font_path() -> Path:
    """The path of the CJK font charts use; FontMissingError when none exists."""
    env = os.environ.get("SALES_ANALYTICS_CJK_FONT")
    candidates = ([env] if env else []) + list(CANDIDATE_FONTS)
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    raise FontMissingError(
        "No font with Chinese glyphs was found (looked for "
        + ", ".join(candidates)
        + "). Install one: `apt-get install fonts-wqy-microhei` (Debian/Ubuntu, as root; `make setup` "
        "does it), or set SALES_ANALYTICS_CJK_FONT to a .ttf/.ttc/.otf file."
    )


def use_theme(*, context: str = "notebook", style: str = "whitegrid", palette: str = "deep") -> str:
    """Apply the seaborn theme and the CJK font; return the font family name."""
    import matplotlib as mpl
    import seaborn as sns
    from matplotlib import font_manager

    sns.set_theme(context=context, style=style, palette=palette)
    path = cjk_font_path()
    font_manager.fontManager.addfont(str(path))
    family = font_manager.FontProperties(fname=str(path)).get_name()
    mpl.rcParams["font.family"] = "sans-serif"
    mpl.rcParams["font.sans-serif"] = [family, *mpl.rcParams["font.sans-serif"]]
    mpl.rcParams["axes.unicode_minus"] = False  # CJK fonts often lack U+2212
    # no "1e8" offset or ×10⁶ factor on an axis: plain numbers unless a chart sets a unit formatter
    # (sales_analytics.report.present.money_axis / percent_axis)
    mpl.rcParams["axes.formatter.useoffset"] = False
    mpl.rcParams["axes.formatter.limits"] = (-9, 15)
    log.debug("chart font: %s (%s)", family, path)
    return family
