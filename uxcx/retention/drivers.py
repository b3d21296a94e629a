"""Key drivers: Shapley (LMG) shares of the R² of NPS and of retention across the UX measures,
with Bayesian-bootstrap intervals.

One query returns the per-customer measures and target; numpy does the rest. The replicates'
weighted moments are one matrix product (they were a customer × replicate cross join summed in
SQL, 63% of the retention page's first view at 1M customers)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import stats
from ..engines import Engine
from ..metrics import UX_MEASURES
from ..sql import Filters, TableInfo
from ..stats.drivers import r_squared_many, shapley_r2_many
from .ctes import (
    Builder,
    FilterPlan,
    measure_ctes,
    one_row_per,
    outcome_cte,
    plan_filters,
    wide_ctes,
)
from .errors import RetentionError
from .measures import Measure, OutcomeSource, linked_measure, resolve_outcome
from .results import MIN_CUSTOMERS, Driver, DriverTarget, KeyDrivers

# Bootstrap weights (customers × replicates) drawn at most; beyond, a subsample of customers.
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
    nps = linked_measure("nps", tables)
    try:
        out = resolve_outcome(tables, "retention")
    except RetentionError:
        out = None
    if out is not None and not out.table.has_customer_id:
        out = None
    if nps is None and out is None:
        return []
    u, xs, targets = _fetch(engine, measures, nps, out, filters, seed)
    labels = {
        "nps": "NPS (mean 0–10 score per customer)",
        "retention": "Retention (retained = 1)",
    }
    results = []
    for target, y in targets.items():
        kd = _drivers_for(measures, target, labels[target], u, xs, y, n_boot, seed)
        if kd:
            results.append(kd)
    return results


def _fetch(
    engine: Engine,
    measures: list[Measure],
    nps: Measure | None,
    out: OutcomeSource | None,
    filters: Filters | None,
    seed: int,
) -> tuple[np.ndarray, np.ndarray, dict[DriverTarget, np.ndarray]]:
    """One scan for both targets: per customer with either target, a hashed uniform number u,
    each measure and each target (NaN when missing).

    u orders the customers reproducibly (whatever the thread count or row order); coverage,
    listwise deletion, the correlations and the bootstrap are numpy's.
    """
    d = engine.dialect
    scans = [m.table for m in measures] + [s.table for s in (nps, out) if s is not None]
    fp = plan_filters(filters, scans, d, every_dated=True)
    b = Builder(d)
    cid = out.table.role_column("customer_id") if out is not None else None
    scored = [*measures, *([nps] if nps is not None else [])]
    if (
        out is not None
        and cid
        and all(s.table.name == out.table.name and one_row_per(s.table, cid) for s in scored)
    ):
        return _fetch_wide(engine, b, measures, nps, out, fp, seed)
    for i, ms in enumerate(measures):
        measure_ctes(b, ms, f"m{i}", ms.table.role_column("customer_id") or "", "customer_id", fp)
    sides: list[tuple[DriverTarget, str]] = []
    if nps is not None:
        measure_ctes(b, nps, "tn", nps.table.role_column("customer_id") or "", "customer_id", fp)
        sides.append(("nps", "tn"))
    if out is not None:
        outcome_cte(b, out, fp, None)
        b.add("tr", "SELECT customer_id, 1 - churned AS x FROM outcome WHERE churned IN (0, 1)")
        sides.append(("retention", "tr"))
    b.add(
        "base",
        "\n  UNION\n  ".join(
            f"SELECT customer_id FROM {name} WHERE x IS NOT NULL" for _, name in sides
        ),
    )
    joins = "".join(
        f"\n  LEFT JOIN {name} ON {name}.customer_id = t.customer_id"
        for name in [f"m{i}" for i in range(len(measures))] + [n for _, n in sides]
    )
    table = engine.query(
        b.text()
        + f"\nSELECT {d.hash_unit(f't.customer_id, {int(seed)}')} AS u, "
        + ", ".join(
            [f"m{i}.x AS x{i}" for i in range(len(measures))]
            + [f"{name}.x AS y_{target}" for target, name in sides]
        )
        + f"\nFROM base AS t{joins}",
        tuple(b.params),
    )
    u = _floats(table, "u")
    xs = np.column_stack([_floats(table, f"x{i}") for i in range(len(measures))])
    return u, xs, {target: _floats(table, f"y_{target}") for target, _ in sides}


def _fetch_wide(
    engine: Engine,
    b: Builder,
    measures: list[Measure],
    nps: Measure | None,
    out: OutcomeSource,
    fp: FilterPlan,
    seed: int,
) -> tuple[np.ndarray, np.ndarray, dict[DriverTarget, np.ndarray]]:
    """_fetch when every measure and target is in the outcome's one-row-per-customer table: one
    scan, no joins (the same customers and values as the joined query)."""
    d = engine.dialect
    fused = [(f"m{i}", m) for i, m in enumerate(measures)] + ([("tn", nps)] if nps else [])
    wide_ctes(b, fused, out, fp)
    retained = "CASE WHEN churned IN (0, 1) THEN 1 - churned END"
    cols = [f"m{i}_x AS x{i}" for i in range(len(measures))]
    keep = ["churned IN (0, 1)"]
    if nps is not None:
        cols.append("tn_x AS y_nps")
        keep.insert(0, "tn_x IS NOT NULL")
    cols.append(f"{retained} AS y_retention")
    table = engine.query(
        b.text()
        + f"\nSELECT {d.hash_unit(f't.customer_id, {int(seed)}')} AS u, "
        + ", ".join(cols)
        + "\nFROM wide AS t\nWHERE "
        + " OR ".join(keep),
        tuple(b.params),
    )
    u = _floats(table, "u")
    xs = np.column_stack([_floats(table, f"x{i}") for i in range(len(measures))])
    targets: list[DriverTarget] = ["nps", "retention"] if nps is not None else ["retention"]
    return u, xs, {target: _floats(table, f"y_{target}") for target in targets}


def _drivers_for(
    measures: list[Measure],
    target: DriverTarget,
    target_label: str,
    u: np.ndarray,
    xs: np.ndarray,
    y: np.ndarray,
    n_boot: int,
    seed: int,
) -> KeyDrivers | None:
    has = np.isfinite(y)
    u, xs, y = u[has], xs[has], y[has]
    ns = [int(k) for k in np.isfinite(xs).sum(axis=0)]
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
    data = np.column_stack([xs[:, keep], y])
    rows = np.all(np.isfinite(data), axis=1)
    data, u = data[rows], u[rows]
    n = len(data)
    if n < MIN_CUSTOMERS:
        return None
    corr = _corr(data)
    shares = stats.shapley_r2(corr, names)
    r2 = stats.r_squared(corr)
    reps = max(int(n_boot), 0)
    # Above MAX_BOOT_ROWS customer × replicate weights, resample the m customers with the
    # smallest hashed numbers (a uniform random subset) and shrink the spread of their replicates
    # by √(m/n) (m-out-of-n bootstrap): the same percentile interval to first order, at a
    # bounded cost on millions of customers.
    m = min(n, max(MIN_CUSTOMERS, MAX_BOOT_ROWS // max(reps, 1)))
    boot_shares = np.full((reps, len(names)), math.nan)
    boot_r2 = np.full(reps, math.nan)
    if reps:
        # In hashed order even when every customer is resampled: the weights are reproducible.
        # (argpartition: the m smallest in O(n), then only those sorted.)
        first = np.argpartition(u, m - 1)[:m] if m < n else np.arange(n)
        sub = data[first[np.argsort(u[first], kind="stable")]]
        corr_sub = _corr(sub)
        reps_corr = _bayes_boot_corrs(sub, reps, seed)
        point_sub = stats.shapley_r2(corr_sub, names)
        r2_sub = stats.r_squared(corr_sub)
        shrink = math.sqrt(m / n)
        point = np.array([shares[k] for k in names])
        point_s = np.array([point_sub[k] for k in names])
        boot_shares = point + shrink * (shapley_r2_many(reps_corr) - point_s)
        boot_r2 = r2 + shrink * (r_squared_many(reps_corr) - r2_sub)
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
            + (f" on a subsample of {m:,} customers, rescaled" if m < n and reps else "")
        ),
    )


def _floats(table: Any, name: str) -> np.ndarray:
    """One result column as float64 numpy (NULL → NaN)."""
    col = table.column(name).cast("float64")
    return np.asarray(col.to_numpy(zero_copy_only=False), dtype=float)


def _corr(data: np.ndarray) -> np.ndarray:
    """Pearson correlation matrix of the columns; a constant column gives NaN (as SQL corr())."""
    cov = np.cov(data, rowvar=False, bias=True)
    sd = np.sqrt(np.clip(np.diag(cov), 0, None))
    with np.errstate(divide="ignore", invalid="ignore"):
        corr = cov / np.outer(sd, sd)
    np.fill_diagonal(corr, 1.0)
    corr[sd == 0, :] = math.nan
    corr[:, sd == 0] = math.nan
    return np.asarray(corr, dtype=float)


def _bayes_boot_corrs(data: np.ndarray, reps: int, seed: int) -> np.ndarray:
    """Correlation matrices of `reps` Bayesian-bootstrap replicates (Exp(1) weights per row).

    Weighted first and second moments of all replicates come from one matrix product of the
    weights (reps × m) with the centred columns and their pairwise products (m × …).
    """
    m, k = data.shape
    z = data - data.mean(axis=0)
    iu = np.triu_indices(k)
    prods = z[:, iu[0]] * z[:, iu[1]]
    w = np.random.default_rng(seed).standard_exponential((reps, m))
    sw = w.sum(axis=1)
    mean = (w @ z) / sw[:, None]
    second = (w @ prods) / sw[:, None]
    cov = np.empty((reps, k, k))
    cov[:, iu[0], iu[1]] = second - mean[:, iu[0]] * mean[:, iu[1]]
    cov[:, iu[1], iu[0]] = cov[:, iu[0], iu[1]]
    sd = np.sqrt(np.clip(np.einsum("rii->ri", cov), 0, None))
    with np.errstate(divide="ignore", invalid="ignore"):
        corr = cov / (sd[:, :, None] * sd[:, None, :])
    idx = np.arange(k)
    corr[:, idx, idx] = 1.0
    bad = sd == 0
    corr[np.repeat(bad[:, :, None], k, axis=2)] = math.nan
    corr[np.repeat(bad[:, None, :], k, axis=1)] = math.nan
    out: np.ndarray = corr
    return out
