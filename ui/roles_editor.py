"""The role editor: one row per column, a role dropdown, saved to the dataset manifest."""

from __future__ import annotations

import streamlit as st

from uxcx.roles import ROLE_NAMES
from uxcx.store import Handle
from uxcx.tables import NO_ROLE, role_rows, roles_from_rows

from .cache import workspace


def render_roles_editor(handle: Handle, key: str = "roles_editor") -> None:
    """Show the mapping in an editable table with a Save button (a plain table for viewers)."""
    ds = handle.dataset
    df = role_rows(ds)
    if not (df["Question"] != "").any():
        df = df.drop(columns=["Question"])
    if not handle.can_edit:
        # Viewers see the mapping, not an editor: nothing on their page suggests they could save.
        st.caption("What each column means to uxcx, as the person who shared this view set it.")
        st.dataframe(df.drop(columns=["Detected"]), hide_index=True, width="stretch")
        return
    st.caption(
        "uxcx guessed what each column means from its header and values. Fix anything that is "
        "wrong: pick a role (or — for none) and press **Save roles**. Every page updates."
    )
    locked = ["File", "Column", "Type", "Question", "Detected"]
    edited = st.data_editor(
        df,
        key=f"{key}_{ds.version}",
        hide_index=True,
        disabled=locked,
        column_config={
            "Role": st.column_config.SelectboxColumn(
                "Role",
                options=[NO_ROLE, *ROLE_NAMES],
                required=True,
                width="medium",
                help="What the column means to uxcx (see the README's role list).",
            ),
            "Detected": st.column_config.TextColumn("Detected", help="uxcx's own guess"),
            # Survey exports use whole questions as headers: give them the room.
            "Column": st.column_config.TextColumn("Column", width="large"),
        },
        width="stretch",
    )
    changed = not edited["Role"].equals(df["Role"])
    if st.button("Save roles", key=f"{key}_save", type="primary", disabled=not changed):
        mapping, problems = roles_from_rows(ds, edited)
        if problems:
            for p in problems:
                st.error(p)
            return
        ws = workspace()
        for t in ds.tables:
            ws.set_roles(ds, t.name, mapping[t.name])
        st.toast("Roles saved: every page now uses the new mapping.")
        st.rerun()
