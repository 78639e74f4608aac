"""Parameters: YAML files validated into typed models. Unknown keys are errors.

A run's parameters are ``parameters/default.yaml``, overlaid by
``parameters/periods/<period>.yaml`` when it exists, overlaid by overrides from
the command line (``--language en`` …). Each lever owns one section, typed by a
model defined next to the code that uses it (``sales_analytics.kpis.KpiParams``
and so on), so a section's defaults and its meaning live in one place.

>>> p = load_parameters(overrides={"language": "en"})
>>> p.language, p.surveys.anonymity_threshold
('en', 5)
"""

from __future__ import annotations

import copy
import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model

from sales_analytics import paths
from sales_analytics.errors import ConfigError
from sales_analytics.vocabulary import DEFAULT_LANGUAGE, Language

__all__ = [
    "Parameters",
    "StrictModel",
    "load_parameters",
    "MAX_ALIAS_VALUES",
    "MAX_YAML_BYTES",
    "load_yaml",
    "parse_yaml",
    "read_yaml",
    "validate_model",
]


class StrictModel(BaseModel):
    """Base of every parameter model: unknown keys are errors, values frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)


# section name -> "module:ModelName"; each lever's module defines its model.
SECTIONS: dict[str, str] = {
    "pull": "sales_analytics.connectors.config:PullStep",
    "data": "sales_analytics.io:DataParams",
    "run": "sales_analytics.run:RunParams",
    "kpis": "sales_analytics.kpis:KpiParams",
    "incentives": "sales_analytics.incentives:IncentiveParams",
    "customers": "sales_analytics.customers:CustomerParams",
    "surveys": "sales_analytics.surveys:SurveyParams",
    "training": "sales_analytics.training:TrainingParams",
    "rules": "sales_analytics.rules:RulesParams",
    "feedback": "sales_analytics.feedback:FeedbackParams",
    "notify": "sales_analytics.notify.config:NotifyStep",
    "goals": "sales_analytics.forecast:ForecastParams",
    "conflicts": "sales_analytics.conflicts:ConflictParams",
}


class _GeneralParams(StrictModel):
    language: Language = DEFAULT_LANGUAGE
    fiscal_year_start: int = Field(1, ge=1, le=12, description="month the fiscal year starts in")
    currency: str = Field("CNY", description="reporting currency code shown in labels")
    timezone: str = Field("Asia/Shanghai", description="local time zone of the team")
    organisation: str = Field("", description="name shown in report titles")


if TYPE_CHECKING:  # the model create_model builds from SECTIONS, written out for type checkers
    from sales_analytics.conflicts import ConflictParams
    from sales_analytics.connectors.config import PullStep
    from sales_analytics.customers import CustomerParams
    from sales_analytics.feedback import FeedbackParams
    from sales_analytics.forecast import ForecastParams
    from sales_analytics.incentives import IncentiveParams
    from sales_analytics.io import DataParams
    from sales_analytics.kpis import KpiParams
    from sales_analytics.notify.config import NotifyStep
    from sales_analytics.rules import RulesParams
    from sales_analytics.run import RunParams
    from sales_analytics.surveys import SurveyParams
    from sales_analytics.training import TrainingParams

    class Parameters(_GeneralParams):
        """The merged run parameters: the general keys and one typed section per lever."""

        pull: PullStep
        data: DataParams
        run: RunParams
        kpis: KpiParams
        incentives: IncentiveParams
        customers: CustomerParams
        surveys: SurveyParams
        training: TrainingParams
        rules: RulesParams
        feedback: FeedbackParams
        notify: NotifyStep
        goals: ForecastParams
        conflicts: ConflictParams


M = TypeVar("M", bound=BaseModel)


def _resolve(ref: str) -> type[StrictModel]:
    module, name = ref.split(":")
    return getattr(importlib.import_module(module), name)


_PARAMETERS_MODEL: type[StrictModel] | None = None


def _parameters_model() -> type[StrictModel]:
    global _PARAMETERS_MODEL
    if _PARAMETERS_MODEL is None:
        fields: dict[str, Any] = {}
        for section, ref in SECTIONS.items():
            model = _resolve(ref)
            fields[section] = (model, Field(default_factory=model))
        _PARAMETERS_MODEL = create_model("Parameters", __base__=_GeneralParams, **fields)
    return _PARAMETERS_MODEL


def __getattr__(name: str) -> object:
    if name == "Parameters":
        return _parameters_model()
    raise AttributeError(name)


MAX_YAML_BYTES = 1 << 20
"""Largest YAML file the package reads (1 MiB; parameter, plan, rule and instrument files are a few KiB)."""
MAX_ALIAS_VALUES = 10_000
"""Most values a YAML document may gain through aliases (``*name``, ``<<: *name``): a "billion laughs"
document (aliases of aliases) expands to more and is refused before anything is built from it."""

try:  # the C parser when PyYAML was built with libyaml
    _Loader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on the PyYAML build
    _Loader = yaml.SafeLoader


def _expanded_values(root: yaml.Node) -> tuple[int, int]:
    """(distinct nodes, nodes after every alias is expanded) of a composed document, iteratively."""
    size: dict[int, int] = {}
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        if id(node) in size:
            continue
        if isinstance(node, yaml.SequenceNode):
            kids = list(node.value)
        elif isinstance(node, yaml.MappingNode):
            kids = [x for pair in node.value for x in pair]
        else:
            kids = []
        if done:
            size[id(node)] = 1 + sum(size[id(k)] for k in kids)
        else:
            stack.append((node, True))
            stack.extend((k, False) for k in kids if id(k) not in size)
    return len(size), size[id(root)]


def parse_yaml(text: str, file: str | Path) -> Any:
    r"""Parse YAML text with the package's one safe loader; every problem is a one-line ConfigError.

    Only plain data is built (the safe loader: no Python objects), the text is at most
    :data:`MAX_YAML_BYTES`, and aliases may add at most :data:`MAX_ALIAS_VALUES` values.

    >>> parse_yaml("a: &x [1, 2]\nb: *x", "demo.yaml")
    {'a': [1, 2], 'b': [1, 2]}
    >>> bomb = "a: &a [x, x]\n" + "".join(f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}]\n" for p, c in zip("abcdefgh", "bcdefghi"))
    >>> parse_yaml(bomb, "bomb.yaml")
    Traceback (most recent call last):
    ...
    sales_analytics.errors.ConfigError: bomb.yaml: aliases expand it to 291,277 values (at most 10,000 may come from aliases); write the values out instead of nesting aliases.
    """
    if len(text) > MAX_YAML_BYTES:
        raise ConfigError(
            str(file), None, f"is {len(text):,} characters; parameter files are limited to {MAX_YAML_BYTES:,}"
        )
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        distinct, expanded = _expanded_values(node)
        if expanded - distinct > MAX_ALIAS_VALUES:
            raise ConfigError(
                str(file),
                None,
                f"aliases expand it to {expanded:,} values (at most {MAX_ALIAS_VALUES:,} may come from aliases); "
                "write the values out instead of nesting aliases",
            )
        return loader.construct_document(node)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = " ".join(str(getattr(exc, "problem", None) or exc).split())
        raise ConfigError(str(file), None, f"is not valid YAML{where}: {problem}") from None
    except RecursionError:
        raise ConfigError(str(file), None, "is nested too deeply to be a parameter file") from None
    finally:
        loader.dispose()


def read_yaml(path: str | Path) -> Any:
    """Read one YAML file through :func:`parse_yaml` (size checked before reading); any top-level value."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_YAML_BYTES:
            raise ConfigError(
                str(path), None, f"is {size:,} bytes; parameter files are limited to {MAX_YAML_BYTES:,}"
            )
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(str(path), None, "file not found") from None
    except IsADirectoryError:
        raise ConfigError(str(path), None, "is a folder, not a YAML file") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(str(path), None, f"is not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    return parse_yaml(text, path)


def load_yaml(path: str | Path) -> dict[str, Any]:
    """Read a YAML mapping (:func:`read_yaml`); a syntax error, a bomb or a non-mapping is a ConfigError."""
    data = read_yaml(path)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(
            str(path), None, f"must hold a mapping of keys to values; found {type(data).__name__}"
        )
    return data


def _key_path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def validate_model(model: type[M], data: dict[str, Any], file: str | Path) -> M:
    """Validate ``data`` into ``model``; every problem becomes part of one ConfigError."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        issues = []
        for err in exc.errors():
            key = _key_path(err["loc"])
            if err["type"] == "extra_forbidden":
                problem = "is not a known key"
                parent: type[BaseModel] | None = model
                for part in err["loc"][:-1]:
                    f = getattr(parent, "model_fields", {}).get(part) if isinstance(part, str) else None
                    ann = f.annotation if f is not None else None
                    parent = ann if isinstance(ann, type) and issubclass(ann, BaseModel) else None
                    if parent is None:
                        break
                if parent is not None:
                    problem += f"; allowed keys are {sorted(parent.model_fields)}"
            else:
                problem = f"{err['msg']}. Got {err.get('input')!r} instead"
            issues.append((key, problem))
        raise ConfigError(str(file), issues=issues) from None


def _deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def load_parameters(
    file: str | Path | None = None,
    *,
    period: str | None = None,
    overrides: dict[str, Any] | None = None,
) -> Parameters:
    """Load and validate the run parameters.

    Parameters
    ----------
    file : the base file; default ``parameters/default.yaml`` (missing → built-in defaults).
    period : when given, ``parameters/periods/<period>.yaml`` next to ``file`` is overlaid.
    overrides : a nested mapping applied last (command-line options).

    Each layer is validated on its own first so that an unknown key names the
    file it came from.
    """
    model = _parameters_model()
    base_path = Path(file) if file is not None else paths.parameters_dir() / "default.yaml"
    layers: list[tuple[str, dict[str, Any]]] = []
    if base_path.exists() or file is not None:
        layers.append((str(base_path), load_yaml(base_path)))
    if period:
        period_file = base_path.parent / "periods" / f"{period}.yaml"
        if period_file.exists():
            layers.append((str(period_file), load_yaml(period_file)))
    if overrides:
        layers.append(("command-line options", overrides))
    merged: dict[str, Any] = {}
    for name, layer in layers:
        validate_model(model, layer, name)
        merged = _deep_merge(merged, layer)
    return cast("Parameters", validate_model(model, merged, " + ".join(n for n, _ in layers) or "defaults"))
