"""The data-folder rule is written once, in paths.py, and every entry point uses it."""

from __future__ import annotations

import re
from pathlib import Path

from sales_analytics import paths

ROOT = Path(__file__).resolve().parents[1]


def test_input_folder_prefers_the_argument_then_the_parameters_then_the_default(monkeypatch, tmp_path):
    monkeypatch.setenv("SALES_ANALYTICS_DATA", str(tmp_path / "env"))
    assert paths.input_folder("given", "configured") == Path("given")
    # a relative data.dir is taken from the project root, wherever the process runs
    monkeypatch.chdir(tmp_path)
    assert paths.input_folder(None, "data/mine") == paths.project_root() / "data" / "mine"
    assert paths.input_folder("", str(tmp_path / "abs")) == tmp_path / "abs"
    assert paths.input_folder() == (tmp_path / "env").resolve()


def test_no_module_derives_the_data_folder_on_its_own():
    pattern = re.compile(r"params\.data\.dir\) if|Path\(params\.data\.dir\)")
    offenders = [
        str(p.relative_to(ROOT))
        for p in (ROOT / "sales_analytics").rglob("*.py")
        if p.name != "paths.py" and pattern.search(p.read_text(encoding="utf-8"))
    ]
    assert offenders == []
