"""``sales-analytics access``: who may open the manager views, and what they did.

    sales-analytics access add li.na --role rep --rep-id R002 --name 李娜
    sales-analytics access add wang.fang --role team_lead --team 华东一组 --team 华东二组
    sales-analytics access list
    sales-analytics access rotate li.na
    sales-analytics access revoke li.na
    sales-analytics access log [--person li.na] [--denied] [--last 50]
    sales-analytics access publish --period 2026-10

``add`` and ``rotate`` print the new token once (give it to the person); the
file keeps only its scrypt hash, and ``list`` shows ``sa1.<key>.…``.
"""

from __future__ import annotations

import argparse
from typing import Any

from sales_analytics.vocabulary import ROLES

__all__ = ["register_cli"]


def _file(args: argparse.Namespace):
    from sales_analytics.access.store import access_path

    return access_path(args.file or None)


def _print_token(person_id: str, token, file) -> None:
    print(f"credential of {person_id} (shown once; {file} keeps only its hash):")
    print(f"  {token}")
    print(
        "the person signs in with  …/voila/render/overview.ipynb?token=<credential>  (once; a cookie keeps them in)"
    )


def _add(args: argparse.Namespace) -> int:
    from sales_analytics.access.store import add_person, load_access, save_access

    file = _file(args)
    access, token = add_person(
        load_access(file), args.person, args.role, name=args.name, rep_id=args.rep_id,
        teams=tuple(args.team or ()), file=file,
    )  # fmt: skip
    save_access(access, file)
    _print_token(args.person, token, file)
    return 0


def _list(args: argparse.Namespace) -> int:
    from sales_analytics.access.credentials import mask
    from sales_analytics.access.store import load_access

    access = load_access(_file(args))
    if access.proxy is not None:
        print(f"proxy: header {access.proxy.header} from {', '.join(access.proxy.trusted)}")
    if not access.people:
        print(f"nobody in {_file(args)}: add people with `sales-analytics access add`")
        return 0
    for p in access.people:
        what = p.rep_id if p.role == "rep" else (", ".join(p.teams) if p.role == "team_lead" else "")
        state = f"revoked {p.revoked}" if p.revoked else f"since {p.created or '-'}"
        cred = mask(p.key) if p.key else "(proxy only)"
        print(f"{p.id:<20} {p.role:<10} {what:<24} {cred:<16} {state}  {p.name}")
    return 0


def _revoke(args: argparse.Namespace) -> int:
    from sales_analytics.access.store import load_access, revoke_person, save_access

    file = _file(args)
    save_access(revoke_person(load_access(file), args.person, file=file), file)
    print(f"revoked {args.person}: every route answers 403 to their credential and cookie from now on")
    return 0


def _rotate(args: argparse.Namespace) -> int:
    from sales_analytics.access.store import load_access, rotate_person, save_access

    file = _file(args)
    access, token = rotate_person(load_access(file), args.person, file=file)
    save_access(access, file)
    _print_token(args.person, token, file)
    print("the old credential and the cookies it gave no longer work")
    return 0


def _log(args: argparse.Namespace) -> int:
    from sales_analytics.access.log import log_path, read_log

    entries = read_log(args.outputs or None)
    if args.person:
        entries = [e for e in entries if e["person"] == args.person]
    if args.denied:
        entries = [e for e in entries if e["decision"] == "deny"]
    if args.last:
        entries = entries[-args.last :]
    if not entries:
        print(f"no entries in {log_path(args.outputs or None)}")
        return 0
    for e in entries:
        print(
            f"{e['at']}  {e['decision']:<5} {e['person']:<16} {e['role']:<9} {e['what']:<28} "
            f"{e['period'] or '-':<8} {e['reason'] or ''}  {e['client']}"
        )
    return 0


def _publish(args: argparse.Namespace) -> int:
    from pathlib import Path

    import pandas as pd

    from sales_analytics import paths
    from sales_analytics.access.publish import publish_scopes
    from sales_analytics.config import load_parameters
    from sales_analytics.errors import SalesAnalyticsError

    outputs = Path(args.outputs) if args.outputs else paths.outputs_dir()
    bundle = outputs / args.period
    reps = bundle / "inputs" / "reps.parquet"
    if not (bundle / "manifest.json").is_file() or not reps.is_file():
        raise SalesAnalyticsError(
            f"no published bundle with its inputs in {bundle}; run `sales-analytics run` first"
        )
    index = publish_scopes(bundle, pd.read_parquet(reps), load_parameters())
    from sales_analytics.run.bundle import restrict_tree

    restrict_tree(bundle / "scopes")
    print(f"{args.period}: {len(index['scopes'])} scopes written to {bundle / 'scopes'}")
    return 0


def register_cli(subparsers: Any) -> None:
    """Add the ``access`` command and its verbs."""
    p = subparsers.add_parser(
        "access",
        help="people who may open the manager views (add, list, revoke, rotate, log)",
        description="Manage parameters/access.yaml (people, roles, hashed credentials) and read the access log.",
    )
    p.add_argument(
        "--file", default="", help="access file (default parameters/access.yaml or $SALES_ANALYTICS_ACCESS)"
    )
    verbs = p.add_subparsers(dest="verb", required=True)
    a = verbs.add_parser("add", help="add a person and print their credential once")
    a.add_argument("person", help="login name, e.g. li.na")
    a.add_argument("--role", required=True, choices=ROLES)
    a.add_argument("--name", default="", help="display name")
    a.add_argument("--rep-id", default=None, help="a rep: their rep_id in the data")
    a.add_argument("--team", action="append", help="a team lead: a team they lead (repeat for several)")
    a.set_defaults(func=_add)
    verbs.add_parser("list", help="people, roles and credentials (never in full)").set_defaults(func=_list)
    r = verbs.add_parser("revoke", help="refuse a person from now on")
    r.add_argument("person")
    r.set_defaults(func=_revoke)
    o = verbs.add_parser("rotate", help="give a person a new credential (the old one stops working)")
    o.add_argument("person")
    o.set_defaults(func=_rotate)
    g = verbs.add_parser("log", help="the access log: who opened what, and refusals")
    g.add_argument("--outputs", default="", help="outputs folder (default outputs/)")
    g.add_argument("--person", default="")
    g.add_argument("--denied", action="store_true", help="refusals only")
    g.add_argument("--last", type=int, default=0, help="only the last N entries")
    g.set_defaults(func=_log)
    b = verbs.add_parser("publish", help="(re)write the scopes of a published bundle")
    b.add_argument("--period", required=True)
    b.add_argument("--outputs", default="")
    b.set_defaults(func=_publish)
