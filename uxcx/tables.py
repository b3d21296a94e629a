"""The tables uxcx shows as tables: metric results, files, column quality and the role mapping."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from .compute import MetricResult
from .describe import ColumnQuality
from .labels import fmt_ci, fmt_value
from .roles import ROLE_BY_NAME, RoleMap, role_columns
from .store import Dataset, TableEntry
from .store.joins import LOW_MATCH

NO_ROLE = "—"


# ---- metric results ----------------------------------------------------------------------
def results_frame(results: Sequence[MetricResult]) -> pd.DataFrame:
    """Results as a tidy table for display: formatted value and CI, n, grade, method, notes."""
    rows = []
    for r in results:
        rows.append(
            {
                "Family": r.family,
                "Metric": r.label,
                "id": r.metric,
                "Group": r.group,
                "Period": r.period,
                "Value": fmt_value(r.metric, r.value),
                "95% CI": fmt_ci(r.metric, r.ci_low, r.ci_high),
                "n": r.n,
                "Grade": r.grade or "",
                "Method": r.method,
                "Note": "; ".join(
                    note
                    for note, show in (
                        (f"n = {r.n}: too few for a stable estimate", r.low_n),
                        (f"{r.out_of_scale} value(s) out of scale left out", r.out_of_scale),
                    )
                    if show
                ),
            }
        )
    df = pd.DataFrame(rows)
    if not df.empty:
        df = df.drop(columns=[c for c in ("Group", "Period") if df[c].isna().all()])
    return df


# ---- columns and roles -------------------------------------------------------------------
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


def role_label(role: str | None) -> str:
    """A role's readable label ('' for none)."""
    if not role:
        return ""
    r = ROLE_BY_NAME.get(role)
    return r.label if r else role


def role_rows(ds: Dataset) -> pd.DataFrame:
    """One row per column of every file: type, exported question, role and uxcx's own guess."""
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
            cols = mapping.setdefault(role, [])
            assert isinstance(cols, list)  # this loop gives a multi role only lists
            cols.append(r["Column"])
        elif role in mapping:
            problems.append(
                f"In {t.file}, '{role}' is given to both '{mapping[role]}' and '{r['Column']}'; "
                "a role can describe one column per file (only segment can have several)."
            )
        else:
            mapping[role] = r["Column"]
    return out, problems


# ---- data quality ------------------------------------------------------------------------
def files_summary(ds: Dataset, quality: Sequence[ColumnQuality]) -> pd.DataFrame:
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


def column_quality_frame(t: TableEntry, quality: Sequence[ColumnQuality]) -> pd.DataFrame:
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


def warnings_for(t: TableEntry, warnings: Sequence[str]) -> list[str]:
    """The scale warnings of one file, without the file prefix scale_warnings puts on them."""
    prefix = f"{t.name} · "
    return [w.removeprefix(prefix) for w in warnings if w.startswith(prefix)]


# ---- links between files -----------------------------------------------------------------
_KINDS = {"many_to_one": "many → one", "one_to_one": "one ↔ one", "many_to_many": "many ↔ many"}


def _rate(rate: float | None) -> str:
    return "–" if rate is None else f"{rate:.0%}"


def join_rows(ds: Dataset) -> pd.DataFrame:
    """One row per link: the key, the kind, how many rows matched each way, whether it is used."""
    rows = [
        {
            "Link": j.label(),
            "Kind": _KINDS[j.cardinality],
            "Matched": f"{_rate(j.left_rate)} of {j.left} ({j.left_matched:,} of {j.left_rows:,})",
            "Matched the other way": f"{_rate(j.right_rate)} of {j.right}",
            "Used": "yes" if j.usable else "no: many ↔ many",
            "Set by": "you" if j.origin == "user" else "uxcx",
        }
        for j in ds.joins or []
    ]
    cols = ["Link", "Kind", "Matched", "Matched the other way", "Used", "Set by"]
    return pd.DataFrame(rows, columns=cols)


def join_dot(ds: Dataset) -> str:
    """The join graph in Graphviz DOT: files as boxes, links as arrows to the 'one' side."""

    def q(s: str) -> str:
        return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'

    lines = [
        "digraph links {",
        "  rankdir=LR;",
        '  node [shape=box, style="rounded,filled", fillcolor="#f4f6fb", fontname="sans-serif"];',
        '  edge [fontname="sans-serif", fontsize=10];',
    ]
    for t in ds.tables:
        lines.append(f"  {q(t.name)} [label={q(f'{t.name} · {t.rows:,} rows')}];")
    for j in ds.joins or []:
        label = f"{j.left_column} · {_rate(j.left_rate)} matched"
        style = "" if j.usable else ', style=dashed, color="#b0b0b0", label="not used: many ↔ many"'
        if j.usable:
            both = ", dir=both" if j.cardinality == "one_to_one" else ""
            low = j.left_rate is not None and j.left_rate < LOW_MATCH
            style = f", label={q(label)}{both}" + (', color="#c0392b"' if low else "")
        lines.append(f"  {q(j.left)} -> {q(j.right)} [{style.lstrip(', ')}];")
    lines.append("}")
    return "\n".join(lines)
