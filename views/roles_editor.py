"""The role editor: one row per column, a role dropdown, saved to the dataset manifest."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from uxcx import app_state
from uxcx.roles import ROLE_BY_NAME, ROLE_NAMES, RoleMap, role_columns
from uxcx.store import Dataset

NO_ROLE = "—"


def friendly_type(duck_type: str) -> str:
    """A column type in words a product manager uses ('whole number', not BIGINT)."""
    t = duck_type.upper()
    if t.removeprefix("U") in ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT"):
        return "whole number"
    if t in ("FLOAT", "DOUBLE", "REAL") or t.startswith("DECIMAL"):
        return "number"
    if t == "BOOLEAN":
        return "yes/no"
    if t == "DATE":
        return "date"
    if t.startswith("TIMESTAMP"):
        return "date and time"
    if t == "VARCHAR":
        return "text"
    return duck_type.lower()


def _rows(ds: Dataset) -> pd.DataFrame:
    rows = []
    for t in ds.tables:
        by_col = role_columns(t.roles)
        detected = role_columns(t.detected_roles)
        for col, typ in t.columns.items():
            rows.append(
                {
                    "File": t.file,
                    "Column": col,
                    "Type": friendly_type(typ),
                    "Question": t.labels.get(col, ""),
                    "Role": by_col.get(col, NO_ROLE),
                    "Detected": detected.get(col, ""),
                }
            )
    return pd.DataFrame(rows)


def roles_from_rows(ds: Dataset, edited: pd.DataFrame) -> tuple[dict[str, RoleMap], list[str]]:
    """Turn the edited rows back into a mapping per table; return problems as sentences."""
    by_file = {t.file: t for t in ds.tables}
    out: dict[str, RoleMap] = {t.name: {} for t in ds.tables}
    problems: list[str] = []
    for _, r in edited.iterrows():
        role = r["Role"]
        if not role or role == NO_ROLE:
            continue
        t = by_file[r["File"]]
        mapping = out[t.name]
        if ROLE_BY_NAME[role].multi:
            mapping.setdefault(role, []).append(r["Column"])
        elif role in mapping:
            problems.append(
                f"In {t.file}, '{role}' is given to both '{mapping[role]}' and '{r['Column']}'; "
                "a role can describe one column per file (only segment can have several)."
            )
        else:
            mapping[role] = r["Column"]
    return out, problems


def render_roles_editor(ds: Dataset, key: str = "roles_editor") -> None:
    """Show the mapping in an editable table with a Save button."""
    st.caption(
        "uxcx guessed what each column means from its header and values. Fix anything that is "
        "wrong: pick a role (or — for none) and press **Save roles**. Every page updates."
    )
    df = _rows(ds)
    if not (df["Question"] != "").any():
        df = df.drop(columns=["Question"])
    edited = st.data_editor(
        df,
        key=f"{key}_{ds.version}",
        hide_index=True,
        disabled=["File", "Column", "Type", "Question", "Detected"],
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
        ws = app_state.workspace()
        for t in ds.tables:
            ws.set_roles(ds, t.name, mapping[t.name])
        st.toast("Roles saved: every page now uses the new mapping.")
        st.rerun()
