"""The finished analysis (RetentionAnalysis) and the JSON `uxcx correlate` prints of it."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from .. import stats
from .ctes import DAYS_PER_MONTH
from .queries import CATEGORY_BANDS, Direction, Level, RetentionQuery
from .results import (
    R_FOR_POWER,
    Band,
    BandSurvival,
    Impact,
    KeyDrivers,
    Scatter,
    ScoreComparison,
    Survival,
)

__all__ = ["RetentionAnalysis", "comparison_json", "to_json"]


@dataclass
class RetentionAnalysis:
    """Everything the UX ↔ retention page and `uxcx correlate` show."""

    query: RetentionQuery
    n: int
    pearson: stats.CorrResult
    spearman: stats.CorrResult
    method: str
    bands: list[Band]
    survival: Survival | None
    logistic: stats.LogisticResult | None
    step: float
    odds_ratio_per_step: tuple[float, float, float] | None
    impact: Impact | None
    drivers: list[KeyDrivers]
    scatter: Scatter
    cautions: list[str]
    coverage: dict[str, int] = field(default_factory=dict)
    # Bands are the scale's categories: customers with more than one answer (placed by their
    # rounded mean); None for other bands.
    several_answers: int | None = None

    @property
    def level(self) -> Level:
        """ "customer" or "group"."""
        return self.query.level

    @property
    def direction(self) -> Direction:
        """ "churned = 1" or "retained = 1": what y = 1 means in r, rates and odds ratios."""
        return self.query.direction

    @property
    def overall_rate(self) -> float | None:
        """Share of y = 1 over all linked customers (None for a file of group rates)."""
        n = sum(b.n or 0 for b in self.bands)
        events = sum(b.events or 0 for b in self.bands)
        return events / n if n else None

    @property
    def band_gap(self) -> stats.DiffResult | None:
        """y = 1 in the best band minus the worst (Agresti–Caffo), at customer level."""
        if self.level != "customer" or len(self.bands) < 2:
            return None
        worst, best = self.bands[0], self.bands[-1]
        if not (worst.n and best.n):
            return None
        return stats.diff_proportions(worst.events or 0, worst.n, best.events or 0, best.n)

    @property
    def power_n(self) -> int:
        """Units needed to detect a correlation of R_FOR_POWER with 80% power."""
        return stats.power_n_for_r(R_FOR_POWER)

    @property
    def power_n_seen(self) -> int | None:
        """Units needed to detect the |r| seen, when it is below R_FOR_POWER but not about 0."""
        r = abs(self.pearson.r)
        return stats.power_n_for_r(r) if 0.01 < r < R_FOR_POWER else None

    def to_json(self) -> dict[str, object]:
        """The `uxcx correlate` JSON (NaN becomes null; rates and survival on 0..1)."""
        return to_json(self)


def _num(x: float | None, digits: int = 6) -> float | None:
    if x is None or not math.isfinite(float(x)):
        return None
    return round(float(x), digits)


def _p(x: float | None) -> float | None:
    """p-values keep 4 significant digits: 6 decimals would turn 3e-9 into 0."""
    if x is None or not math.isfinite(float(x)):
        return None
    return float(f"{float(x):.4g}")


def _corr_json(c: stats.CorrResult) -> dict[str, object]:
    return {"r": _num(c.r), "ci_low": _num(c.ci_low), "ci_high": _num(c.ci_high),
            "p": _p(c.p), "n": c.n, "method": c.method}  # fmt: skip


def _band_json(b: Band) -> dict[str, object]:
    return {
        "band": b.band,
        "n": b.n,
        "rate": _num(b.rate),
        "ci_low": _num(b.ci_low),
        "ci_high": _num(b.ci_high),
        "x_min": _num(b.x_min),
        "x_max": _num(b.x_max),
    }


def _surv_json(b: BandSurvival) -> dict[str, object]:
    return {
        "n": b.n,
        "events": b.events,
        "median": b.median,
        "at": {str(t): _num(v) for t, v in b.at.items()},
        "at_risk": {str(t): v for t, v in b.at_risk.items()},
    }


def _survival_json(s: Survival) -> dict[str, object]:
    return {
        **_surv_json(s.overall),
        "bands": [{"band": b.band, **_surv_json(b)} for b in s.bands],
        "logrank": {"chi2": _num(s.logrank.chi2), "df": s.logrank.df, "p": _p(s.logrank.p)},
    }


def _logistic_json(a: RetentionAnalysis) -> dict[str, object] | None:
    lg = a.logistic
    if lg is None:
        return None
    out: dict[str, object] = {
        "odds_ratio_per_10": _num(lg.odds_ratio_per_10),
        "ci_low": _num(lg.or_ci_low),
        "ci_high": _num(lg.or_ci_high),
        "p": _p(lg.p),
        "n": lg.n,
        "method": lg.method,
    }
    if a.odds_ratio_per_step is not None:
        orv, lo, hi = a.odds_ratio_per_step
        out.update(
            step=a.step,
            odds_ratio_per_step=_num(orv),
            step_ci_low=_num(lo),
            step_ci_high=_num(hi),
        )
    return out


def _impact_json(im: Impact) -> dict[str, object]:
    out: dict[str, object] = {
        "step": im.step,
        "label": im.step_label,
        "outcome_change_pp": _num(im.outcome_change.value * 100),
        "ci_low_pp": _num(im.outcome_change.ci_low * 100),
        "ci_high_pp": _num(im.outcome_change.ci_high * 100),
        "method": im.outcome_change.method,
    }
    if im.clv_change is not None:
        out.update(
            clv_change=_num(im.clv_change.value),
            clv_ci_low=_num(im.clv_change.ci_low),
            clv_ci_high=_num(im.clv_change.ci_high),
            clv_method=im.clv_method,
        )
    return out


def _drivers_json(k: KeyDrivers) -> dict[str, object]:
    return {
        "target": k.target,
        "n": k.n,
        "r2": _num(k.r2),
        "r2_ci": [_num(k.r2_ci[0]), _num(k.r2_ci[1])],
        "drivers": [
            {
                "measure": d.measure,
                "share": _num(d.share),
                "ci_low": _num(d.ci_low),
                "ci_high": _num(d.ci_high),
                "r": _num(d.r),
            }  # fmt: skip
            for d in k.drivers
        ],
        "left_out": k.left_out,
        "method": k.method,
    }


def to_json(a: RetentionAnalysis) -> dict[str, object]:
    """The `uxcx correlate` JSON of an analysis; key order is part of the CLI's output."""
    q = a.query
    out: dict[str, object] = {
        "n": a.n,
        "level": q.level,
        "ux": q.ux,
        "ux_label": q.ux_label,
        "outcome": q.outcome,
        "outcome_direction": q.direction,
        "method": a.method,
        "pearson": _corr_json(a.pearson),
        "spearman": _corr_json(a.spearman),
        "band_kind": q.band_kind,
        "bands": [_band_json(b) for b in a.bands],
    }
    # Added when they apply (a CX score's scale categories, tenure from dates): the keys of the
    # other analyses stay as they were.
    m = q.measure
    if q.band_kind in CATEGORY_BANDS:
        out["score"] = {
            "metric": m.metric,
            "family": m.family,
            "scale": [m.categories[0].lo, m.categories[-1].hi],
            "per_customer": "mean of the customer's answers",
            "bands_from": "rounded mean" if a.several_answers else "single answers",
            "several_answers": a.several_answers,
        }
    if q.tenure_end is not None and q.tenure_columns is not None:
        out["tenure_from_dates"] = {
            "end": q.tenure_end.isoformat(),
            "signup": q.tenure_columns[0],
            "churn_date": q.tenure_columns[1],
            "days_per_month": DAYS_PER_MONTH,
        }
    if a.survival is not None:
        out["survival"] = _survival_json(a.survival)
    out["logistic"] = _logistic_json(a)
    if a.impact is not None:
        out["impact"] = _impact_json(a.impact)
    out["key_drivers"] = [_drivers_json(k) for k in a.drivers]
    out["scatter"] = {"kind": a.scatter.kind, "rows": len(a.scatter.data)}
    out["coverage"] = a.coverage
    out["cautions"] = a.cautions
    return out


def comparison_json(c: ScoreComparison) -> dict[str, object]:
    """Which score predicts the outcome best (`uxcx correlate --compare`): strongest first."""
    scores = []
    for s in c.scores:
        g = s.gap
        scores.append(
            {
                "measure": s.measure,
                "label": s.label,
                "family": s.family,
                **_corr_json(s.corr),
                "gap_to_strongest": None
                if g is None
                else {
                    "diff": _num(g.diff),
                    "ci_low": _num(g.ci_low),
                    "ci_high": _num(g.ci_high),
                    "p": _p(g.p),
                    "method": g.method,
                },  # fmt: skip
            }
        )
    return {
        "n": c.n,
        "outcome": c.outcome,
        "outcome_direction": c.direction,
        "strongest": c.strongest.measure,
        "scores": scores,
        "left_out": c.left_out,
        "method": c.method,
    }
