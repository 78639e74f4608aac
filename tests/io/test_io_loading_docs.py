"""Every snippet of docs/loading.md's "From your platform" section runs: Python blocks are executed
from the project folder, YAML blocks are loaded as what their first line says they are."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

import sales_analytics as sa
from sales_analytics.io import DataParams
from sales_analytics.io.columns import load_column_map

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "loading.md").read_text(encoding="utf-8")
SECTION = DOC[DOC.index("## From your platform") :]
SECTION = SECTION[: SECTION.index("\n## ", 5)]
BLOCKS = re.findall(r"```(python|yaml)\n(.*?)```", SECTION, flags=re.S)
PLATFORMS = re.findall(r"^### (.+)$", SECTION, flags=re.M)


def test_every_platform_has_a_section_with_a_snippet() -> None:
    assert len(PLATFORMS) == 7
    for heading in PLATFORMS:
        body = SECTION[SECTION.index(heading) :]
        body = body[: body.find("\n### ") if "\n### " in body else len(body)]
        assert "Download:" in body and "```python" in body, heading


@pytest.mark.parametrize("code", [c for kind, c in BLOCKS if kind == "python"])
def test_python_snippet_runs(code: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    exec(compile(code, "docs/loading.md", "exec"), {})


@pytest.mark.parametrize("text", [c for kind, c in BLOCKS if kind == "yaml"])
def test_yaml_snippet_is_valid(text: str, tmp_path: Path) -> None:
    first = text.splitlines()[0]
    if first.startswith("# parameters/default.yaml"):
        DataParams.model_validate(yaml.safe_load(text)["data"])
        return
    name = first.removeprefix("# parameters/column_maps/").strip()
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    cmap = load_column_map(path)
    shipped = ROOT / "parameters" / "column_maps" / name
    if shipped.is_file():  # the doc shows the shipped map as it is
        assert load_column_map(shipped).model_dump() == cmap.model_dump()


def test_salesforce_day_first_map_reads_day_first_dates(tmp_path: Path) -> None:
    text = next(c for kind, c in BLOCKS if kind == "yaml" and "salesforce_day_first" in c)
    maps = tmp_path / "maps"
    maps.mkdir()
    (maps / "salesforce_day_first.yaml").write_text(text, encoding="utf-8")
    folder = tmp_path / "data"
    folder.mkdir()
    report = (ROOT / "tests" / "data" / "real" / "crm" / "report1520000000000.csv").read_text(
        encoding="utf-8"
    )
    # the same report from a day-first locale: 9/3/2018 is 9 March
    report = report.replace('"3/9/2018","1/27/2018"', '"9/3/2018","27/1/2018"')
    report = report.replace('"4/13/2018","3/2/2018"', '"13/4/2018","2/3/2018"')
    report = report.replace('"3/30/2018","2/28/2018"', '"30/3/2018","28/2/2018"')
    (folder / "report.csv").write_text(report, encoding="utf-8")
    (folder / "reps.csv").write_text(
        "rep_id,rep_name,team\nOwner Three,O3,A\nOwner Four,O4,A\n", encoding="utf-8"
    )
    (folder / "orders.csv").write_text(
        "order_id,order_date,customer_id,rep_id,amount\no1,2018-03-01,c1,Owner Four,1\n", encoding="utf-8"
    )
    params = sa.load_parameters()
    params = params.model_copy(update={"data": params.data.model_copy(update={"column_maps_dir": str(maps)})})
    ds = sa.load_dataset(folder, params=params)
    assert ds.sources["deals"].profile == "salesforce_day_first"
    assert ds.deals["close_date"].dt.strftime("%Y-%m-%d").tolist() == [
        "2018-03-09",
        "2018-04-13",
        "2018-03-30",
    ]
