"""Intervals, significance, correlation, survival and key drivers: pure functions on small inputs.

Everything here works on sufficient statistics or counts aggregated upstream (in DuckDB), never on
raw rows. Degenerate input (n = 0, no variance, no events) gives NaN rather than an exception;
impossible input (negative counts, more successes than trials) raises ValueError.

Scales: proportions are 0..1, NPS is -1..1, means are in the data's units.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from itertools import combinations
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import stats as _st

NAN = float("nan")

__all__ = [
    "SUS_GRADES",
    "CorrResult",
    "DiffResult",
    "Estimate",
    "LogisticResult",
    "LogrankResult",
    "adjusted_wald",
    "bootstrap_interval",
    "diff_geometric_means",
    "diff_means",
    "diff_nps",
    "diff_proportions",
    "fisher_z_ci",
    "geometric_mean_interval",
    "kaplan_meier",
    "km_at",
    "km_median",
    "logistic_from_counts",
    "logrank",
    "nps_interval",
    "pearson_from_counts",
    "pearson_from_moments",
    "point_biserial_from_counts",
    "power_n_for_r",
    "predicted_change",
    "r_squared",
    "relative_weights",
    "resample_counts",
    "shapley_r2",
    "spearman_from_counts",
    "sus_grade",
    "sus_percentile",
    "t_interval",
    "z_crit",
]


# ---------------------------------------------------------------------------------------------
# result types


@dataclass(frozen=True)
class Estimate:
    """A point estimate with a confidence interval on its natural scale."""

    value: float
    ci_low: float
    ci_high: float
    n: int
    method: str


@dataclass(frozen=True)
class DiffResult:
    """Change between two groups/periods (second minus first) with CI and two-sided p."""

    diff: float
    ci_low: float
    ci_high: float
    p: float
    method: str


@dataclass(frozen=True)
class CorrResult:
    """A correlation with Fisher-z CI and two-sided p (t test with n-2 df)."""

    r: float
    ci_low: float
    ci_high: float
    p: float
    n: int
    method: str


@dataclass(frozen=True, eq=False)
class LogisticResult:
    """Logistic regression of an event on one numeric predictor (coefficients on logit scale)."""

    intercept: float
    slope: float
    se_slope: float
    odds_ratio_per_10: float
    or_ci_low: float
    or_ci_high: float
    p: float
    n: int
    cov: np.ndarray  # 2x2 covariance of (intercept, slope)
    method: str = "logistic regression (binomial GLM on grouped counts)"


@dataclass(frozen=True)
class LogrankResult:
    """k-group log-rank test: chi-square, degrees of freedom, p, and observed/expected events."""

    chi2: float
    df: int
    p: float
    observed: dict[str, float] = field(default_factory=dict)
    expected: dict[str, float] = field(default_factory=dict)
    method: str = "log-rank"


# ---------------------------------------------------------------------------------------------
# helpers


def z_crit(conf: float = 0.95) -> float:
    """Two-sided standard-normal critical value for confidence level conf (1.96 for 0.95)."""
    if not 0.0 < conf < 1.0:
        raise ValueError(f"conf must be in (0, 1), got {conf!r}")
    return float(_st.norm.ppf(1.0 - (1.0 - conf) / 2.0))


def _t_crit(conf: float, df: float) -> float:
    """Two-sided Student-t critical value."""
    z_crit(conf)  # validates conf
    return float(_st.t.ppf(1.0 - (1.0 - conf) / 2.0, df))


def _clip(v: float, lo: float, hi: float) -> float:
    """Clip that lets NaN through."""
    return v if math.isnan(v) else min(max(v, lo), hi)


def _as_n(n: float | None) -> int:
    """Sample size as int; None/NaN (e.g. a NULL aggregate) counts as 0."""
    return 0 if n is None or not math.isfinite(n) else int(n)


def _check_count(name: str, x: float, n: float) -> None:
    """Reject counts that cannot happen (negative, or more than n)."""
    if x < 0 or x > n:
        raise ValueError(f"{name}={x} must be between 0 and n={n}")


def _p_two_sided_z(z: float) -> float:
    """Two-sided p for a standard-normal statistic; NaN stays NaN."""
    return NAN if math.isnan(z) else float(2.0 * _st.norm.sf(abs(z)))


def _nan_estimate(n: int, method: str, value: float = NAN) -> Estimate:
    """Estimate with a NaN interval (and NaN value unless given)."""
    return Estimate(value, NAN, NAN, n, method)


# ---------------------------------------------------------------------------------------------
# single-group intervals

ADJUSTED_WALD = "adjusted Wald"
ADJUSTED_WALD_NPS = "adjusted Wald (NPS)"
T_INTERVAL = "t-interval"
GEOMETRIC = "geometric mean, t-interval on log times"


def adjusted_wald(successes: float, n: int, conf: float = 0.95) -> Estimate:
    """Proportion successes/n with the Agresti–Coull (adjusted Wald) interval, clipped to [0, 1]."""
    n = _as_n(n)
    if n <= 0:
        return _nan_estimate(0, ADJUSTED_WALD)
    _check_count("successes", successes, n)
    z = z_crit(conf)
    n_adj = n + z * z
    p_adj = (successes + z * z / 2.0) / n_adj
    half = z * math.sqrt(p_adj * (1.0 - p_adj) / n_adj)
    # The point estimate stays the raw proportion; only the interval is centred on p_adj.
    return Estimate(
        successes / n, _clip(p_adj - half, 0, 1), _clip(p_adj + half, 0, 1), n, ADJUSTED_WALD
    )


def _nps_adjusted(promoters: float, detractors: float, n: float) -> tuple[float, float]:
    """Adjusted NPS and its variance (Rocks 2016): n+3 respondents, +3/4 promoters/detractors."""
    n_adj = n + 3.0
    p = (promoters + 0.75) / n_adj
    d = (detractors + 0.75) / n_adj
    nps = p - d
    return nps, (p + d - nps * nps) / n_adj


def nps_interval(promoters: int, detractors: int, n: int, conf: float = 0.95) -> Estimate:
    """NPS (P−D)/n on −1..1 with the Rocks (2016) adjusted-Wald interval, clipped to [−1, 1]."""
    n = _as_n(n)
    if n <= 0:
        return _nan_estimate(0, ADJUSTED_WALD_NPS)
    _check_count("promoters", promoters, n)
    _check_count("detractors", detractors, n)
    if promoters + detractors > n:
        raise ValueError("promoters + detractors cannot exceed n")
    z = z_crit(conf)
    nps_adj, var = _nps_adjusted(promoters, detractors, n)
    half = z * math.sqrt(var)
    # Note: with n = 1 the adjusted interval can exclude the raw ±1; that is the published method.
    return Estimate(
        (promoters - detractors) / n,
        _clip(nps_adj - half, -1, 1),
        _clip(nps_adj + half, -1, 1),
        n,
        ADJUSTED_WALD_NPS,
    )


def t_interval(mean: float, sd: float, n: int, conf: float = 0.95) -> Estimate:
    """Mean with a Student-t interval; the interval is NaN when n < 2 (value NaN when n = 0)."""
    n = _as_n(n)
    if n <= 0:
        return _nan_estimate(0, T_INTERVAL)
    if n < 2 or not math.isfinite(sd):
        return _nan_estimate(n, T_INTERVAL, float(mean))
    half = _t_crit(conf, n - 1) * sd / math.sqrt(n)
    return Estimate(float(mean), mean - half, mean + half, n, T_INTERVAL)


def geometric_mean_interval(mean_log: float, sd_log: float, n: int, conf: float = 0.95) -> Estimate:
    """Geometric mean exp(mean of logs) with the t-interval on logs, exponentiated back."""
    e = t_interval(mean_log, sd_log, n, conf)
    return Estimate(
        math.exp(e.value) if math.isfinite(e.value) else NAN,
        math.exp(e.ci_low) if math.isfinite(e.ci_low) else NAN,
        math.exp(e.ci_high) if math.isfinite(e.ci_high) else NAN,
        e.n,
        GEOMETRIC,
    )


# ---------------------------------------------------------------------------------------------
# SUS

# Sauro–Lewis curved grading scale (Quantifying the User Experience, 2nd ed., table 8.5):
# lower bound of each grade, highest first.
SUS_GRADES: list[tuple[float, str]] = [
    (84.1, "A+"),
    (80.8, "A"),
    (78.9, "A-"),
    (77.2, "B+"),
    (74.1, "B"),
    (72.6, "B-"),
    (71.1, "C+"),
    (65.0, "C"),
    (62.7, "C-"),
    (51.7, "D"),
    (0.0, "F"),
]

# The percentile ranges printed next to the same grades (lower bound of each range), used for the
# "curve" method so that percentile and grade never disagree on one screen.
_SUS_CURVE_SCORE = [0.0, 51.7, 62.7, 65.0, 71.1, 72.6, 74.1, 77.2, 78.9, 80.8, 84.1, 100.0]
_SUS_CURVE_PCT = [0.0, 15.0, 35.0, 41.0, 60.0, 65.0, 70.0, 80.0, 85.0, 90.0, 96.0, 100.0]

SUS_MEAN = 68.0
SUS_SD = 12.5


def sus_grade(score: float) -> str:
    """Sauro–Lewis curved letter grade for a mean SUS score ("n/a" for NaN)."""
    if not math.isfinite(score):
        return "n/a"
    for bound, grade in SUS_GRADES:
        if score >= bound:
            return grade
    return "F"


def sus_percentile(score: float, method: Literal["normal", "curve"] = "normal") -> float:
    """Approximate percentile rank (0..100) of a SUS score vs Sauro's norms (normal or curve)."""
    # "normal" (default): N(68, 12.5²); smooth but light in the tails (84.1 → 90th, where the
    # grading table says 96th). "curve": linear between the percentile ranges printed with the
    # Sauro–Lewis grades, so percentile and sus_grade never disagree on one screen.
    if not math.isfinite(score):
        return NAN
    if method == "normal":
        return float(100.0 * _st.norm.cdf((score - SUS_MEAN) / SUS_SD))
    if method == "curve":
        return float(np.interp(score, _SUS_CURVE_SCORE, _SUS_CURVE_PCT))
    raise ValueError(f"unknown method {method!r}")


