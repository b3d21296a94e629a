"""DuckDB, locked down: it can only read Parquet inside the workspace."""

from __future__ import annotations

import atexit
import contextlib
import os
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import duckdb

from ..sql.dialect import DUCKDB
from .base import QueryError, QueryTimeout

if TYPE_CHECKING:
    import pyarrow as pa

T = TypeVar("T")


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
        return self._run(sql, params, lambda rel: rel.to_arrow_table())

    def rows(self, sql: str, params: Sequence[object] = ()) -> list[dict[str, Any]]:
        """Run SQL and fetch the (aggregate) result as dicts, within the time limit."""

        # Plain tuples: importing pyarrow (~0.2 s) is most of a small command's start-up, and the
        # aggregates the metrics read are a few rows. The values are Arrow's to_pylist() values
        # except that a HUGEINT (DuckDB's sum of integers) is an int, not a Decimal, as on Spark
        # (tests/test_engines.py compares them).
        def fetch(rel: duckdb.DuckDBPyRelation) -> list[dict[str, Any]]:
            names = rel.columns
            return [dict(zip(names, row, strict=True)) for row in rel.fetchall()]

        return self._run(sql, params, fetch)

    def _run(
        self, sql: str, params: Sequence[object], fetch: Callable[[duckdb.DuckDBPyRelation], T]
    ) -> T:
        cur = self._cursor()
        # DuckDB has no statement timeout: the watchdog interrupts this thread's cursor, the
        # only one running this query, unless the query ended (disarmed) first.
        ticket = _WATCHDOG.arm(self.timeout_s, cur.interrupt) if self.timeout_s > 0 else None
        try:
            return fetch(cur.sql(sql, params=list(params) or None))
        except duckdb.InterruptException as e:
            raise QueryTimeout(timeout_message(self.timeout_s)) from e
        except duckdb.Error as e:
            raise QueryError(_friendly(e)) from e
        finally:
            if ticket is not None:
                _WATCHDOG.disarm(ticket)


class _Watchdog:
    """One thread that calls each armed callback at its deadline unless disarmed before.

    A thread per query (threading.Timer) costs about half a millisecond to start; a page runs
    dozens of queries. Callbacks run under the lock, so once `disarm` returns none can fire.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._armed: dict[int, tuple[float, Callable[[], None]]] = {}
        self._next = 0
        self._thread: threading.Thread | None = None

    def arm(self, after_s: float, callback: Callable[[], None]) -> int:
        """Call `callback` in `after_s` seconds; returns the ticket that disarms it."""
        with self._cond:
            self._next += 1
            self._armed[self._next] = (time.monotonic() + after_s, callback)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="uxcx-query-timeout")
                self._thread.daemon = True
                self._thread.start()
            self._cond.notify()
            return self._next

    def disarm(self, ticket: int) -> None:
        """Forget an armed callback (it has not run, and now never will)."""
        with self._cond:
            self._armed.pop(ticket, None)

    def _run(self) -> None:
        with self._cond:
            while self._thread is not None:
                self._cond.wait(self._fire_due())

    def stop(self) -> None:
        """End the thread (at exit): a daemon thread alive at shutdown keeps DuckDB's objects
        from being freed, and DuckDB's bindings then print "nanobind: leaked …" on stderr."""
        with self._cond:
            thread, self._thread = self._thread, None
            self._armed.clear()
            self._cond.notify()
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=1.0)

    def _fire_due(self) -> float | None:
        # A method of its own, so no cursor stays referenced from the loop's frame while idle.
        now = time.monotonic()
        for ticket in [t for t, (deadline, _) in self._armed.items() if deadline <= now]:
            with contextlib.suppress(Exception):
                self._armed.pop(ticket)[1]()
        soonest = min((d for d, _ in self._armed.values()), default=None)
        return None if soonest is None else max(0.0, soonest - now)


_WATCHDOG = _Watchdog()
atexit.register(_WATCHDOG.stop)


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
