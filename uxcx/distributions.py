"""Aggregates that charts need beyond metric estimates: histograms, scale counts, cohort matrix.

Everything is computed in the engine and only aggregates come back (a few hundred rows at most).
Per-row values come from the compiler's row query (sql.row_query), so a histogram counts exactly
the rows its metric counts: the same table and variant, the same joins, filters and validity
rules. The cohort matrix needs columns no metric reads (signup and churn dates), so it resolves
them with the planner's Resolver.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .compute import MetricResult
from .engines import Engine
from .kinds import Agg
from .metrics import get_metric
from .roles import ROLE_BY_NAME, RoleKind
from .sql import Filters, Missing, Resolver, RowQuery, TableInfo, filter_clauses, row_query


@dataclass
class Distribution:
    """A small aggregate for a chart plus what a caption needs to say about it."""

    data: pd.DataFrame
    n: int
    method: str
    out_of_scale: int = 0
    unapplied_filters: tuple[str, ...] = ()
    table: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


# ---- reusing the metric's own row-level SQL ----------------------------------------------
def _rows(
    engine: Engine, metric_id: str, tables: Sequence[TableInfo], filters: Filters | None
) -> RowQuery | Missing:
    """The metric's row query: t (typed role columns), r (v = per-row value, ok = in scale)."""
    return row_query(get_metric(metric_id), tables, filters=filters, dialect=engine.dialect)


def sus_histogram(
    engine: Engine,
    tables: Sequence[TableInfo],
    *,
    bin_width: float = 5.0,
    filters: Filters | None = None,
) -> Distribution | Missing:
    """Per-respondent SUS scores in bins of `bin_width` points (100 falls in the last bin)."""
    if bin_width not in (2.5, 5.0, 10.0):
        raise ValueError("SUS bins are 2.5, 5 or 10 points wide")
    q = _rows(engine, "sus", tables, filters)
    if isinstance(q, Missing):
        return q
    w = float(bin_width)
    d = engine.dialect
    sql = (
        f"{q.ctes},\n"
        f"h AS (\n  SELECT CAST(least(floor(v / {w}) * {w}, {100 - w}) AS DOUBLE) AS bin_start, "
        "count(*) AS count\n"
        "  FROM r WHERE ok GROUP BY 1\n)\n"
        "SELECT CAST(s.bin_start AS DOUBLE) AS bin_start, "
        f"CAST(s.bin_start + {w} AS DOUBLE) AS bin_end, coalesce(h.count, 0) AS count\n"
        f"FROM (SELECT CAST(range * {w} AS DOUBLE) AS bin_start "
        f"FROM {d.series(0, int(round(100 / w)))}) s\n"
        "LEFT JOIN h USING (bin_start)\nORDER BY 1"
    )
    data = engine.query(sql, q.params).to_pandas()
    stats = engine.rows(
        f"{q.ctes}\nSELECT {d.count_where('ok')} AS n, {d.count_where('NOT ok')} AS bad, "
        f"{d.aggregate(Agg('mean', 'avg', 'v', 'ok'))} AS mean FROM r",
        q.params,
    )[0]
    data["count"] = data["count"].astype("int64")
    return Distribution(
        data=data,
        n=int(stats["n"]),
        method=f"per-respondent SUS in {w:g}-point bins",
        out_of_scale=int(stats["bad"] or 0),
        unapplied_filters=q.unapplied_filters,
        table=q.table,
        extra={"mean": stats["mean"]},
    )


def scale_counts(
    engine: Engine,
    tables: Sequence[TableInfo],
    metric_id: str,
    *,
    filters: Filters | None = None,
) -> Distribution | Missing:
    """Answers per scale value (NPS 0–10, CSAT 1–5, CES 1–7, rating 1–5); empty values count 0."""
    q = _rows(engine, metric_id, tables, filters)
    if isinstance(q, Missing):
        return q
    role_name = q.variant_roles[0]
    role = ROLE_BY_NAME[role_name]
    if role.scale is None:
        raise ValueError(f"{metric_id} is not read from a scale")
    lo, hi = role.scale
    col = role_name  # t names each typed column after its role
    d = engine.dialect
    inside = f"{col} BETWEEN {lo:g} AND {hi:g}"
    if role.integer:
        inside += f" AND {col} = floor({col})"
    counts = (
        f"{q.ctes},\n"
        f"c AS (SELECT {col} AS value, count(*) AS count FROM t WHERE {inside} GROUP BY 1)\n"
    )
    if role.integer:
        sql = (
            counts + "SELECT CAST(s.range AS DOUBLE) AS value, coalesce(c.count, 0) AS count\n"
            f"FROM {d.series(int(lo), int(hi) + 1)} s LEFT JOIN c ON c.value = s.range ORDER BY 1"
        )
    else:
        sql = counts + "SELECT value, count FROM c ORDER BY 1"
    data = engine.query(sql, q.params).to_pandas()
    data["count"] = data["count"].astype("int64")
    bad = engine.rows(
        f"{q.ctes}\nSELECT {d.count_where(f'{col} IS NOT NULL AND NOT ({inside})')} AS bad FROM t",
        q.params,
    )[0]["bad"]
    return Distribution(
        data=data,
        n=int(data["count"].sum()),
        method=f"answers per value of {ROLE_BY_NAME[role_name].label} ({lo:g}–{hi:g})",
        out_of_scale=int(bad or 0),
        unapplied_filters=q.unapplied_filters,
        table=q.table,
    )


