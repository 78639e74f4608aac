"""Reading and changing ``parameters/access.yaml`` (validated; written owner-only, atomically)."""

from __future__ import annotations

import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import yaml

from sales_analytics import paths
from sales_analytics.access.credentials import Token, hash_secret, new_token
from sales_analytics.access.model import AccessFile, Person
from sales_analytics.config import load_yaml, validate_model
from sales_analytics.errors import ConfigError

__all__ = ["access_path", "add_person", "load_access", "revoke_person", "rotate_person", "save_access"]


def access_path(path: str | Path | None = None) -> Path:
    """``path``, else ``$SALES_ANALYTICS_ACCESS``, else ``parameters/access.yaml``."""
    chosen = path or os.environ.get("SALES_ANALYTICS_ACCESS") or paths.parameters_dir() / "access.yaml"
    return Path(chosen)


def load_access(path: str | Path | None = None) -> AccessFile:
    """The validated access file; a missing file is an empty one (nobody has access)."""
    file = access_path(path)
    if not file.exists():
        return AccessFile()
    return validate_model(AccessFile, load_yaml(file), file)


def save_access(access: AccessFile, path: str | Path | None = None) -> Path:
    """Write ``access`` (owner-only, 0600) through a temporary file."""
    file = access_path(path)
    file.parent.mkdir(parents=True, exist_ok=True)
    doc = access.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
    text = "# people who may open the manager views; managed with `sales-analytics access`\n"
    text += yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)
    fd, tmp = tempfile.mkstemp(dir=file.parent, prefix=".access-", suffix=".yaml")  # created 0600
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(tmp, file)
    return file


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _replace(access: AccessFile, person: Person) -> AccessFile:
    people = tuple(person if p.id == person.id else p for p in access.people)
    return AccessFile(proxy=access.proxy, people=people)


def _with_credential(person: Person) -> tuple[Person, Token]:
    token = new_token()
    data = person.model_dump()
    data.update(key=token.key, hash=hash_secret(token.secret), created=_now(), revoked=None)
    return Person.model_validate(data), token


def add_person(
    access: AccessFile,
    person_id: str,
    role: str,
    *,
    name: str = "",
    rep_id: str | None = None,
    teams: tuple[str, ...] = (),
    file: str | Path = "access.yaml",
) -> tuple[AccessFile, Token]:
    """``access`` with a new person and their first credential (the token is returned once)."""
    if access.person(person_id) is not None:
        raise ConfigError(str(file), f"people[{person_id}]", "is already in the file; use rotate or revoke")
    person = validate_model(
        Person, {"id": person_id, "name": name, "role": role, "rep_id": rep_id, "teams": teams}, file
    )
    person, token = _with_credential(person)
    return validate_model(
        AccessFile, {"proxy": access.proxy, "people": (*access.people, person)}, file
    ), token


def _find(access: AccessFile, person_id: str, file: str | Path) -> Person:
    person = access.person(person_id)
    if person is None:
        known = ", ".join(p.id for p in access.people) or "nobody"
        raise ConfigError(str(file), f"people[{person_id}]", f"no such person; the file names {known}")
    return person


def revoke_person(access: AccessFile, person_id: str, *, file: str | Path = "access.yaml") -> AccessFile:
    """``access`` with ``person_id`` revoked (kept in the file, so the log still names them)."""
    person = _find(access, person_id, file)
    return _replace(access, person.model_copy(update={"revoked": _now()}))


def rotate_person(
    access: AccessFile, person_id: str, *, file: str | Path = "access.yaml"
) -> tuple[AccessFile, Token]:
    """``access`` with a new credential for ``person_id`` (the old one stops working; a revoked
    person is reinstated)."""
    person, token = _with_credential(_find(access, person_id, file))
    return _replace(access, person), token
