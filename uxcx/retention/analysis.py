"""analyse(): correlation, logistic fit, impact of a step, bands, survival and scatter, run in SQL.

Only small aggregates reach Python: counts per distinct (score, outcome) pair, per (band, tenure,
churned), centred sums. Everything here describes associations in observational data, never
effects.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from .. import stats
from ..distributions import data_end
from ..engines import Engine, QueryError
from ..roles import is_numeric_type
from ..sql import Filters, TableInfo
from .bands import band_time, bands, survival
from .drivers import key_drivers
from .errors import RetentionError
from .measures import OutcomeSource, resolve_outcome
from .narrative import band_method, cautions, step_label
from .queries import CATEGORY_BANDS, RetentionQuery, build_query
from .report import RetentionAnalysis
from .results import MIN_CUSTOMERS, MIN_GROUPS, Band, Impact, Scatter

SCATTER_MAX_POINTS = 5000
SCATTER_BINS = 40
# Beyond this many distinct per-customer scores the counts are taken on a grid of 10,000 steps
# across the observed range (the method says so): r moves by far less than its interval.
MAX_DISTINCT_X = 20000
GRID_STEPS = 10000


def _churn_rate_divisor(engine: Engine, out: OutcomeSource) -> float | None:
    """None when the churn column is a 0/1 flag; 1 or 100 when it holds rates (per group)."""
    if out.churn_from_date:
        return None
    typ = out.table.columns[out.churned].upper()
    if not is_numeric_type(typ):
        return None
    d = engine.dialect
    c = d.quote_ident(out.churned)
    row = engine.rows(
        f"SELECT CAST(min({c}) AS DOUBLE) AS lo, CAST(max({c}) AS DOUBLE) AS hi, "
        f"{d.count_where(f'{c} NOT IN (0, 1)')} AS other FROM {out.table.source}"
    )[0]
    if not row["other"]:
        return None
    if row["lo"] < 0 or row["hi"] > 100:
        raise RetentionError(
            f"The churn column '{out.churned}' holds values other than yes/no (0/1) that are not "
            "rates either; map a yes/no churn column.",
            "bad_churn_values",
        )
    return 100.0 if row["hi"] > 1 else 1.0


def analyse(
    engine: Engine,
    tables: Sequence[TableInfo],
    ux: str,
    outcome: str,
    filters: Filters | None = None,
    *,
    n_boot: int = 200,
    seed: int = 0,
    drivers: bool = True,
) -> RetentionAnalysis:
    """Relate a UX measure to churn/retention/tenure; raises RetentionError for user problems."""
    out = resolve_outcome(tables, outcome)
    divisor = _churn_rate_divisor(engine, out)
    # Tenure from dates: active customers are observed up to the last date anywhere in the data.
    end = data_end(engine, tables) if out.tenure_dates else None
    q = build_query(
        tables, ux, outcome, filters, churn_rates=divisor, data_end=end, dialect=engine.dialect
    )
    result = _analyse_customers(engine, q) if q.level == "customer" else _analyse_groups(engine, q)
    problem = ""
    if drivers:
        # Key drivers are an extra: a failure there must not hide the main analysis.
        try:
            result.drivers = key_drivers(engine, tables, filters, n_boot=n_boot, seed=seed)
        except (RetentionError, QueryError) as e:
            problem = f"Key drivers could not be computed: {e}"
    result.cautions = cautions(result) + ([problem] if problem else [])
    return result


def _fetch(engine: Engine, q: RetentionQuery, tail: str, extra: str = "") -> pd.DataFrame:
    # pyarrow is untyped: the frame's type is stated here.
    df: pd.DataFrame = engine.query(q.select(tail, extra), q.params).to_pandas()
    return df


_COVERAGE = ("with_outcome", "with_ux", "out_of_scale", "conflicting")


def _counts(engine: Engine, q: RetentionQuery) -> tuple[pd.DataFrame, dict[str, int]]:
    """Customers per distinct (x, y), on a fine grid when there are very many distinct x; plus
    coverage counts (in the same statement, so the engine evaluates the shared CTEs once)."""
    extra = (
        ",\nlim AS (SELECT count(DISTINCT x) AS k, min(x) AS lo, max(x) AS hi FROM pc),\n"
        "cov AS (\n  SELECT (SELECT count(*) FROM outcome WHERE churned IN (0, 1)) AS with_outcome,\n"
        "    (SELECT count(*) FROM ux WHERE x IS NOT NULL) AS with_ux,\n"
        "    (SELECT coalesce(sum(out_of_scale), 0) FROM ux) AS out_of_scale,\n"
        "    (SELECT count(*) FROM outcome WHERE churn_values > 1) AS conflicting,\n"
        "    (SELECT count(*) FROM ux WHERE responses > 1) AS several_answers\n)"
    )
    width = f"((lim.hi - lim.lo) / {GRID_STEPS})"
    tail = (
        f"SELECT CASE WHEN lim.k > {MAX_DISTINCT_X} "
        f"THEN lim.lo + round((x - lim.lo) / {width}) * {width} ELSE x END AS x,\n"
        "  y, count(*) AS w, any_value(lim.k) AS distinct_x,\n  "
        + ", ".join(f"any_value(cov.{c}) AS {c}" for c in (*_COVERAGE, "several_answers"))
        + "\nFROM pc, lim, cov\nGROUP BY 1, 2\nORDER BY 1, 2"
    )
    df = _fetch(engine, q, tail, extra)
    # several_answers: customers with more than one in-scale answer (their score is a mean).
    names = (*_COVERAGE, "distinct_x", "several_answers")
    cov = {c: int(df[c].iloc[0]) if len(df) else 0 for c in names}
    return df[["x", "y", "w"]].astype(float), cov


def _too_few(q: RetentionQuery, n: int, unit: str, minimum: int) -> RetentionError:
    label = q.ux_label.removesuffix(" (%)")
    article = "an" if label[:1].lower() in "aeiou" else "a"
    score = "" if "score" in label.lower() else " score"
    what = "a retention flag" if q.outcome == "retention" else "a churn flag"
    return RetentionError(
        f"Only {n} {unit} have both {article} {label}{score} and {what}; at least {minimum} are "
        "needed.",
        "too_few",
    )


def _nice(v: float) -> float:
    """1, 2 or 5 × 10^k nearest below-or-at v (a readable step)."""
    if not math.isfinite(v) or v <= 0:
        return 1.0
    k = math.floor(math.log10(v))
    base = v / 10**k
    return (5 if base >= 5 else 2 if base >= 2 else 1) * 10.0**k


def choose_step(span: float | None, sd: float) -> float:
    """The "+step" the impact speaks of: 10 on 0–100 scales, 1 on short scales, else ~1 SD."""
    if span is not None and span >= 50:
        return 10.0
    if span is not None and span >= 3:
        return 1.0
    return _nice(sd)


def _clv_change(engine: Engine, q: RetentionQuery, step: float) -> stats.Estimate | None:
    """OLS slope of CLV on the score × step, with a heteroskedasticity-robust (HC1) interval.

    Computed from centred sums in SQL; CLV is skewed and its spread grows with it, so the
    plain OLS standard error would be too small.
    """
    extra = (
        ",\ncm AS (SELECT count(*) AS n, avg(x) AS mx, avg(clv) AS my FROM pc "
        "WHERE clv IS NOT NULL),\n"
        "cs AS (SELECT any_value(n) AS n, any_value(mx) AS mx, any_value(my) AS my,\n"
        "  sum((x - mx) * (x - mx)) AS sxx, sum((x - mx) * (clv - my)) AS sxy\n"
        "  FROM pc, cm WHERE clv IS NOT NULL)"
    )
    tail = (
        "SELECT cs.n, cs.sxx, cs.sxy,\n"
        "  sum(power(x - cs.mx, 2) * power(clv - cs.my - cs.sxy / nullif(cs.sxx, 0) * (x - cs.mx),"
        " 2)) AS meat\nFROM pc, cs\nWHERE clv IS NOT NULL\nGROUP BY cs.n, cs.sxx, cs.sxy"
    )
    rows = engine.rows(q.select(tail, extra), q.params)
    if not rows:
        return None
    r = rows[0]
    n, sxx, sxy, meat = int(r["n"] or 0), r["sxx"], r["sxy"], r["meat"]
    method = "OLS slope of CLV on the score × step; HC1 robust 95% CI"
    if n < 3 or not sxx or meat is None:
        return None
    slope = sxy / sxx
    se = math.sqrt(n / (n - 2) * meat) / sxx
    z = stats.z_crit(0.95)
    return stats.Estimate(slope * step, (slope - z * se) * step, (slope + z * se) * step, n, method)


def _scatter(
    engine: Engine, q: RetentionQuery, n: int, measure_label: str, counts: pd.DataFrame
) -> Scatter:
    """Raw points for small data; above SCATTER_MAX_POINTS, the (x, y) counts on 40 x bins."""
    y_label = q.direction
    if q.level == "group":
        df = _fetch(engine, q, "SELECT unit, x, y, customers FROM pc\nORDER BY x, unit")
        return Scatter("points", df, n, measure_label, y_label)
    if n <= SCATTER_MAX_POINTS:
        df = _fetch(
            engine, q, "SELECT x, y, tenure, band_label FROM pc\nORDER BY x, y, tenure, unit"
        )
        return Scatter("points", df, n, measure_label, y_label)
    # The counts per distinct (x, y) are already here: binning them needs no second scan.
    x = counts["x"].to_numpy()
    lo, hi = float(x.min()), float(x.max())
    width = (hi - lo) / SCATTER_BINS if hi > lo else 1.0
    bins = np.minimum(np.floor((x - lo) / width), SCATTER_BINS - 1).astype(int)
    g = (
        counts.assign(bin=bins)
        .groupby(["bin", "y"], as_index=False)[["w"]]
        .sum()
        .sort_values(["bin", "y"], ignore_index=True)
    )
    df = pd.DataFrame(
        {
            "x_lo": lo + g["bin"] * width,
            "x_hi": lo + (g["bin"] + 1) * width,
            "x": lo + (g["bin"] + 0.5) * width,
            "y": g["y"],
            "count": g["w"].round().astype("int64"),
        }
    )
    return Scatter("binned", df, n, measure_label, y_label)


def _group_coverage(engine: Engine, q: RetentionQuery) -> dict[str, int]:
    """Out-of-scale UX answers (group level: there is no per-customer coverage to report)."""
    row = engine.rows(
        q.select("SELECT coalesce(sum(out_of_scale), 0) AS out_of_scale FROM ux"), q.params
    )[0]
    return {"out_of_scale": int(row["out_of_scale"])}


def _analyse_customers(engine: Engine, q: RetentionQuery) -> RetentionAnalysis:
    counts, coverage = _counts(engine, q)
    several = coverage.pop("several_answers")
    distinct_x = coverage["distinct_x"]
    n = int(counts["w"].sum())
    if n < MIN_CUSTOMERS:
        raise _too_few(q, n, "customers", MIN_CUSTOMERS)
    x, y, w = counts["x"].to_numpy(), counts["y"].to_numpy(), counts["w"].to_numpy()
    pearson = stats.point_biserial_from_counts(x, y, w)
    spearman = stats.spearman_from_counts(x, y, w)
    per_x = counts.assign(e=counts["y"] * counts["w"]).groupby("x", sort=True)[["e", "w"]].sum()
    logistic = stats.logistic_from_counts(per_x.index.to_numpy(), per_x["e"], per_x["w"])
    mean = float(np.dot(w, x) / n)
    sd = math.sqrt(float(np.dot(w, (x - mean) ** 2)) / max(n - 1, 1))
    measure = q.measure
    step = choose_step(measure.span, sd)
    or_step = None
    impact = None
    if math.isfinite(logistic.slope):
        z = stats.z_crit(0.95)
        b, se = logistic.slope, logistic.se_slope
        or_step = (math.exp(step * b), math.exp(step * (b - z * se)), math.exp(step * (b + z * se)))
        change = stats.predicted_change(logistic, per_x.index.to_numpy(), per_x["w"], step)
        clv = _clv_change(engine, q, step) if q.has_clv else None
        impact = Impact(step, step_label(measure, step), change, clv, clv.method if clv else "")
    bt = band_time(engine, q)
    by_band = bands(q, bt)
    method = (
        f"point-biserial r (Pearson with {q.direction}) and Spearman rho over customers, "
        "Fisher-z 95% CI; score = mean of each customer's responses"
    )
    if q.outcome == "tenure":
        method += "; tenure is censored for active customers, so it enters only the survival curves"
    if distinct_x > MAX_DISTINCT_X:
        method += f"; scores on a grid of {GRID_STEPS:,} steps ({distinct_x:,} distinct values)"
    category = q.band_kind in CATEGORY_BANDS
    if category:
        method += "; " + band_method(q, several)
    return RetentionAnalysis(
        query=q,
        n=n,
        pearson=pearson,
        spearman=spearman,
        method=method,
        bands=by_band,
        survival=survival(bt, by_band) if q.has_tenure else None,
        logistic=logistic,
        step=step,
        odds_ratio_per_step=or_step,
        impact=impact,
        drivers=[],
        scatter=_scatter(engine, q, n, measure.label, counts),
        cautions=[],
        coverage=coverage,
        several_answers=several if category else None,
    )


def _analyse_groups(engine: Engine, q: RetentionQuery) -> RetentionAnalysis:
    df = _fetch(engine, q, "SELECT unit, x, y, customers FROM pc\nORDER BY x, unit")
    n = len(df)
    if n < MIN_GROUPS:
        raise _too_few(q, n, "groups", MIN_GROUPS)
    x, y = df["x"].to_numpy(float), df["y"].to_numpy(float)
    ones = np.ones(n)
    pearson = stats.pearson_from_counts(x, y, ones)
    spearman = stats.spearman_from_counts(x, y, ones)
    bt = band_time(engine, q) if q.mode == "group" else None
    if bt is not None:
        by_band = bands(q, bt)
        by_band.sort(key=lambda b: (b.x_mean, b.band))
    else:
        by_band = [
            Band(str(unit), None, None, float(y_), math.nan, math.nan, x_, x_, x_)
            for unit, x_, y_ in zip(df["unit"], df["x"], df["y"], strict=True)
        ]
    measure = q.measure
    what = "churn rate" if q.direction == "churned = 1" else "retention rate"
    method = (
        f"Pearson r and Spearman rho across {n} groups ({q.group_column or 'rows'}): mean "
        f"{q.ux_label} per group against the group's {what}, unweighted; Fisher-z 95% CI"
    )
    return RetentionAnalysis(
        query=q,
        n=n,
        pearson=pearson,
        spearman=spearman,
        method=method,
        bands=by_band,
        survival=survival(bt, by_band) if q.has_tenure and bt is not None else None,
        logistic=None,
        step=choose_step(measure.span, float(np.std(x, ddof=1)) if n > 1 else 1.0),
        odds_ratio_per_step=None,
        impact=None,
        drivers=[],
        scatter=_scatter(engine, q, n, measure.label, df),
        cautions=[],
        coverage=_group_coverage(engine, q),
    )
