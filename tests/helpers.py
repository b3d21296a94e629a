"""Small helpers shared by tests: tables written straight to Parquet (no ingest worker)."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from uxcx.engines.duckdb import DuckDBEngine
from uxcx.roles import RoleMap
from uxcx.sql import TableInfo


def parquet_table(
    engine: DuckDBEngine, name: str, data: dict[str, list], roles: RoleMap, unique: bool = False
) -> TableInfo:
    """Write `data` as Parquet inside the engine's workspace and describe it for the compiler."""
    path = Path(engine.workspace) / f"{name}.parquet"
    table = pa.table(data)
    pq.write_table(table, path)
    rows = engine.query(f"DESCRIBE SELECT * FROM {engine.source(path)}").to_pylist()
    columns = {r["column_name"]: r["column_type"] for r in rows}
    return TableInfo(name, engine.source(path), columns, roles, unique)
