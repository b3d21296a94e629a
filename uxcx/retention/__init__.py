"""UX ↔ retention: link a UX score to churn, survival and CLV per customer (or per group) in SQL.

The engine does the joins and aggregation; only small aggregates reach Python. Everything here
describes associations in observational data, never effects.

measures (what is scored) → ctes, modes, queries (the SQL) → bands, drivers, analysis, compare
(the numbers) → report (the result and its JSON), narrative (its sentences).
"""

from . import narrative
from .analysis import (
    GRID_STEPS,
    MAX_DISTINCT_X,
    SCATTER_BINS,
    SCATTER_MAX_POINTS,
    analyse,
    choose_step,
)
from .bands import AT_RISK_TIMES, SURVIVAL_AT
from .compare import compare_scores
from .drivers import MAX_BOOT_ROWS, key_drivers
from .errors import MAPPING_REASONS, Reason, RetentionError
from .measures import (
    OUTCOMES,
    UX_MEASURES,
    Measure,
    OutcomeSource,
    available_measures,
    available_outcomes,
    resolve_measure,
    resolve_outcome,
)
from .modes import sus_band_labels
from .queries import BandKind, Direction, Level, Mode, RetentionQuery, build_query
from .report import RetentionAnalysis
from .results import (
    MIN_CUSTOMERS,
    MIN_GROUPS,
    R_FOR_POWER,
    Band,
    BandSurvival,
    Driver,
    DriverTarget,
    Impact,
    KeyDrivers,
    Scatter,
    ScoreComparison,
    ScoreCorr,
    Survival,
)

__all__ = [
    "AT_RISK_TIMES",
    "GRID_STEPS",
    "MAPPING_REASONS",
    "MAX_BOOT_ROWS",
    "MAX_DISTINCT_X",
    "MIN_CUSTOMERS",
    "MIN_GROUPS",
    "OUTCOMES",
    "R_FOR_POWER",
    "SCATTER_BINS",
    "SCATTER_MAX_POINTS",
    "SURVIVAL_AT",
    "UX_MEASURES",
    "Band",
    "BandKind",
    "BandSurvival",
    "Direction",
    "Driver",
    "DriverTarget",
    "Impact",
    "KeyDrivers",
    "Level",
    "Measure",
    "Mode",
    "OutcomeSource",
    "Reason",
    "RetentionAnalysis",
    "RetentionError",
    "RetentionQuery",
    "Scatter",
    "ScoreComparison",
    "ScoreCorr",
    "Survival",
    "analyse",
    "available_measures",
    "available_outcomes",
    "build_query",
    "choose_step",
    "compare_scores",
    "key_drivers",
    "narrative",
    "resolve_measure",
    "resolve_outcome",
    "sus_band_labels",
]
