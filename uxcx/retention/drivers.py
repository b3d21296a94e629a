"""Key drivers: Shapley (LMG) shares of the R² of NPS and of retention across the UX measures,
with Bayesian-bootstrap intervals whose replicate weights are hashed and summed in SQL."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from .. import stats
from ..engines import Engine
from ..metrics import UX_MEASURES
from ..sql import Dialect, Filters, TableInfo
from .ctes import Builder, measure_ctes, outcome_cte, plan_filters
from .errors import RetentionError
from .measures import Measure, OutcomeSource, linked_measure, resolve_outcome
from .results import MIN_CUSTOMERS, Driver, DriverTarget, KeyDrivers

# Bootstrap rows (customers × replicates) the engine builds for key drivers; beyond, a subsample.
MAX_BOOT_ROWS = 5_000_000


def key_drivers(
    engine: Engine,
    tables: Sequence[TableInfo],
    filters: Filters | None = None,
    *,
    n_boot: int = 200,
    seed: int = 0,
) -> list[KeyDrivers]:
    """Shapley (LMG) shares of R² of NPS and of retention across the available UX measures."""
    measures = [m for mid in UX_MEASURES if (m := linked_measure(mid, tables)) is not None]
    if not measures:
        return []
    results = []
    nps = linked_measure("nps", tables)
    if nps is not None:
        kd = _drivers_for(engine, measures, "nps", nps, None, filters, n_boot, seed)
        if kd:
            results.append(kd)
    try:
        out = resolve_outcome(tables, "retention")
    except RetentionError:
        out = None
    if out is not None and out.table.has_customer_id:
        kd = _drivers_for(engine, measures, "retention", None, out, filters, n_boot, seed)
        if kd:
            results.append(kd)
    return results


def _drivers_for(
    engine: Engine,
    measures: list[Measure],
    target: DriverTarget,
    nps: Measure | None,
    out: OutcomeSource | None,
    filters: Filters | None,
    n_boot: int,
    seed: int,
) -> KeyDrivers | None:
    d = engine.dialect
    source = nps or out  # the target's table: NPS scores, or the churn flag for retention
    assert source is not None
    scans = [m.table for m in measures] + [source.table]
    fp = plan_filters(filters, scans, d, every_dated=True)
    b = Builder(d)
    for i, ms in enumerate(measures):
        measure_ctes(b, ms, f"m{i}", ms.table.role_column("customer_id") or "", "customer_id", fp)
    if nps is not None:
        measure_ctes(b, nps, "target", nps.table.role_column("customer_id") or "", "customer_id",
                     fp)  # fmt: skip
        target_label = "NPS (mean 0–10 score per customer)"
    else:
        assert out is not None
        outcome_cte(b, out, fp, None)
        b.add(
            "target",
            "SELECT customer_id, 1 - churned AS x FROM outcome WHERE churned IN (0, 1)",
        )
        target_label = "Retention (retained = 1)"
    ctes, params = b.text(), tuple(b.params)
    joins = "".join(
        f"\n  LEFT JOIN m{i} ON m{i}.customer_id = t.customer_id" for i in range(len(measures))
    )
    cover = engine.query(
        ctes
        + "\nSELECT "
        + ", ".join(f"count(m{i}.x) AS n{i}" for i in range(len(measures)))
        + f"\nFROM target AS t{joins}\nWHERE t.x IS NOT NULL",
        params,
    ).to_pylist()[0]
    ns = [int(cover[f"n{i}"]) for i in range(len(measures))]
    best = max(ns)
    # Listwise deletion keeps one consistent set of customers; a measure few customers have
    # (a usability study of 50 people) would shrink it, so it is left out and said so.
    keep = [i for i, k in enumerate(ns) if k >= max(MIN_CUSTOMERS, 0.5 * best)]
    left_out = [
        f"{measures[i].label}: only {ns[i]:,} of the {best:,} customers with the most data have it."
        for i in range(len(measures))
        if i not in keep
    ]
    if not keep:
        return None
    names = [measures[i].key for i in keep]
    cols = [f"m{i}.x AS x{j}" for j, i in enumerate(keep)]
    inner = "".join(f"\n  JOIN m{i} ON m{i}.customer_id = t.customer_id" for i in keep)
    not_null = " AND ".join([f"m{i}.x IS NOT NULL" for i in keep] + ["t.x IS NOT NULL"])
    body = (
        f"SELECT t.customer_id, {', '.join(cols)}, t.x AS y\n  FROM target AS t{inner}"
        f"\n  WHERE {not_null}"
    )
    data_cte = ",\n" + d.cte("d", body, materialized=True)
    v = [f"x{j}" for j in range(len(keep))] + ["y"]
    reps = max(int(n_boot), 0)
    # Above MAX_BOOT_ROWS customer × replicate rows, resample a hashed subsample of m customers
    # and shrink its spread by √(m/n) (m-out-of-n bootstrap): the same percentile interval to
    # first order, at a bounded cost on millions of customers. min(ns) bounds the listwise n.
    frac = min(1.0, MAX_BOOT_ROWS / (min(ns[i] for i in keep) * max(reps, 1)))
    (n, corr), (m, corr_sub), reps_corr = _boot_moments(
        engine, ctes + data_cte, params, v, reps, seed, frac
    )
    if n < MIN_CUSTOMERS:
        return None
    shares = stats.shapley_r2(corr, names)
    r2 = stats.r_squared(corr)
    boot_shares = np.full((reps, len(names)), math.nan)
    boot_r2 = np.full(reps, math.nan)
    if reps_corr:
        point_sub = stats.shapley_r2(corr_sub, names)
        r2_sub = stats.r_squared(corr_sub)
        shrink = math.sqrt(m / n)
        for r, c in enumerate(reps_corr):
            rep = stats.shapley_r2(c, names)
            boot_shares[r] = [shares[k] + shrink * (rep[k] - point_sub[k]) for k in names]
            boot_r2[r] = r2 + shrink * (stats.r_squared(c) - r2_sub)
    drivers = []
    for j, name in enumerate(names):
        lo, hi = stats.bootstrap_interval(boot_shares[:, j]) if reps else (math.nan, math.nan)
        drivers.append(
            Driver(name, measures[keep[j]].label, shares[name], lo, hi, float(corr[j, -1]))
        )
    drivers.sort(key=lambda x: -x.share if math.isfinite(x.share) else math.inf)
    return KeyDrivers(
        target=target,
        target_label=target_label,
        n=n,
        r2=r2,
        r2_ci=stats.bootstrap_interval(boot_r2) if reps else (math.nan, math.nan),
        drivers=drivers,
        left_out=left_out,
        n_boot=reps,
        method=(
            "Shapley (LMG) shares of R² from the per-customer correlation matrix (linear model; "
            f"for retention a linear-probability R²); 95% Bayesian-bootstrap intervals, {reps} "
            "replicates"
            + (f" on a subsample of {m:,} customers, rescaled" if frac < 1 and reps else "")
        ),
    )


def _boot_sql(d: Dialect, v: list[str], reps: int, seed: int, frac: float) -> str:
    """The CTEs mu, dc (centred data, subsample flag) and bw (one row per customer × replicate).

    Each customer gets Exp(1) weights, one per replicate, from a hash of (customer, replicate,
    seed) rather than random(): reproducible whatever the thread count or row order.
    """
    centred = ", ".join(f"d.{a} - mu.{a} AS {a}" for a in v)
    sub = f"{d.hash_unit(f'd.customer_id, {int(seed)}')} < {frac!r}" if frac < 1 else "true"
    weight = f"-ln({d.hash_unit(f'dc.customer_id, r.rep, {int(seed)}')})"
    return (
        f",\nmu AS (SELECT {', '.join(f'avg({a}) AS {a}' for a in v)} FROM d),\n"
        f"dc AS (\n  SELECT d.customer_id, {centred}, {sub} AS sub\n  FROM d, mu\n),\n"
        "bw AS (\n  SELECT -2 AS rep, 1.0 AS w, dc.* FROM dc\n  UNION ALL\n"
        f"  SELECT r.rep, CASE WHEN r.rep < 0 THEN 1.0 ELSE {weight} END AS w, dc.*\n"
        f"  FROM dc CROSS JOIN {d.series(-1, int(reps))} AS r(rep)\n  WHERE dc.sub\n)"
    )


def _boot_moments(
    engine: Engine,
    ctes: str,
    params: tuple[object, ...],
    v: list[str],
    reps: int,
    seed: int,
    frac: float = 1.0,
) -> tuple[tuple[int, np.ndarray], tuple[int, np.ndarray], list[np.ndarray]]:
    """Correlation matrices from weighted moments summed in SQL, in one statement: all customers
    (n, matrix), the bootstrap (sub)sample (m, matrix) and its Bayesian-bootstrap replicates."""
    extra = _boot_sql(engine.dialect, v, reps, seed, frac)
    sums = ["sum(w) AS sw"] + [f"sum(w * {a}) AS s_{a}" for a in v]
    sums += [f"sum(w * {a} * {c}) AS s_{a}_{c}" for ai, a in enumerate(v) for c in v[ai:]]
    rows = engine.query(
        f"{ctes}{extra}\nSELECT rep, {', '.join(sums)}\nFROM bw\nGROUP BY rep\nORDER BY rep",
        params,
    ).to_pylist()
    k = len(v)
    empty = (0, np.full((k, k), math.nan))
    by_rep: dict[int, tuple[int, np.ndarray]] = {}
    for row in rows:
        sw = row["sw"]
        mean = np.array([row[f"s_{a}"] / sw for a in v])
        cov = np.empty((k, k))
        for ai, a in enumerate(v):
            for ci in range(ai, k):
                c = v[ci]
                cov[ai, ci] = cov[ci, ai] = row[f"s_{a}_{c}"] / sw - mean[ai] * mean[ci]
        sd = np.sqrt(np.clip(np.diag(cov), 0, None))
        with np.errstate(divide="ignore", invalid="ignore"):
            corr = cov / np.outer(sd, sd)
        np.fill_diagonal(corr, 1.0)
        # A constant variable has no correlation: NaN, as DuckDB's corr() would say.
        corr[sd == 0, :] = math.nan
        corr[:, sd == 0] = math.nan
        by_rep[int(row["rep"])] = (int(round(sw)), corr)
    replicates = [by_rep[r][1] for r in range(reps) if r in by_rep]
    return by_rep.get(-2, empty), by_rep.get(-1, empty), replicates
