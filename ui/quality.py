"""The Data page's pieces: a file's quality report and what happened while reading it."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from uxcx.describe import ColumnQuality
from uxcx.store import TableEntry
from uxcx.tables import column_quality_frame, warnings_for

ROW_PX, HEADER_PX = 35, 38
LINE_COLUMN = st.column_config.NumberColumn("Line", width="small", format="plain")


def table_height(rows: int, max_rows: int = 30) -> int:
    """Pixel height that shows every row of a short table (scrolling only beyond max_rows)."""
    return HEADER_PX + ROW_PX * max(1, min(rows, max_rows)) + 3


def render_quality(t: TableEntry, quality: list[ColumnQuality], warnings: list[str]) -> None:
    """The quality report of one file: scale problems first, then every column."""
    mine = warnings_for(t, warnings)
    if mine:
        for w in mine:
            st.warning(w, icon=":material/rule:")
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