def value_histogram(
    engine: Engine,
    tables: Sequence[TableInfo],
    metric_id: str,
    *,
    bins: int = 30,
    filters: Filters | None = None,
    tail_quantile: float = 0.99,
) -> Distribution | Missing:
    """A metric's per-row values (CLV, time on task) in ~`bins` round-width bins, computed in SQL.

    The width is a 1/2/5 × 10^k step covering min … the `tail_quantile` quantile; values beyond
    fall into the last bin, flagged open_ended, so one outlier cannot squash the chart.
    """
    q = _rows(engine, metric_id, tables, filters)
    if isinstance(q, Missing):
        return q
    k = max(int(bins), 1)
    d = engine.dialect
    sql = (
        f"{q.ctes},\n"
        f"x AS (SELECT v FROM r WHERE ok AND {d.is_finite('v')}),\n"
        f"s AS (SELECT min(v) AS lo, {d.quantile('v', float(tail_quantile))} AS hi, "
        "count(*) AS n FROM x),\n"
        f"raw AS (SELECT lo, hi, n, greatest((hi - lo) / {k}, 1e-9) AS step FROM s),\n"
        # Round the step up to 1, 2 or 5 × a power of ten: bin edges people can read.
        "w AS (SELECT lo, hi, n, pow(10, floor(log10(step))) AS mag, step FROM raw),\n"
        "width AS (SELECT lo, hi, n, CASE WHEN step <= mag THEN mag WHEN step <= 2 * mag "
        "THEN 2 * mag WHEN step <= 5 * mag THEN 5 * mag ELSE 10 * mag END AS width FROM w),\n"
        "b AS (SELECT floor(x.v / width.width) * width.width AS bin_start, width.width AS bw, "
        "floor(width.hi / width.width) * width.width AS last_start FROM x, width)\n"
        "SELECT least(bin_start, last_start) AS bin_start, "
        "least(bin_start, last_start) + any_value(bw) AS bin_end, count(*) AS count, "
        "bool_or(bin_start > last_start) AS open_ended\n"
        "FROM b GROUP BY 1 ORDER BY 1"
    )
    data = engine.query(sql, q.params).to_pandas()
    data["count"] = data["count"].astype("int64")
    sql = f"{q.ctes}\nSELECT {d.count_where('NOT ok')} AS bad FROM r"
    bad = engine.rows(sql, q.params)[0]["bad"]
    return Distribution(
        data=data,
        n=int(data["count"].sum()),
        method=f"{get_metric(metric_id).label} per row, binned in SQL "
        f"(last bin holds values above the {tail_quantile:.0%} quantile)",
        out_of_scale=int(bad or 0),
        unapplied_filters=q.unapplied_filters,
        table=q.table,
    )


# ---- cohorts -----------------------------------------------------------------------------
def _base_sql(res: Resolver, role: str, kind: RoleKind) -> str | None:
    """A role's column of the base table (alias b), typed as `kind`; None when not mapped."""
    return res.role(role, kind) if res.base.role_column(role) else None


def data_end(engine: Engine, tables: Sequence[TableInfo]) -> dt.date | None:
    """The last date anywhere in the data: the observation end when no 'as of' date is given."""
    ends = []
    d = engine.dialect
    for t in tables:
        parts = []
        for role in ("date", "signup_date", "churn_date"):
            col = t.role_column(role)
            if col:
                parts.append(f"max({d.typed_column(d.quote_ident(col), t.columns[col], 'date')})")
        if parts:
            sql = f"SELECT {d.greatest(parts)} AS hi FROM {t.source}"
            hi = engine.rows(sql)[0]["hi"]
            if hi is not None:
                ends.append(hi)
    return max(ends) if ends else None


def _customer_table(tables: Sequence[TableInfo]) -> TableInfo | None:
    """The table with signup dates and a way to know when customers left."""
    for t in tables:
        roles = set(t.roles)
        if "signup_date" in roles and ("churn_date" in roles or {"churned", "tenure"} <= roles):
            return t
    return None


