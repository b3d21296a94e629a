"""The pandas peer: the 14 metrics the straightforward way (read_csv, mask, groupby, agg).

Each metric becomes a column that is NaN where the row does not count (outside the scale, or not
a successful attempt for time on task), so count / sum / mean / std skip it; one ``agg`` gives
the overall statistics and one ``groupby(...).agg`` the per-segment ones. ``ci`` (shared with
the DuckDB peer) turns them into estimates and intervals.

    python -m benchmarks.peers.frame FILE [--by plan]     # prints {"metrics": [...]} like uxcx
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import pandas as pd

from . import ci


def _binary(s: pd.Series) -> pd.Series:
    """yes/no, true/false (text or bool) as 1.0/0.0, anything else NaN."""
    if s.dtype == bool:
        return s.astype(float)
    words = {"yes": 1.0, "true": 1.0, "1": 1.0, "no": 0.0, "false": 0.0, "0": 0.0}
    return s.astype("string").str.lower().map(words).astype(float)


def _integer_in(s: pd.Series, lo: int, hi: int) -> pd.Series:
    return s.between(lo, hi) & (s == np.floor(s))


def columns(df: pd.DataFrame) -> pd.DataFrame:
    """One column per sufficient statistic's input, NaN where the row does not count."""
    success = _binary(df["task_success"])
    tt = df["time_on_task"]
    err = df["error_count"]
    pnps, nps = df["product_nps_score"], df["nps_score"]
    csat, ces, rating, sus = df["csat_score"], df["ces_score"], df["app_rating"], df["sus_score"]
    churned = _binary(df["churned"])
    pnps_ok, nps_ok = _integer_in(pnps, 0, 10), _integer_in(nps, 0, 10)
    return pd.DataFrame(
        {
            "sus": sus.where(sus.between(0, 100)),
            "success": success,
            "log_tt": np.log(tt.where((success == 1) & (tt > 0))),
            "error": (err > 0).astype(float).where(err >= 0),
            "pnps_promoter": (pnps >= 9).astype(float).where(pnps_ok),
            "pnps_detractor": (pnps <= 6).astype(float).where(pnps_ok),
            "rating": rating.where(rating.between(1, 5)),
            "bounced": _binary(df["bounced"]),
            "converted": _binary(df["converted"]),
            "nps_promoter": (nps >= 9).astype(float).where(nps_ok),
            "nps_detractor": (nps <= 6).astype(float).where(nps_ok),
            "csat": (csat >= 4).astype(float).where(_integer_in(csat, 1, 5)),
            "ces": ces.where(_integer_in(ces, 1, 7)),
            "churned": churned,
            "retained": 1.0 - churned,
            "clv": df["clv"].astype(float),
        }
    )


STATS = ["count", "sum", "mean", "std"]


def metrics_from(s: pd.DataFrame, group: str | None) -> list[dict]:
    """The 14 metric rows from one frame of aggregates (index: statistic, columns: inputs)."""

    def mean(c: str) -> dict:
        return {"n": s.at["count", c], "mean": s.at["mean", c], "sd": s.at["std", c]}

    def share(c: str) -> dict:
        return {"n": s.at["count", c], "successes": s.at["sum", c]}

    def nps(prefix: str) -> dict:
        return {
            "n": s.at["count", f"{prefix}_promoter"],
            "promoters": s.at["sum", f"{prefix}_promoter"],
            "detractors": s.at["sum", f"{prefix}_detractor"],
        }

    stats = {
        "sus": mean("sus"),
        "task_success_rate": share("success"),
        "time_on_task": {
            "n": s.at["count", "log_tt"],
            "mean_log": s.at["mean", "log_tt"],
            "sd_log": s.at["std", "log_tt"],
        },
        "error_rate": share("error"),
        "product_nps": nps("pnps"),
        "app_rating": mean("rating"),
        "bounce_rate": share("bounced"),
        "conversion_rate": share("converted"),
        "nps": nps("nps"),
        "csat": share("csat"),
        "ces": mean("ces"),
        "churn_rate": share("churned"),
        "retention_rate": share("retained"),
        "clv": mean("clv"),
    }
    return [ci.result(m, group, _clean(stats[m])) for m in ci.METRICS]


def _clean(d: dict) -> dict:
    """numpy scalars as Python numbers; NaN (pandas' empty mean/std) as None."""
    return {k: None if pd.isna(v) else v.item() if hasattr(v, "item") else v for k, v in d.items()}


def read(path: Path) -> pd.DataFrame:
    """pandas' own reader for the file."""
    return pd.read_parquet(path) if str(path).endswith(".parquet") else pd.read_csv(path)


def run(path: Path, by: str | None = None) -> list[dict]:
    """Every metric overall, then by `by`: uxcx's order (metric, overall first, groups sorted)."""
    df = read(Path(path))
    m = columns(df)
    sets = [metrics_from(m.agg(STATS), None)]
    if by:
        g = m.groupby(df[by].astype(str)).agg(STATS)  # columns: (input, statistic)
        for name in sorted(g.index):
            sets.append(metrics_from(g.loc[name].unstack(level=0), name))
    order = {m: i for i, m in enumerate(ci.METRICS)}
    flat = [(order[r["metric"]], k, r) for k, rows in enumerate(sets) for r in rows]
    return [r for *_, r in sorted(flat, key=lambda x: x[:2])]


def main(argv: list[str] | None = None) -> int:
    """Command line: print the metrics as JSON (4 decimals, as uxcx prints them)."""
    p = argparse.ArgumentParser(prog="python -m benchmarks.peers.frame")
    p.add_argument("file", type=Path)
    p.add_argument("--by")
    args = p.parse_args(argv)
    t = time.perf_counter()
    out = {"metrics": ci.rounded(run(args.file, args.by)), "seconds": time.perf_counter() - t}
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
