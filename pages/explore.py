"""Explore: any metrics, broken down by a segment and/or over time, with a table and a CSV download.

Every control is a keyed widget bound to the URL (keys start with x_), so a copied address
reopens exactly this view; the sidebar's global filters apply as on every other page.
"""

from __future__ import annotations

import re

import pandas as pd
import streamlit as st
from pandas.io.formats.style import Styler

from uxcx import app_state, charts
from uxcx.compute import LOW_N, MetricResult
from uxcx.describe import segment_columns
from uxcx.export import results_table, to_csv_bytes
from uxcx.metrics import METRIC_BY_ID, METRICS
from uxcx.sql import Filters, Missing, plan
from uxcx.store import Dataset
from views.metric_table import results_frame
from views.sidebar import active_filters, describe_filters

app_state.ensure_app_frame()

NO_TREND = "none"
GRAIN_OPTIONS = (NO_TREND, "day", "week", "month", "quarter")
# A trend line per group needs a distinct colour per group; beyond the palette it turns to noise.
MAX_TREND_GROUPS = len(charts.GROUP_COLORS)
LOW_N_GREY = "color: #8A8A8A"


def supported_metrics(ds: Dataset) -> list[str]:
    """Metric ids the dataset's roles can compute (no query needed: planning is pure)."""
    tables = ds.table_infos(app_state.workspace().engine)
    return [m.id for m in METRICS if not isinstance(plan(m, tables), Missing)]


def default_metrics(supported: list[str]) -> list[str]:
    """One UX and one CX metric the data supports (registry order puts SUS and NPS first)."""
    picks = []
    for family in ("UX", "CX"):
        first = next((m for m in supported if METRIC_BY_ID[m].family == family), None)
        if first:
            picks.append(first)
    return picks


def chart_frame(results: list[MetricResult], metric_id: str) -> pd.DataFrame:
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
    return pd.DataFrame(rows, columns=["group", "period", "value", "ci_low", "ci_high", "n"])


def time_domain(results: list[MetricResult]) -> list[pd.Timestamp] | None:
    """First and last period over every metric, so trend panels share one time axis."""
    periods = [r.period for r in results if r.period is not None and r.n]
    if not periods:
        return None
    return [pd.Timestamp(min(periods)), pd.Timestamp(max(periods))]


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
    st.altair_chart(chart, width="stretch", theme=None)


def style_low_n(df: pd.DataFrame, low: list[bool]) -> Styler:
    """Grey out rows whose estimate rests on too few answers."""
    flags = pd.Series(low, index=df.index)
    return df.style.apply(lambda row: [LOW_N_GREY if flags[row.name] else ""] * len(row), axis=1)


def safe_filename(*parts: str | None) -> str:
    """A download file name built from the view (letters, digits, dashes only)."""
    words = [re.sub(r"[^A-Za-z0-9]+", "-", p).strip("-").lower() for p in parts if p]
    return "uxcx-" + "_".join(w for w in words if w)[:120] + ".csv"


def explain_missing(missing: list[Missing], ds: Dataset, by: str | None) -> None:
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
    st.warning(
        "Some metrics are not shown:\n" + "\n".join(lines) + "\n\nIf the column is in one of your "
        "files, give it that role on the Data page."
    )
    st.page_link(
        app_state.PAGE_FILES["data"],
        label="Open the Data page to map columns",
        icon="🗂️",
        query_params={app_state.DATASET_PARAM: ds.id},
    )


def unapplied_note(results: list[MetricResult]) -> str:
    """One sentence per metric whose rows could not take a filter (no such column to filter on)."""
    notes = {}
    for r in results:
        if r.unapplied_filters:
            notes[r.label] = ", ".join(r.unapplied_filters)
    return " · ".join(f"{label}: {what} not applied" for label, what in notes.items())


# ---- page ----------------------------------------------------------------------------------
st.title("Explore")
ds = app_state.current_dataset()
if ds is None:
    st.info("Load data first: upload your files or start from the sample data.")
    st.page_link(app_state.PAGE_FILES["upload"], label="Go to Data sources", icon="📥")
    st.stop()

supported = supported_metrics(ds)
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
    results, missing = app_state.metrics(ds, metric_ids, by=by, grain=grain, filters=filters)

if missing:
    explain_missing(missing, ds, by)

shown = [m for m in metric_ids if any(r.metric == m for r in results)]
if results and sum(r.low_n for r in results) > len(results) / 2:
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
                draw_panel(chart_frame(results, metric_id), metric_id, by, grain, domain)
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
