"""The published 95% intervals, in plain Python (stdlib only), shared by the DuckDB and pandas peers.

Written from the formulas, not from uxcx's code: adjusted Wald (Agresti–Coull) for proportions,
the adjusted-Wald NPS interval (Rocks 2016: n+3 respondents, promoters and detractors +¾),
Student t for means, and the t-interval on log values exponentiated for geometric means. The t
quantile is computed here (no scipy import: scipy.stats alone takes ~2 s to import on the
benchmark machine, which would be charged to the peer and flatter uxcx).
"""

from __future__ import annotations

import math
from statistics import NormalDist

NAN = float("nan")
CONF = 0.95
Z = NormalDist().inv_cdf(1 - (1 - CONF) / 2)

# metric → (kind, shown scale factor, axis range the shown interval is clipped to, or None).
METRICS: dict[str, tuple[str, float, tuple[float, float] | None]] = {
    "sus": ("mean", 1.0, (0.0, 100.0)),
    "task_success_rate": ("proportion", 100.0, (0.0, 100.0)),
    "time_on_task": ("geomean", 1.0, None),
    "error_rate": ("proportion", 100.0, (0.0, 100.0)),
    "product_nps": ("nps", 100.0, (-100.0, 100.0)),
    "app_rating": ("mean", 1.0, (1.0, 5.0)),
    "bounce_rate": ("proportion", 100.0, (0.0, 100.0)),
    "conversion_rate": ("proportion", 100.0, (0.0, 100.0)),
    "nps": ("nps", 100.0, (-100.0, 100.0)),
    "csat": ("proportion", 100.0, (0.0, 100.0)),
    "ces": ("mean", 1.0, (1.0, 7.0)),
    "churn_rate": ("proportion", 100.0, (0.0, 100.0)),
    "retention_rate": ("proportion", 100.0, (0.0, 100.0)),
    "clv": ("mean", 1.0, None),
}


def _clip(v: float, lo: float, hi: float) -> float:
    return v if math.isnan(v) else min(max(v, lo), hi)


def _betacf(a: float, b: float, x: float) -> float:
    """Continued fraction of the incomplete beta function (modified Lentz)."""
    tiny = 1e-300
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 100_000):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < 1e-16:
            break
    return h


