"""The values check: uxcx's unrounded results (library ``compute()``) against a peer's.

    python -m benchmarks.values FILE --work DIR [--by plan]   # prints {"duckdb": …, "pandas": …}


uxcx reads the file the way the CLI does (a workspace dataset: ingest worker, role detection),
then computes every metric overall and by the segment. The JSON the CLI prints is rounded to 4
decimals, so this compares in-process, unrounded: every value and interval bound to a relative
tolerance (float sums in a different order differ in the last bits), every n exactly.
"""

from __future__ import annotations

import argparse
import functools
import json
import math
from contextlib import contextmanager
from pathlib import Path

FIELDS = ("value", "ci_low", "ci_high")


@contextmanager
def _patient_ingest(timeout_s: float):
    """Give the ingest worker more time than the app's limit: this checks values, not speed."""
    import uxcx.store.workspace as ws

    original = getattr(ws, "ingest_file", None)
    if original is None:
        yield
        return
    ws.ingest_file = functools.partial(original, timeout_s=timeout_s)
    try:
        yield
    finally:
        ws.ingest_file = original


def uxcx_results(
    path: Path, workspace: Path, by: str | None, timeout_s: float = 3600
) -> list[dict]:
    """uxcx's metrics overall and by `by`, unrounded, in the CLI's order."""
    ws, ds = uxcx_dataset(path, workspace, timeout_s)
    return results_of(ws, ds, by)


def uxcx_dataset(path: Path, workspace: Path, timeout_s: float = 3600):
    """The file as a uxcx dataset, read as the CLI reads it (ingest worker, role detection)."""
    from uxcx.store import Workspace

    ws = Workspace(workspace)
    with _patient_ingest(timeout_s):
        ds = ws.create_dataset([(Path(path).name, Path(path))])
    return ws, ds


def results_of(ws, ds, by: str | None) -> list[dict]:
    """Every metric of a dataset overall and by `by` (compute()), unrounded, in the CLI's order."""
    from uxcx.compute import compute
    from uxcx.metrics import METRIC_BY_ID

    tables = ds.table_infos(ws.engine)
    results, missing = compute(ws.engine, tables)
    if missing:
        raise AssertionError(f"uxcx could not compute {[m.metric_id for m in missing]}")
    if by:
        results += compute(ws.engine, tables, by=by)[0]
    order = {m: i for i, m in enumerate(METRIC_BY_ID)}
    rows = [
        {
            "metric": r.metric,
            "group": r.group,
            "value": r.value,
            "ci_low": r.ci_low,
            "ci_high": r.ci_high,
            "n": r.n,
        }
        for r in results
    ]
    return sorted(
        rows, key=lambda r: (order[r["metric"]], r["group"] is not None, r["group"] or "")
    )


def rel_diff(a: float | None, b: float | None) -> float:
    """|a − b| / max(|a|, |b|); 0 when equal or both NaN, inf when only one is NaN."""
    a = math.nan if a is None else float(a)
    b = math.nan if b is None else float(b)
    if math.isnan(a) or math.isnan(b):
        return 0.0 if math.isnan(a) and math.isnan(b) else math.inf
    if a == b:
        return 0.0
    return abs(a - b) / max(abs(a), abs(b))


def compare(ours: list[dict], theirs: list[dict], rel_tol: float = 1e-9) -> dict:
    """Row-by-row comparison: the largest relative difference and the first mismatches."""
    key = lambda r: (r["metric"], r["group"])  # noqa: E731
    a = {key(r): r for r in ours}
    b = {key(r): r for r in theirs}
    problems: list[str] = []
    if set(a) != set(b):
        problems.append(f"rows differ: only uxcx {sorted(set(a) - set(b), key=str)}, "
                        f"only peer {sorted(set(b) - set(a), key=str)}")  # fmt: skip
    worst, where = 0.0, ""
    for k in sorted(set(a) & set(b), key=str):
        if int(a[k]["n"]) != int(b[k]["n"]):
            problems.append(f"{k}: n {a[k]['n']} vs {b[k]['n']}")
        for f in FIELDS:
            d = rel_diff(a[k][f], b[k][f])
            if d > worst:
                worst, where = d, f"{k[0]} {k[1] or '(all)'} {f}"
            if d > rel_tol:
                problems.append(f"{k} {f}: {a[k][f]!r} vs {b[k][f]!r} (rel {d:.2e})")
    return {
        "rows": len(a),
        "max_rel_diff": worst,
        "worst": where,
        "ok": not problems,
        "problems": problems[:10],
    }


def check(path: Path, work: Path, by: str | None, rel_tol: float = 1e-9) -> dict:
    """uxcx's compute() against both peers on one file."""
    from .peers import duck, frame

    try:
        ours = uxcx_results(path, work, by)
    except Exception as e:  # a failing ingest is a result to report, not a crash
        return {"error": f"uxcx: {type(e).__name__}: {e}"}
    return {
        name: compare(ours, peer.run(path, by), rel_tol)
        for name, peer in (("duckdb", duck), ("pandas", frame))
    }


def main(argv: list[str] | None = None) -> int:
    """Command line: the check as JSON (the runner runs it in its own process)."""
    p = argparse.ArgumentParser(prog="python -m benchmarks.values")
    p.add_argument("file", type=Path)
    p.add_argument("--work", type=Path, required=True, help="a folder for uxcx's workspace")
    p.add_argument("--by", default="plan")
    p.add_argument("--rel-tol", type=float, default=1e-9)
    args = p.parse_args(argv)
    print(json.dumps(check(args.file, args.work, args.by, args.rel_tol)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
