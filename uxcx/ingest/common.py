"""Helpers the worker's modules share: SQL quoting, wording, blank rows, the DuckDB connection."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

# What counts as white space around a cell (the no-break space too: Excel exports it).
WS = " \t\r\n\u00a0"

# Cells that mean "not available" once trimmed and lower-cased; they become nulls.
NA_TOKENS = (
    "",
    "na",
    "n/a",
    "null",
    "-",
    "#n/a",
    "nan",
    "#div/0!",
    "#value!",
    "#ref!",
    "#name?",
    "#num!",
    "#null!",
)


def sql_str(text: str) -> str:
    """Quote `text` as an SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def sql_ident(name: str) -> str:
    """Quote `name` as an SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def sql_in(expr: str, values: tuple[str, ...] | list[str]) -> str:
    """SQL that is true when `expr` is exactly one of `values`."""
    # Not `expr IN (...)` or list_contains: DuckDB rewrites both into a join per column, which
    # is slow, costs memory and is not pruned when the column is unused. A regex is a scalar.
    alternatives = "|".join(re.sub(r"([^\w ])", r"\\\1", v) for v in values)
    return f"regexp_full_match({expr}, {sql_str('(' + alternatives + ')')})"


def plural(n: int, word: str, plural: str | None = None) -> str:
    """``1 row``, ``2 rows`` (or the given plural form)."""
    return f"{n} {word}" if n == 1 else f"{n} {plural or word + 's'}"


def is_blank(row: list[str]) -> bool:
    """Whether every cell of a record is empty or white space."""
    return all(not cell.strip(WS) for cell in row)


def connect(work_dir: Path, memory_mb: int, allowed_paths: list[Path]) -> Any:
    """A capped, locked-down DuckDB connection that reaches only `work_dir` and `allowed_paths`."""
    import duckdb

    tmp = work_dir / "duckdb_tmp"
    tmp.mkdir(exist_ok=True)
    con = duckdb.connect(
        ":memory:",
        config={
            "memory_limit": f"{memory_mb}MB",
            "threads": 2,
            "temp_directory": str(tmp),
            # Spilling is bounded like every file the worker writes (set by worker.main).
            "max_temp_directory_size": f"{os.environ.get('UXCX_MAX_TEMP_MB', '8192')}MB",
            "preserve_insertion_order": True,
            "autoinstall_known_extensions": False,
            "autoload_known_extensions": False,
        },
    )
    con.execute("SET TimeZone = 'UTC'")
    # query_progress() (progress.Reporter.watch) answers only with the progress bar on; it
    # never prints, and it starts at once rather than after DuckDB's default two seconds.
    con.execute("SET enable_progress_bar = true")
    con.execute("SET enable_progress_bar_print = false")
    con.execute("SET progress_bar_time = 0")
    # Only the files this job needs are reachable from SQL, and nothing can undo that.
    con.execute(f"SET allowed_directories = [{sql_str(str(work_dir.resolve()) + os.sep)}]")
    paths = ", ".join(sql_str(str(p.resolve())) for p in allowed_paths)
    con.execute(f"SET allowed_paths = [{paths}]")
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")
    return con
