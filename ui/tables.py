"""Tables of metric results: every computable metric with its CI and n, and what the rest need."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import streamlit as st
from pandas.io.formats.style import Styler

from uxcx.compute import MetricResult
from uxcx.metrics import METRIC_BY_ID
from uxcx.sql import Missing
from uxcx.tables import results_frame

LOW_N_GREY = "color: #8A8A8A"


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


def style_low_n(df: pd.DataFrame, low: Sequence[bool]) -> Styler:
    """Grey out rows whose estimate rests on too few answers."""
    flags = pd.Series(list(low), index=df.index)
    return df.style.apply(lambda row: [LOW_N_GREY if flags[row.name] else ""] * len(row), axis=1)
