"""parameters/access.yaml, credentials, the ``access`` command and the access log."""

from __future__ import annotations

import json
import stat

import pytest

from sales_analytics.access.credentials import hash_secret, mask, new_token, parse_token, verify_secret
from sales_analytics.access.log import read_log, record
from sales_analytics.access.model import AccessFile
from sales_analytics.access.scopes import scope_of
from sales_analytics.access.store import add_person, load_access, revoke_person, rotate_person, save_access
from sales_analytics.cli import main
from sales_analytics.config import validate_model
from sales_analytics.errors import ConfigError


def test_a_token_verifies_against_its_hash_only():
    token = new_token()
    stored = hash_secret(token.secret)
    assert stored.startswith("scrypt$16384$8$1$") and token.secret not in stored
    assert verify_secret(token.secret, stored)
    assert not verify_secret(token.secret + "x", stored)
    assert not verify_secret(token.secret, "scrypt$16384$8$1$AAAA$BBBB")  # another hash
    assert not verify_secret(token.secret, "plain")  # not a hash at all
    assert not verify_secret(token.secret, stored.replace("$16384$", "$1048576$"))  # a cost that would stall
    assert parse_token(str(token)) == token
    assert parse_token("sa1.zz.short") is None and parse_token("") is None
    assert token.secret not in repr(token) and mask(token.key) == f"sa1.{token.key}.…"


@pytest.mark.parametrize(
    ("person", "match"),
    [
        ({"id": "a", "role": "rep"}, "a rep needs rep_id"),
        ({"id": "a", "role": "team_lead"}, "a team_lead needs teams"),
        ({"id": "a", "role": "viewer", "rep_id": "R1"}, "rep_id is only for role rep"),
        (
            {"id": "a", "role": "boss"},
            r"'people\[0\].role': Input should be 'director', 'team_lead', 'rep' or 'viewer'",
        ),
        ({"id": "a b", "role": "viewer"}, "must be 1-64 letters"),
        ({"id": "a", "role": "viewer", "password": "x"}, r"'people\[0\].password': is not a known key"),
    ],
)
def test_the_access_file_is_validated_like_every_parameter_file(person, match):
    with pytest.raises(ConfigError, match=match):
        validate_model(AccessFile, {"people": [person]}, "parameters/access.yaml")


def test_duplicate_ids_and_a_proxy_without_addresses_are_errors():
    two = [{"id": "a", "role": "viewer"}, {"id": "a", "role": "director"}]
    with pytest.raises(ConfigError, match="two people have the same id 'a'"):
        validate_model(AccessFile, {"people": two}, "access.yaml")
    with pytest.raises(ConfigError, match=r"proxy.trusted"):
        validate_model(AccessFile, {"proxy": {"trusted": ["not-an-address"]}}, "access.yaml")


def test_add_revoke_rotate_keep_only_hashes_in_an_owner_only_file(tmp_path):
    file = tmp_path / "access.yaml"
    access, first = add_person(AccessFile(), "li.na", "rep", rep_id="R002", name="李娜", file=file)
    save_access(access, file)
    assert stat.S_IMODE(file.stat().st_mode) == 0o600
    text = file.read_text(encoding="utf-8")
    assert first.secret not in text and first.key in text
    loaded = load_access(file)
    person = loaded.person("li.na")
    assert verify_secret(first.secret, person.hash) and person.active
    with pytest.raises(ConfigError, match="is already in the file"):
        add_person(loaded, "li.na", "viewer", file=file)
    revoked = revoke_person(loaded, "li.na", file=file)
    assert not revoked.person("li.na").active
    rotated, second = rotate_person(revoked, "li.na", file=file)
    p = rotated.person("li.na")
    assert p.active and p.key == second.key != first.key  # reinstated with a new credential
    assert not verify_secret(first.secret, p.hash) and verify_secret(second.secret, p.hash)
    with pytest.raises(ConfigError, match="no such person; the file names li.na"):
        revoke_person(rotated, "nobody", file=file)


def test_each_role_signs_in_to_its_scope():
    access = AccessFile.model_validate(
        {"people": [{"id": "d", "role": "director"}, {"id": "v", "role": "viewer"},
                    {"id": "t", "role": "team_lead", "teams": ["B", "A"]}, {"id": "r", "role": "rep", "rep_id": "R1"}]}
    )  # fmt: skip
    from sales_analytics.access.scopes import rep_scope_id, team_scope_id

    ids = {p.id: scope_of(p) for p in access.people}
    assert ids == {"d": "all", "v": "company", "t": team_scope_id(["A", "B"]), "r": rep_scope_id("R1")}


def test_cli_prints_a_token_once_and_never_lists_it(tmp_path, capsys):
    file = tmp_path / "access.yaml"
    assert (
        main(["access", "--file", str(file), "add", "wang", "--role", "team_lead", "--team", "华东一组"]) == 0
    )
    out = capsys.readouterr().out
    token = parse_token(next(line.strip() for line in out.splitlines() if line.strip().startswith("sa1.")))
    assert token is not None
    assert main(["access", "--file", str(file), "list"]) == 0
    listed = capsys.readouterr().out
    assert token.secret not in listed and f"sa1.{token.key}.…" in listed and "华东一组" in listed
    assert main(["access", "--file", str(file), "revoke", "wang"]) == 0
    assert "revoked" in capsys.readouterr().out
    assert main(["access", "--file", str(file), "list"]) == 0
    assert "revoked 20" in capsys.readouterr().out
    assert token.secret not in file.read_text(encoding="utf-8")


def test_access_log_records_decisions_and_the_command_filters_them(tmp_path, capsys):
    record(
        tmp_path,
        person="li.na",
        role="rep",
        scope="rep-x",
        decision="allow",
        what="view overview",
        period="2026-10",
    )
    record(
        tmp_path,
        person="-",
        decision="deny",
        what="/voila/render/overview.ipynb",
        reason="not signed in",
        client="10.0.0.9",
    )
    log = tmp_path / ".access" / "access.log"
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    entries = read_log(tmp_path)
    assert [e["decision"] for e in entries] == ["allow", "deny"]
    assert all(json.loads(line) for line in log.read_text().splitlines())
    assert main(["access", "log", "--outputs", str(tmp_path), "--denied"]) == 0
    out = capsys.readouterr().out
    assert "not signed in" in out and "view overview" not in out
