"""A deterministic, realistic sample sales organisation (every canonical table).

``generate_sample`` builds the tables in memory; ``write_sample`` writes them
to a folder (``sales-analytics sample-data`` on the command line). Three sizes:
``small`` (tests and notebooks), ``standard`` (the default monthly run,
≈1M order rows) and ``large`` (benchmarks, ≈10M order rows). The planted
effects (seasonality, refunds, training uplift, chat habits, …) are listed in
the README written next to the tables and in ``docs/sample_data.md``.

>>> tables = generate_sample("small", months=2)
>>> sorted(tables)[:3]
['activities', 'chat_messages', 'customers']
"""

from __future__ import annotations

from sales_analytics.sample_data._generate import generate_sample
from sales_analytics.sample_data._schema import COLUMNS
from sales_analytics.sample_data._spec import DEFAULT_SEED, SIZES, SampleDataError, SizeSpec
from sales_analytics.sample_data._write import register_cli, write_sample

__all__ = [
    "COLUMNS",
    "DEFAULT_SEED",
    "SIZES",
    "SampleDataError",
    "SizeSpec",
    "generate_sample",
    "register_cli",
    "write_sample",
]
