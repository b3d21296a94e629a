"""Correlations from counts (Pearson, Spearman, point-biserial) with Fisher-z CIs, the difference
of two dependent correlations (Steiger's z, Zou's interval), and power."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats as _st

from .compare import DiffResult
from .intervals import NAN, _p_two_sided_z, z_crit


@dataclass(frozen=True)
class CorrResult:
    """A correlation with Fisher-z CI and two-sided p (t test with n-2 df)."""

    r: float
    ci_low: float
    ci_high: float
    p: float
    n: int
    method: str


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
    n: int, cxx: float, cyy: float, cxy: float, conf: float, method: str
) -> CorrResult:
    """CorrResult from centred sums (NaN when n < 2 or a variance is not positive)."""
    if n < 2 or cxx <= 0 or cyy <= 0:
        return CorrResult(NAN, NAN, NAN, NAN, max(int(n), 0), method)
    r = max(-1.0, min(1.0, cxy / math.sqrt(cxx * cyy)))
    if 1.0 - abs(r) < 1e-13:  # rounding left a perfect correlation a few ulps short of ±1
        r = math.copysign(1.0, r)
    lo, hi = fisher_z_ci(r, n, conf)
    return CorrResult(r, lo, hi, _corr_p(r, n), int(n), method)


def corr_from_r(r: float, n: int, method: str, conf: float = 0.95) -> CorrResult:
    """A correlation computed elsewhere (e.g. by the engine) with its Fisher-z CI and t-test p."""
    if not math.isfinite(r) or n < 2:
        return CorrResult(NAN, NAN, NAN, NAN, max(int(n), 0), method)
    r = max(-1.0, min(1.0, r))
    lo, hi = fisher_z_ci(r, n, conf)
    return CorrResult(r, lo, hi, _corr_p(r, n), int(n), method)


def _counts_xyw(
    x: ArrayLike, y: ArrayLike, w: ArrayLike
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
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
    # Constancy is checked exactly: a constant column's centred sum can be rounding noise > 0.
    if np.ptp(x) == 0 or np.ptp(y) == 0:
        return CorrResult(NAN, NAN, NAN, NAN, n, method)
    dx = x - np.dot(w, x) / n_total
    dy = y - np.dot(w, y) / n_total
    cxx, cyy, cxy = (float(np.dot(w, a * b)) for a, b in ((dx, dx), (dy, dy), (dx, dy)))
    return _corr_result(n, cxx, cyy, cxy, conf, method)


def pearson_from_counts(x: ArrayLike, y: ArrayLike, w: ArrayLike, conf: float = 0.95) -> CorrResult:
    """Pearson r of rows aggregated per distinct (x, y) pair with count w (n = Σw)."""
    return _weighted_corr(*_counts_xyw(x, y, w), conf, "Pearson")


def point_biserial_from_counts(
    x: ArrayLike, y01: ArrayLike, w: ArrayLike, conf: float = 0.95
) -> CorrResult:
    """Point-biserial r (Pearson with a 0/1 variable) from counts per (x, y01) pair."""
    return _weighted_corr(*_counts_xyw(x, y01, w), conf, "point-biserial")


def _midranks(v: NDArray[np.float64], w: NDArray[np.float64]) -> NDArray[np.float64]:
    """Average rank (1-based, ties share their mean rank) of each row, given row counts w."""
    uniq, inv = np.unique(v, return_inverse=True)
    tot = np.bincount(inv, weights=w, minlength=len(uniq))
    before = np.concatenate(([0.0], np.cumsum(tot)[:-1]))
    # numpy's stubs lose the dtype through concatenate: the result's type is stated.
    ranks: NDArray[np.float64] = (before + (tot + 1.0) / 2.0)[inv]
    return ranks


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


def steiger_z(r_jk: float, r_jh: float, r_kh: float, n: int) -> tuple[float, float]:
    """Steiger's (1980) z for ρ_jk = ρ_jh: two correlations on the same n units that share j.

    Fisher-z difference over its asymptotic SD, with the covariance from the pooled r̄ =
    (r_jk + r_jh) / 2 (Steiger's equations 3, 10 and 14); returns (z, two-sided p).
    """
    vals = (r_jk, r_jh, r_kh)
    if n <= 3 or not all(math.isfinite(v) and abs(v) < 1 for v in vals):
        return NAN, NAN
    rbar = (r_jk + r_jh) / 2
    psi = r_kh * (1 - 2 * rbar**2) - 0.5 * rbar**2 * (1 - 2 * rbar**2 - r_kh**2)
    c = psi / (1 - rbar**2) ** 2
    if c >= 1:  # k and h identical: no difference can be tested
        return NAN, NAN
    z = (math.atanh(r_jk) - math.atanh(r_jh)) * math.sqrt(n - 3) / math.sqrt(2 - 2 * c)
    return z, _p_two_sided_z(z)


def zou_dependent_ci(
    r_jk: float, r_jh: float, r_kh: float, n: int, conf: float = 0.95
) -> tuple[float, float]:
    """Zou's (2007) interval for ρ_jk − ρ_jh (overlapping, same units) from the two Fisher-z
    intervals and the correlation between the two estimates."""
    vals = (r_jk, r_jh, r_kh)
    if n <= 3 or not all(math.isfinite(v) and abs(v) < 1 for v in vals):
        return NAN, NAN
    l1, u1 = fisher_z_ci(r_jk, n, conf)
    l2, u2 = fisher_z_ci(r_jh, n, conf)
    c = ((r_kh - 0.5 * r_jk * r_jh) * (1 - r_jk**2 - r_jh**2 - r_kh**2) + r_kh**3) / (
        (1 - r_jk**2) * (1 - r_jh**2)
    )
    d = r_jk - r_jh
    lo = d - math.sqrt(
        max((r_jk - l1) ** 2 + (u2 - r_jh) ** 2 - 2 * c * (r_jk - l1) * (u2 - r_jh), 0)
    )
    hi = d + math.sqrt(
        max((u1 - r_jk) ** 2 + (r_jh - l2) ** 2 - 2 * c * (u1 - r_jk) * (r_jh - l2), 0)
    )
    return lo, hi


def diff_dependent_correlations(
    r_jk: float, r_jh: float, r_kh: float, n: int, conf: float = 0.95
) -> DiffResult:
    """r_jk − r_jh on the same units sharing j: Zou's interval and Steiger's z test."""
    lo, hi = zou_dependent_ci(r_jk, r_jh, r_kh, n, conf)
    _, p = steiger_z(r_jk, r_jh, r_kh, n)
    return DiffResult(r_jk - r_jh, lo, hi, p, "Zou (2007) interval; Steiger (1980) z test")
