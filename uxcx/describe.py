"""Dataset descriptions computed in DuckDB: segment values, date bounds, quality report, preview."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pyarrow as pa

from .engines import Engine
from .roles import ROLE_BY_NAME, Role, is_numeric_type, role_columns
from .sql import Dialect
from .store import Dataset

MAX_SEGMENT_VALUES = 200


def segment_columns(ds: Dataset) -> list[str]:
    """Every column with the segment role, in table order, without duplicates."""
    out: list[str] = []
    for t in ds.tables:
        for c in t.roles.get("segment", []) or []:
            if c not in out:
                out.append(c)
    return out


def role_column(ds: Dataset, role: str) -> str | None:
    """The column a role is mapped to in any table of the dataset (e.g. the task column)."""
    for t in ds.tables:
        col = t.roles.get(role)
        if isinstance(col, str):
            return col
    return None


def segment_values(engine: Engine, ds: Dataset) -> dict[str, list[str]]:
    """Distinct values of each segment column (union across tables), most frequent first."""
    d = engine.dialect
    out: dict[str, dict[str, int]] = {}
    for t in ds.tables:
        src = engine.source(ds.parquet_path(t))
        for col in t.roles.get("segment", []) or []:
            q = d.quote_ident(col)
            rows = engine.rows(
                f"SELECT {d.as_text(q)} AS v, count(*) AS n FROM {src} "
                f"WHERE {q} IS NOT NULL GROUP BY 1 ORDER BY 2 DESC LIMIT {MAX_SEGMENT_VALUES}"
            )
            bucket = out.setdefault(col, {})
            for r in rows:
                bucket[r["v"]] = bucket.get(r["v"], 0) + r["n"]
    return {c: [v for v, _ in sorted(d.items(), key=lambda kv: -kv[1])] for c, d in out.items()}


def date_bounds(engine: Engine, ds: Dataset) -> tuple[dt.date, dt.date] | None:
    """Earliest and latest date over every table's time column (None when no dates)."""
    d = engine.dialect
    lows, highs = [], []
    for t in ds.tables:
        col = t.roles.get("date") or t.roles.get("signup_date")
        if not isinstance(col, str):
            continue
        expr = d.typed_column(d.quote_ident(col), t.columns[col], "date")
        row = engine.rows(
            f"SELECT min({expr}) AS lo, max({expr}) AS hi FROM {engine.source(ds.parquet_path(t))}"
        )[0]
        if row["lo"] is not None:
            lows.append(row["lo"])
            highs.append(row["hi"])
    if not lows:
        return None
    return min(lows), max(highs)


@dataclass
class ColumnQuality:
    """Quality of one column: missing values and values outside its role's scale."""

    table: str
    column: str
    type: str
    role: str | None
    missing: int
    rows: int
    out_of_scale: int
    expected: str
    examples: list[str]


def quality_report(engine: Engine, ds: Dataset) -> list[ColumnQuality]:
    """Missing values per column and values outside each role's scale (never clipped)."""
    d = engine.dialect
    out: list[ColumnQuality] = []
    for t in ds.tables:
        src = engine.source(ds.parquet_path(t))
        by_col = role_columns(t.roles)
        parts = ["count(*) AS rows"]
        checks: dict[int, tuple[str, str]] = {}
        for i, (col, typ) in enumerate(t.columns.items()):
            q = d.quote_ident(col)
            parts.append(f"count(*) - count({q}) AS m{i}")
            role = ROLE_BY_NAME.get(by_col.get(col, ""))
            cond = _out_of_scale_sql(d, q, typ, role)
            if cond and role is not None:
                parts.append(f"{d.count_where(cond)} AS o{i}")
                parts.append(f"{d.examples(q, cond, 5)} AS e{i}")
                checks[i] = (cond, _expected(role))
        row = engine.rows(f"SELECT {', '.join(parts)} FROM {src}")[0]
        for i, (col, typ) in enumerate(t.columns.items()):
            role_name = by_col.get(col)
            out.append(
                ColumnQuality(
                    table=t.name,
                    column=col,
                    type=typ,
                    role=role_name,
                    missing=int(row[f"m{i}"]),
                    rows=int(row["rows"]),
                    out_of_scale=int(row.get(f"o{i}") or 0),
                    expected=checks[i][1] if i in checks else "",
                    examples=[str(x) for x in (row.get(f"e{i}") or [])],
                )
            )
    return out


