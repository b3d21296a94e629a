"""Normal and Student-t tail probabilities and quantiles in the standard library (no scipy).

Every metric's interval needs a normal or t quantile; importing scipy.stats for them costs most of
a second of the CLI's start-up (scipy.special alone ~0.2 s). The normal comes from
`statistics.NormalDist` and `math.erfc`; the t quantile from the Cornish–Fisher expansion for
df ≥ 1000, else from the regularised incomplete beta
function (a continued fraction, modified Lentz) and Newton's method kept inside a bracket.
tests/test_stats.py checks both against scipy.stats to 1e-12 relative over a grid of p and df.
"""

from __future__ import annotations

import math
from functools import lru_cache
from statistics import NormalDist

_NORMAL = NormalDist()
_TINY = 1e-300


def norm_ppf(p: float) -> float:
    """Standard-normal quantile for p in (0, 1)."""
    return _NORMAL.inv_cdf(p)


def norm_cdf(x: float) -> float:
    """P(Z ≤ x) for a standard normal Z (accurate in both tails)."""
    return 0.5 * math.erfc(-x / math.sqrt(2.0))


def norm_sf(x: float) -> float:
    """P(Z > x) for a standard normal Z (accurate in the upper tail)."""
    return 0.5 * math.erfc(x / math.sqrt(2.0))


def _betacf(a: float, b: float, x: float) -> float:
    """The continued fraction of the incomplete beta function (Numerical Recipes §6.4)."""
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c = 1.0
    d = 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > _TINY else _TINY)
    h = d
    # Converges in O(sqrt(max(a, b))) terms; the bound only guards against a pathological input.
    for m in range(1, 1_000_000):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > _TINY else _TINY)
        c = 1.0 + aa / c
        c = c if abs(c) > _TINY else _TINY
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > _TINY else _TINY)
        c = 1.0 + aa / c
        c = c if abs(c) > _TINY else _TINY
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < 1e-16:
            break
    return h


def _lgamma_half_ratio(a: float) -> float:
    """ln Γ(a + ½) − ln Γ(a), without the cancellation of two large lgamma values."""
    if a < 10.0:
        return math.lgamma(a + 0.5) - math.lgamma(a)

    def s(z: float) -> float:  # Stirling's series after the leading terms
        z2 = z * z
        return (1 / 12 - (1 / 360 - (1 / 1260 - 1 / (1680 * z2)) / z2) / z2) / z

    return a * math.log1p(0.5 / a) - 0.5 + 0.5 * math.log(a) + s(a + 0.5) - s(a)


def _tail(t: float, df: float) -> float:
    """P(|T| > t) = I_x(df/2, ½), x = df/(df + t²), for t ≥ 0; logs taken without rounding x."""
    a, t2 = df / 2.0, t * t
    ln_x = -math.log1p(t2 / df)  # ln(df / (df + t²))
    ln_y = 2.0 * math.log(t) - math.log(df + t2) if t > 0 else -math.inf  # ln(1 − x)
    front = _lgamma_half_ratio(a) - math.lgamma(0.5)
    x, y = math.exp(ln_x), math.exp(ln_y)
    if x < (a + 1.0) / (a + 2.5):
        return math.exp(front + a * ln_x + 0.5 * ln_y) * _betacf(a, 0.5, x) / a
    return 1.0 - math.exp(front + 0.5 * ln_y + a * ln_x) * _betacf(0.5, a, y) / 0.5


def t_sf(t: float, df: float) -> float:
    """P(T > t) for Student's t, df possibly fractional (1e-12 relative for df < 1e5, where
    t_ppf uses it; beyond, the continued fraction accumulates rounding)."""
    if math.isnan(t) or math.isnan(df) or df <= 0:
        return math.nan
    if math.isinf(df):
        return norm_sf(t)
    if math.isinf(t):
        return 0.0 if t > 0 else 1.0
    tail = 0.5 * _tail(abs(t), df)
    return tail if t >= 0 else 1.0 - tail


def _t_pdf(t: float, df: float) -> float:
    ln = (
        math.lgamma((df + 1.0) / 2.0)
        - math.lgamma(df / 2.0)
        - 0.5 * math.log(df * math.pi)
        - (df + 1.0) / 2.0 * math.log1p(t * t / df)
    )
    return math.exp(ln)


@lru_cache(maxsize=4096)
def t_ppf(p: float, df: float) -> float:
    """Student-t quantile for p in (0, 1) (df may be fractional; NaN outside the domain)."""
    if not 0.0 < p < 1.0 or math.isnan(df) or df <= 0:
        return math.nan
    if p < 0.5:
        return -t_ppf(1.0 - p, df)
    if p == 0.5:
        return 0.0
    if math.isinf(df):
        return norm_ppf(p)
    if df == 1.0:
        return 1.0 / math.tan(math.pi * (1.0 - p))  # tan(π(p − ½)) loses digits near 1
    if df == 2.0:
        return (2.0 * p - 1.0) / math.sqrt(2.0 * p * (1.0 - p))
    # The Cornish–Fisher expansion (Abramowitz & Stegun 26.7.5); its next term is below 1e-14
    # relative for df ≥ 1000. Below that it is the start of Newton's method on the upper tail,
    # bisecting whenever a step would leave the bracket [lo, hi].
    z = norm_ppf(p)
    g1 = (z**3 + z) / 4
    g2 = (5 * z**5 + 16 * z**3 + 3 * z) / 96
    g3 = (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / 384
    g4 = (79 * z**9 + 776 * z**7 + 1482 * z**5 - 1920 * z**3 - 945 * z) / 92160
    t = z + (g1 + (g2 + (g3 + g4 / df) / df) / df) / df
    if df >= 1000.0:
        return t
    target = 1.0 - p
    lo, hi = 0.0, max(t, 1.0) * 2.0
    while t_sf(hi, df) > target:
        lo, hi = hi, hi * 2.0
    if not lo < t < hi:
        t = (lo + hi) / 2.0
    for _ in range(200):
        f = t_sf(t, df) - target
        if f == 0.0:
            return t
        if f > 0:
            lo = t
        else:
            hi = t
        nxt = t + f / _t_pdf(t, df)
        if not lo < nxt < hi:
            nxt = (lo + hi) / 2.0
        if abs(nxt - t) <= 4e-16 * abs(nxt):
            return nxt
        t = nxt
    return t
