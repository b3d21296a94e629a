"""The Data page's links between files: the join graph, match rates, warnings and the fixes."""

from __future__ import annotations

import streamlit as st

from uxcx.store import Dataset, Handle
from uxcx.store.joins import LOW_MATCH, join_warnings
from uxcx.tables import join_dot, join_rows

from .cache import workspace
from .common import page_link
from .routes import DATA_PAGE


def render_joins(handle: Handle, key: str = "joins") -> None:
    """Show how the files link (graph, table, warnings); owners can change, add or remove links."""
    ds = handle.dataset
    if len(ds.tables) < 2:
        return
    st.subheader("How the files link")
    joins = ds.joins
    if joins is None:
        st.caption(
            "Files are linked on their customer id (this dataset was uploaded before uxcx "
            "recorded links; add the files again to see match rates)."
        )
    elif not joins:
        st.info(
            "These files do not link: no column holds the same key (an order id, customer id, "
            "e-mail …) in two files, so each file's metrics are computed on its own."
        )
    else:
        st.caption(
            "uxcx links files on columns that hold the same key and share values. A breakdown, "
            "filter or churn link follows the arrows towards the file with one row per key, so "
            f"no row is counted twice. A red arrow matched fewer than {LOW_MATCH:.0%} of its rows."
        )
        st.graphviz_chart(join_dot(ds), width="stretch")
        st.dataframe(join_rows(ds), hide_index=True, width="stretch")
        for w in join_warnings(joins):
            st.warning(w)
    if handle.can_edit:
        _editor(ds, key)


def _editor(ds: Dataset, key: str) -> None:
    """Change the key of a link, add one, remove one, or go back to what uxcx detected."""
    ws = workspace()
    names = [t.name for t in ds.tables]
    with st.expander("Fix the links", expanded=False):
        st.caption(
            "Link two files on a column each (a link between the same two files is replaced), "
            "remove a link, or go back to the links uxcx found. Every page updates."
        )
        c1, c2, c3, c4 = st.columns(4)
        left = c1.selectbox("From file", names, key=f"{key}_left")
        left_col = c2.selectbox("Key column", list(ds.table(left).columns), key=f"{key}_lcol")
        others = [n for n in names if n != left]
        right = c3.selectbox("To file", others, key=f"{key}_right")
        right_col = c4.selectbox("Key column", list(ds.table(right).columns), key=f"{key}_rcol")
        b1, b2, b3 = st.columns(3)
        if b1.button("Save link", key=f"{key}_add", type="primary"):
            try:
                j = ws.add_join(ds, left, left_col, right, right_col)
            except ValueError as e:
                st.error(str(e))
            else:
                st.toast(f"Link saved: {j.label()}.")
                st.rerun()
        labels = [j.label() for j in ds.joins or []]
        if labels:
            gone = b2.selectbox(
                "Link to remove", labels, key=f"{key}_gone", label_visibility="collapsed"
            )
            if b2.button("Remove link", key=f"{key}_remove"):
                ws.remove_join(ds, gone)
                st.toast(f"Link removed: {gone}.")
                st.rerun()
        if ds.joins_edited and b3.button("Detect the links again", key=f"{key}_reset"):
            ws.reset_joins(ds)
            st.toast("Links detected again from the files.")
            st.rerun()


def render_join_summary(ds: Dataset) -> None:
    """One line under the loaded files: which links uxcx found, with a way to the Data page."""
    if len(ds.tables) < 2 or ds.joins is None:
        return
    used = [j for j in ds.joins if j.usable]
    if not used:
        st.caption("These files do not link on any shared key: each is analysed on its own.")
    else:
        parts = [f"{j.label()} ({j.left_rate or 0:.0%} matched)" for j in used]
        st.caption("Linked: " + " · ".join(parts))
    warnings = join_warnings(ds.joins)
    if warnings:
        st.warning(
            f"{len(warnings)} link(s) need a look: see *How the files link* on the Data page.",
            icon=":material/link_off:",
        )
    page_link(DATA_PAGE, "See and fix how the files link", icon="🔗")
