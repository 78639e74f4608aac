"""Print docs/tables.md: ``python -m sales_analytics.tables > docs/tables.md``."""

import sys

from sales_analytics.tables import render_markdown

sys.stdout.write(render_markdown())
