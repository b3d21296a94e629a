"""The `uxcx` command line: metrics (and correlation) on CSV/Parquet files, as JSON or a table.

Never imports Streamlit. Exit codes: 0 ok, 2 unreadable input or a wrong argument (one line on
stderr), 1 an unexpected internal error.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from .compute import compute
from .ingest import IngestError
from .metrics import METRIC_BY_ID
from .roles import ROLE_BY_NAME, set_role
from .store import Dataset, Workspace


class UsageError(Exception):
    """A problem with the user's input: printed as one line, exit code 2."""


def _parse_maps(maps: Sequence[str]) -> list[tuple[str, str]]:
    out = []
    for m in maps:
        role, sep, column = m.partition("=")
        role = role.strip()
        if not sep or not role or not column:
            raise UsageError(f"--map needs ROLE=COLUMN, got '{m}'.")
        if role not in ROLE_BY_NAME:
            raise UsageError(f"'{role}' is not a role; roles are: {', '.join(ROLE_BY_NAME)}.")
        out.append((role, column))
    return out


def load(ws: Workspace, files: Sequence[str], maps: Sequence[str]) -> Dataset:
    """Ingest the files into a dataset and apply --map overrides (which win over detection)."""
    paths = [Path(f) for f in files]
    for p in paths:
        if not p.is_file():
            raise UsageError(f"{p}: no such file.")
    ds = ws.create_dataset([(p.name, p) for p in paths])
    for role, column in _parse_maps(maps):
        holders = [t for t in ds.tables if column in t.columns]
        if not holders:
            raise UsageError(f"--map {role}={column}: no file has a column named '{column}'.")
        for t in ds.tables:
            if t in holders:
                t.roles = set_role(t.roles, role, column)
            elif not ROLE_BY_NAME[role].multi and role in t.roles:
                # An explicit mapping replaces what detection found in other files.
                t.roles = {k: v for k, v in t.roles.items() if k != role}
        for t in holders:
            ws.set_roles(ds, t.name, t.roles)
    return ds


def _datasets_json(ds: Dataset) -> list[dict]:
    return [
        {"file": t.file, "rows": t.rows, "rejected_rows": t.rejected_rows, "roles": t.roles}
        for t in ds.tables
    ]


def cmd_metrics(args: argparse.Namespace) -> int:
    """uxcx metrics: every computable metric with n and 95% CI."""
    with tempfile.TemporaryDirectory(prefix="uxcx-") as tmp:
        ws = Workspace(Path(tmp))
        ds = load(ws, args.files, args.map)
        tables = ds.table_infos(ws.engine)
        if args.by and not any(args.by in t.columns for t in tables):
            raise UsageError(f"--by {args.by}: no file has a column named '{args.by}'.")
        ids = args.metric or None
        for m in ids or []:
            if m not in METRIC_BY_ID:
                raise UsageError(f"'{m}' is not a metric; metrics are: {', '.join(METRIC_BY_ID)}.")
        results, missing = compute(ws.engine, tables, ids, by=args.by, grain=args.grain)
        if args.format == "json":
            out = {
                "datasets": _datasets_json(ds),
                "metrics": [r.to_json() for r in results],
                "missing": [{"metric": m.metric_id, "needs": list(m.needs)} for m in missing],
            }
            print(json.dumps(out, indent=2, default=str))
        else:
            print(_table(ds, results, missing))
    return 0


def _fmt(x: float | None, decimals: int) -> str:
    return "–" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{decimals}f}"


def _table(ds: Dataset, results, missing) -> str:
    lines = []
    for t in ds.tables:
        lines.append(f"{t.file}: {t.rows} rows, {t.rejected_rows} rejected")
    lines.append("")
    header = f"{'metric':<18} {'family':<6} {'group':<22} {'value':>9} {'95% CI':>21} {'n':>7}"
    lines += [header, "-" * len(header)]
    for r in results:
        d = METRIC_BY_ID[r.metric].decimals
        group = str(r.group if r.group is not None else "(all)")
        if r.period:
            group = f"{group} {r.period}"
        ci = f"{_fmt(r.ci_low, d)} … {_fmt(r.ci_high, d)}"
        value = _fmt(r.value, d) + (f" {r.grade}" if r.grade else "")
        lines.append(f"{r.metric:<18} {r.family:<6} {group[:22]:<22} {value:>9} {ci:>21} {r.n:>7}")
    for m in missing:
        lines.append(f"{m.metric_id:<18} not computed: {m.reason}")
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (shared with the docs test)."""
    p = argparse.ArgumentParser(prog="uxcx", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command", required=True)
    m = sub.add_parser("metrics", help="UX and CX metrics with n and 95% confidence intervals")
    m.add_argument("files", nargs="+", metavar="FILE", help="CSV, TSV, Parquet or XLSX files")
    m.add_argument("--map", action="append", default=[], metavar="ROLE=COLUMN",
                   help="give COLUMN the ROLE (overrides detection; repeatable)")  # fmt: skip
    m.add_argument("--by", metavar="COLUMN", help="break every metric down by this column")
    m.add_argument("--grain", choices=["day", "week", "month", "quarter", "year"],
                   help="break every metric down by time")  # fmt: skip
    m.add_argument("--metric", action="append", metavar="ID", help="only these metrics")
    m.add_argument("--format", choices=["json", "table"], default="table")
    m.set_defaults(func=cmd_metrics)
    # Local import: correlate_cmd imports this module for load() and UsageError.
    from .correlate_cmd import add_parser as add_correlate_parser

    add_correlate_parser(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `uxcx` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (UsageError, IngestError) as e:
        print(f"uxcx: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
