"""Data: what each file holds, what each column means (editable), what needs a look, a preview."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import streamlit as st

from uxcx import app_state
from uxcx.describe import ColumnQuality, preview, quality_report, scale_warnings
from uxcx.roles import ROLE_BY_NAME
from uxcx.store import Dataset, TableEntry
from views.roles_editor import friendly_type, render_roles_editor

app_state.ensure_app_frame()

PREVIEW_ROWS = 100
ROW_PX, HEADER_PX = 35, 38
LINE_COLUMN = st.column_config.NumberColumn("Line", width="small", format="plain")


def table_height(rows: int, max_rows: int = 30) -> int:
    """Pixel height that shows every row of a short table (scrolling only beyond max_rows)."""
    return HEADER_PX + ROW_PX * max(1, min(rows, max_rows)) + 3


# Cached by dataset id + version (roles change the version): st.cache_data is shared by sessions.
@st.cache_data(max_entries=200, show_spinner=False)
def _quality(ds_id: str, version: str) -> tuple[list[ColumnQuality], list[str]]:
    ws = app_state.workspace()
    ds = ws.open(ds_id)
    report = quality_report(ws.engine, ds)
    return report, scale_warnings(report, ws.engine, ds)


# The Parquet never changes after ingest, so the creation time is enough of a version.
@st.cache_data(max_entries=200, show_spinner=False)
def _preview(ds_id: str, created: str, table: str) -> pa.Table:
    ws = app_state.workspace()
    return preview(ws.engine, ws.open(ds_id), table, PREVIEW_ROWS)


def role_label(role: str | None) -> str:
    """A role's readable label ('' for none)."""
    if not role:
        return ""
    r = ROLE_BY_NAME.get(role)
    return r.label if r else role


def files_summary(ds: Dataset, quality: list[ColumnQuality]) -> pd.DataFrame:
    """One row per file: size and how many things need a look."""
    rows = []
    for t in ds.tables:
        qs = [q for q in quality if q.table == t.name]
        ingest = t.ingest or {}
        rows.append(
            {
                "File": t.file,
                "Rows": t.rows,
                "Columns": len(t.columns),
                "Rejected rows": t.rejected_rows,
                "Values out of scale": sum(q.out_of_scale for q in qs),
                "Unreadable cells": int(ingest.get("cell_issue_count") or 0),
                "Empty cells": sum(q.missing for q in qs),
            }
        )
    return pd.DataFrame(rows)


def column_quality_frame(t: TableEntry, quality: list[ColumnQuality]) -> pd.DataFrame:
    """Per column of one file: type, role, missing values and values outside the role's scale."""
    rows = []
    for q in quality:
        if q.table != t.name:
            continue
        rows.append(
            {
                "Column": q.column,
                "Type": friendly_type(q.type),
                "Role": role_label(q.role),
                "Empty": q.missing,
                "Empty %": 100.0 * q.missing / q.rows if q.rows else 0.0,
                "Out of scale": q.out_of_scale,
                "Expected": q.expected,
                "Examples out of scale": ", ".join(q.examples),
            }
        )
    return pd.DataFrame(rows)


def render_quality(t: TableEntry, quality: list[ColumnQuality], warnings: list[str]) -> None:
    """The quality report of one file: scale problems first, then every column."""
    mine = [w for w in warnings if w.startswith(f"{t.name} · ")]
    if mine:
        for w in mine:
            st.warning(w.removeprefix(f"{t.name} · "), icon=":material/rule:")
    else:
        st.success("Every value with a scale is inside it.", icon=":material/check_circle:")
    frame = column_quality_frame(t, quality)
    st.dataframe(
        frame,
        hide_index=True,
        width="stretch",
        height=table_height(len(frame)),
        column_config={
            "Empty %": st.column_config.ProgressColumn(
                "Empty %", format="%.1f%%", min_value=0, max_value=100,
                help="Share of rows where the cell is empty; metrics leave these rows out.",
            ),
            "Empty": st.column_config.NumberColumn(format="localized"),
            "Out of scale": st.column_config.NumberColumn(
                format="localized",
                help="Values outside the role's scale: left out of the metric, never clipped.",
            ),
            "Expected": st.column_config.TextColumn(help="What the role's scale allows."),
        },
    )  # fmt: skip


def render_reading(t: TableEntry) -> None:
    """What happened while reading the file: notes, rejected rows, cells that could not be read."""
    ingest = t.ingest or {}
    notes = ingest.get("notes") or []
    rejects = ingest.get("rejects") or []
    issues = ingest.get("cell_issues") or []
    issue_count = int(ingest.get("cell_issue_count") or len(issues))
    if notes:
        st.markdown("\n".join(f"- {n}" for n in notes))
    else:
        st.caption("The file was read as it is: nothing needed fixing.")
    if t.rejected_rows:
        st.markdown(f"**Rejected rows** · {t.rejected_rows:,} left out")
        st.caption(
            "Line numbers are as in the original file (the header is line 1). Fix the rows in "
            "the file and upload it again to include them."
            + (f" The first {len(rejects):,} are listed." if len(rejects) < t.rejected_rows else "")
        )
        st.dataframe(
            pd.DataFrame(rejects).rename(columns={"line": "Line", "reason": "Reason"}),
            hide_index=True,
            width="stretch",
            height=table_height(len(rejects), 12),
            column_config={"Line": LINE_COLUMN},
        )
    if issue_count:
        st.markdown(f"**Cells that could not be read** · {issue_count:,} left empty")
        if len(issues) < issue_count:
            st.caption(f"The first {len(issues):,} are listed.")
        st.dataframe(
            pd.DataFrame(issues).rename(
                columns={"line": "Line", "column": "Column", "value": "Value", "reason": "Reason"}
            ),
            hide_index=True,
            width="stretch",
            height=table_height(len(issues), 12),
            column_config={"Line": LINE_COLUMN},
        )


# ---- page ----------------------------------------------------------------------------------
st.title("Data")
ds = app_state.current_dataset()
if ds is None:
    st.info("No data loaded yet: upload your files or start from the sample data.")
    st.page_link(app_state.PAGE_FILES["upload"], label="Go to Data sources", icon="📥")
    st.stop()

st.caption(
    f"{ds.name} · {len(ds.tables)} file(s) · {sum(t.rows for t in ds.tables):,} rows. "
    "Check what each column means and whether anything in the files needs fixing."
)
with st.spinner("Checking the data …"):
    quality, warnings = _quality(ds.id, ds.version)

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
render_roles_editor(ds, key="data_roles")

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
        _preview(ds.id, ds.created, t.name),
        width="stretch",
        height=table_height(t.rows, 15),
        placeholder="–",
    )
