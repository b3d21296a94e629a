"""Explore's pieces: one chart panel per metric, and what the metrics that are not shown need."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from uxcx import charts
from uxcx.metrics import METRIC_BY_ID
from uxcx.sql import Missing
from uxcx.store import Handle

from .common import draw
from .routes import DATA_PAGE
from .state import link_params

# A trend line per group needs a distinct colour per group; beyond the palette it turns to noise.
MAX_TREND_GROUPS = len(charts.GROUP_COLORS)


def draw_panel(
    df: pd.DataFrame,
    metric_id: str,
    by: str | None,
    grain: str | None,
    x_domain: list[pd.Timestamp] | None = None,
) -> None:
    """One metric's chart: a trend with CI band when a grain is chosen, else CIs per group."""
    m = METRIC_BY_ID[metric_id]
    st.markdown(f"**{m.label}** · {m.family}")
    df = df.dropna(subset=["value"])
    if df.empty:
        st.caption("No answers in this selection.")
        return
    if grain:
        if by:
            sizes = df.groupby("group", dropna=False)["n"].sum().sort_values(ascending=False)
            if len(sizes) > MAX_TREND_GROUPS:
                keep = set(sizes.index[:MAX_TREND_GROUPS])
                df = df[df["group"].isin(keep)]
                st.caption(
                    f"Showing the {MAX_TREND_GROUPS} largest of {len(sizes)} {by} values; "
                    "the table below has them all."
                )
        else:
            df = df.drop(columns=["group"])
        if len(df) > charts.MAX_ROWS:
            st.caption("Too many points to draw: pick a coarser time grain or filter the groups.")
            return
        chart = charts.metric_trend(df, metric_id, grain=grain, x_domain=x_domain)
    else:
        df = df.drop(columns=["period"])
        if not by:
            df["group"] = "All"
        chart = charts.metric_by_group(df, metric_id, group_title=by)
    draw(chart)


def explain_missing(missing: list[Missing], handle: Handle, by: str | None) -> None:
    """Say what each metric that could not be computed needs, with a way to the Data page."""
    lines = []
    for m in missing:
        label = METRIC_BY_ID[m.metric_id].label
        if m.needs == ("segment",) and by:
            lines.append(f"- **{label}** cannot be broken down by **{by}**: {m.reason}.")
        elif m.needs == ("date",):
            lines.append(f"- **{label}** has no trend: it {m.reason}.")
        else:
            lines.append(f"- **{label}** {m.reason}.")
    if not handle.can_edit:
        st.warning("Some metrics are not shown:\n" + "\n".join(lines))
        return
    st.warning(
        "Some metrics are not shown:\n" + "\n".join(lines) + "\n\nIf the column is in one of your "
        "files, give it that role on the Data page."
    )
    st.page_link(
        DATA_PAGE,
        label="Open the Data page to map columns",
        icon="🗂️",
        query_params=link_params(handle),
    )
