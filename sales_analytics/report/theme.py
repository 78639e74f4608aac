"""Chart theme: seaborn first, then a CJK font registered by path.

Chinese labels need a font with CJK glyphs; matplotlib's default DejaVu Sans
draws empty boxes. ``use_theme()`` finds one of the fonts below (Debian's
``fonts-wqy-microhei`` or ``fonts-noto-cjk``; ``SALES_ANALYTICS_CJK_FONT``
names any other file), registers it with matplotlib's font manager and puts it
first in the sans-serif list. The order matters: ``sns.set_theme`` resets
``font.family``, so the font is set after it.

``use_theme_on_import()`` (what a notebook's opening calls) applies it now when
matplotlib is loaded, else the moment matplotlib is first imported: a notebook
that draws nothing never pays for matplotlib, seaborn and the scipy.stats that
seaborn loads (about 1 CPU second per kernel).
"""

from __future__ import annotations

import importlib.abc
import importlib.util
import logging
import os
import sys
from functools import lru_cache
from importlib.machinery import ModuleSpec
from pathlib import Path
from types import ModuleType

from sales_analytics.errors import SalesAnalyticsError

__all__ = ["FontMissingError", "cjk_font_path", "use_theme", "use_theme_on_import"]

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


class _ThemeOnImport(importlib.abc.MetaPathFinder):
    """Finds nothing itself: when ``matplotlib`` is first imported, it runs :func:`use_theme` right after
    the package's own code (the normal finders locate it; its loader's ``exec_module`` is wrapped)."""

    def find_spec(self, fullname: str, path: object = None, target: object = None) -> ModuleSpec | None:
        if fullname != "matplotlib":
            return None
        sys.meta_path.remove(self)  # once, and the lookup below does not come back here
        spec = importlib.util.find_spec(fullname)
        loader = spec.loader if spec is not None else None
        if loader is None or not hasattr(loader, "exec_module"):  # pragma: no cover - not a normal install
            return spec
        run = loader.exec_module

        def exec_then_theme(module: ModuleType) -> None:
            run(module)
            use_theme()

        loader.exec_module = exec_then_theme  # type: ignore[method-assign]  # this import's loader only
        return spec


def use_theme_on_import() -> None:
    """:func:`use_theme` now if matplotlib is loaded, else when it is first imported; a missing CJK
    font is a :class:`FontMissingError` now either way."""
    cjk_font_path()
    if "matplotlib" in sys.modules:
        use_theme()
    elif not any(isinstance(f, _ThemeOnImport) for f in sys.meta_path):
        sys.meta_path.insert(0, _ThemeOnImport())
