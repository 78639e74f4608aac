"""``parameters/access.yaml``: people, their role and their hashed credential.

::

    proxy:                          # optional: identity from a trusted reverse proxy
      header: X-Remote-User         # the header the proxy sets to the signed-in person's id
      trusted: [127.0.0.1]          # the proxy's own addresses; the header counts only from them
    people:
      - id: zhang.wei               # login name (the proxy header's value), unique
        name: 张伟
        role: director              # director | team_lead | rep | viewer
        key: 3f9a0c1e               # public id of the credential (sa1.<key>.<secret>)
        hash: scrypt$16384$8$1$…    # scrypt hash of the secret, never the secret
        created: '2026-12-03T08:00:00+00:00'
      - id: li.na
        role: rep
        rep_id: R002                # a rep: whose rows they see
        …
      - id: wang.fang
        role: team_lead
        teams: [华东一组]           # a team lead: the teams they see
        revoked: '2026-12-04T09:00:00+00:00'   # a revoked person is refused everywhere

The file is validated like every parameter file (unknown keys are errors; a
rep needs ``rep_id``, a team lead ``teams``, a director or viewer neither); it
is written by ``sales-analytics access`` with owner-only permissions.
"""

from __future__ import annotations

import ipaddress
import re

from pydantic import Field, field_validator, model_validator

from sales_analytics.config import StrictModel
from sales_analytics.vocabulary import ROLES, Role

__all__ = ["ROLES", "AccessFile", "Person", "ProxySettings"]

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
_HEADER = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,63}$")


class Person(StrictModel):
    id: str
    name: str = ""
    role: Role
    rep_id: str | None = None
    teams: tuple[str, ...] = ()
    key: str | None = Field(default=None, pattern=r"^[0-9a-f]{8}$")
    hash: str | None = None
    created: str | None = None
    revoked: str | None = None

    @field_validator("id")
    @classmethod
    def _id_shape(cls, v: str) -> str:
        if not _ID.match(v):
            raise ValueError(
                "must be 1-64 letters, digits, '.', '_', '@' or '-', starting with a letter or digit"
            )
        return v

    @model_validator(mode="after")
    def _role_fields(self) -> Person:
        if self.role == "rep" and not self.rep_id:
            raise ValueError(f"person {self.id!r}: a rep needs rep_id (whose rows they see)")
        if self.role == "team_lead" and not self.teams:
            raise ValueError(f"person {self.id!r}: a team_lead needs teams (the teams they see)")
        if self.role != "rep" and self.rep_id:
            raise ValueError(f"person {self.id!r}: rep_id is only for role rep, not {self.role}")
        if self.role != "team_lead" and self.teams:
            raise ValueError(f"person {self.id!r}: teams is only for role team_lead, not {self.role}")
        if (self.key is None) != (self.hash is None):
            raise ValueError(f"person {self.id!r}: key and hash go together")
        return self

    @property
    def active(self) -> bool:
        return self.revoked is None


class ProxySettings(StrictModel):
    header: str = "X-Remote-User"
    trusted: tuple[str, ...]

    @field_validator("header")
    @classmethod
    def _header_shape(cls, v: str) -> str:
        if not _HEADER.match(v):
            raise ValueError("must be an HTTP header name such as X-Remote-User")
        return v

    @field_validator("trusted")
    @classmethod
    def _addresses(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        if not v:
            raise ValueError("must name at least one address of the proxy")
        for a in v:
            ipaddress.ip_address(a)  # ValueError names the bad one
        return v


class AccessFile(StrictModel):
    proxy: ProxySettings | None = None
    people: tuple[Person, ...] = ()

    @model_validator(mode="after")
    def _unique(self) -> AccessFile:
        for attr in ("id", "key"):
            seen: set[str] = set()
            for p in self.people:
                value = getattr(p, attr)
                if value is None:
                    continue
                if value in seen:
                    raise ValueError(f"two people have the same {attr} {value!r}")
                seen.add(value)
        return self

    def person(self, person_id: str) -> Person | None:
        return next((p for p in self.people if p.id == person_id), None)

    def by_key(self, key: str) -> Person | None:
        return next((p for p in self.people if p.key == key), None)
