"""Metric kinds: how a kind of metric aggregates, estimates, compares and is shown.

A metric row in metrics.py names its kind; everything that depends on the kind (the sufficient
statistics its SQL returns, the estimator and 95% interval, the test for a change between two
periods, the per-customer score the retention analysis correlates, the sign and units it is shown
with) lives here, once, as data and small functions. Adding a metric of an existing kind is a row
in metrics.py; adding a kind is one entry here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Protocol, SupportsFloat, SupportsInt, cast

if TYPE_CHECKING:  # the stats package imports scipy: load it when a kind first estimates
    from .stats import DiffResult, Estimate

KindName = Literal["nps", "proportion", "mean", "geomean"]
Stats = Mapping[str, object]


class _Row(Protocol):
    """What this module reads of a metric row (metrics.py imports this module, not vice versa)."""

    @property
    def kind(self) -> KindName: ...

    @property
    def axis_range(self) -> tuple[float, float] | None: ...


@dataclass(frozen=True)
class Agg:
    """One sufficient statistic: `func(arg)` over the rows where `where` holds, named `name`.

    `arg` and `where` are written over the per-row value `v` and the in-scale flag `ok`; a
    Dialect turns this into SQL (DuckDB: `count(*) FILTER (WHERE ok)`).
    """

    name: str
    func: Literal["count", "sum", "avg", "stddev_samp"]
    arg: str = "*"
    where: str | None = None
    cast: str | None = None  # the SQL type the result is cast to (sum of 0/1 → DOUBLE)
    wrap: str = "{}"  # an expression around the aggregate, e.g. "100 * {}" or "exp({})"


# Every kind reports how many rows were inside and outside the scale.
_COUNTS = (Agg("n", "count", where="ok"), Agg("out_of_scale", "count", where="NOT ok"))


# A statistic is whatever the engine returned for it (int, float, Decimal, a numpy scalar, NULL);
# every such value converts with float() / int().
def _f(x: object) -> float:
    return float("nan") if x is None else float(cast(SupportsFloat, x))


def _i(x: object) -> int:
    return int(cast(SupportsInt, x or 0))


@dataclass(frozen=True)
class Kind:
    """Everything that depends on how a metric aggregates."""

    name: KindName
    aggregates: tuple[Agg, ...]
    estimate: Callable[[Stats], Estimate]  # natural scale (a share on 0–1, a mean, …)
    compare: Callable[[Stats, Stats], DiffResult]  # previous, current
    per_unit: Agg  # the per-customer (or per-group) score the retention analysis correlates
    signed: bool = False  # show "+" before positive values (NPS)
    span: float | None = None  # width of the natural per-unit scale; None: the metric's axis
    score_label: str = "{label}"  # the per-customer score's name

    def span_of(self, metric: _Row) -> float | None:
        """Width of the per-customer scale: picks the '+step' of the retention impact."""
        if self.span is not None:
            return self.span
        if metric.axis_range:
            return metric.axis_range[1] - metric.axis_range[0]
        return None

    def diff_unit(self, unit: str) -> str:
        """The unit of a difference between two values shown in `unit` ('%' → ' pts')."""
        if self.signed and unit == "":
            return " pts"
        return {"%": " pts", "s": " s"}.get(unit, "")


def _proportion_estimate(s: Stats) -> Estimate:
    from . import stats

    return stats.adjusted_wald(_f(s.get("successes") or 0), _i(s.get("n")))


def _proportion_compare(a: Stats, b: Stats) -> DiffResult:
    from . import stats

    return stats.diff_proportions(
        _f(a["successes"] or 0), _i(a["n"]), _f(b["successes"] or 0), _i(b["n"])
    )


def _nps_estimate(s: Stats) -> Estimate:
    from . import stats

    return stats.nps_interval(_i(s.get("promoters")), _i(s.get("detractors")), _i(s.get("n")))


def _nps_compare(a: Stats, b: Stats) -> DiffResult:
    from . import stats

    return stats.diff_nps(
        _i(a["promoters"]),
        _i(a["detractors"]),
        _i(a["n"]),
        _i(b["promoters"]),
        _i(b["detractors"]),
        _i(b["n"]),
    )


def _mean_estimate(s: Stats) -> Estimate:
    from . import stats

    return stats.t_interval(_f(s.get("mean")), _f(s.get("sd")), _i(s.get("n")))


def _mean_compare(a: Stats, b: Stats) -> DiffResult:
    from . import stats

    return stats.diff_means(
        _f(a["mean"]), _f(a["sd"] or 0.0), _i(a["n"]), _f(b["mean"]), _f(b["sd"] or 0.0), _i(b["n"])
    )


def _geomean_estimate(s: Stats) -> Estimate:
    from . import stats

    return stats.geometric_mean_interval(_f(s.get("mean_log")), _f(s.get("sd_log")), _i(s.get("n")))


def _geomean_compare(a: Stats, b: Stats) -> DiffResult:
    from . import stats

    return stats.diff_geometric_means(
        _f(a["mean_log"]),
        _f(a["sd_log"] or 0.0),
        _i(a["n"]),
        _f(b["mean_log"]),
        _f(b["sd_log"] or 0.0),
        _i(b["n"]),
    )


# ln only of valid (positive) values: ln(0) would raise.
_LOG_V = "ln(CASE WHEN ok THEN v END)"

KINDS: dict[KindName, Kind] = {
    "proportion": Kind(
        "proportion",
        (*_COUNTS, Agg("successes", "sum", "v", "ok", cast="DOUBLE")),
        _proportion_estimate,
        _proportion_compare,
        per_unit=Agg("x", "avg", "v", "ok", wrap="100 * {}"),
        span=100.0,
        score_label="{label} (%)",
    ),
    "nps": Kind(
        "nps",
        (*_COUNTS, Agg("promoters", "count", where="ok AND v >= 9"),
         Agg("detractors", "count", where="ok AND v <= 6")),
        _nps_estimate,
        _nps_compare,
        per_unit=Agg("x", "avg", "v", "ok"),
        signed=True,
        span=10.0,
        score_label="{label} score (0–10)",
    ),
    "mean": Kind(
        "mean",
        (*_COUNTS, Agg("mean", "avg", "v", "ok"), Agg("sd", "stddev_samp", "v", "ok")),
        _mean_estimate,
        _mean_compare,
        per_unit=Agg("x", "avg", "v", "ok"),
    ),
    "geomean": Kind(
        "geomean",
        (*_COUNTS, Agg("mean_log", "avg", _LOG_V), Agg("sd_log", "stddev_samp", _LOG_V)),
        _geomean_estimate,
        _geomean_compare,
        per_unit=Agg("x", "avg", _LOG_V, wrap="exp({})"),
    ),
}  # fmt: skip


def kind_of(metric: _Row) -> Kind:
    """The kind a metric aggregates as."""
    return KINDS[metric.kind]
