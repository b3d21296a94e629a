"""The sidebar on every page: the current dataset, global filters bound to the URL, share hint."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from uxcx import app_state
from uxcx.describe import date_bounds, segment_values
from uxcx.sql import Filters
from uxcx.store import Dataset


@st.cache_data(max_entries=500, show_spinner=False)
def _segment_values(ds_id: str, version: str) -> dict[str, list[str]]:
    ws = app_state.workspace()
    return segment_values(ws.engine, ws.open(ds_id))


@st.cache_data(max_entries=500, show_spinner=False)
def _date_bounds(ds_id: str, version: str) -> tuple[dt.date, dt.date] | None:
    ws = app_state.workspace()
    return date_bounds(ws.engine, ws.open(ds_id))


def data_bounds(ds: Dataset) -> tuple[dt.date, dt.date] | None:
    """Earliest and latest date in the dataset (cached by id + version)."""
    return _date_bounds(ds.id, ds.version)


def filter_key(column: str) -> str:
    """Widget key (and URL parameter) of a segment filter."""
    return f"f_{column}"


def render_sidebar(page_path: str) -> None:
    """Dataset summary and global filters; pages read them with active_filters()."""
    ds = app_state.current_dataset()
    with st.sidebar:
        if ds is None:
            st.caption(
                "No data loaded yet: open **Data sources** to upload files or use the sample."
            )
            return
        st.markdown(f"**Dataset:** {ds.name}")
        st.caption(f"{len(ds.tables)} file(s) · {sum(t.rows for t in ds.tables):,} rows")
        st.divider()
        st.markdown("**Filters** · apply on every page")
        bounds = data_bounds(ds)
        if bounds:
            lo, hi = bounds
            st.date_input(
                "Date range",
                value=(lo, hi),
                min_value=lo,
                max_value=hi,
                key="f_dates",
                bind="query-params",
                format="YYYY-MM-DD",
            )
        for col, values in _segment_values(ds.id, ds.version).items():
            st.multiselect(
                col,
                options=values,
                key=filter_key(col),
                bind="query-params",
                placeholder="All",
            )
        st.divider()
        st.caption(
            "🔗 **Share this view:** copy the address bar. The link reopens this dataset, "
            "page and filters; only people with the link can open it."
        )


def active_filters(ds: Dataset) -> Filters:
    """The global filters as set in the sidebar (and therefore in the URL)."""
    date_from = date_to = None
    dates = st.session_state.get("f_dates")
    bounds = data_bounds(ds)
    if isinstance(dates, tuple | list) and len(dates) == 2 and bounds:
        # The full range is no filter at all: keeps cache keys equal to the unfiltered view.
        if dates[0] != bounds[0]:
            date_from = dates[0]
        if dates[1] != bounds[1]:
            date_to = dates[1]
    segments = {}
    for col in _segment_values(ds.id, ds.version):
        chosen = st.session_state.get(filter_key(col)) or []
        if chosen:
            segments[col] = list(chosen)
    return Filters(date_from, date_to, segments)


def describe_filters(filters: Filters) -> str:
    """One line saying what is filtered ('' when nothing)."""
    parts = []
    if filters.date_from or filters.date_to:
        parts.append(f"{filters.date_from or '…'} to {filters.date_to or '…'}")
    for col, vals in filters.segments.items():
        parts.append(f"{col}: {', '.join(vals)}")
    return " · ".join(parts)
