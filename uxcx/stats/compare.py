"""Change between two groups or periods (always second minus first) with CI and two-sided p."""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy import stats as _st

from .intervals import (
    NAN,
    _as_n,
    _check_count,
    _clip,
    _nps_adjusted,
    _p_two_sided_z,
    _t_crit,
    z_crit,
)


@dataclass(frozen=True)
class DiffResult:
    """Change between two groups/periods (second minus first) with CI and two-sided p."""

    diff: float
    ci_low: float
    ci_high: float
    p: float
    method: str


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
