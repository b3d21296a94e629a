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


class RecordingEngine:
    """A real DuckDB engine that also records every query it runs (for SQL snapshots).

    The workspace path in recorded SQL is replaced by /ws so snapshots do not depend on tmp dirs.
    """

    def __init__(self, engine: DuckDBEngine):
        self._engine = engine
        self.name = engine.name
        self.dialect = engine.dialect
        self.queries: list[tuple[str, tuple]] = []

    def source(self, parquet_path: Path) -> str:
        """The wrapped engine's FROM item."""
        return self._engine.source(parquet_path)

    def query(self, sql: str, params=()) -> pa.Table:
        """Run and record."""
        self._record(sql, params)
        return self._engine.query(sql, params)

    def rows(self, sql: str, params=()) -> list[dict]:
        """Run and record (the result as dicts)."""
        self._record(sql, params)
        return self._engine.rows(sql, params)

    def _record(self, sql: str, params) -> None:
        self.queries.append((sql.replace(str(self._engine.workspace), "/ws"), tuple(params)))

    def text(self) -> str:
        """Every recorded query with its parameters, in order."""
        return "\n\n".join(f"{sql}\n-- params: {params!r}" for sql, params in self.queries) + "\n"


def child_pids() -> list[int]:
    """Live (or zombie) child processes of this test process."""
    import os

    kids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == os.getpid():
            kids.append(int(stat.parent.name))
    return kids
