"""DuckDB, locked down: it can only read Parquet inside the workspace."""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path

import duckdb
import pyarrow as pa

from ..sql.dialect import DUCKDB
from .base import QueryError, QueryTimeout


class DuckDBEngine:
    """DuckDB with external access off: it can only read Parquet inside the workspace.

    DuckDB's settings are per database instance, so there is one instance per workspace per
    process; each thread gets its own cursor (a shared connection fails with "connection is busy").
    """

    name = "duckdb"
    dialect = DUCKDB
    _instances: dict[str, DuckDBEngine] = {}
    _instances_lock = threading.Lock()

    def __init__(
        self,
        workspace: Path,
        *,
        memory_limit: str | None = None,
        threads: int = 2,
        timeout_s: float | None = None,
    ):
        self.timeout_s = timeout_s if timeout_s is not None else default_timeout_s()
        self.workspace = Path(workspace).resolve()
        self.workspace.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(":memory:")
        con.execute("SET allowed_directories = ?", [[str(self.workspace)]])
        con.execute("SET enable_external_access = false")
        con.execute(f"SET threads = {int(threads)}")
        limit = DUCKDB.quote_literal(memory_limit or _default_memory())
        con.execute(f"SET memory_limit = {limit}")
        con.execute("SET lock_configuration = true")
        self._con = con
        self._local = threading.local()

    @classmethod
    def for_workspace(cls, workspace: Path) -> DuckDBEngine:
        """The process-wide engine for a workspace directory (created once)."""
        key = str(Path(workspace).resolve())
        with cls._instances_lock:
            if key not in cls._instances:
                cls._instances[key] = cls(Path(key))
            return cls._instances[key]

    def _cursor(self) -> duckdb.DuckDBPyConnection:
        cur = getattr(self._local, "cursor", None)
        if cur is None:
            cur = self._con.cursor()
            self._local.cursor = cur
        return cur

    def source(self, parquet_path: Path) -> str:
        """read_parquet('<path>') for a file inside the workspace."""
        return f"read_parquet({DUCKDB.quote_literal(str(Path(parquet_path).resolve()))})"

    def query(self, sql: str, params: Sequence[object] = ()) -> pa.Table:
        """Run SQL and fetch the whole (aggregate) result as Arrow, within the time limit."""
        cur = self._cursor()
        # DuckDB has no statement timeout: a timer interrupts this thread's cursor, the only
        # one running this query. The lock keeps a late timer from interrupting the next query.
        lock = threading.Lock()
        running = [True]

        def interrupt() -> None:
            with lock:
                if running[0]:
                    cur.interrupt()

        timer = threading.Timer(self.timeout_s, interrupt) if self.timeout_s > 0 else None
        if timer is not None:
            timer.daemon = True
            timer.start()
        try:
            rel = cur.sql(sql, params=list(params) or None)
            return rel.to_arrow_table()
        except duckdb.InterruptException as e:
            raise QueryTimeout(timeout_message(self.timeout_s)) from e
        except duckdb.Error as e:
            raise QueryError(_friendly(e)) from e
        finally:
            with lock:
                running[0] = False
            if timer is not None:
                timer.cancel()


def _default_memory() -> str:
    """A memory cap for queries: UXCX_DUCKDB_MEMORY or 4 GB."""
    return os.environ.get("UXCX_DUCKDB_MEMORY", "4GB")


def default_timeout_s() -> float:
    """The time limit of one query: UXCX_QUERY_TIMEOUT_S or 60 seconds (0 turns it off)."""
    try:
        return float(os.environ.get("UXCX_QUERY_TIMEOUT_S", "60"))
    except ValueError:
        return 60.0


def timeout_message(timeout_s: float) -> str:
    """The sentence for a query stopped at its time limit."""
    text = f"{timeout_s:g} second" + ("" if f"{timeout_s:g}" == "1" else "s")
    return f"This question took longer than {text}, so uxcx stopped it."


def _friendly(e: duckdb.Error) -> str:
    msg = str(e).split("\n")[0]
    if isinstance(e, duckdb.OutOfMemoryException):
        return "The query needed more memory than uxcx allows; try a filter or a coarser grain."
    return f"The database could not compute this ({msg})."
