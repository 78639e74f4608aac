"""``python -m sales_analytics`` is the same as ``sales-analytics``."""

from sales_analytics.cli import main

raise SystemExit(main())
