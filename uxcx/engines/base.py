"""What uxcx needs from a SQL engine: read Parquet uxcx wrote, run SQL, return small Arrow tables."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import pyarrow as pa

    from ..sql.dialect import Dialect


class Engine(Protocol):
    """A SQL engine behind the dialect seam (DuckDB by default; Spark can implement the same)."""

    name: str

    @property
    def dialect(self) -> Dialect:
        """How this engine spells SQL."""
        ...

    def source(self, parquet_path: Path) -> str:
        """A SQL FROM item that reads one Parquet file uxcx wrote."""
        ...

    def query(self, sql: str, params: Sequence[object] = ()) -> pa.Table:
        """Run SQL with bound parameters and return the (small) result as an Arrow table."""
        ...

    def rows(self, sql: str, params: Sequence[object] = ()) -> list[dict[str, Any]]:
        """Run SQL and return the (small) result as dicts, as ``query(...).to_pylist()`` would."""
        ...


class QueryError(Exception):
    """A query failed; str() is a sentence fit for a user."""


class EngineUnavailable(QueryError):
    """The configured engine cannot run here (not installed, not reachable, unknown name)."""


class QueryTimeout(QueryError):
    """A query ran past the engine's time limit and was interrupted."""
