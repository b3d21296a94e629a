"""`uxcx metrics`: every computable metric with n and 95% CI, as JSON or a table."""

from __future__ import annotations

import argparse
import json
import math
from typing import TYPE_CHECKING, Any

from ..metrics import METRIC_BY_ID
from .common import UsageError, add_engine_argument, add_map_argument, load

if TYPE_CHECKING:
    from ..compute import MetricResult
    from ..sql import Missing
    from ..store import Dataset


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `metrics` on the `uxcx` command's subparsers."""
    # "%%": argparse %-formats help texts.
    m = subparsers.add_parser(
        "metrics", help="UX and CX metrics with n and 95%% confidence intervals"
    )
    m.add_argument(
        "files",
        nargs="+",
        metavar="FILE",
        help="CSV, TSV, Parquet, XLSX or SPSS (.sav, .zsav, .por) files",
    )
    add_map_argument(m)
    m.add_argument("--by", metavar="COLUMN", help="break every metric down by this column")
    m.add_argument("--grain", choices=["day", "week", "month", "quarter", "year"],
                   help="break every metric down by time")  # fmt: skip
    m.add_argument("--metric", action="append", metavar="ID", help="only these metrics")
    m.add_argument("--format", choices=["json", "table"], default="table")
    m.add_argument("--joins", action="store_true",
                   help="show how the files link (keys, match rates) instead of the metrics")  # fmt: skip
    add_engine_argument(m)
    m.set_defaults(func=cmd_metrics)


def cmd_metrics(args: argparse.Namespace) -> int:
    """uxcx metrics: every computable metric with n and 95% CI."""
    # Imported here: the statistics (scipy, pandas) are most of the start-up time.
    from ..compute import Request, compute_many

    with load(args.files, args.map, args.engine) as (ws, ds):
        if args.joins:
            print(joins_output(ds, args.format))
            return 0
        tables = ds.table_infos(ws.engine)
        if args.by and not any(args.by in t.columns for t in tables):
            raise UsageError(f"--by {args.by}: no file has a column named '{args.by}'.")
        ids = tuple(args.metric) if args.metric else None
        for m in ids or ():
            if m not in METRIC_BY_ID:
                raise UsageError(f"'{m}' is not a metric; metrics are: {', '.join(METRIC_BY_ID)}.")
        asked = [Request(ids, args.by, args.grain)]
        if args.by:
            # The whole data (group null) beside its groups: a comparison needs the overall figure.
            # Both come from one scan per table (GROUPING SETS).
            asked.append(Request(ids, None, args.grain))
        answers = compute_many(ws.engine, tables, asked)
        results, missing = answers[0]
        if args.by:
            results = with_overall(answers[1][0], results)
        currency = ds.currency("clv")
        if args.format == "json":
            out = {
                "engine": ws.engine.name,
                "datasets": _datasets_json(ds),
                "metrics": [_result_json(r, currency) for r in results],
                "missing": [{"metric": m.metric_id, "needs": list(m.needs)} for m in missing],
            }
            print(json.dumps(out, indent=2, default=str))
        else:
            print(_table(ds, results, missing))
    return 0


def _result_json(r: MetricResult, currency: str | None) -> dict[str, object]:
    """A result's JSON; CLV gains "currency" when the file wrote amounts with one ("$", "EUR")."""
    d: dict[str, object] = r.to_json()
    if r.metric == "clv" and currency:
        d["currency"] = currency
    return d


def with_overall(overall: list[MetricResult], groups: list[MetricResult]) -> list[MetricResult]:
    """Per metric, in registry order: the overall row(s) first, then its groups."""
    order = {mid: i for i, mid in enumerate(METRIC_BY_ID)}
    merged = [(order[r.metric], 0, i, r) for i, r in enumerate(overall)]
    merged += [(order[r.metric], 1, i, r) for i, r in enumerate(groups)]
    return [r for *_, r in sorted(merged, key=lambda x: x[:3])]


def joins_output(ds: Dataset, fmt: str) -> str:
    """The links between the files (JSON or lines), with the Data page's warnings."""
    from dataclasses import asdict

    from ..store.joins import join_warnings

    joins = ds.joins or []
    warnings = join_warnings(joins)
    if fmt == "json":
        rows = [
            {**asdict(j), "left_rate": j.left_rate, "right_rate": j.right_rate, "used": j.usable}
            for j in joins
        ]
        return json.dumps({"joins": rows, "warnings": warnings}, indent=2)
    lines = [
        f"{j.label()}  {j.cardinality.replace('_', '-')}  "
        f"{_pct(j.left_rate)} of {j.left} rows matched, {_pct(j.right_rate)} of {j.right}"
        + ("" if j.usable else "  (not used)")
        for j in joins
    ] or ["These files do not link: no shared key was found."]
    return "\n".join([*lines, *warnings])


def _pct(rate: float | None) -> str:
    return "–" if rate is None else f"{rate:.0%}"


def _datasets_json(ds: Dataset) -> list[dict[str, Any]]:
    return [
        {"file": t.file, "rows": t.rows, "rejected_rows": t.rejected_rows, "roles": t.roles}
        for t in ds.tables
    ]


def _fmt(x: float | None, decimals: int) -> str:
    return "–" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{decimals}f}"


def _table(ds: Dataset, results: list[MetricResult], missing: list[Missing]) -> str:
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