# ---------------------------------------------------------------------------------------------
# change between two groups / periods (always second minus first)


def diff_proportions(x1: float, n1: int, x2: float, n2: int, conf: float = 0.95) -> DiffResult:
    """p2 − p1 with the Agresti–Caffo interval (+1 success, +2 trials each) and pooled z-test p."""
    method = "difference of proportions: Agresti–Caffo CI, pooled z test"
    n1, n2 = _as_n(n1), _as_n(n2)
    if n1 <= 0 or n2 <= 0:
        return DiffResult(NAN, NAN, NAN, NAN, method)
    _check_count("x1", x1, n1)
    _check_count("x2", x2, n2)
    p1, p2 = x1 / n1, x2 / n2
    diff = p2 - p1
    z = z_crit(conf)
    a1, a2 = (x1 + 1.0) / (n1 + 2.0), (x2 + 1.0) / (n2 + 2.0)
    half = z * math.sqrt(a1 * (1 - a1) / (n1 + 2.0) + a2 * (1 - a2) / (n2 + 2.0))
    lo, hi = _clip(a2 - a1 - half, -1, 1), _clip(a2 - a1 + half, -1, 1)
    pooled = (x1 + x2) / (n1 + n2)
    se0 = math.sqrt(pooled * (1 - pooled) * (1.0 / n1 + 1.0 / n2))
    # All successes or all failures in both groups: no variation, the test is undefined.
    p = _p_two_sided_z(diff / se0) if se0 > 0 else NAN
    return DiffResult(diff, lo, hi, p, method)


