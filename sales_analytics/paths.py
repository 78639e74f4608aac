"""Where things live. Every default path is resolved here and nowhere else.

The project root is the folder holding ``parameters/`` and ``notebooks/``.
It is the working directory when that looks like a project checkout, else the
checkout this package was imported from. ``SALES_ANALYTICS_HOME`` overrides.
``SALES_ANALYTICS_DATA`` and ``SALES_ANALYTICS_OUTPUTS`` override the data and
outputs folders (the test suite points them at temporary folders).
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = [
    "data_dir",
    "notebooks_dir",
    "outputs_dir",
    "parameters_dir",
    "project_root",
    "sample_data_dir",
    "surveys_dir",
]

PACKAGE_DIR = Path(__file__).resolve().parent


def _looks_like_root(path: Path) -> bool:
    return (path / "parameters").is_dir() and (path / "notebooks").is_dir()


def project_root() -> Path:
    """The project folder (see the module docstring for how it is found)."""
    env = os.environ.get("SALES_ANALYTICS_HOME")
    if env:
        return Path(env).resolve()
    cwd = Path.cwd()
    if _looks_like_root(cwd):
        return cwd
    return PACKAGE_DIR.parent


def parameters_dir() -> Path:
    return project_root() / "parameters"


def notebooks_dir() -> Path:
    return project_root() / "notebooks"


def surveys_dir() -> Path:
    """Survey instrument files (``surveys/*.yaml``)."""
    return project_root() / "surveys"


def sample_data_dir() -> Path:
    return project_root() / "data" / "sample"


def data_dir() -> Path:
    """The default data folder: ``$SALES_ANALYTICS_DATA`` or ``data/sample``."""
    env = os.environ.get("SALES_ANALYTICS_DATA")
    return Path(env).resolve() if env else sample_data_dir()


def input_folder(data: str | Path | None = None, configured: str = "") -> Path:
    """The data folder of a run, a notebook or a command: the one place the rule is written.

    ``data`` when given (a ``--data`` option or notebook parameter, as given); else the
    parameters' ``data.dir`` (``configured``; a relative one is taken from the project root);
    else :func:`data_dir`.
    """
    if data:
        return Path(data)
    if configured:
        folder = Path(configured)
        return folder if folder.is_absolute() else project_root() / folder
    return data_dir()


def outputs_dir() -> Path:
    """Published bundles: ``$SALES_ANALYTICS_OUTPUTS`` or ``outputs/``."""
    env = os.environ.get("SALES_ANALYTICS_OUTPUTS")
    return Path(env).resolve() if env else project_root() / "outputs"
