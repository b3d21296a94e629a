"""Intervals, significance, correlation, survival, regression and key drivers: pure functions.

Everything here works on sufficient statistics or counts aggregated upstream (in DuckDB), never on
raw rows. Degenerate input (n = 0, no variance, no events) gives NaN rather than an exception;
impossible input (negative counts, more successes than trials) raises ValueError.

The package re-exports every public name of its modules, so `from uxcx import stats` and
`stats.adjusted_wald(...)` work without knowing which module holds what. The SUS norms live in
uxcx.sus (domain knowledge, not statistics) and are re-exported here for the same reason.

The re-exports are lazy (PEP 562 `__getattr__`): a name's module, and whatever heavy library it
needs (scipy.stats, pandas, statsmodels), is imported on first use. An interval needs only
`intervals` (stdlib), so the CLI computes metrics without importing scipy or pandas.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

# name → the module that defines it (relative to this package).
_WHERE: dict[str, str] = {
    "SUS_GRADES": "..sus",
    "SUS_MEAN": "..sus",
    "SUS_SD": "..sus",
    "sus_grade": "..sus",
    "sus_percentile": "..sus",
    "bin_counts": ".bins",
    "bin_points": ".bins",
    "bin_rates": ".bins",
    "merge_bins": ".bins",
    "nice_width": ".bins",
    "DiffResult": ".compare",
    "diff_geometric_means": ".compare",
    "diff_means": ".compare",
    "diff_nps": ".compare",
    "diff_proportions": ".compare",
    "CorrResult": ".correlation",
    "corr_from_r": ".correlation",
    "diff_dependent_correlations": ".correlation",
    "fisher_z_ci": ".correlation",
    "pearson_from_counts": ".correlation",
    "point_biserial_from_counts": ".correlation",
    "power_n_for_r": ".correlation",
    "spearman_from_counts": ".correlation",
    "steiger_z": ".correlation",
    "zou_dependent_ci": ".correlation",
    "MAX_SHAPLEY_PREDICTORS": ".drivers",
    "bootstrap_interval": ".drivers",
    "r_squared": ".drivers",
    "shapley_r2": ".drivers",
    "ADJUSTED_WALD": ".intervals",
    "ADJUSTED_WALD_NPS": ".intervals",
    "GEOMETRIC": ".intervals",
    "NAN": ".intervals",
    "T_INTERVAL": ".intervals",
    "Estimate": ".intervals",
    "adjusted_wald": ".intervals",
    "geometric_mean_interval": ".intervals",
    "nps_interval": ".intervals",
    "t_interval": ".intervals",
    "z_crit": ".intervals",
    "LogisticResult": ".regression",
    "logistic_band": ".regression",
    "logistic_from_counts": ".regression",
    "ols_band": ".regression",
    "predicted_change": ".regression",
    "KM_COLUMNS": ".survival",
    "LogrankResult": ".survival",
    "kaplan_meier": ".survival",
    "km_at": ".survival",
    "km_median": ".survival",
    "logrank": ".survival",
}
_SUBMODULES = (
    "bins",
    "compare",
    "correlation",
    "dist",
    "drivers",
    "intervals",
    "regression",
    "survival",
)


def __getattr__(name: str) -> Any:
    """Import a re-exported name's module on first use (and a submodule asked for by name)."""
    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    where = _WHERE.get(name)
    if where is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(where, __name__), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    """The public names, as if they were imported."""
    return sorted([*globals(), *_WHERE])


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
