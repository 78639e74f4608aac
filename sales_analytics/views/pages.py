"""The home page and the six manager views. Each renders tables a monthly run published; none recomputes.

Every page takes ``(bundle, language)`` and returns widgets. A section whose
tables the bundle lacks says so plainly instead of failing.
"""

from __future__ import annotations

from sales_analytics.views.home import home
from sales_analytics.views.insight import customers, voice
from sales_analytics.views.overview import overview
from sales_analytics.views.people import leaderboard, rep_scorecard
from sales_analytics.views.training import training_rules

__all__ = ["PAGES"]

PAGES = {
    "home": ("view_home", home),
    "overview": ("view_overview", overview),
    "leaderboard": ("view_leaderboard", leaderboard),
    "rep_scorecard": ("view_rep_scorecard", rep_scorecard),
    "customers": ("view_customers", customers),
    "voice": ("view_voice", voice),
    "training_rules": ("view_training_rules", training_rules),
}
