"""Data: what each file holds, what each column means (editable), what needs a look, a preview."""

from __future__ import annotations

import streamlit as st

from ui import cache
from ui.cache import PREVIEW_ROWS
from ui.common import handle_or_stop
from ui.joins import render_joins
from ui.quality import render_quality, render_reading, table_height
from ui.roles_editor import render_roles_editor
from ui.state import ensure_app_frame
from uxcx.tables import files_summary

ensure_app_frame()


# ---- page ----------------------------------------------------------------------------------
st.title("Data")
handle = handle_or_stop("No data loaded yet: upload your files or start from the sample data.")
ds = handle.dataset

st.caption(
    f"{ds.name} · {len(ds.tables)} file(s) · {sum(t.rows for t in ds.tables):,} rows. "
    "Check what each column means and whether anything in the files needs fixing."
)
with st.spinner("Checking the data …"):
    quality, warnings = cache.quality(ds)

st.dataframe(
    files_summary(ds, quality),
    hide_index=True,
    width="stretch",
    column_config={
        "Rows": st.column_config.NumberColumn(format="localized"),
        "Rejected rows": st.column_config.NumberColumn(
            format="localized",
            help="Rows that could not be read at all (for example the wrong number of fields).",
        ),
        "Values out of scale": st.column_config.NumberColumn(
            format="localized",
            help="Values outside their role's scale (an NPS of 11); left out of metrics.",
        ),
        "Unreadable cells": st.column_config.NumberColumn(
            format="localized",
            help="Cells that did not fit their column's type (text in a number column).",
        ),
        "Empty cells": st.column_config.NumberColumn(
            format="localized",
            help="Often expected (a churn date while the customer is active, an optional "
            "comment); a metric simply leaves empty answers out.",
        ),
    },
)
st.subheader("What each column means")
render_roles_editor(handle, key="data_roles")
render_joins(handle, key="data_joins")

st.subheader("One file in detail")
by_file = {t.file: t for t in ds.tables}
chosen = st.selectbox(
    "File", options=list(by_file), key="d_file", bind="query-params",
    help="Quality report, what uxcx did while reading it, and the first rows.",
)  # fmt: skip
t = by_file.get(chosen) or ds.tables[0]
quality_tab, reading_tab, preview_tab = st.tabs(
    [
        "Quality",
        "Reading the file" + (f" · {t.rejected_rows:,} rejected" if t.rejected_rows else ""),
        "Preview",
    ]
)
with quality_tab:
    render_quality(t, quality, warnings)
with reading_tab:
    render_reading(t)
with preview_tab:
    shown = f"All {t.rows:,} rows" if t.rows <= PREVIEW_ROWS else f"The first {PREVIEW_ROWS} rows"
    st.caption(f"{shown} as uxcx read them (– marks an empty cell).")
    st.dataframe(
        cache.preview(ds, t.name),
        width="stretch",
        height=table_height(t.rows, 15),
        placeholder="–",
    )