def _out_of_scale_sql(d: Dialect, q: str, typ: str, role: Role | None) -> str | None:
    """SQL condition true for a non-missing value outside the role's scale."""
    if role is None:
        return None
    if role.kind == "binary":
        v = d.typed_column(q, typ, "binary")
        return f"({v}) NOT IN (0, 1)"
    if role.kind in ("scale", "numeric") and role.scale is not None:
        lo, hi = role.scale
        v = d.typed_column(q, typ, role.kind)
        conds = [f"{q} IS NOT NULL AND ({v} IS NULL"]
        if lo != float("-inf"):
            conds.append(f"{v} < {lo}")
        if hi != float("inf"):
            conds.append(f"{v} > {hi}")
        if role.integer:
            conds.append(f"{v} <> floor({v})")
        return " OR ".join(conds) + ")"
    if role.kind == "date" and not is_numeric_type(typ):
        v = d.typed_column(q, typ, "date")
        return f"{q} IS NOT NULL AND {v} IS NULL"
    return None


def _expected(role: Role) -> str:
    if role.kind == "binary":
        return "yes/no or 1/0"
    if role.kind == "date":
        return "a date"
    lo, hi = role.scale or (float("-inf"), float("inf"))
    if lo == float("-inf"):
        return "a number"
    if hi == float("inf"):
        return f"a number ≥ {lo:g}"
    return f"{'whole numbers ' if role.integer else ''}{lo:g}–{hi:g}"


def scale_warnings(quality: list[ColumnQuality], engine: Engine, ds: Dataset) -> list[str]:
    """Plain sentences about suspicious scales (an NPS on 1–10, a SUS item of 6, CSAT of 0)."""
    d = engine.dialect
    msgs = []
    for q in quality:
        if q.out_of_scale:
            label = ROLE_BY_NAME[q.role].label if q.role in ROLE_BY_NAME else q.role
            msgs.append(
                f"{q.table} · '{q.column}' ({label}): {q.out_of_scale} value(s) outside "
                f"{q.expected}, e.g. {', '.join(q.examples[:3])}. They are left out of the "
                "metric, not clipped."
            )
    for t in ds.tables:
        for role in ("nps_score", "product_nps_score"):
            col = t.roles.get(role)
            if not isinstance(col, str):
                continue
            v = d.typed_column(d.quote_ident(col), t.columns[col], "scale")
            row = engine.rows(
                f"SELECT min({v}) AS lo, max({v}) AS hi, count({v}) AS n, "
                f"{d.count_where(f'{v} = 1')} AS ones "
                f"FROM {engine.source(ds.parquet_path(t))} WHERE {v} BETWEEN 0 AND 10"
            )[0]
            # On a 1–10 question the bottom answer "1" collects what "0" would (a few percent);
            # a 0–10 question with simply no zeros has very few 1s too.
            looks_1_to_10 = row["lo"] == 1 and row["hi"] == 10 and row["ones"] >= 0.01 * row["n"]
            if row["n"] and row["n"] >= 100 and looks_1_to_10:
                msgs.append(
                    f"{t.name} · '{col}': no answer is 0, so this NPS question may have been asked "
                    "on 1–10 instead of 0–10; NPS would then count 1–6 as detractors."
                )
    return msgs


def preview(engine: Engine, ds: Dataset, table: str, limit: int = 100) -> pa.Table:
    """The first rows of a table (only for the Data page preview)."""
    t = ds.table(table)
    return engine.query(f"SELECT * FROM {engine.source(ds.parquet_path(t))} LIMIT {int(limit)}")
