"""Per-session app state: the current dataset (?dataset= for owners, ?share= for viewers), URL, frame.

Both kinds of link go through the gate. An owner's dataset id stays in the URL so the address bar
is their key; a viewer's URL carries the share token instead and never the dataset id.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import streamlit as st

from uxcx.ingest import IngestError
from uxcx.store import SAMPLE_ID, Dataset, Handle, Refusal, Request, open_dataset
from uxcx.store.workspace import Progress

from . import viewer
from .cache import workspace
from .viewer import SHARE_PARAM

DATASET_PARAM = "dataset"
_SESSION_KEY = "_dataset_id"
_ANNOUNCE_KEY = "_announce_owner_link"

__all__ = [
    "DATASET_PARAM",
    "SHARE_PARAM",
    "current_dataset",
    "current_handle",
    "ensure_app_frame",
    "is_viewer",
    "link_params",
    "load_dataset",
    "owner_link_saved",
    "owner_link_unsaved",
    "set_dataset",
    "share_token",
    "viewer_access",
    "workspace",
]


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


def share_token() -> str | None:
    """The viewer link this session presents (URL first, then the session); None for owners."""
    from_url = st.query_params.get(SHARE_PARAM)
    if from_url:
        return from_url
    if st.query_params.get(DATASET_PARAM):
        return None  # an owner link in the address bar wins over a link opened earlier
    return st.session_state.get(viewer.TOKEN_KEY)


def is_viewer() -> bool:
    """This session looks at a dataset through a viewer link (read-only)."""
    return share_token() is not None


def viewer_access() -> tuple[Handle | Refusal | None, bool]:
    """The viewer link's handle or refusal (None for owners), and whether the caller must rerun.

    Keeps the token (never the dataset id) in the URL across page switches; on the session's
    first open it puts the link's stored filters in the URL, which takes a rerun to reach the
    widgets.
    """
    token = share_token()
    if token is None:
        return None, False
    granted = viewer.open_link(token)
    if isinstance(granted, Refusal):
        return granted, False
    st.session_state[viewer.TOKEN_KEY] = token
    st.session_state.pop(_SESSION_KEY, None)
    if DATASET_PARAM in st.query_params:
        del st.query_params[DATASET_PARAM]
    if st.query_params.get(SHARE_PARAM) != token:
        st.query_params[SHARE_PARAM] = token
    return granted, viewer.apply_link_params(token, granted)


def link_params(handle: Handle) -> dict[str, str]:
    """The query parameter that keeps this visitor's access on an in-app link."""
    token = share_token() if handle.capability == "viewer" else None
    return {SHARE_PARAM: token} if token else {DATASET_PARAM: handle.dataset.id}


def current_handle() -> Handle | None:
    """The dataset named in the URL (?dataset=… or ?share=…) as the gate granted it, or None.

    An owner link the gate refuses shows its calm message once and is dropped from the URL; a
    refused viewer link gets the password form or the calm refusal page, and the run stops.
    """
    token = share_token()
    if token is not None:
        granted, rerun = viewer_access()
        if isinstance(granted, Refusal):
            viewer.render_locked(token, granted)
        if rerun:
            st.rerun()
        return granted
    # An owner link in the URL ends any viewer link opened earlier in this session.
    st.session_state.pop(viewer.TOKEN_KEY, None)
    h = _named_handle() or _default_handle()
    if h is None:
        return None
    # Keep the id in the URL even after a page switch, so the address bar is always shareable.
    if st.query_params.get(DATASET_PARAM) != h.dataset.id:
        st.query_params[DATASET_PARAM] = h.dataset.id
    st.session_state[_SESSION_KEY] = h.dataset.id
    return h


def current_dataset() -> Dataset | None:
    """The current dataset (see current_handle), or None."""
    h = current_handle()
    return h.dataset if h is not None else None


def _named_handle() -> Handle | None:
    ds_id = st.query_params.get(DATASET_PARAM) or st.session_state.get(_SESSION_KEY)
    if not ds_id:
        return None
    granted = open_dataset(workspace(), Request(ds_id))
    if isinstance(granted, Refusal):
        st.session_state.pop(_SESSION_KEY, None)
        # Drop the dead id so the sidebar and the page (both ask) warn once, and the URL is clean.
        if DATASET_PARAM in st.query_params:
            del st.query_params[DATASET_PARAM]
        st.warning(granted.message)
        return None
    return granted


def _default_handle() -> Handle | None:
    """`make run` opens on the sample data; a hosted instance starts empty unless configured."""
    if os.environ.get("UXCX_DEFAULT_DATASET") != SAMPLE_ID:
        return None
    ws = workspace()
    with st.spinner("Preparing the sample data (first start only) …"):
        sample = ws.sample_dataset()
    granted = open_dataset(ws, Request(sample.id))
    return granted if isinstance(granted, Handle) else None


def set_dataset(ds: Dataset) -> None:
    """Make a dataset current for its owner (URL + session) and forget the last one's filters."""
    for key in list(st.session_state.keys()):
        if isinstance(key, str) and key.startswith(("f_", "x_")):
            del st.session_state[key]
    for key in list(st.query_params.keys()):
        if key.startswith(("f_", "x_")):
            del st.query_params[key]
    st.session_state.pop(viewer.TOKEN_KEY, None)
    if SHARE_PARAM in st.query_params:
        del st.query_params[SHARE_PARAM]
    st.session_state[_SESSION_KEY] = ds.id
    st.query_params[DATASET_PARAM] = ds.id


def owner_link_unsaved(ds: Dataset) -> bool:
    """This session just uploaded `ds` and has not yet confirmed it saved the owner link."""
    return st.session_state.get(_ANNOUNCE_KEY) == ds.id


def owner_link_saved() -> None:
    """The owner confirmed they kept the link: stop showing it."""
    st.session_state.pop(_ANNOUNCE_KEY, None)


def load_dataset(
    make: Callable[[Progress], Dataset], label: str, *, announce: bool = False
) -> None:
    """Build a dataset with a progress bar, make it current and rerun; say why a file failed.

    announce: the dataset is a new upload, whose link is its owner's only key; say so until
    the owner confirms they kept it.
    """
    with st.status(label, expanded=True) as status:
        bar = st.progress(0.0)

        def progress(fraction: float, message: str) -> None:
            bar.progress(min(max(fraction, 0.0), 1.0), text=message)

        try:
            ds = make(progress)
        except IngestError as e:
            status.update(label="The file could not be read", state="error")
            st.error(str(e))
            return
        status.update(label=f"Loaded {ds.name}", state="complete", expanded=False)
    set_dataset(ds)
    if announce:
        # Until the owner confirms; a single run would be too easy to miss (any rerun hides it).
        st.session_state[_ANNOUNCE_KEY] = ds.id
    st.rerun()
