"""Surveys: instruments as data, response quality, scores with uncertainty, psychometrics, anonymity.

Instruments are YAML files under ``surveys/`` (:mod:`.instruments`); responses
are imported from platform exports (:mod:`.importing`, layouts in :mod:`.platforms`), checked
(:mod:`.quality`), scored (:mod:`.scores`), analysed for reliability
(:mod:`.reliability`), key drivers (:mod:`.drivers`) and open-text themes
(:mod:`.text`). Every returned table of an anonymous instrument passes through
:func:`suppress_small_groups` (:mod:`.anonymity`).
"""

from __future__ import annotations

from sales_analytics.surveys.anonymity import *  # noqa: F403
from sales_analytics.surveys.anonymity import __all__ as _anonymity
from sales_analytics.surveys.charts import *  # noqa: F403
from sales_analytics.surveys.charts import __all__ as _charts
from sales_analytics.surveys.drivers import *  # noqa: F403
from sales_analytics.surveys.drivers import __all__ as _drivers
from sales_analytics.surveys.importing import *  # noqa: F403
from sales_analytics.surveys.importing import __all__ as _importing
from sales_analytics.surveys.instruments import *  # noqa: F403
from sales_analytics.surveys.instruments import __all__ as _instruments
from sales_analytics.surveys.params import *  # noqa: F403
from sales_analytics.surveys.params import __all__ as _params
from sales_analytics.surveys.quality import *  # noqa: F403
from sales_analytics.surveys.quality import __all__ as _quality
from sales_analytics.surveys.reliability import *  # noqa: F403
from sales_analytics.surveys.reliability import __all__ as _reliability
from sales_analytics.surveys.scores import *  # noqa: F403
from sales_analytics.surveys.scores import __all__ as _scores
from sales_analytics.surveys.summary import *  # noqa: F403
from sales_analytics.surveys.summary import __all__ as _summary
from sales_analytics.surveys.text import *  # noqa: F403
from sales_analytics.surveys.text import __all__ as _text

__all__ = sorted(
    {
        *_anonymity,
        *_charts,
        *_drivers,
        *_importing,
        *_instruments,
        *_params,
        *_quality,
        *_reliability,
        *_scores,
        *_summary,
        *_text,
    }
)
