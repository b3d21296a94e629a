"""Survival from counts per time: Kaplan–Meier with Greenwood CIs, median, and the log-rank test."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import stats as _st

from .intervals import NAN, z_crit


@dataclass(frozen=True)
class LogrankResult:
    """k-group log-rank test: chi-square, degrees of freedom, p, and observed/expected events."""

    chi2: float
    df: int
    p: float
    observed: dict[str, float] = field(default_factory=dict)
    expected: dict[str, float] = field(default_factory=dict)
    method: str = "log-rank"


KM_COLUMNS = ["time", "at_risk", "events", "censored", "survival", "ci_low", "ci_high"]


def _aggregate_times(
    time: ArrayLike, events: ArrayLike, censored: ArrayLike
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sum events/censored per distinct time, dropping times with no one."""
    t, d, c = (np.asarray(a, dtype=float).ravel() for a in (time, events, censored))
    if not (t.shape == d.shape == c.shape):
        raise ValueError("time, events and censored must have the same length")
    if np.any(d < 0) or np.any(c < 0):
        raise ValueError("events and censored must be non-negative counts")
    if np.any(~np.isfinite(t)):
        raise ValueError("times must be finite")
    keep = (d + c) > 0
    ut, inv = np.unique(t[keep], return_inverse=True)
    return (
        ut,
        np.bincount(inv, weights=d[keep], minlength=len(ut)),
        np.bincount(inv, weights=c[keep], minlength=len(ut)),
    )


def kaplan_meier(
    time: ArrayLike, events: ArrayLike, censored: ArrayLike, conf: float = 0.95
) -> pd.DataFrame:
    """Kaplan–Meier table (KM_COLUMNS) from counts per time, Greenwood log(−log) CI (lifelines)."""
    # events = churned at t, censored = still active at t. A time-0 row (survival 1) is added
    # when the first time is positive, as lifelines does, so the curve starts at 1.
    z = z_crit(conf)
    t, d, c = _aggregate_times(time, events, censored)
    if len(t) == 0:
        return pd.DataFrame({k: pd.Series(dtype=float) for k in KM_COLUMNS})
    if t[0] > 0:
        t, d, c = np.r_[0.0, t], np.r_[0.0, d], np.r_[0.0, c]
    removed = d + c
    at_risk = removed.sum() - np.concatenate(([0.0], np.cumsum(removed)[:-1]))
    with np.errstate(divide="ignore", invalid="ignore"):
        surv = np.exp(np.cumsum(np.log(at_risk - d) - np.log(at_risk)))
        step_var = d / (at_risk * (at_risk - d))
        # Everyone left died: the Greenwood term is undefined; lifelines counts it as 0.
        step_var[np.isinf(step_var)] = 0.0
        cum_var = np.cumsum(step_var)
        v = np.log(surv)
        lo = np.exp(-np.exp(np.log(-v) - z * np.sqrt(cum_var) / v))
        hi = np.exp(-np.exp(np.log(-v) + z * np.sqrt(cum_var) / v))
    # Where survival is still 1 the log(−log) bound is 0/0: the interval is the point, 1.
    lo[np.isnan(lo)] = 1.0
    hi[np.isnan(hi)] = 1.0
    return pd.DataFrame(
        {
            "time": t,
            "at_risk": at_risk.round().astype("int64"),
            "events": d.round().astype("int64"),
            "censored": c.round().astype("int64"),
            "survival": surv,
            "ci_low": lo,
            "ci_high": hi,
        }
    )


def km_median(km: pd.DataFrame) -> float | None:
    """Median survival: first time with survival ≤ 0.5 (lifelines); None if never reached."""
    if km.empty:
        return None
    hit = np.flatnonzero(km["survival"].to_numpy() <= 0.5)
    return float(km["time"].iloc[hit[0]]) if len(hit) else None


def km_at(km: pd.DataFrame, t: float) -> float:
    """Survival step function at time t (1 before the first time, last value after the last)."""
    if km.empty or not math.isfinite(t):
        return NAN
    i = int(np.searchsorted(km["time"].to_numpy(), t, side="right")) - 1
    return 1.0 if i < 0 else float(km["survival"].iloc[i])


def logrank(groups: Mapping[str, tuple[ArrayLike, ArrayLike, ArrayLike]]) -> LogrankResult:
    """k-group log-rank test from (time, events, censored) counts per group (as lifelines)."""
    # Groups with nobody in them are dropped; NaN when < 2 groups remain or nobody had the event.
    agg = {str(k): _aggregate_times(*v) for k, v in groups.items()}
    agg = {k: v for k, v in agg.items() if v[1].sum() + v[2].sum() > 0}
    names = sorted(agg)  # lifelines orders groups by label; only matters for a singular V
    k = len(names)
    if k < 2:
        return LogrankResult(NAN, max(k - 1, 0), NAN)
    times = np.unique(np.concatenate([agg[g][0] for g in names]))
    d = np.zeros((len(times), k))
    rm = np.zeros((len(times), k))
    for j, g in enumerate(names):
        gt, gd, gc = agg[g]
        idx = np.searchsorted(times, gt)
        d[idx, j] = gd
        rm[idx, j] = gd + gc
    n_j = rm.sum(0) - np.vstack([np.zeros(k), np.cumsum(rm, 0)[:-1]])  # at risk per group
    n = n_j.sum(1)
    dt = d.sum(1)
    observed, expected = d.sum(0), (n_j * (dt / n)[:, None]).sum(0)
    if dt.sum() == 0:
        return LogrankResult(
            NAN,
            k - 1,
            NAN,
            dict(zip(names, observed.tolist(), strict=True)),
            dict(zip(names, expected.tolist(), strict=True)),
        )
    with np.errstate(divide="ignore", invalid="ignore"):
        ties = (n - dt) / (n - 1)
    ties[~np.isfinite(ties)] = 1.0  # one at risk: no tie correction needed (term is 0 or d=0)
    factor = ties * dt / n**2
    # V_jl = Σ_t factor · n_j (n δ_jl − n_l)
    a = n_j * np.sqrt(factor)[:, None]
    v = np.diag((n_j * n[:, None] * factor[:, None]).sum(0)) - a.T @ a
    u = (observed - expected)[:-1]
    chi2 = float(u @ np.linalg.pinv(v[:-1, :-1]) @ u)
    return LogrankResult(
        chi2,
        k - 1,
        float(_st.chi2.sf(chi2, k - 1)),
        dict(zip(names, observed.tolist(), strict=True)),
        dict(zip(names, expected.tolist(), strict=True)),
    )
