"""A table of metric results (value, 95% CI, n, method) and the list of metrics not computable."""

from __future__ import annotations

import math

import pandas as pd
import streamlit as st

from uxcx.compute import MetricResult
from uxcx.metrics import METRIC_BY_ID
from uxcx.sql import Missing


def fmt_value(metric_id: str, x: float | None) -> str:
    """A value in the metric's shown units and precision ('–' when undefined)."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    m = METRIC_BY_ID[metric_id]
    unit = m.unit if m.unit in ("%", "s") else ""
    sign = "+" if m.kind == "nps" and x > 0 else ""
    return f"{sign}{x:,.{m.decimals}f}{unit}"


def results_frame(results: list[MetricResult]) -> pd.DataFrame:
    """Results as a tidy table for display and download."""
    rows = []
    for r in results:
        rows.append(
            {
                "Family": r.family,
                "Metric": r.label,
                "id": r.metric,
                "Group": r.group,
                "Period": r.period,
                "Value": fmt_value(r.metric, r.value),
                "95% CI": f"{fmt_value(r.metric, r.ci_low)} … {fmt_value(r.metric, r.ci_high)}",
                "n": r.n,
                "Grade": r.grade or "",
                "Method": r.method,
                "Note": "; ".join(
                    note
                    for note, show in (
                        (f"n = {r.n}: too few for a stable estimate", r.low_n),
                        (f"{r.out_of_scale} value(s) out of scale left out", r.out_of_scale),
                    )
                    if show
                ),
            }
        )
    df = pd.DataFrame(rows)
    if not df.empty:
        df = df.drop(columns=[c for c in ("Group", "Period") if df[c].isna().all()])
    return df


def render_metric_table(results: list[MetricResult], missing: list[Missing]) -> None:
    """Every computable metric with CI and n; then what the others need."""
    df = results_frame(results)
    if df.empty:
        st.info("No metric can be computed yet: map columns to roles above.")
    else:
        # Tall enough for every metric: a PM should not have to scroll inside the table.
        st.dataframe(df, hide_index=True, width="stretch", height=35 * (len(df) + 1) + 22)
    if missing:
        lines = [f"- **{METRIC_BY_ID[m.metric_id].label}** {m.reason}" for m in missing]
        st.caption("Not computed (the data has no such column yet):\n" + "\n".join(lines))
