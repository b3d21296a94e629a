"""The only Streamlit-aware module: workspace handle, current dataset, URL state, cached queries.

Caching: st.cache_data is shared by every session, so every cached function takes the dataset id
and version in its key. Dataset ids are unguessable tokens; knowing the id (the share link) is
what grants access, so a cache hit can only ever serve a user who already holds the link.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import streamlit as st

from .compute import MetricResult, compute
from .sql import Filters, Missing
from .store import SAMPLE_ID, Dataset, DatasetNotFound, Workspace

DATASET_PARAM = "dataset"
PAGE_FILES = {
    "upload": "pages/upload.py",
    "overview": "pages/overview.py",
    "ux": "pages/ux.py",
    "cx": "pages/cx.py",
    "retention": "pages/retention.py",
    "explore": "pages/explore.py",
    "data": "pages/data.py",
}


def ensure_app_frame() -> None:
    """Make a page opened directly by URL run inside app.py's navigation (sidebar, filters).

    Streamlit treats an app with a `pages/` folder as a legacy multipage app until the first
    `st.navigation` call in the process: the first visitor of a fresh server who arrives by a
    shared link (/overview?…) would get the bare page file without the sidebar and filters, and
    so would everyone after them. Turning the legacy flag off and rerunning hands the run to
    app.py, which keeps the URL's page and query parameters. AppTest resets the flag before
    every run on purpose (its runtime is a mock), so there the page is left to run as it is.
    """
    from streamlit.runtime import Runtime
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory and type(Runtime.instance()) is Runtime:
        PagesManager.uses_pages_directory = False
        st.rerun()


@st.cache_resource
def _workspace(root: str) -> Workspace:
    return Workspace(root)


def workspace() -> Workspace:
    """The process-wide workspace (holds no user data in memory; datasets are read by id)."""
    # Keyed by the configured root so tests (and a reconfigured server) never see a stale one.
    return _workspace(os.environ.get("UXCX_WORKSPACE", "workspace"))


def current_dataset() -> Dataset | None:
    """The dataset named in the URL (?dataset=…), or None; a bad id shows a friendly message."""
    ds = _named_dataset() or _default_dataset()
    if ds is None:
        return None
    # Keep the id in the URL even after a page switch, so the address bar is always shareable.
    if st.query_params.get(DATASET_PARAM) != ds.id:
        st.query_params[DATASET_PARAM] = ds.id
    st.session_state["_dataset_id"] = ds.id
    return ds


def _named_dataset() -> Dataset | None:
    ds_id = st.query_params.get(DATASET_PARAM) or st.session_state.get("_dataset_id")
    if not ds_id:
        return None
    try:
        return workspace().open(ds_id)
    except DatasetNotFound:
        st.session_state.pop("_dataset_id", None)
        # Drop the dead id so the sidebar and the page (both ask) warn once, and the URL is clean.
        if DATASET_PARAM in st.query_params:
            del st.query_params[DATASET_PARAM]
        st.warning(
            "This link points to a dataset that is not on this server (it may have been "
            "deleted or the link is incomplete). Upload the files again or use the sample data."
        )
        return None


def _default_dataset() -> Dataset | None:
    """`make run` opens on the sample data; a hosted instance starts empty unless configured."""
    if os.environ.get("UXCX_DEFAULT_DATASET") != SAMPLE_ID:
        return None
    with st.spinner("Preparing the sample data (first start only) …"):
        return workspace().sample_dataset()


def set_dataset(ds: Dataset) -> None:
    """Make a dataset current (URL + session) and forget filters that belonged to the last one."""
    for key in list(st.session_state.keys()):
        if isinstance(key, str) and key.startswith(("f_", "x_")):
            del st.session_state[key]
    for key in list(st.query_params.keys()):
        if key.startswith(("f_", "x_")):
            del st.query_params[key]
    st.session_state["_dataset_id"] = ds.id
    st.query_params[DATASET_PARAM] = ds.id


def filters_key(filters: Filters | None) -> tuple:
    """A hashable cache key for filters."""
    if filters is None:
        return ()
    return (
        filters.date_from,
        filters.date_to,
        tuple(sorted((k, tuple(sorted(v))) for k, v in filters.segments.items() if v)),
    )


def filters_from_key(key: tuple) -> Filters | None:
    """Inverse of filters_key."""
    if not key:
        return None
    date_from, date_to, segs = key
    return Filters(date_from, date_to, {k: list(v) for k, v in segs})


@st.cache_data(max_entries=2000, show_spinner=False)
def _compute_cached(
    ds_id: str,
    version: str,
    metric_ids: tuple[str, ...] | None,
    by: str | None,
    grain: str | None,
    fkey: tuple,
) -> tuple[list[MetricResult], list[Missing]]:
    ws = workspace()
    ds = ws.open(ds_id)
    return compute(
        ws.engine,
        ds.table_infos(ws.engine),
        metric_ids,
        by=by,
        grain=grain,
        filters=filters_from_key(fkey),
    )


def metrics(
    ds: Dataset,
    metric_ids: Sequence[str] | None = None,
    *,
    by: str | None = None,
    grain: str | None = None,
    filters: Filters | None = None,
) -> tuple[list[MetricResult], list[Missing]]:
    """Metric results for a dataset, cached by dataset id + version + query."""
    ids = tuple(metric_ids) if metric_ids is not None else None
    return _compute_cached(ds.id, ds.version, ids, by, grain, filters_key(filters))