def _welch(
    m1: float, s1: float, n1: int, m2: float, s2: float, n2: int, conf: float
) -> tuple[float, float, float, float]:
    """Welch difference m2 − m1: (diff, ci_low, ci_high, p); NaN where undefined."""
    n1, n2 = _as_n(n1), _as_n(n2)
    diff = m2 - m1 if n1 > 0 and n2 > 0 else NAN
    if n1 < 2 or n2 < 2 or not (math.isfinite(s1) and math.isfinite(s2)):
        return diff, NAN, NAN, NAN
    v1, v2 = s1 * s1 / n1, s2 * s2 / n2
    se = math.sqrt(v1 + v2)
    if se == 0:
        return diff, NAN, NAN, NAN
    df = (v1 + v2) ** 2 / (v1 * v1 / (n1 - 1) + v2 * v2 / (n2 - 1))
    half = _t_crit(conf, df) * se
    p = float(2.0 * _st.t.sf(abs(diff / se), df))
    return diff, diff - half, diff + half, p


def diff_means(
    m1: float, s1: float, n1: int, m2: float, s2: float, n2: int, conf: float = 0.95
) -> DiffResult:
    """m2 − m1 with the Welch t interval and two-sided Welch t-test p."""
    return DiffResult(*_welch(m1, s1, n1, m2, s2, n2, conf), "difference of means (Welch t)")