def cohort_retention(
    engine: Engine,
    tables: Sequence[TableInfo],
    *,
    filters: Filters | None = None,
    as_of: dt.date | None = None,
    max_months: int = 24,
    complete_only: bool = True,
) -> Distribution | Missing:
    """Share of each signup-month cohort still active k months after signup (k = 1…max_months).

    A customer counts in column k only when signup + k months is on or before `as_of` (default:
    the last date in the data); with complete_only, a cell appears only when every customer of
    its cohort can be counted, so young cohorts never look better (or worse) than they are.
    Active at k: no churn date, or a churn date after signup + k months (with only churned and
    tenure: not churned, or tenure ≥ k). Churned customers without a churn date are left out.
    """
    base = _customer_table(tables)
    if base is None:
        return Missing(
            "retention_cohorts",
            ("signup_date", "churn_date"),
            "needs a column for Signup date and Churn date (or Churned and Tenure)",
        )
    d = engine.dialect
    res = Resolver(base, tables, d)
    as_of = as_of or data_end(engine, tables)
    if as_of is None:
        return Missing("retention_cohorts", ("signup_date",), "needs dates")
    signup = res.role("signup_date", "date")  # _customer_table guarantees a signup date
    churn_date = _base_sql(res, "churn_date", "date")
    churned = _base_sql(res, "churned", "binary")
    if churn_date:
        left_at = churn_date
        unknown = f"({churned}) = 1 AND {churn_date} IS NULL" if churned else "false"
        active_at = "(left_at IS NULL OR left_at > point)"
        tenure_sql = "NULL"
        method = "active = no churn date or churn date after signup + k months"
    else:
        left_at = "NULL"
        unknown = f"({churned}) NOT IN (0, 1)"
        # _customer_table only picks a table without churn dates when it has a tenure.
        tenure_sql = _base_sql(res, "tenure", "numeric") or "NULL"
        active_at = "(churned = 0 OR tenure >= k)"
        method = "active = not churned, or tenure ≥ k months"
    where, params, unapplied = filter_clauses(res.column, signup, filters, d)
    where_sql = "".join(f"\n    AND {w}" for w in where)
    sql = f"""
WITH c AS (
  SELECT {d.date_trunc("month", signup)} AS cohort,
    {signup} AS signup,
    {left_at} AS left_at,
    {churned or "0"} AS churned,
    {tenure_sql} AS tenure
  FROM {res.from_clause()}
  WHERE {signup} IS NOT NULL AND {signup} <= ? AND NOT coalesce({unknown}, false){where_sql}
),
sizes AS (SELECT cohort, count(*) AS customers FROM c GROUP BY 1),
cells AS (
  SELECT c.*, k.range AS k, {d.add_months("c.signup", "k.range")} AS point
  FROM c, {d.series(1, "? + 1")} k
)
SELECT cells.cohort, k AS months_since, any_value(sizes.customers) AS customers,
  {d.count_where("point <= ?")} AS eligible,
  {d.count_where(f"point <= ? AND {active_at}")} AS active
FROM cells JOIN sizes USING (cohort)
GROUP BY 1, 2
HAVING {d.count_where("point <= ?")} > 0
ORDER BY 1, 2
"""
    # Parameters in order of the ? marks: the from-clause has none, the WHERE filters come
    # after the as_of bound on signup.
    all_params = [as_of, *params, int(max_months), as_of, as_of, as_of]
    data = engine.query(sql, all_params).to_pandas()
    if complete_only:
        data = data[data["eligible"] == data["customers"]].reset_index(drop=True)
    data["share"] = data["active"] / data["eligible"]
    for col in ("customers", "eligible", "active", "months_since"):
        data[col] = data[col].astype("int64")
    n = int(data.groupby("cohort")["customers"].first().sum()) if not data.empty else 0
    return Distribution(
        data=data,
        n=n,
        method=f"{method}; only cohorts fully observed by {as_of:%Y-%m-%d} at each k",
        unapplied_filters=tuple(unapplied),
        table=base.name,
        extra={"as_of": as_of},
    )


# ---- from metric results -----------------------------------------------------------------
def results_frame(results: Sequence[MetricResult]) -> pd.DataFrame:
    """Metric results as the small frame charts take: metric, group, period, value, ci, n."""
    cols = ["metric", "family", "group", "period", "value", "ci_low", "ci_high", "n"]
    rows = [{c: getattr(r, c) for c in cols} for r in results]
    df = pd.DataFrame(rows, columns=cols)
    if not df.empty:
        df["period"] = pd.to_datetime(df["period"])
    return df


def nps_composition_frame(results: Sequence[MetricResult]) -> pd.DataFrame:
    """Promoters, detractors and n per period (or group) from NPS results' sufficient statistics."""
    rows = []
    for r in results:
        s = r.stats
        rows.append(
            {
                "period": r.period,
                "group": r.group,
                "promoters": int(s.get("promoters") or 0),
                "detractors": int(s.get("detractors") or 0),
                "n": int(s.get("n") or 0),
            }
        )
    df = pd.DataFrame(rows, columns=["period", "group", "promoters", "detractors", "n"])
    return df[df["n"] > 0].reset_index(drop=True)
