"""The DuckDB peer: the 14 metrics as one hand-written query over the file, overall and by segment.

One scan of ``read_csv``/``read_parquet`` with ``GROUPING SETS ((segment), ())`` returns every
metric's sufficient statistics (counts, sums, means, standard deviations); ``ci`` turns them into
estimates and intervals. The scale checks are uxcx's definitions, written out by hand: NPS and
product NPS integers 0–10 (promoters 9–10, detractors 0–6), CSAT top-2-box of integers 1–5, CES
integers 1–7, app rating 1–5, SUS 0–100, error rate over error counts ≥ 0, time on task the
geometric mean of positive times of successful attempts, yes/no and true/false read as 1/0.

    python -m benchmarks.peers.duck FILE [--by plan]     # prints {"metrics": [...]} like uxcx
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from . import ci

# Sufficient statistics per metric: name → SQL aggregate over the per-row CTE `r`.
_INT = "{c} = floor({c})"
_VALID = {
    "sus": "sus BETWEEN 0 AND 100",
    "tt": "success = 1 AND tt > 0",
    "err": "err >= 0",
    "pnps": f"pnps BETWEEN 0 AND 10 AND {_INT.format(c='pnps')}",
    "rating": "rating BETWEEN 1 AND 5",
    "nps": f"nps BETWEEN 0 AND 10 AND {_INT.format(c='nps')}",
    "csat": f"csat BETWEEN 1 AND 5 AND {_INT.format(c='csat')}",
    "ces": f"ces BETWEEN 1 AND 7 AND {_INT.format(c='ces')}",
}


def _mean(col: str, valid: str | None = None, expr: str | None = None) -> list[str]:
    f = f" FILTER (WHERE {valid})" if valid else ""
    e = expr or col
    return [
        f"count({e}){f} AS {col}_n",
        f"avg({e}){f} AS {col}_mean",
        f"stddev_samp({e}){f} AS {col}_sd",
    ]


def _share(col: str, hit: str, valid: str | None = None) -> list[str]:
    f = f"WHERE {valid}" if valid else f"WHERE {col} IS NOT NULL"
    return [f"count({col}) FILTER ({f}) AS {col}_n", f"count(*) FILTER ({f} AND {hit}) AS {col}_k"]


def _nps(col: str) -> list[str]:
    v = _VALID[col]
    return [
        f"count(*) FILTER (WHERE {v}) AS {col}_n",
        f"count(*) FILTER (WHERE {v} AND {col} >= 9) AS {col}_p",
        f"count(*) FILTER (WHERE {v} AND {col} <= 6) AS {col}_d",
    ]


AGGREGATES = [
    *_mean("sus", _VALID["sus"]),
    *_share("success", "success = 1"),
    *_mean("tt", _VALID["tt"], "ln(tt)"),
    *_share("err", "err > 0", _VALID["err"]),
    *_nps("pnps"),
    *_mean("rating", _VALID["rating"]),
    *_share("bounced", "bounced = 1"),
    *_share("converted", "converted = 1"),
    *_nps("nps"),
    *_share("csat", "csat >= 4", _VALID["csat"]),
    *_mean("ces", _VALID["ces"]),
    *_share("churned", "churned = 1"),
    *_mean("clv"),
]


def _binary(col: str) -> str:
    # DuckDB's CSV sniffer reads yes/no and true/false as BOOLEAN (a CASE, not a cast: DuckDB
    # pushes a cast to INTEGER into the CSV reader, which then fails on "yes").
    return f"CASE WHEN {col} THEN 1 WHEN NOT {col} THEN 0 END"


def sql(source: str, by: str | None) -> str:
    """The one query: per-row values, then every sufficient statistic per grouping set."""
    grp = f'CAST("{by}" AS VARCHAR)' if by else "NULL"
    sets = "GROUPING SETS ((grp), ())" if by else "()"
    aggregates = ",\n  ".join(AGGREGATES)
    return f"""
WITH r AS (
  SELECT {grp} AS grp,
    sus_score AS sus,
    {_binary("task_success")} AS success,
    time_on_task AS tt,
    error_count AS err,
    product_nps_score AS pnps,
    app_rating AS rating,
    {_binary("bounced")} AS bounced,
    {_binary("converted")} AS converted,
    nps_score AS nps,
    csat_score AS csat,
    ces_score AS ces,
    {_binary("churned")} AS churned,
    clv
  FROM {source}
)
SELECT grp, GROUPING(grp) AS whole,
  {aggregates}
FROM r
GROUP BY {sets}
"""


def source_of(path: Path) -> str:
    """read_parquet or read_csv (DuckDB's sniffer) of the file."""
    p = str(path).replace("'", "''")
    return f"read_parquet('{p}')" if str(path).endswith(".parquet") else f"read_csv('{p}')"


def metrics_from(row: dict, group: str | None) -> list[dict]:
    """The 14 metric rows of one grouping set."""

    def mean(c: str) -> dict:
        return {"n": row[f"{c}_n"], "mean": row[f"{c}_mean"], "sd": row[f"{c}_sd"]}

    def share(c: str, k: str | None = None) -> dict:
        return {"n": row[f"{c}_n"], "successes": row[k or f"{c}_k"]}

    def nps(c: str) -> dict:
        return {"n": row[f"{c}_n"], "promoters": row[f"{c}_p"], "detractors": row[f"{c}_d"]}

    churn = share("churned")
    stats = {
        "sus": mean("sus"),
        "task_success_rate": share("success"),
        "time_on_task": {"n": row["tt_n"], "mean_log": row["tt_mean"], "sd_log": row["tt_sd"]},
        "error_rate": share("err"),
        "product_nps": nps("pnps"),
        "app_rating": mean("rating"),
        "bounce_rate": share("bounced"),
        "conversion_rate": share("converted"),
        "nps": nps("nps"),
        "csat": share("csat"),
        "ces": mean("ces"),
        "churn_rate": churn,
        "retention_rate": {"n": churn["n"], "successes": churn["n"] - churn["successes"]},
        "clv": mean("clv"),
    }
    return [ci.result(m, group, stats[m]) for m in ci.METRICS]


def run(path: Path, by: str | None = None, con=None) -> list[dict]:
    """Every metric overall, then by `by`: uxcx's order (metric, overall first, groups sorted)."""
    import duckdb

    con = con or duckdb.connect()
    cur = con.execute(sql(source_of(Path(path)), by))
    names = [d[0] for d in cur.description]
    rows = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
    whole = [r for r in rows if r["whole"] == 1 or not by]
    groups = sorted((r for r in rows if by and r["whole"] == 0), key=lambda r: r["grp"])
    per_set = [metrics_from(r, None) for r in whole] + [metrics_from(r, r["grp"]) for r in groups]
    order = {m: i for i, m in enumerate(ci.METRICS)}
    flat = [(order[m["metric"]], k, m) for k, rows_ in enumerate(per_set) for m in rows_]
    return [m for *_, m in sorted(flat, key=lambda x: x[:2])]


def main(argv: list[str] | None = None) -> int:
    """Command line: print the metrics as JSON (4 decimals, as uxcx prints them)."""
    p = argparse.ArgumentParser(prog="python -m benchmarks.peers.duck")
    p.add_argument("file", type=Path)
    p.add_argument("--by")
    args = p.parse_args(argv)
    t = time.perf_counter()
    out = {"metrics": ci.rounded(run(args.file, args.by)), "seconds": time.perf_counter() - t}
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