def diff_nps(
    P1: int, D1: int, n1: int, P2: int, D2: int, n2: int, conf: float = 0.95
) -> DiffResult:
    """NPS2 − NPS1 (−2..2) with an adjusted-Wald CI and z-test p (Rocks 2016 variances)."""
    method = "difference of NPS (adjusted Wald z)"
    n1, n2 = _as_n(n1), _as_n(n2)
    if n1 <= 0 or n2 <= 0:
        return DiffResult(NAN, NAN, NAN, NAN, method)
    for name, x, n in (("P1", P1, n1), ("D1", D1, n1), ("P2", P2, n2), ("D2", D2, n2)):
        _check_count(name, x, n)
    diff = (P2 - D2) / n2 - (P1 - D1) / n1
    a1, v1 = _nps_adjusted(P1, D1, n1)
    a2, v2 = _nps_adjusted(P2, D2, n2)
    se = math.sqrt(v1 + v2)  # always > 0 thanks to the +3/4 adjustment
    adj = a2 - a1
    half = z_crit(conf) * se
    # As in Sauro's comparison of two NPS, both CI and z use the adjusted difference.
    return DiffResult(
        diff, _clip(adj - half, -2, 2), _clip(adj + half, -2, 2), _p_two_sided_z(adj / se), method
    )


def diff_geometric_means(
    ml1: float, sl1: float, n1: int, ml2: float, sl2: float, n2: int, conf: float = 0.95
) -> DiffResult:
    """Relative change GM2/GM1 − 1 (+0.10 = 10% longer) with Welch CI and p on the log scale."""
    # A ratio, not seconds: only the ratio has an exact back-transformed interval,
    # exp(Welch CI of mean_log2 − mean_log1) − 1.
    d, lo, hi, p = _welch(ml1, sl1, n1, ml2, sl2, n2, conf)

    def back(v: float) -> float:
        """Log-ratio → ratio − 1."""
        return math.expm1(v) if math.isfinite(v) else NAN

    return DiffResult(
        back(d), back(lo), back(hi), p, "ratio of geometric means − 1 (Welch t on logs)"
    )


# ---------------------------------------------------------------------------------------------
# correlation


def fisher_z_ci(r: float, n: int, conf: float = 0.95) -> tuple[float, float]:
    """Fisher-z interval tanh(atanh r ± z/√(n−3)); (NaN, NaN) when n ≤ 3 or r is NaN."""
    if not math.isfinite(r) or n <= 3:
        return NAN, NAN
    if abs(r) >= 1.0:
        return float(np.sign(r)), float(np.sign(r))
    zr, half = math.atanh(r), z_crit(conf) / math.sqrt(n - 3)
    return math.tanh(zr - half), math.tanh(zr + half)


