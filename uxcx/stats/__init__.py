"""Intervals, significance, correlation, survival, regression and key drivers: pure functions.

Everything here works on sufficient statistics or counts aggregated upstream (in DuckDB), never on
raw rows. Degenerate input (n = 0, no variance, no events) gives NaN rather than an exception;
impossible input (negative counts, more successes than trials) raises ValueError.

The package re-exports every public name of its modules, so `from uxcx import stats` and
`stats.adjusted_wald(...)` work without knowing which module holds what. The SUS norms live in
uxcx.sus (domain knowledge, not statistics) and are re-exported here for the same reason.
"""

from __future__ import annotations

from ..sus import SUS_GRADES, SUS_MEAN, SUS_SD, sus_grade, sus_percentile
from .bins import bin_counts, bin_points, bin_rates, merge_bins, nice_width
from .compare import DiffResult, diff_geometric_means, diff_means, diff_nps, diff_proportions
from .correlation import (
    CorrResult,
    corr_from_r,
    diff_dependent_correlations,
    fisher_z_ci,
    pearson_from_counts,
    point_biserial_from_counts,
    power_n_for_r,
    spearman_from_counts,
    steiger_z,
    zou_dependent_ci,
)
from .drivers import MAX_SHAPLEY_PREDICTORS, bootstrap_interval, r_squared, shapley_r2
from .intervals import (
    ADJUSTED_WALD,
    ADJUSTED_WALD_NPS,
    GEOMETRIC,
    NAN,
    T_INTERVAL,
    Estimate,
    adjusted_wald,
    geometric_mean_interval,
    nps_interval,
    t_interval,
    z_crit,
)
from .regression import (
    LogisticResult,
    logistic_band,
    logistic_from_counts,
    ols_band,
    predicted_change,
)
from .survival import KM_COLUMNS, LogrankResult, kaplan_meier, km_at, km_median, logrank

__all__ = [
    "ADJUSTED_WALD",
    "ADJUSTED_WALD_NPS",
    "GEOMETRIC",
    "KM_COLUMNS",
    "MAX_SHAPLEY_PREDICTORS",
    "NAN",
    "SUS_GRADES",
    "SUS_MEAN",
    "SUS_SD",
    "T_INTERVAL",
    "CorrResult",
    "DiffResult",
    "Estimate",
    "LogisticResult",
    "LogrankResult",
    "adjusted_wald",
    "bin_counts",
    "bin_points",
    "bin_rates",
    "bootstrap_interval",
    "corr_from_r",
    "diff_dependent_correlations",
    "diff_geometric_means",
    "diff_means",
    "diff_nps",
    "diff_proportions",
    "fisher_z_ci",
    "geometric_mean_interval",
    "kaplan_meier",
    "km_at",
    "km_median",
    "logistic_band",
    "logistic_from_counts",
    "logrank",
    "merge_bins",
    "nice_width",
    "nps_interval",
    "ols_band",
    "pearson_from_counts",
    "point_biserial_from_counts",
    "power_n_for_r",
    "predicted_change",
    "r_squared",
    "shapley_r2",
    "spearman_from_counts",
    "steiger_z",
    "sus_grade",
    "sus_percentile",
    "t_interval",
    "z_crit",
    "zou_dependent_ci",
]
