"""The sidebar on every page: the current dataset, global filters bound to the URL, sharing."""

from __future__ import annotations

import streamlit as st

from uxcx.sql import Filters
from uxcx.store import Dataset

from . import auth, cache
from .share import render_share_panel
from .state import current_handle


def filter_key(column: str) -> str:
    """Widget key (and URL parameter) of a segment filter."""
    return f"f_{column}"


def render_sidebar(page_path: str) -> None:
    """Dataset summary and global filters; pages read them with active_filters()."""
    handle = current_handle()
    with st.sidebar:
        if handle is None or handle.can_edit:
            auth.render_account()
        if handle is None:
            st.caption(
                "No data loaded yet: open **Data sources** to upload files or use the sample."
            )
            return
        ds = handle.dataset
        st.markdown(f"**Dataset:** {ds.name}")
        st.caption(f"{len(ds.tables)} file(s) · {sum(t.rows for t in ds.tables):,} rows")
        st.divider()
        st.markdown("**Filters** · apply on every page")
        bounds = cache.date_bounds(ds)
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
        for col, values in cache.segment_values(ds).items():
            st.multiselect(
                col,
                options=values,
                key=filter_key(col),
                bind="query-params",
                placeholder="All",
            )
        st.divider()
        if handle.can_edit:
            render_share_panel(ds, page_path)
            st.caption(
                "Your address bar is your owner key: anyone with it can change roles and share. "
                "To show this view to others, make a read-only link above."
            )
        else:
            st.caption(
                ":material/visibility: **Shared, read-only view.** Change filters and pages as "
                "you like; copy the address bar to pass this view on."
            )


def active_filters(ds: Dataset) -> Filters:
    """The global filters as set in the sidebar (and therefore in the URL)."""
    date_from = date_to = None
    dates = st.session_state.get("f_dates")
    bounds = cache.date_bounds(ds)
    if isinstance(dates, tuple | list) and len(dates) == 2 and bounds:
        # The full range is no filter at all: keeps cache keys equal to the unfiltered view.
        if dates[0] != bounds[0]:
            date_from = dates[0]
        if dates[1] != bounds[1]:
            date_to = dates[1]
    segments = {}
    for col in cache.segment_values(ds):
        chosen = st.session_state.get(filter_key(col)) or []
        if chosen:
            segments[col] = list(chosen)
    return Filters(date_from, date_to, segments)
