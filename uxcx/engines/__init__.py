"""SQL engines behind one small interface; `engine_for` picks the configured one."""

from __future__ import annotations

from pathlib import Path

from .base import Engine, QueryError


def engine_for(workspace: Path) -> Engine:
    """The process-wide engine that reads this workspace (DuckDB)."""
    from .duckdb import DuckDBEngine  # imports duckdb: only when a dataset is first read

    return DuckDBEngine.for_workspace(workspace)


__all__ = ["Engine", "QueryError", "engine_for"]
