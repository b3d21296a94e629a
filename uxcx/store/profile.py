"""Column profiles (counts, ranges, top values) that role detection reads, computed in the engine."""

from __future__ import annotations

from pathlib import Path

from ..engines import Engine
from ..roles import ColumnProfile, RoleMap, is_numeric_type
from ..sql import quote_ident

_INTEGER_TYPES = {
    "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT",
    "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "UHUGEINT",
}  # fmt: skip


def profile_columns(engine: Engine, source: str, columns: dict[str, str]) -> list[ColumnProfile]:
    """Counts, ranges and top values per column, in one DuckDB pass (plus one for text values)."""
    if not columns:
        return []
    parts = []
    for i, (name, typ) in enumerate(columns.items()):
        q = quote_ident(name)
        parts.append(f"count({q}) AS nn{i}")
        parts.append(f"approx_count_distinct({q}) AS nd{i}")
        if is_numeric_type(typ):
            parts.append(f"min({q})::DOUBLE AS mn{i}")
            parts.append(f"max({q})::DOUBLE AS mx{i}")
            # An integer column is whole wherever it has a value: no need to test every row.
            whole = (
                f"count({q}) > 0"
                if typ.upper() in _INTEGER_TYPES
                else f"bool_and({q} = floor({q}))"
            )
            parts.append(f"coalesce({whole}, false) AS ai{i}")
        elif typ.upper() == "VARCHAR":
            parts.append(f"avg(length({q}))::DOUBLE AS al{i}")
            parts.append(f"approx_top_k({q}, 12) AS tv{i}")
    row = engine.rows(f"SELECT {', '.join(parts)} FROM {source}")[0]
    out = []
    for i, (name, typ) in enumerate(columns.items()):
        out.append(
            ColumnProfile(
                name=name,
                type=typ,
                non_null=int(row[f"nn{i}"] or 0),
                distinct=int(row[f"nd{i}"] or 0),
                min=row.get(f"mn{i}"),
                max=row.get(f"mx{i}"),
                all_integer=bool(row.get(f"ai{i}", False)),
                avg_length=float(row.get(f"al{i}") or 0.0),
                top_values=[str(v) for v in (row.get(f"tv{i}") or []) if v is not None],
            )
        )
    return out


def customer_unique(engine: Engine, parquet: Path, roles: RoleMap) -> bool:
    """One row per customer id (so the table can be joined as a customer dimension)."""
    cid = roles.get("customer_id")
    if not isinstance(cid, str):
        return False
    q = quote_ident(cid)
    row = engine.rows(
        f"SELECT count({q}) AS n, count(DISTINCT {q}) AS d FROM {engine.source(parquet)}"
    )[0]
    return bool(row["n"] > 0 and row["n"] == row["d"])
