"""The lever notebooks stay thin: each cell is one ``sa.`` call plus its display.

Logic lives in the package (``sa.sections``, the levers, ``report/charts.py``),
where it is tested; a notebook only calls it, publishes and displays. These
checks read the committed notebooks (no kernel runs).
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pandas as pd
import pytest
from IPython.display import Markdown

from sales_analytics.config import load_parameters
from sales_analytics.notebook import NotebookContext, Shown
from sales_analytics.periods import parse_period

ROOT = Path(__file__).resolve().parents[1]
LEVER_NOTEBOOKS = sorted((ROOT / "notebooks").glob("0*.ipynb"))
MAX_LINES = 10  # the setup cell: imports, open_notebook (3 lines once formatted), the title
# Notebooks not thinned yet, each with its longest code cell today: the numbers can only go down.
# 08: the target cells (10, 11) wait for the forecast functions' month= -> period= rename.
NOT_YET_THIN: dict[str, int] = {}
BANNED = (
    ast.For,
    ast.While,
    ast.FunctionDef,
    ast.AsyncFunctionDef,
    ast.Lambda,
    ast.ClassDef,
    ast.ListComp,
    ast.SetComp,
    ast.DictComp,
    ast.GeneratorExp,
)
BANNED_IMPORTS = ("matplotlib", "seaborn", "pandas")  # charts and frame work belong in the package


def _code_cells(path: Path) -> list[tuple[int, str, list[str]]]:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return [
        (i, "".join(c["source"]), c.get("metadata", {}).get("tags", []))
        for i, c in enumerate(cells)
        if c["cell_type"] == "code"
    ]


def test_there_are_lever_notebooks():
    assert [p.name[:2] for p in LEVER_NOTEBOOKS] == [f"0{i}" for i in range(1, 10)]


@pytest.mark.parametrize("path", LEVER_NOTEBOOKS, ids=lambda p: p.stem)
def test_every_cell_is_a_few_lines(path):
    limit = NOT_YET_THIN.get(path.name, MAX_LINES)
    long = [(i, len(src.splitlines())) for i, src, _ in _code_cells(path) if len(src.splitlines()) > limit]
    assert not long, f"{path.name}: cells (index, lines) longer than {limit} lines: {long}"


@pytest.mark.parametrize("path", LEVER_NOTEBOOKS, ids=lambda p: p.stem)
def test_no_loop_function_or_chart_code_in_a_cell(path):
    problems = []
    for i, src, tags in _code_cells(path):
        if "parameters" in tags:
            continue
        for node in ast.walk(ast.parse(src)):
            if isinstance(node, BANNED):
                problems.append(f"cell {i}: {type(node).__name__} on line {node.lineno}")
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = (
                    [node.module or ""] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
                )
                problems += [f"cell {i}: imports {n}" for n in names if n.split(".")[0] in BANNED_IMPORTS]
    assert not problems, f"{path.name}: " + "; ".join(problems)


@pytest.mark.parametrize("path", LEVER_NOTEBOOKS, ids=lambda p: p.stem)
def test_the_parameters_cell_is_first_and_tagged(path):
    cells = _code_cells(path)
    assert cells[0][2] == ["parameters"]
    assert "parameters" not in [t for _, _, tags in cells[1:] for t in tags]


def test_the_thinness_check_fails_on_a_loop(tmp_path):
    """The AST check sees a loop and a chart import (so the test above can fail)."""
    src = "import matplotlib.pyplot as plt\nfor x in range(3):\n    plt.plot([x])\nys = (y for y in [1])\n"
    kinds = {type(n).__name__ for n in ast.walk(ast.parse(src)) if isinstance(n, BANNED)}
    assert kinds == {"For", "GeneratorExp"}


# ------------------------------------------------------------------ the context's display step
def _context(folder: Path, language: str = "en") -> NotebookContext:
    return NotebookContext(
        period=parse_period("2026-10"),
        language=language,
        params=load_parameters(None),
        dataset=None,  # type: ignore[arg-type]
        data_dir=folder,
        output_dir=folder,
    )


def _attainment() -> pd.DataFrame:
    # three months of one team; 2026-11 is after the notebook's month
    return pd.DataFrame(
        {
            "period": ["2026-09", "2026-10", "2026-11"],
            "team": ["east", "east", "east"],
            "revenue": [90.0, 120.0, 10.0],
            "target_amount": [100.0, 100.0, 100.0],
            "attainment": [0.9, 1.2, 0.1],
            "gap": [-10.0, 20.0, -90.0],
        }
    )


def test_publish_month_publishes_through_the_month_and_shows_the_month(tmp_path):
    ctx = _context(tmp_path)
    shown = ctx.publish_month("kpi_attainment_team", _attainment())
    published = pd.read_parquet(tmp_path / "kpi_attainment_team.parquet")
    assert published["period"].tolist() == ["2026-09", "2026-10"]  # 2026-11 is later than the report
    (table,) = shown.parts
    assert table.total_rows == 1  # only 2026-10 is displayed
    assert table.frame.iloc[0].tolist()[:2] == ["2026-10", "east"]


def test_publish_and_show_heading_note_and_empty(tmp_path):
    ctx = _context(tmp_path, "zh")
    shown = ctx.publish_and_show(
        "kpi_attainment_team",
        _attainment().iloc[:0],
        heading="kpi_pacing_title",
        note="kpi_skip_note",
        empty="kpi_no_targets",
    )
    heading, note, empty = shown.parts
    assert heading.data.startswith("### ") and ctx.t("kpi_pacing_title") in heading.data
    assert note.data == ctx.t("kpi_skip_note")
    assert empty.data == ctx.t("kpi_no_targets")
    assert (tmp_path / "kpi_attainment_team.parquet").exists()  # an empty table is still published


def test_a_skipped_section_publishes_nothing_and_says_why(tmp_path):
    ctx = _context(tmp_path)
    shown = ctx.publish_month("kpi_attainment_team", None, missing="kpi_no_targets")
    assert isinstance(shown, Shown)
    assert [p.data for p in shown.parts] == [ctx.t("kpi_no_targets")]
    assert not list(tmp_path.iterdir())
    assert ctx.publish_and_show("kpi_attainment_team", None).parts == ()


def test_labelled_columns_show_their_labels(tmp_path):
    ctx = _context(tmp_path, "zh")
    frame = _attainment().iloc[1:2]
    shown = ctx.publish_and_show("kpi_attainment_team", frame, labelled=("team",), query="attainment > 1")
    (table,) = shown.parts
    assert table.total_rows == 1
    published = pd.read_parquet(tmp_path / "kpi_attainment_team.parquet")
    assert published["team"].tolist() == ["east"]  # the label is for display only
    assert isinstance(ctx.heading("kpi_title", suffix="(3)"), Markdown)
    assert ctx.heading("kpi_title", suffix="(3)").data == f"### {ctx.t('kpi_title')} (3)"
