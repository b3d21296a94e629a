"""Column profiles (counts, ranges, text extremes) for role detection, computed by the ingest.

The worker profiles the Parquet it has just written, in the same capped process, so the server
never scans a new file for it, and a Parquet file the command line reads in place is decoded
once, under the caps, before anything else reads it (``worker.convert``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..roles import is_numeric_type
from .common import sql_ident, sql_str

_INTEGER_TYPES = {
    "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT",
    "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "UHUGEINT",
}  # fmt: skip


def profile_sql(source: str, columns: dict[str, str]) -> str:
    """One aggregate query over `source` answering every column's profile."""
    parts = []
    for i, (name, typ) in enumerate(columns.items()):
        q = sql_ident(name)
        parts.append(f"count({q}) AS nn{i}")
        # Every column's values go through a distinct count, so the scan decodes every page.
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
            # The lowest and highest value are every value of a column with at most two (all
            # that the yes/no test reads); approx_top_k cost 40% of the whole profile.
            parts.append(f"min({q}) AS lo{i}")
            parts.append(f"max({q}) AS hi{i}")
    return f"SELECT {', '.join(parts)} FROM {source}"


def read_profiles(row: dict[str, Any], columns: dict[str, str]) -> list[dict[str, Any]]:
    """The profiles (plain, JSON-ready dicts of ``roles.ColumnProfile``'s fields) from the row."""
    out = []
    for i, (name, typ) in enumerate(columns.items()):
        ends = [row.get(f"lo{i}"), row.get(f"hi{i}")]
        out.append(
            {
                "name": name,
                "type": typ,
                "non_null": int(row[f"nn{i}"] or 0),
                "distinct": int(row[f"nd{i}"] or 0),
                "min": row.get(f"mn{i}"),
                "max": row.get(f"mx{i}"),
                "all_integer": bool(row.get(f"ai{i}", False)),
                "avg_length": float(row.get(f"al{i}") or 0.0),
                "extremes": list(dict.fromkeys(str(v) for v in ends if v is not None)),
            }
        )
    return out


def profile_parquet(con: Any, path: Path, columns: dict[str, str]) -> list[dict[str, Any]]:
    """Profile every column of the Parquet file at `path` on the DuckDB connection `con`."""
    if not columns:
        return []
    cur = con.execute(profile_sql(f"read_parquet({sql_str(str(path))})", columns))
    values = cur.fetchall()[0]
    names = [d[0] for d in cur.description]
    return read_profiles(dict(zip(names, values, strict=True)), columns)
