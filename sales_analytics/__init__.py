"""Sales Team Workbook: the monthly management picture of a sales team.

``import sales_analytics as sa`` gives every public function of the levers
(KPIs, incentives, customers, surveys, training, rules, feedback), the
loaders and the run: each module lists its public names in ``__all__`` and
they are re-exported here. The modules are imported on first use, so
``import sales_analytics.views`` (a manager view) does not pay for
scikit-learn, scipy and seaborn it never uses.

>>> import sales_analytics as sa
>>> str(sa.parse_period("2026年10月"))
'2026-10'
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

__version__ = "0.1.0"

# Modules whose ``__all__`` is re-exported, in import order.
_EXPORTING = (
    "errors",
    "periods",
    "refunds",
    "workdays",
    "config",
    "io",
    "notebook",
    "kpis",
    "incentives",
    "customers",
    "surveys",
    "training",
    "rules",
    "feedback",
    "forecast",
    "conflicts",
    "run",
    "sample_data",
    "notify",
)
_SUBMODULES = frozenset(_EXPORTING) | {"paths", "report", "views", "serve", "cli"}
_EXTRA = {
    "label": "report",
    "label_columns": "report",
    "use_theme": "report",
    "present": "report",
    "money_axis": "report",
    "percent_axis": "report",
}
_exports: dict[str, str] | None = None


def _export_map() -> dict[str, str]:
    """name -> module for every re-exported name (the first module listing a name wins;
    tests/test_package.py fails when two modules export the same name)."""
    global _exports
    if _exports is None:
        found: dict[str, str] = {}
        for module in _EXPORTING:
            mod = importlib.import_module(f"{__name__}.{module}")
            for name in mod.__all__:
                found.setdefault(name, module)
        found.update(_EXTRA)
        _exports = found
    return _exports


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    if name == "__all__":
        return sorted([*_export_map(), "__version__"])
    module = _export_map().get(name)
    if module is None:
        raise AttributeError(f"module 'sales_analytics' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_SUBMODULES, *_export_map()})


def _modules() -> list[ModuleType]:  # used by the tests
    return [importlib.import_module(f"{__name__}.{m}") for m in _EXPORTING]
