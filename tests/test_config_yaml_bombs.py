"""Configuration bombs: every YAML file the package loads is size-limited and alias expansion is bounded."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

import sales_analytics as sa
from sales_analytics.config import MAX_ALIAS_VALUES, MAX_YAML_BYTES, load_parameters, load_yaml, parse_yaml
from sales_analytics.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]


def laughs(levels: int = 9, key: str = "lol") -> str:
    """A billion-laughs block: level k holds nine aliases of level k−1 (9**levels leaves)."""
    lines = [f'{key}0: &{key}0 ["lol"]']
    for k in range(1, levels + 1):
        refs = ", ".join([f"*{key}{k - 1}"] * 9)
        lines.append(f"{key}{k}: &{key}{k} [{refs}]")
    return "\n".join(lines)


def bomb_in_notebooks(levels: int = 9) -> str:
    # the anchors live in a list-typed key, as the attack did: run.notebooks
    refs = ", ".join([f"*l{levels}"] * 9)
    body = "run:\n  notebooks:\n"
    body += '    - &l0 ["lol"]\n'
    for k in range(1, levels + 1):
        body += f"    - &l{k} [{', '.join([f'*l{k - 1}'] * 9)}]\n"
    body += f"    - [{refs}]\n"
    return body


def test_small_aliases_still_work():
    # 2 anchors reused twice: 6 values come from aliases, far under the bound
    assert parse_yaml("base: &b {rate: 0.1, cap: 5}\nq1: *b\nq2: *b\n", "x.yaml") == {
        "base": {"rate": 0.1, "cap": 5},
        "q1": {"rate": 0.1, "cap": 5},
        "q2": {"rate": 0.1, "cap": 5},
    }


def test_billion_laughs_is_refused_quickly():
    started = time.perf_counter()
    with pytest.raises(
        ConfigError, match=r"^bomb\.yaml: aliases expand it to [\d,]+ values \(at most 10,000"
    ):
        parse_yaml(laughs(), "bomb.yaml")
    assert time.perf_counter() - started < 5  # composing shares the nodes: nothing is expanded


def test_bound_is_exact():
    # n aliases of a 1-value list add 2n nodes (the alias's sequence and its scalar)
    ok = "a: &a [x]\nb: [" + ", ".join(["*a"] * (MAX_ALIAS_VALUES // 2)) + "]\n"
    assert len(parse_yaml(ok, "ok.yaml")["b"]) == MAX_ALIAS_VALUES // 2
    over = "a: &a [x]\nb: [" + ", ".join(["*a"] * (MAX_ALIAS_VALUES // 2 + 1)) + "]\n"
    with pytest.raises(ConfigError, match="aliases expand it"):
        parse_yaml(over, "over.yaml")


def test_default_yaml_bomb_in_run_notebooks(tmp_path):
    f = tmp_path / "default.yaml"
    f.write_text(bomb_in_notebooks(), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"default\.yaml: aliases expand it to"):
        load_parameters(f)


def test_period_file_bomb(tmp_path):
    (tmp_path / "periods").mkdir()
    (tmp_path / "default.yaml").write_text("language: en\n", encoding="utf-8")
    (tmp_path / "periods" / "2026-10.yaml").write_text(bomb_in_notebooks(), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"2026-10\.yaml: aliases expand it to"):
        load_parameters(tmp_path / "default.yaml", period="2026-10")


def test_oversized_file_is_refused_before_reading(tmp_path):
    f = tmp_path / "big.yaml"
    f.write_text("# " + "x" * MAX_YAML_BYTES + "\n", encoding="utf-8")  # 2 + 1,048,576 + 1 bytes
    with pytest.raises(
        ConfigError, match=r"big\.yaml: is 1,048,579 bytes; parameter files are limited to 1,048,576"
    ):
        load_yaml(f)


def test_deep_nesting_is_one_line_error(tmp_path):
    f = tmp_path / "deep.yaml"
    f.write_text("a: " + "[" * 200_000 + "]" * 200_000 + "\n", encoding="utf-8")
    with pytest.raises(
        ConfigError, match=r"deep\.yaml: is (nested too deeply|not valid YAML .*nesting depth)"
    ):
        load_yaml(f)


@pytest.mark.parametrize(
    "loader",
    [
        lambda p: sa.load_incentive_plan(p),
        lambda p: sa.load_group_rules(p),
        lambda p: sa.load_instrument(p),
        lambda p: sa.load_column_map(p),
    ],
    ids=["incentive_plan", "group_rules", "survey_instrument", "column_map"],
)
def test_every_loader_refuses_a_bomb(tmp_path, loader):
    f = tmp_path / "bomb.yaml"
    f.write_text(laughs(), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"bomb\.yaml: aliases expand it to"):
        loader(f)


@pytest.mark.parametrize("command", ["validate", "run"])
def test_cli_ends_with_one_line_and_exit_2(tmp_path, command):
    f = tmp_path / "default.yaml"
    f.write_text(bomb_in_notebooks(), encoding="utf-8")
    args = [sys.executable, "-m", "sales_analytics", command, "--params", str(f)]
    if command == "run":
        args += ["--period", "2026-10"]
    env = {**os.environ, "SALES_ANALYTICS_OUTPUTS": str(tmp_path / "out"), "PYTHONPATH": str(ROOT)}
    done = subprocess.run(args, capture_output=True, text=True, timeout=120, cwd=ROOT, env=env)
    assert done.returncode == 2, done.stderr
    lines = [x for x in done.stderr.splitlines() if x.strip()]
    assert len(lines) == 1 and "aliases expand it to" in lines[0], done.stderr
