"""Key drivers: R² and its Shapley (LMG) decomposition from a correlation matrix, bootstrap CIs."""

from __future__ import annotations

import math
from itertools import combinations

import numpy as np

from .intervals import NAN, z_crit


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


def shapley_r2_many(corrs: np.ndarray) -> np.ndarray:
    """shapley_r2 for a stack of correlation matrices (R, p+1, p+1) at once: (R, p) shares.

    The same exact decomposition, with each subset's R² solved for every matrix in one batched
    pseudo-inverse (bootstrap replicates: 200 matrices cost about what one did before). A matrix
    with any non-finite entry gets NaN shares, as shapley_r2 gives.
    """
    c = np.asarray(corrs, dtype=float)
    if c.ndim != 3 or c.shape[1] != c.shape[2] or c.shape[1] < 2:
        raise ValueError("corrs must be a stack of square matrices (R, p+1, p+1)")
    reps, p = c.shape[0], c.shape[1] - 1
    if p > MAX_SHAPLEY_PREDICTORS:
        raise ValueError(
            f"exact Shapley needs 2^p fits; at most {MAX_SHAPLEY_PREDICTORS} predictors"
        )
    finite = np.all(np.isfinite(c), axis=(1, 2))
    c = np.where(finite[:, None, None], c, 0.0)
    rxx, rxy = c[:, :p, :p], c[:, :p, p]
    r2 = np.zeros((reps, 1 << p))
    for size in range(1, p + 1):
        for subset in combinations(range(p), size):
            idx = list(subset)
            r = rxy[:, idx]
            inv = np.linalg.pinv(rxx[:, idx][:, :, idx])
            r2[:, sum(1 << i for i in idx)] = np.einsum("ri,rij,rj->r", r, inv, r)
    weight = [math.factorial(s) * math.factorial(p - s - 1) / math.factorial(p) for s in range(p)]
    out = np.zeros((reps, p))
    for mask in range(1 << p):
        s = mask.bit_count()
        for j in range(p):
            if not mask >> j & 1:
                out[:, j] += weight[s] * (r2[:, mask | 1 << j] - r2[:, mask])
    out[~finite] = NAN
    return out


def r_squared_many(corrs: np.ndarray) -> np.ndarray:
    """r_squared for a stack of correlation matrices (R, k, k); NaN where not finite."""
    c = np.asarray(corrs, dtype=float)
    finite = np.all(np.isfinite(c), axis=(1, 2))
    c = np.where(finite[:, None, None], c, 0.0)
    rxx, rxy = c[:, :-1, :-1], c[:, :-1, -1]
    out = np.einsum("ri,rij,rj->r", rxy, np.linalg.pinv(rxx), rxy)
    out[~finite] = NAN
    return np.asarray(out, dtype=float)


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
