"""`uxcx share create|list|revoke`: viewer links to a dataset (password, expiry, revocation)."""

from __future__ import annotations

import argparse
import json
import os
import sys

from .common import UsageError, workspace


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `share` and its sub-commands."""
    p = subparsers.add_parser("share", help="create, list or revoke viewer links")
    sub = p.add_subparsers(dest="action", required=True)
    new = sub.add_parser("create", help="a read-only link to a dataset's page and filters")
    new.add_argument("id", metavar="ID", help="the dataset id")
    new.add_argument("--page", default="overview", help="the page the link opens")
    new.add_argument("--filter", action="append", default=[], metavar="KEY=VALUE",
                     help="a filter the link opens with, e.g. plan=Pro (repeatable)")  # fmt: skip
    new.add_argument("--password-stdin", action="store_true",
                     help="read a password for the link from standard input")  # fmt: skip
    new.add_argument("--expires", metavar="ISO-8601", help="e.g. 2027-01-31 or 2027-01-31T18:00Z")
    new.add_argument("--base-url", help="the server's address (default: $UXCX_BASE_URL)")
    new.set_defaults(func=cmd_create)
    ls = sub.add_parser("list", help="the links of a dataset (never their tokens)")
    ls.add_argument("id", metavar="ID")
    ls.set_defaults(func=cmd_list)
    rv = sub.add_parser("revoke", help="revoke a link by its token (or the key `list` shows)")
    rv.add_argument("token", metavar="TOKEN")
    rv.set_defaults(func=cmd_revoke)


def _params(filters: list[str]) -> dict[str, str | list[str]]:
    """--filter plan=Pro --filter plan=Basic → {"f_plan": ["Pro", "Basic"]} (URL keys)."""
    out: dict[str, list[str]] = {}
    for f in filters:
        key, sep, value = f.partition("=")
        key = key.strip()
        if not sep or not key or not value:
            raise UsageError(f"--filter needs KEY=VALUE, got '{f}'.")
        if not key.startswith(("f_", "x_")):
            key = f"f_{key}"
        out.setdefault(key, []).append(value)
    return {k: v[0] if len(v) == 1 else v for k, v in out.items()}


def cmd_create(args: argparse.Namespace) -> int:
    """uxcx share create ID …."""
    from ..store import LinkError, Shares
    from ..store.shares import VIEW_PAGES, link_url, parse_expiry

    ws = workspace()
    if not ws.exists(args.id):
        raise UsageError(f"no dataset '{args.id}' in this workspace.")
    if args.page not in VIEW_PAGES:
        raise UsageError(f"--page must be one of {', '.join(VIEW_PAGES)}, got '{args.page}'.")
    password = None
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise UsageError("--password-stdin read an empty password.")
    try:
        expires = parse_expiry(args.expires)
        params = _params(args.filter)
        token, link = Shares(ws.root).create(
            args.id, page=args.page, params=params, password=password, expires=expires
        )
    except LinkError as e:
        raise UsageError(str(e)) from None
    base = args.base_url or os.environ.get("UXCX_BASE_URL", "http://localhost:8501")
    url = link_url(base, token, link.page, link.params)
    print(json.dumps({"token": token, "url": url, "expires": link.expires}))
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    """uxcx share list ID."""
    from ..store import Shares

    ws = workspace()
    if not ws.exists(args.id):
        raise UsageError(f"no dataset '{args.id}' in this workspace.")
    print(json.dumps([link.public() for link in Shares(ws.root).for_dataset(args.id)], indent=1))
    return 0


def cmd_revoke(args: argparse.Namespace) -> int:
    """uxcx share revoke TOKEN."""
    from ..store import LinkError, Shares

    try:
        link = Shares(workspace().root).revoke(args.token)
    except LinkError:
        raise UsageError("no such link in this workspace.") from None
    print(json.dumps({"revoked": link.key[:12], "at": link.revoked}))
    return 0
