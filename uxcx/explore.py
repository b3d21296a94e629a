"""The Explore view without Streamlit: which metrics fit the data, panel frames, download names."""

from __future__ import annotations

import re
from collections.abc import Sequence

import pandas as pd

from .compute import MetricResult
from .metrics import METRIC_BY_ID, METRICS
from .sql import Missing, TableInfo, plan

PANEL_COLUMNS = ["group", "period", "value", "ci_low", "ci_high", "n"]


def supported_metrics(tables: Sequence[TableInfo]) -> list[str]:
    """Metric ids the dataset's roles can compute (no query needed: planning is pure)."""
    return [m.id for m in METRICS if not isinstance(plan(m, tables), Missing)]


def default_metrics(supported: Sequence[str]) -> list[str]:
    """One UX and one CX metric the data supports (registry order puts SUS and NPS first)."""
    picks = []
    for family in ("UX", "CX"):
        first = next((m for m in supported if METRIC_BY_ID[m].family == family), None)
        if first:
            picks.append(first)
    return picks


def panel_frame(results: Sequence[MetricResult], metric_id: str) -> pd.DataFrame:
    """The aggregate one chart panel draws: one row per group and/or period."""
    rows = [
        {
            "group": r.group,
            "period": r.period,
            "value": r.value,
            "ci_low": r.ci_low,
            "ci_high": r.ci_high,
            "n": r.n,
        }
        for r in results
        if r.metric == metric_id
    ]
    return pd.DataFrame(rows, columns=PANEL_COLUMNS)


def time_domain(results: Sequence[MetricResult]) -> list[pd.Timestamp] | None:
    """First and last period over every metric, so trend panels share one time axis."""
    periods = [r.period for r in results if r.period is not None and r.n]
    if not periods:
        return None
    return [pd.Timestamp(min(periods)), pd.Timestamp(max(periods))]


def mostly_low_n(results: Sequence[MetricResult]) -> bool:
    """More than half of the points rest on too few answers to be stable."""
    return bool(results) and sum(r.low_n for r in results) > len(results) / 2


def safe_filename(*parts: str | None) -> str:
    """A download file name built from the view (letters, digits, dashes only)."""
    words = [re.sub(r"[^A-Za-z0-9]+", "-", p).strip("-").lower() for p in parts if p]
    return "uxcx-" + "_".join(w for w in words if w)[:120] + ".csv"


def unapplied_note(results: Sequence[MetricResult]) -> str:
    """One sentence per metric whose rows could not take a filter (no such column to filter on)."""
    notes = {}
    for r in results:
        if r.unapplied_filters:
            notes[r.label] = ", ".join(r.unapplied_filters)
    return " · ".join(f"{label}: {what} not applied" for label, what in notes.items())
