"""Small questions asked of a list of metric results: one metric's rows, its method, its gaps."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from .compute import MetricResult
from .distributions import results_frame
from .metrics import METRIC_BY_ID
from .sql import Missing


def metric_label(metric_id: str) -> str:
    """A metric's display label ('Task success')."""
    return METRIC_BY_ID[metric_id].label


def metric_frame(results: Sequence[MetricResult], metric_id: str | None = None) -> pd.DataFrame:
    """Results (optionally of one metric) as the frame charts take."""
    df = results_frame(results)
    if metric_id is not None and not df.empty:
        df = df[df["metric"] == metric_id].reset_index(drop=True)
    return df


def method_of(results: Sequence[MetricResult], metric_id: str) -> str:
    """How a metric's results were computed ('' when it has none)."""
    return next((r.method for r in results if r.metric == metric_id), "")


def total_n(results: Sequence[MetricResult], metric_id: str) -> int:
    """The n of one metric's results summed (over periods or groups)."""
    return sum(int(r.n or 0) for r in results if r.metric == metric_id)


def unapplied_of(results: Sequence[MetricResult], metric_id: str | None = None) -> tuple[str, ...]:
    """Filters some results (optionally of one metric) could not take, each named once."""
    return tuple(
        dict.fromkeys(
            f
            for r in results
            if metric_id is None or r.metric == metric_id
            for f in r.unapplied_filters
        )
    )


def missing_for(missing: Sequence[Missing], metric_id: str) -> Missing | None:
    """Why one metric could not be computed, if it could not."""
    return next((m for m in missing if m.metric_id == metric_id), None)


def group_order(*frames: pd.DataFrame) -> list[str]:
    """Every group of these frames once, in first-seen order (one order for panels side by side)."""
    return list(dict.fromkeys(str(g) for df in frames for g in df.get("group", [])))


def against_benchmark(r: MetricResult, benchmark: float) -> str:
    """Where a result's 95% interval lies against a benchmark, as words."""
    if r.ci_low > benchmark:
        return "above"
    if r.ci_high < benchmark:
        return "below"
    return "not distinguishable from"