def _corr_p(r: float, n: int) -> float:
    """Two-sided p for r with t = r·√((n−2)/(1−r²)), n−2 df (as scipy.stats.pearsonr)."""
    if not math.isfinite(r) or n < 3:
        return NAN
    if abs(r) >= 1.0:
        return 0.0
    t = r * math.sqrt((n - 2) / ((1.0 - r) * (1.0 + r)))
    return float(2.0 * _st.t.sf(abs(t), n - 2))


def _corr_result(
    n: int, cxx: float, cyy: float, cxy: float, scale: tuple[float, float], conf: float, method: str
) -> CorrResult:
    """CorrResult from centred sums; a variance at rounding-noise level relative to scale → NaN."""
    # Centred sums from raw moments lose precision; treat relative noise as zero variance.
    tol = 1e-12
    if n < 2 or cxx <= tol * scale[0] or cyy <= tol * scale[1]:
        return CorrResult(NAN, NAN, NAN, NAN, max(int(n), 0), method)
    r = max(-1.0, min(1.0, cxy / math.sqrt(cxx * cyy)))
    if 1.0 - abs(r) < 1e-13:  # rounding left a perfect correlation a few ulps short of ±1
        r = math.copysign(1.0, r)
    lo, hi = fisher_z_ci(r, n, conf)
    return CorrResult(r, lo, hi, _corr_p(r, n), int(n), method)


def pearson_from_moments(
    n: int, sx: float, sy: float, sxx: float, syy: float, sxy: float, conf: float = 0.95
) -> CorrResult:
    """Pearson r from raw sums (Σx, Σy, Σx², Σy², Σxy) with Fisher-z CI and t-test p."""
    # Raw sums cancel badly when means are large relative to spread: centre upstream if so.
    n = _as_n(n)
    if n < 2:
        return CorrResult(NAN, NAN, NAN, NAN, max(n, 0), "Pearson")
    cxx = sxx - sx * sx / n
    cyy = syy - sy * sy / n
    cxy = sxy - sx * sy / n
    return _corr_result(n, cxx, cyy, cxy, (abs(sxx), abs(syy)), conf, "Pearson")


def _counts_xyw(x: ArrayLike, y: ArrayLike, w: ArrayLike) -> tuple[np.ndarray, ...]:
    """Validated float arrays with zero-weight rows dropped."""
    xa, ya, wa = (np.asarray(a, dtype=float).ravel() for a in (x, y, w))
    if not (xa.shape == ya.shape == wa.shape):
        raise ValueError("x, y and w must have the same length")
    if np.any(wa < 0):
        raise ValueError("weights (counts) must be non-negative")
    keep = wa > 0
    return xa[keep], ya[keep], wa[keep]


def _weighted_corr(
    x: np.ndarray, y: np.ndarray, w: np.ndarray, conf: float, method: str
) -> CorrResult:
    """Pearson on rows weighted by counts, via centred (two-pass) sums."""
    n_total = float(w.sum())
    n = int(round(n_total))
    if n < 2:
        return CorrResult(NAN, NAN, NAN, NAN, max(n, 0), method)
    # Exact constancy check: the centred-sum tolerance is for raw moments, not needed here.
    if np.ptp(x) == 0 or np.ptp(y) == 0:
        return CorrResult(NAN, NAN, NAN, NAN, n, method)
    dx = x - np.dot(w, x) / n_total
    dy = y - np.dot(w, y) / n_total
    cxx, cyy, cxy = (float(np.dot(w, a * b)) for a, b in ((dx, dx), (dy, dy), (dx, dy)))
    return _corr_result(n, cxx, cyy, cxy, (0.0, 0.0), conf, method)


