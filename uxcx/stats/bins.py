"""Score bins on nice edges, and the share of units with the event per bin (adjusted Wald)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from .intervals import adjusted_wald


def nice_width(span: float, max_bins: int) -> float:
    """The smallest 1/2/2.5/5 × 10^k width giving at most max_bins bins over span."""
    if not math.isfinite(span) or span <= 0:
        return 1.0
    k = math.floor(math.log10(span / max_bins))
    for power in (k, k + 1):
        for m in (1, 2, 2.5, 5):
            w = m * 10.0**power
            if span / w <= max_bins + 1e-9:
                return w
    return 10.0 ** (k + 2)


def bin_points(x: np.ndarray, max_bins: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Bin index per x on nice edges, and the (lower, upper) edge of every bin."""
    lo, hi = float(np.min(x)), float(np.max(x))
    w = nice_width(hi - lo, max_bins)
    lo_edge = math.floor(lo / w + 1e-9) * w
    hi_edge = math.ceil(hi / w - 1e-9) * w
    if hi_edge <= lo_edge:
        hi_edge = lo_edge + w
    k = max(int(round((hi_edge - lo_edge) / w)), 1)
    # The top edge belongs to the last bin (a SUS of 100 is in 95–100, not in 100–105).
    idx = np.clip(np.floor((x - lo_edge) / w + 1e-9).astype(int), 0, k - 1)
    edges = lo_edge + w * np.arange(k + 1)
    return idx, edges[:-1], edges[1:]


def bin_counts(x: ArrayLike, y: ArrayLike, max_bins: int) -> pd.DataFrame:
    """Units and y = 1 units per nice bin of x: n, events, x_lo, x_hi, x (empty bins dropped)."""
    xa = np.asarray(x, dtype=float)
    idx, lows, highs = bin_points(xa, max_bins)
    # A missing or non-numeric outcome is not an event (as in merge_bins, where only y == 1 is).
    ya = pd.to_numeric(pd.Series(y), errors="coerce").fillna(0).to_numpy(float)
    out = (
        pd.DataFrame({"bin": idx, "n": 1, "events": (ya == 1).astype(int)})
        .groupby("bin", as_index=False)
        .sum()
    )
    out["x_lo"] = lows[out["bin"]]
    out["x_hi"] = highs[out["bin"]]
    return _finish(out)


def merge_bins(binned: pd.DataFrame, max_bins: int) -> pd.DataFrame:
    """Equal-width bins (x_lo, x_hi, y, count) merged to ≤ max_bins: x_lo, x_hi, n, events, x."""
    d = binned
    width = float((d["x_hi"] - d["x_lo"]).max()) if len(d) else 1.0
    lo = float(d["x_lo"].min()) if len(d) else 0.0
    i0 = np.round((d["x_lo"].to_numpy(float) - lo) / width).astype(int)
    total = int(i0.max()) + 1 if len(d) else 1
    factor = max(math.ceil(total / max_bins), 1)
    g = d.assign(
        bin=i0 // factor,
        events=d["count"] * (d["y"] == 1),
    ).groupby("bin", as_index=False)
    out = g.agg(
        x_lo=("x_lo", "min"), x_hi=("x_hi", "max"), n=("count", "sum"), events=("events", "sum")
    )
    out["x_lo"] = lo + out["bin"] * factor * width
    # The last merged bin may hold fewer than `factor` bins: it ends where the data ends.
    out["x_hi"] = np.minimum(out["x_lo"] + factor * width, float(d["x_hi"].max()))
    return _finish(out)


def _finish(out: pd.DataFrame) -> pd.DataFrame:
    """Add the bin midpoint, make the counts integers and drop empty bins (and the bin index)."""
    out["x"] = (out["x_lo"] + out["x_hi"]) / 2
    out["n"] = out["n"].astype("int64")
    out["events"] = out["events"].round().astype("int64")
    return out[out["n"] > 0].drop(columns="bin").reset_index(drop=True)


def bin_rates(counts: pd.DataFrame, conf: float = 0.95) -> pd.DataFrame:
    """counts (n, events per bin) plus rate, ci_low, ci_high: events/n with adjusted-Wald CIs."""
    out = counts.copy()
    est = [
        adjusted_wald(int(e), int(n), conf) for e, n in zip(out["events"], out["n"], strict=True)
    ]
    out["rate"] = [e.value for e in est]
    out["ci_low"] = [e.ci_low for e in est]
    out["ci_high"] = [e.ci_high for e in est]
    return out
