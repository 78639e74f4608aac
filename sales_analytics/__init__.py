"""Sales Team Workbook: the monthly management picture of a sales team.

``import sales_analytics as sa`` gives every public function of the levers
(KPIs, incentives, customers, surveys, training, rules, feedback), the
loaders and the run. Each module lists its public names in ``__all__``;
they are re-exported here.
"""

from __future__ import annotations

from sales_analytics import (
    config,
    customers,
    errors,
    feedback,
    incentives,
    io,
    kpis,
    notebook,
    paths,
    periods,
    report,
    rules,
    run,
    sample_data,
    surveys,
    training,
    workdays,
)
from sales_analytics.config import *  # noqa: F403
from sales_analytics.customers import *  # noqa: F403
from sales_analytics.errors import *  # noqa: F403
from sales_analytics.feedback import *  # noqa: F403
from sales_analytics.incentives import *  # noqa: F403
from sales_analytics.io import *  # noqa: F403
from sales_analytics.kpis import *  # noqa: F403
from sales_analytics.notebook import *  # noqa: F403
from sales_analytics.periods import *  # noqa: F403
from sales_analytics.report import label, label_columns, use_theme
from sales_analytics.rules import *  # noqa: F403
from sales_analytics.run import *  # noqa: F403
from sales_analytics.sample_data import *  # noqa: F403
from sales_analytics.surveys import *  # noqa: F403
from sales_analytics.training import *  # noqa: F403
from sales_analytics.workdays import *  # noqa: F403

__version__ = "0.1.0"

_MODULES = (config, customers, errors, feedback, incentives, io, kpis, notebook, periods,
            rules, run, sample_data, surveys, training, workdays)
__all__ = sorted({name for m in _MODULES for name in m.__all__}
                 | {"label", "label_columns", "use_theme", "paths", "report", "__version__"})
