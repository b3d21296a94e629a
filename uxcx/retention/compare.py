"""Which score predicts the outcome best: every per-customer score's r on the same customers.

UX scores (SUS, product NPS, app rating) and CX scores (NPS, CSAT, CES) are correlated with churn
(or retention) on the customers who have all of them, so the correlations are comparable; the
strongest is compared with each other one by the difference in |r| (Zou's interval, Steiger's
z test for two correlations sharing the outcome). Associations, never effects.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from .. import stats
from ..engines import Engine
from ..metrics import SCORE_METRICS
from ..sql import Filters, TableInfo
from .analysis import _churn_rate_divisor
from .ctes import Builder, measure_ctes, one_row_per, outcome_cte, plan_filters, wide_ctes
from .errors import RetentionError
from .measures import linked_measure, resolve_outcome
from .results import MIN_CUSTOMERS, ScoreComparison, ScoreCorr

__all__ = ["compare_scores"]


def compare_scores(
    engine: Engine, tables: Sequence[TableInfo], outcome: str, filters: Filters | None = None
) -> ScoreComparison | None:
    """r of each per-customer score with the outcome on the common customers; None when fewer
    than two scores can be linked to the outcome per customer."""
    try:
        out = resolve_outcome(tables, outcome)
    except RetentionError:
        return None
    if not out.table.has_customer_id or _churn_rate_divisor(engine, out) is not None:
        return None
    measures = [m for mid in SCORE_METRICS if (m := linked_measure(mid, tables)) is not None]
    if len(measures) < 2:
        return None
    d = engine.dialect
    fp = plan_filters(filters, [m.table for m in measures] + [out.table], d, every_dated=True)
    b = Builder(d)
    cid = out.table.role_column("customer_id") or ""
    # Scores in the outcome's own one-row-per-customer table are read off the same rows (no
    # join of a 1M-row table with itself per score, the most of this query's time).
    fused = [
        i
        for i, m in enumerate(measures)
        if m.table.name == out.table.name and one_row_per(m.table, cid)
    ]
    for i, m in enumerate(measures):
        if i not in fused:
            measure_ctes(b, m, f"m{i}", m.table.role_column("customer_id") or "", "customer_id", fp)
    y = "1 - churned" if outcome == "retention" else "churned"
    if fused:
        wide_ctes(b, [(f"m{i}", measures[i]) for i in fused], out, fp)
        xs_sql = "".join(f", m{i}_x AS x{i}" for i in fused)
        b.add("target", f"SELECT customer_id, {y} AS y{xs_sql} FROM wide WHERE churned IN (0, 1)")
    else:
        outcome_cte(b, out, fp, None)
        b.add("target", f"SELECT customer_id, {y} AS y FROM outcome WHERE churned IN (0, 1)")
    ctes, params = b.text(), tuple(b.params)
    joins = "".join(
        f"\n  LEFT JOIN m{i} ON m{i}.customer_id = t.customer_id"
        for i in range(len(measures))
        if i not in fused
    )
    xs = {i: f"t.x{i}" if i in fused else f"m{i}.x" for i in range(len(measures))}

    def listwise(keep: list[int]) -> list[str]:
        # On the customers with every kept score: n and every r (corr() skips NULL pairs).
        every = " AND ".join(f"{xs[i]} IS NOT NULL" for i in keep)

        def only(e: str) -> str:
            return f"CASE WHEN {every} THEN {e} END"

        cols = [f"{d.count_where(every)} AS n"]
        cols += [f"corr({only(xs[i])}, {only('t.y')}) AS r{i}" for i in keep]
        cols += [
            f"corr({only(xs[i])}, {only(xs[j])}) AS r{i}_{j}"
            for a, i in enumerate(keep)
            for j in keep[a + 1 :]
        ]
        return cols

    everyone = list(range(len(measures)))
    # One scan answers the usual case (every score kept): coverage and the listwise numbers.
    row = engine.rows(
        f"{ctes}\nSELECT "
        + ", ".join([*(f"count({xs[i]}) AS n{i}" for i in everyone), *listwise(everyone)])
        + f"\nFROM target AS t{joins}",
        params,
    )[0]
    ns = [int(row[f"n{i}"]) for i in everyone]
    best = max(ns)
    # The same customers for every score; a score few of them have (a 50-person study) would
    # shrink the comparison to those few, so it is left out and said so (as key drivers do).
    keep = [i for i, k in enumerate(ns) if k >= max(MIN_CUSTOMERS, 0.5 * best)]
    left_out = [
        f"{measures[i].label} ({measures[i].family}): only {ns[i]:,} of the {best:,} customers "
        "with the most scores have it."
        for i in range(len(measures))
        if i not in keep and ns[i]
    ]
    if len(keep) < 2:
        return None
    if keep != everyone:
        row = engine.rows(
            f"{ctes}\nSELECT {', '.join(listwise(keep))}\nFROM target AS t{joins}", params
        )[0]
    n = int(row["n"])
    if n < MIN_CUSTOMERS:
        return None

    def r(key: str) -> float:
        v = row[key]
        return math.nan if v is None else float(v)

    corrs = {i: stats.corr_from_r(r(f"r{i}"), n, "point-biserial") for i in keep}
    order = sorted(keep, key=lambda i: -abs(corrs[i].r) if math.isfinite(corrs[i].r) else math.inf)
    top = order[0]
    scores = []
    for i in order:
        gap = None
        if i != top:
            a, c = corrs[top].r, corrs[i].r
            r_ac = r(f"r{min(top, i)}_{max(top, i)}")
            # Orient both scores so their r with the outcome is positive: the test is then of
            # |r| of the strongest against |r| of this one (both share the outcome).
            sign = (1.0 if a >= 0 else -1.0) * (1.0 if c >= 0 else -1.0)
            gap = stats.diff_dependent_correlations(abs(a), abs(c), sign * r_ac, n)
        m = measures[i]
        scores.append(ScoreCorr(m.metric, m.label, m.family, corrs[i], gap))
    direction = "retained = 1" if outcome == "retention" else "churned = 1"
    return ScoreComparison(
        outcome=outcome,
        direction=direction,
        n=n,
        scores=scores,
        left_out=left_out,
        method=(
            f"Pearson (point-biserial) r of each score (mean per customer) with {direction} on the "
            f"{n:,} customers who have every score; Fisher-z 95% CIs; the gap in |r| between the "
            "strongest and each other score: Zou (2007) 95% CI and Steiger (1980) z test for two "
            "correlations that share the outcome"
        ),
    )