def pearson_from_counts(x: ArrayLike, y: ArrayLike, w: ArrayLike, conf: float = 0.95) -> CorrResult:
    """Pearson r of rows aggregated per distinct (x, y) pair with count w (n = Σw)."""
    return _weighted_corr(*_counts_xyw(x, y, w), conf, "Pearson")


def point_biserial_from_counts(
    x: ArrayLike, y01: ArrayLike, w: ArrayLike, conf: float = 0.95
) -> CorrResult:
    """Point-biserial r (Pearson with a 0/1 variable) from counts per (x, y01) pair."""
    return _weighted_corr(*_counts_xyw(x, y01, w), conf, "point-biserial")


def _midranks(v: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Average rank (1-based, ties share their mean rank) of each row, given row counts w."""
    uniq, inv = np.unique(v, return_inverse=True)
    tot = np.bincount(inv, weights=w, minlength=len(uniq))
    before = np.concatenate(([0.0], np.cumsum(tot)[:-1]))
    return (before + (tot + 1.0) / 2.0)[inv]


def spearman_from_counts(
    x: ArrayLike, y: ArrayLike, w: ArrayLike, conf: float = 0.95
) -> CorrResult:
    """Spearman rho from counts: tie-averaged ranks from the counts, then weighted Pearson."""
    xa, ya, wa = _counts_xyw(x, y, w)
    if len(wa) == 0:
        return CorrResult(NAN, NAN, NAN, NAN, 0, "Spearman")
    return _weighted_corr(_midranks(xa, wa), _midranks(ya, wa), wa, conf, "Spearman")


def power_n_for_r(r: float, power: float = 0.8, alpha: float = 0.05) -> int:
    """Sample size to detect correlation r (two-sided alpha) with the given power (Fisher z)."""
    if not (math.isfinite(r) and 0 < abs(r) < 1):
        raise ValueError("r must be strictly between -1 and 1 and non-zero")
    if not 0 < power < 1:
        raise ValueError("power must be in (0, 1)")
    za, zb = z_crit(1.0 - alpha), float(_st.norm.ppf(power))
    return int(math.ceil(((za + zb) / math.atanh(abs(r))) ** 2 + 3))


# ---------------------------------------------------------------------------------------------
# survival

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


def logrank(groups: dict[str, tuple[ArrayLike, ArrayLike, ArrayLike]]) -> LogrankResult:
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


# ---------------------------------------------------------------------------------------------
# logistic regression from grouped counts


def _nan_logistic(n: int, why: str) -> LogisticResult:
    """All-NaN LogisticResult whose method says why the model is not estimable."""
    return LogisticResult(
        NAN,
        NAN,
        NAN,
        NAN,
        NAN,
        NAN,
        NAN,
        n,
        np.full((2, 2), NAN),
        f"logistic regression: not estimable ({why})",
    )


def logistic_from_counts(
    x: ArrayLike, events: ArrayLike, n: ArrayLike, conf: float = 0.95
) -> LogisticResult:
    """Logit P(event) = a + b·x fitted to events of n per x value; OR per +10 in x with Wald CI."""
    from statsmodels.genmod import families
    from statsmodels.genmod.generalized_linear_model import GLM

    xa, ea, na = (np.asarray(a, dtype=float).ravel() for a in (x, events, n))
    if not (xa.shape == ea.shape == na.shape):
        raise ValueError("x, events and n must have the same length")
    if np.any(ea < 0) or np.any(ea > na):
        raise ValueError("events must be between 0 and n")
    keep = na > 0
    xa, ea, na = xa[keep], ea[keep], na[keep]
    total = int(round(na.sum()))
    if total == 0:
        return _nan_logistic(0, "no data")
    if np.unique(xa).size < 2:
        return _nan_logistic(total, "x does not vary")
    ev, ne = ea > 0, (na - ea) > 0
    if not ev.any() or not ne.any():
        return _nan_logistic(total, "all or none had the event")
    # In one dimension (quasi-)complete separation means events and non-events don't overlap in x;
    # the MLE slope is then infinite, so say so instead of reporting a huge number.
    if xa[ne].max() <= xa[ev].min() or xa[ev].max() <= xa[ne].min():
        return _nan_logistic(total, "perfect separation")
    exog = np.column_stack([np.ones_like(xa), xa])
    endog = np.column_stack([ea, na - ea])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = GLM(endog, exog, family=families.Binomial()).fit(
            tol_criterion="params", atol=1e-12, rtol=0.0, maxiter=200
        )
    b0, b1 = (float(v) for v in fit.params)
    # IRLS reports the covariance from the last weights it used; recompute the inverse Fisher
    # information at the final estimate so it matches Logit on the raw rows to 1e-9.
    mu = _expit(b0 + b1 * xa)
    info = (exog * (na * mu * (1.0 - mu))[:, None]).T @ exog
    try:
        cov = np.linalg.inv(info)
    except np.linalg.LinAlgError:
        return _nan_logistic(total, "singular information matrix")
    se = math.sqrt(cov[1, 1]) if cov[1, 1] > 0 else NAN
    if not all(math.isfinite(v) for v in (b0, b1, se)):
        return _nan_logistic(total, "fit did not converge")
    z = z_crit(conf)
    return LogisticResult(
        intercept=b0,
        slope=b1,
        se_slope=se,
        odds_ratio_per_10=math.exp(10.0 * b1),
        or_ci_low=math.exp(10.0 * (b1 - z * se)),
        or_ci_high=math.exp(10.0 * (b1 + z * se)),
        p=_p_two_sided_z(b1 / se),
        n=total,
        cov=cov,
    )


def _expit(v: np.ndarray) -> np.ndarray:
    """Inverse logit."""
    return 1.0 / (1.0 + np.exp(-v))


def predicted_change(
    res: LogisticResult,
    x_values: ArrayLike,
    weights: ArrayLike,
    delta: float = 10.0,
    conf: float = 0.95,
) -> Estimate:
    """Average change in predicted probability if every x rose by delta, with delta-method CI."""
    # value = Σw·[p(x+δ) − p(x)]/Σw over the observed x distribution (average marginal effect of
    # a δ-step); CI = value ± z·√(gᵀ Σ g), g its gradient in (intercept, slope), clipped to ±1.
    # Delta method rather than simulation: deterministic, and it agrees with a parametric
    # simulation to a few percent (see the tests).
    method = f"average change in predicted probability for +{delta:g} in x (delta method)"
    xa, wa = np.asarray(x_values, dtype=float).ravel(), np.asarray(weights, dtype=float).ravel()
    if xa.shape != wa.shape:
        raise ValueError("x_values and weights must have the same length")
    wsum = float(wa.sum())
    if wsum <= 0 or not math.isfinite(res.slope):
        return _nan_estimate(res.n, method)
    w = wa / wsum
    p0 = _expit(res.intercept + res.slope * xa)
    p1 = _expit(res.intercept + res.slope * (xa + delta))
    value = float(np.dot(w, p1 - p0))
    d0, d1 = p0 * (1 - p0), p1 * (1 - p1)  # dp/dlogit
    grad = np.array([np.dot(w, d1 - d0), np.dot(w, d1 * (xa + delta) - d0 * xa)])
    se = math.sqrt(max(float(grad @ res.cov @ grad), 0.0))
    half = z_crit(conf) * se
    return Estimate(value, _clip(value - half, -1, 1), _clip(value + half, -1, 1), res.n, method)


# ---------------------------------------------------------------------------------------------
# key drivers


def _split_corr(corr: np.ndarray, names: list[str]) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """(Rxx, rxy, predictor names) from a correlation matrix with the outcome last."""
    c = np.asarray(corr, dtype=float)
    if c.ndim != 2 or c.shape[0] != c.shape[1] or c.shape[0] < 2:
        raise ValueError("corr must be a square matrix with at least one predictor and the outcome")
    p = c.shape[0] - 1
    names = list(names)
    if len(names) == p + 1:  # the outcome's name may be included; drop it
        names = names[:p]
    if len(names) != p:
        raise ValueError(f"expected {p} predictor names, got {len(names)}")
    return c[:p, :p], c[:p, p], names


def r_squared(corr: np.ndarray) -> float:
    """R² of the outcome (last) on all predictors from a correlation matrix (pinv if singular)."""
    c = np.asarray(corr, dtype=float)
    rxx, rxy = c[:-1, :-1], c[:-1, -1]
    if not np.all(np.isfinite(c)):
        return NAN
    return float(rxy @ np.linalg.pinv(rxx) @ rxy)


def relative_weights(corr: np.ndarray, names: list[str]) -> dict[str, float]:
    """Johnson's (2000) relative weights: each predictor's share of R² (they sum to R²)."""
    rxx, rxy, names = _split_corr(corr, names)
    if not (np.all(np.isfinite(rxx)) and np.all(np.isfinite(rxy))):
        return dict.fromkeys(names, NAN)
    evals, evecs = np.linalg.eigh(rxx)
    evals = np.clip(evals, 0.0, None)  # a singular Rxx gives tiny negative eigenvalues
    lam = evecs @ np.diag(np.sqrt(evals)) @ evecs.T  # correlations of X with orthogonal Z
    beta = np.linalg.pinv(lam) @ rxy  # regression of y on Z
    raw = (lam**2) @ (beta**2)
    return dict(zip(names, raw.tolist(), strict=True))


MAX_SHAPLEY_PREDICTORS = 15


def shapley_r2(corr: np.ndarray, names: list[str]) -> dict[str, float]:
    """LMG/Shapley decomposition of R² (exact over all subsets; values sum to R²)."""
    rxx, rxy, names = _split_corr(corr, names)
    p = len(names)
    if p > MAX_SHAPLEY_PREDICTORS:
        raise ValueError(
            f"exact Shapley needs 2^p fits; at most {MAX_SHAPLEY_PREDICTORS} predictors"
        )
    if not (np.all(np.isfinite(rxx)) and np.all(np.isfinite(rxy))):
        return dict.fromkeys(names, NAN)
    r2 = np.zeros(1 << p)
    for size in range(1, p + 1):
        for subset in combinations(range(p), size):
            idx = list(subset)
            r = rxy[idx]
            r2[sum(1 << i for i in idx)] = float(r @ np.linalg.pinv(rxx[np.ix_(idx, idx)]) @ r)
    # Shapley weight of a subset of size s not containing j: s!(p−s−1)!/p!
    weight = [math.factorial(s) * math.factorial(p - s - 1) / math.factorial(p) for s in range(p)]
    out = np.zeros(p)
    for mask in range(1 << p):
        s = mask.bit_count()
        for j in range(p):
            if not mask >> j & 1:
                out[j] += weight[s] * (r2[mask | 1 << j] - r2[mask])
    return dict(zip(names, out.tolist(), strict=True))


def resample_counts(w: ArrayLike, n_boot: int = 1000, seed: int = 0) -> np.ndarray:
    """Bootstrap weights for count-aggregated rows: (n_boot, len(w)) multinomial draws of Σw."""
    wa = np.asarray(w, dtype=float).ravel()
    total = int(round(wa.sum()))
    if total <= 0:
        return np.zeros((n_boot, len(wa)))
    rng = np.random.default_rng(seed)
    return rng.multinomial(total, wa / wa.sum(), size=n_boot).astype(float)


def bootstrap_interval(values: np.ndarray, conf: float = 0.95) -> tuple[float, float]:
    """Percentile interval of bootstrap replicates (NaN replicates dropped; NaN if < 2 left)."""
    z_crit(conf)  # validates conf
    v = np.asarray(values, dtype=float).ravel()
    v = v[np.isfinite(v)]
    if v.size < 2:
        return NAN, NAN
    a = (1.0 - conf) / 2.0
    lo, hi = np.quantile(v, [a, 1.0 - a])
    return float(lo), float(hi)
