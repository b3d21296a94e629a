"""`uxcx datasets add|list|delete`: the datasets of a hosted workspace (UXCX_WORKSPACE)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from .common import UsageError, workspace


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `datasets` and its sub-commands."""
    p = subparsers.add_parser("datasets", help="add, list or delete the workspace's datasets")
    sub = p.add_subparsers(dest="action", required=True)
    add = sub.add_parser("add", help="ingest files as one dataset; prints its id (the owner key)")
    add.add_argument("files", nargs="+", metavar="FILE")
    add.add_argument("--name", help="display name (default: the file names)")
    add.set_defaults(func=cmd_add)
    ls = sub.add_parser("list", help="every dataset with its size and number of active links")
    ls.set_defaults(func=cmd_list)
    rm = sub.add_parser("delete", help="delete a dataset and every link to it")
    rm.add_argument("id", metavar="ID")
    rm.set_defaults(func=cmd_delete)


def cmd_add(args: argparse.Namespace) -> int:
    """uxcx datasets add FILE... [--name NAME]."""
    paths = [Path(f) for f in args.files]
    for p in paths:
        if not p.is_file():
            raise UsageError(f"{p}: no such file.")
    ws = workspace()
    ds = ws.create_dataset([(p.name, p) for p in paths], name=args.name)
    rows = sum(t.rows for t in ds.tables)
    print(
        json.dumps(
            {"id": ds.id, "name": ds.name, "rows": rows, "files": [t.file for t in ds.tables]}
        )
    )
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    """uxcx datasets list."""
    from ..store import Shares

    ws = workspace()
    shares = Shares(ws.root)
    out = [
        {
            "id": ds.id,
            "name": ds.name,
            "created": ds.created,
            "rows": sum(t.rows for t in ds.tables),
            "links": sum(link.usable() for link in shares.for_dataset(ds.id)),
        }
        for ds in ws.datasets()
    ]
    print(json.dumps(out, indent=1))
    return 0


def cmd_delete(args: argparse.Namespace) -> int:
    """uxcx datasets delete ID."""
    from ..store import DatasetNotFound

    try:
        workspace().delete(args.id)
    except DatasetNotFound:
        raise UsageError(f"no dataset '{args.id}' in this workspace.") from None
    print(json.dumps({"deleted": args.id}))
    return 0
