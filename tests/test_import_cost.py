"""Opening a notebook loads only what it needs: no matplotlib, seaborn, scipy, scikit-learn or statsmodels.

Every lever notebook of a run opens with ``sa.open_notebook``, which loads the parameters (one model per
lever package); those imports cost about 1 CPU second per kernel when the lever modules load the
statistics and chart libraries at import time. A fresh interpreter shows what an opening imports.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import sales_analytics
from sales_analytics.sample_data import write_sample

ROOT = Path(sales_analytics.__file__).resolve().parents[1]
HEAVY = ("matplotlib", "seaborn", "scipy", "sklearn", "statsmodels")

SCRIPT = """
import json, sys
heavy = {heavy!r}
loaded = lambda: sorted(m for m in heavy if m in sys.modules)
from sales_analytics.config import load_parameters
params = load_parameters(None)
seen = {{"parameters": loaded()}}
import sales_analytics as sa
ctx = sa.open_notebook(period="2026-10", data={data!r}, language="zh", output_dir={out!r})
seen["open_notebook"] = loaded()
import matplotlib as mpl
import matplotlib.pyplot as plt
themed = dict(mpl.rcParams)
from sales_analytics.report.theme import use_theme
family = use_theme()
seen["themed_on_import"] = themed == dict(mpl.rcParams)
seen["first_sans_serif_is_cjk"] = mpl.rcParams["font.sans-serif"][0] == family
print(json.dumps(seen))
"""


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("small")
    write_sample(data, size="small", end="2026-10")
    return data


def test_opening_a_notebook_loads_no_chart_or_statistics_library(small: Path, tmp_path: Path) -> None:
    code = SCRIPT.format(heavy=HEAVY, data=str(small), out=str(tmp_path / "tables"))
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg"}
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["parameters"] == []
    assert seen["open_notebook"] == []
    # the theme open_notebook used to apply at once is applied when matplotlib is first imported:
    # applying it again afterwards changes no setting
    assert seen["themed_on_import"] is True
    assert seen["first_sans_serif_is_cjk"] is True


def test_the_written_out_normal_quantile_is_scipys() -> None:
    from scipy import stats

    from sales_analytics.forecast.forecast import Z90

    assert Z90 == float(stats.norm.ppf(0.9))
