"""Single-group estimates with confidence intervals, and the helpers every stats module shares.

Everything in uxcx.stats works on sufficient statistics or counts aggregated upstream (in DuckDB),
never on raw rows. Degenerate input (n = 0, no variance, no events) gives NaN rather than an
exception; impossible input (negative counts, more successes than trials) raises ValueError.

Scales: proportions are 0..1, NPS is -1..1, means are in the data's units.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .dist import norm_ppf, norm_sf, t_ppf

NAN = float("nan")


@dataclass(frozen=True)
class Estimate:
    """A point estimate with a confidence interval on its natural scale."""

    value: float
    ci_low: float
    ci_high: float
    n: int
    method: str


def z_crit(conf: float = 0.95) -> float:
    """Two-sided standard-normal critical value for confidence level conf (1.96 for 0.95)."""
    if not 0.0 < conf < 1.0:
        raise ValueError(f"conf must be in (0, 1), got {conf!r}")
    return norm_ppf(1.0 - (1.0 - conf) / 2.0)


def _t_crit(conf: float, df: float) -> float:
    """Two-sided Student-t critical value."""
    z_crit(conf)  # validates conf
    return t_ppf(1.0 - (1.0 - conf) / 2.0, float(df))


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
    return NAN if math.isnan(z) else 2.0 * norm_sf(abs(z))


def _nan_estimate(n: int, method: str, value: float = NAN) -> Estimate:
    """Estimate with a NaN interval (and NaN value unless given)."""
    return Estimate(value, NAN, NAN, n, method)


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
