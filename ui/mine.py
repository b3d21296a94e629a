"""My datasets (sign-in only): a signed-in owner's uploads — open, rename, re-map, delete, links."""

from __future__ import annotations

import hashlib

import streamlit as st

from uxcx.store import Dataset, DatasetNotFound, Shares

from .cache import workspace
from .common import md
from .routes import DATA_PAGE, OVERVIEW_PAGE
from .share import link_status, render_links
from .state import DATASET_PARAM, set_dataset


def _slot(ds: Dataset) -> str:
    # Widget keys reach the browser as CSS classes: a hash keeps ids out of the page source.
    return hashlib.sha256(ds.id.encode()).hexdigest()[:10]


def _owned(ds_id: str, user: str) -> Dataset | None:
    """The dataset as it is on disk now, if it still exists and belongs to this user."""
    try:
        ds = workspace().open(ds_id)
    except DatasetNotFound:
        return None
    return ds if ds.owner == user else None


def _go(ds: Dataset, page: str) -> None:
    set_dataset(ds)
    st.switch_page(page, query_params={DATASET_PARAM: ds.id})


def render_my_datasets(user: str) -> None:
    """Every dataset this user uploaded while signed in, newest first, with its actions."""
    mine = workspace().datasets(owner=user)
    if not mine:
        st.info("No datasets yet. Upload files on **Data sources** while signed in.")
        return
    st.caption(
        f"{len(mine)} dataset(s) you uploaded while signed in. Only you see this list; people "
        "you share a link with see one read-only view."
    )
    for ds in mine:
        render_dataset(ds, user)


def render_dataset(ds: Dataset, user: str) -> None:
    """One dataset: name, size, links; Open / Re-map roles, and rename, links and delete."""
    slot = _slot(ds)
    links = Shares(workspace().root).for_dataset(ds.id)
    active = sum(link_status(x) == "active" for x in links)
    with st.container(border=True, key=f"mine_{slot}"):
        st.markdown(f"**{md(ds.name)}**")
        rows = sum(t.rows for t in ds.tables)
        st.caption(
            f"Uploaded {ds.created[:10]} · {len(ds.tables)} file(s) · {rows:,} rows · "
            f"{active} active link(s)"
        )
        left, mid, _ = st.columns([1, 1, 3])
        if left.button("Open", key=f"mine_open_{slot}", type="primary"):
            _go(ds, OVERVIEW_PAGE)
        if mid.button("Re-map roles", key=f"mine_roles_{slot}"):
            _go(ds, DATA_PAGE)
        with st.expander("Rename, links, delete"):
            name = st.text_input("Name", value=ds.name, key=f"mine_name_{slot}", max_chars=120)
            if st.button("Rename", key=f"mine_rename_{slot}"):
                current = _owned(ds.id, user)
                if current is not None and name.strip() not in ("", current.name):
                    workspace().rename(current, name)
                    st.toast("Renamed.")
                st.rerun()
            render_links(ds)
            sure = st.checkbox(
                "Yes, delete this dataset and every link to it, for good",
                key=f"mine_confirm_{slot}",
            )
            if st.button(
                "Delete", key=f"mine_delete_{slot}", disabled=not sure, icon=":material/delete:"
            ):
                if _owned(ds.id, user) is not None:
                    workspace().delete(ds.id)
                    st.toast(f"Deleted {ds.name}.")
                st.rerun()