def _betainc(a: float, b: float, x: float) -> float:
    """Regularised incomplete beta I_x(a, b)."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    ln_front = (
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    if x < (a + 1.0) / (a + b + 2.0):
        return math.exp(ln_front) * _betacf(a, b, x) / a
    return 1.0 - math.exp(ln_front) * _betacf(b, a, 1.0 - x) / b


def _t_sf(t: float, df: float) -> float:
    """P(T > t) for t ≥ 0."""
    return 0.5 * _betainc(df / 2.0, 0.5, df / (df + t * t))


def _t_pdf(t: float, df: float) -> float:
    ln = (
        math.lgamma((df + 1) / 2)
        - math.lgamma(df / 2)
        - 0.5 * math.log(df * math.pi)
        - (df + 1) / 2 * math.log1p(t * t / df)
    )
    return math.exp(ln)


def t_quantile(p: float, df: float) -> float:
    """The Student-t quantile for p in (0.5, 1): Cornish–Fisher for large df, else Newton."""
    x = NormalDist().inv_cdf(p)
    # Abramowitz & Stegun 26.7.5; the next term is below 1e-14 relative for df ≥ 1000.
    g1 = (x**3 + x) / 4
    g2 = (5 * x**5 + 16 * x**3 + 3 * x) / 96
    g3 = (3 * x**7 + 19 * x**5 + 17 * x**3 - 15 * x) / 384
    g4 = (79 * x**9 + 776 * x**7 + 1482 * x**5 - 1920 * x**3 - 945 * x) / 92160
    t = x + g1 / df + g2 / df**2 + g3 / df**3 + g4 / df**4
    if df >= 1000:
        return t
    if df == 1:
        return math.tan(math.pi * (p - 0.5))
    if df == 2:
        return (2 * p - 1) / math.sqrt(2 * p * (1 - p))
    target = 1.0 - p
    lo, hi = 0.0, max(t, 1.0) * 4
    while _t_sf(hi, df) > target:
        hi *= 2
    for _ in range(100):  # Newton, kept inside a bracket
        f = _t_sf(t, df) - target
        if f > 0:
            lo = t
        else:
            hi = t
        step = f / _t_pdf(t, df)
        nxt = t + step
        if not lo < nxt < hi:
            nxt = (lo + hi) / 2
        if abs(nxt - t) <= 1e-15 * abs(nxt):
            return nxt
        t = nxt
    return t


def adjusted_wald(successes: float, n: int) -> tuple[float, float, float]:
    """Proportion on 0–1 with the Agresti–Coull interval centred on the adjusted proportion."""
    if n <= 0:
        return NAN, NAN, NAN
    n_adj = n + Z * Z
    p_adj = (successes + Z * Z / 2) / n_adj
    half = Z * math.sqrt(p_adj * (1 - p_adj) / n_adj)
    return successes / n, _clip(p_adj - half, 0, 1), _clip(p_adj + half, 0, 1)


def nps(promoters: int, detractors: int, n: int) -> tuple[float, float, float]:
    """NPS on −1..1 with the adjusted-Wald interval of Rocks (2016)."""
    if n <= 0:
        return NAN, NAN, NAN
    n_adj = n + 3
    p = (promoters + 0.75) / n_adj
    d = (detractors + 0.75) / n_adj
    adj = p - d
    half = Z * math.sqrt((p + d - adj * adj) / n_adj)
    return (promoters - detractors) / n, _clip(adj - half, -1, 1), _clip(adj + half, -1, 1)


def t_interval(mean: float, sd: float, n: int) -> tuple[float, float, float]:
    """Mean with a Student-t interval (NaN interval below two values)."""
    if n <= 0:
        return NAN, NAN, NAN
    if n < 2 or sd is None or not math.isfinite(sd):
        return mean, NAN, NAN
    half = t_quantile(1 - (1 - CONF) / 2, n - 1) * sd / math.sqrt(n)
    return mean, mean - half, mean + half


def geomean(mean_log: float, sd_log: float, n: int) -> tuple[float, float, float]:
    """exp of the t-interval on log values."""
    return tuple(math.exp(v) if math.isfinite(v) else NAN for v in t_interval(mean_log, sd_log, n))  # type: ignore[return-value]


def result(metric: str, group: str | None, stats: dict) -> dict:
    """One metric row in uxcx's JSON shape (shown units, unrounded) from sufficient statistics."""
    kind, k, axis = METRICS[metric]
    n = int(stats["n"] or 0)
    if kind == "proportion":
        v = adjusted_wald(float(stats["successes"] or 0), n)
    elif kind == "nps":
        v = nps(int(stats["promoters"]), int(stats["detractors"]), n)
    elif kind == "mean":
        v = t_interval(_f(stats["mean"]), _f(stats["sd"]), n)
    else:
        v = geomean(_f(stats["mean_log"]), _f(stats["sd_log"]), n)
    value, lo, hi = (x * k for x in v)
    if axis is not None:
        lo, hi = _clip(lo, *axis), _clip(hi, *axis)
    return {"metric": metric, "group": group, "value": value, "ci_low": lo, "ci_high": hi, "n": n}


def _f(x: object) -> float:
    return NAN if x is None else float(x)  # type: ignore[arg-type]


def rounded(rows: list[dict], digits: int = 4) -> list[dict]:
    """The rows as the CLI prints them: 4 decimals, NaN as null."""
    out = []
    for r in rows:
        r = dict(r)
        for key in ("value", "ci_low", "ci_high"):
            x = r[key]
            r[key] = None if x is None or math.isnan(x) else round(x, digits)
        out.append(r)
    return out
