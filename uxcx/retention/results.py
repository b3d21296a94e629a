"""The parts of a retention analysis: bands, survival, impact, key drivers, scatter (pure data)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pandas as pd

from .. import stats

MIN_CUSTOMERS = 10
MIN_GROUPS = 3
# The correlation the power statement is about: a moderate link (Cohen's "medium").
R_FOR_POWER = 0.3

DriverTarget = Literal["nps", "retention"]


@dataclass(frozen=True)
class Band:
    """Churn (or retention) rate in one band of the UX score, with an adjusted-Wald interval."""

    band: str
    n: int | None  # customers (None for a table of group rates)
    events: int | None  # customers with y = 1
    rate: float
    ci_low: float
    ci_high: float
    x_min: float
    x_max: float
    x_mean: float
    key: str = ""  # the band's label in SQL (cust.band_label)


@dataclass(frozen=True)
class BandSurvival:
    """Kaplan–Meier summary of one band: median lifetime, survival at 12/24, numbers at risk."""

    band: str
    n: int
    events: int
    median: float | None
    at: dict[int, float | None]  # None beyond the longest observed tenure
    at_risk: dict[int, int]


@dataclass
class Survival:
    """Survival by band: summaries, curves (with CI bands) for the chart, log-rank across bands."""

    overall: BandSurvival
    bands: list[BandSurvival]
    curves: pd.DataFrame  # band, time, at_risk, events, censored, survival, ci_low, ci_high
    logrank: stats.LogrankResult


@dataclass(frozen=True)
class Impact:
    """What a step up in the score goes with: change in P(outcome) and in CLV (associations)."""

    step: float
    step_label: str
    outcome_change: stats.Estimate  # probability of y = 1 (churn or retention), 0..1 scale
    clv_change: stats.Estimate | None
    clv_method: str = ""


@dataclass(frozen=True)
class Driver:
    """One UX measure's share of the R² of a target (Shapley/LMG), with a bootstrap interval."""

    measure: str
    label: str
    share: float
    ci_low: float
    ci_high: float
    r: float


@dataclass(frozen=True)
class KeyDrivers:
    """Which UX measures relate most to one target (NPS or retention), per customer."""

    target: DriverTarget
    target_label: str
    n: int
    r2: float
    r2_ci: tuple[float, float]
    drivers: list[Driver]
    left_out: list[str]
    n_boot: int
    method: str


@dataclass
class Scatter:
    """Chart data: raw per-unit points (≤ 5,000) or counts on a 2-D grid (x bins × outcome)."""

    kind: Literal["points", "binned"]
    data: pd.DataFrame
    n: int
    x_label: str
    y_label: str


@dataclass(frozen=True)
class ScoreCorr:
    """One score's correlation with the outcome on the customers every compared score has."""

    measure: str  # metric id
    label: str
    family: str  # "UX" or "CX"
    corr: stats.CorrResult
    # |r| of the strongest score minus this one's, Zou interval and Steiger test (None: strongest)
    gap: stats.DiffResult | None


@dataclass(frozen=True)
class ScoreComparison:
    """Which per-customer score relates most to the outcome, on the same customers."""

    outcome: str
    direction: str  # "churned = 1" or "retained = 1"
    n: int  # customers with every compared score and the outcome
    scores: list[ScoreCorr]  # strongest |r| first
    left_out: list[str]
    method: str

    @property
    def strongest(self) -> ScoreCorr:
        """The score with the largest |r|."""
        return self.scores[0]
