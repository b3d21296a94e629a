"""Explore: any metrics, broken down by a segment and/or over time, with a table and a CSV download.

Every control is a keyed widget bound to the URL (keys start with x_), so a copied address
reopens exactly this view; the sidebar's global filters apply as on every other page.
"""

from __future__ import annotations

import streamlit as st

from ui import cache
from ui.common import handle_or_stop
from ui.explore import draw_panel, explain_missing
from ui.sidebar import active_filters
from ui.state import ensure_app_frame
from ui.tables import style_low_n
from uxcx.compute import LOW_N
from uxcx.describe import segment_columns
from uxcx.explore import (
    default_metrics,
    mostly_low_n,
    panel_frame,
    safe_filename,
    supported_metrics,
    time_domain,
    unapplied_note,
)
from uxcx.export import results_table, to_csv_bytes
from uxcx.labels import describe_filters
from uxcx.metrics import METRIC_BY_ID, METRICS
from uxcx.sql import Filters
from uxcx.tables import results_frame

ensure_app_frame()

NO_TREND = "none"
GRAIN_OPTIONS = (NO_TREND, "day", "week", "month", "quarter")


# ---- page ----------------------------------------------------------------------------------
st.title("Explore")
handle = handle_or_stop("Load data first: upload your files or start from the sample data.")
ds = handle.dataset

supported = supported_metrics(handle.tables())
segments = segment_columns(ds)
left, mid, right = st.columns([3.4, 2, 3.6], gap="small")
with left:
    metric_ids: list[str] = st.multiselect(
        "Metrics",
        options=[m.id for m in METRICS],
        default=default_metrics(supported),
        # No format_func: a bound widget writes the *shown* text to the URL, and short ids
        # (x_metrics=sus&x_metrics=nps) keep shared links readable and stable across labels.
        key="x_metrics",
        bind="query-params",
        placeholder="Pick one or more metrics",
        help="UX metrics first, then CX. Each metric gets its own panel in its own units.",
    )
with mid:
    by: str | None = st.selectbox(
        "Break down by",
        options=[None, *segments],
        format_func=lambda c: "No breakdown" if c is None else c,
        key="x_by",
        bind="query-params",
        help="Any column with the segment role (set roles on the Data page).",
    )
with right:
    picked = st.segmented_control(
        "Over time",
        options=GRAIN_OPTIONS,
        default=NO_TREND,
        required=True,
        key="x_grain",
        bind="query-params",
        help="Pick a grain for a trend with its 95% band; none compares groups instead.",
    )
    grain: str | None = None if picked in (None, NO_TREND) else picked

if metric_ids:
    st.caption(
        " · ".join(
            f"**{m}** = {METRIC_BY_ID[m].label} ({METRIC_BY_ID[m].family})" for m in metric_ids
        )
    )
filters: Filters = active_filters(ds)
filter_text = describe_filters(filters)
st.caption(f"Filtered to {filter_text}." if filter_text else "No filters: every row counts.")

if not metric_ids:
    st.info("Pick at least one metric above.")
    st.stop()

with st.spinner("Computing …"):
    results, missing = cache.metrics(ds, metric_ids, by=by, grain=grain, filters=filters)

if missing:
    explain_missing(missing, handle, by)

shown = [m for m in metric_ids if any(r.metric == m for r in results)]
if mostly_low_n(results):
    coarser = "a coarser time grain" if grain else "fewer groups"
    st.caption(
        f"Most points rest on fewer than {LOW_N} answers, so they jump around by chance: "
        f"{coarser} or wider filters give steadier estimates."
    )
if shown:
    domain = time_domain(results) if grain else None
    ncols = 1 if len(shown) == 1 else 2
    for start in range(0, len(shown), ncols):
        cols = st.columns(ncols, gap="large")
        for col, metric_id in zip(cols, shown[start : start + ncols], strict=False):
            with col:
                draw_panel(panel_frame(results, metric_id), metric_id, by, grain, domain)
elif not missing:
    st.info("No rows match these filters.")

if results:
    st.subheader("The numbers")
    table = results_frame(results).drop(columns=["id"])
    low = [r.low_n for r in results]
    st.dataframe(style_low_n(table, low), hide_index=True, width="stretch")
    notes = []
    if any(low):
        notes.append(f"Grey rows rest on fewer than {LOW_N} answers: treat them as unstable.")
    unapplied = unapplied_note(results)
    if unapplied:
        notes.append(f"Some filters do not fit every metric's rows ({unapplied}).")
    notes.append("95% confidence intervals; the method column says how each was computed.")
    st.caption(" ".join(notes))
    st.download_button(
        "Download this table (CSV)",
        data=to_csv_bytes(results_table(results)),
        file_name=safe_filename("explore", *metric_ids, f"by-{by}" if by else None, grain),
        mime="text/csv",
        icon=":material/download:",
        on_click="ignore",
        key="x_download",
        help="Numbers as numbers, UTF-8 for Excel; text that looks like a formula is made safe.",
    )
