"""SQL engines behind one small interface; `engine_for` picks the configured one."""

from __future__ import annotations

import os
from pathlib import Path

from .base import Engine, EngineUnavailable, QueryError, QueryTimeout

ENGINES = ("duckdb", "spark")


def engine_name(name: str | None = None) -> str:
    """The engine to use: `name`, else UXCX_ENGINE, else duckdb."""
    choice = (name or os.environ.get("UXCX_ENGINE") or "duckdb").strip().lower()
    if choice not in ENGINES:
        raise EngineUnavailable(f"Unknown engine '{choice}'; use one of {', '.join(ENGINES)}.")
    return choice


def engine_for(workspace: Path, name: str | None = None) -> Engine:
    """The process-wide engine that reads this workspace (`name`, UXCX_ENGINE, or DuckDB)."""
    # Each engine module imports its database only when a dataset is first read.
    if engine_name(name) == "spark":
        from .spark import SparkEngine

        return SparkEngine.for_workspace(workspace)
    from .duckdb import DuckDBEngine

    return DuckDBEngine.for_workspace(workspace)


__all__ = [
    "ENGINES",
    "Engine",
    "EngineUnavailable",
    "QueryError",
    "QueryTimeout",
    "engine_for",
    "engine_name",
]
