"""The type checker runs on the package: ``mypy`` with the settings of pyproject.toml passes."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_mypy_passes_on_the_package():
    out = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-error-summary"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-2000:]


def test_no_module_is_left_unchecked():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["mypy"]
    assert config["packages"] == ["sales_analytics"] and config["plugins"] == ["pydantic.mypy"]
    skipped = [m for o in config.get("overrides", []) if o.get("ignore_errors") for m in o["module"]]
    # every module is checked: the views and the Voila server were the last ones excepted
    assert skipped == []


def test_the_static_parameters_model_declares_every_section_with_its_model():
    import ast

    from sales_analytics import config

    tree = ast.parse((ROOT / "sales_analytics" / "config.py").read_text(encoding="utf-8"))
    static = next(n for n in ast.walk(tree) if isinstance(n, ast.ClassDef) and n.name == "Parameters")
    declared = {f.target.id: ast.unparse(f.annotation) for f in static.body if isinstance(f, ast.AnnAssign)}
    assert declared == {section: ref.split(":")[1] for section, ref in config.SECTIONS.items()}
    # the run-time model has the same sections, each of the declared model
    runtime = config.Parameters.model_fields
    for section, model in declared.items():
        assert runtime[section].annotation.__name__ == model
    assert runtime["language"].annotation == config.Language
