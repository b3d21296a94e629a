"""What every `uxcx` sub-command shares: loading files with --map, and the one error style.

A user error (unreadable file, bad --map, unknown metric, role or column, an analysis that cannot
run) is printed as one line on stderr and ends the command with exit code 2.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from ..engines import EngineUnavailable
from ..ingest import IngestError
from ..roles import ROLE_BY_NAME, RoleMap, set_role

if TYPE_CHECKING:
    from ..store import Dataset, Workspace


class UsageError(Exception):
    """A problem with the user's input: printed as one line, exit code 2."""


def _user_errors() -> tuple[type[Exception], ...]:
    errors: list[type[Exception]] = [UsageError, IngestError, EngineUnavailable]
    # RetentionError exists only once a command has imported the analysis; looking it up instead
    # of importing it keeps pandas and scipy out of every other command's start-up.
    if (retention := sys.modules.get("uxcx.retention")) is not None:
        errors.append(retention.RetentionError)
    return tuple(errors)


def run_command(func: Callable[[argparse.Namespace], int], args: argparse.Namespace) -> int:
    """Run a sub-command; a user error becomes one line on stderr and exit code 2."""
    try:
        return func(args)
    except _user_errors() as e:
        print(f"uxcx: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `uxcx metrics … | head`: the reader left; stop quietly, as Unix tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def one_line_errors(parser: argparse.ArgumentParser) -> None:
    """Make the parser's own errors (missing or malformed arguments) one line on stderr, exit 2."""

    # argparse prints the usage block before its error; the contract is one line on stderr.
    def error(message: str) -> NoReturn:
        print(f"{parser.prog}: {message}", file=sys.stderr)
        sys.exit(2)

    parser.error = error  # type: ignore[method-assign]


def workspace() -> Workspace:
    """The hosted workspace the operator commands manage (UXCX_WORKSPACE, default ./workspace)."""
    from ..store import Workspace

    return Workspace()


def add_engine_argument(parser: argparse.ArgumentParser) -> None:
    """Add --engine duckdb|spark (default: UXCX_ENGINE, else duckdb)."""
    parser.add_argument("--engine", choices=["duckdb", "spark"],
                        help="the SQL engine that computes (default: UXCX_ENGINE, else duckdb)")  # fmt: skip


def add_map_argument(parser: argparse.ArgumentParser) -> None:
    """Add the repeatable --map ROLE=COLUMN option."""
    parser.add_argument("--map", action="append", default=[], metavar="ROLE=COLUMN",
                        help="give COLUMN the ROLE (overrides detection; repeatable)")  # fmt: skip


def _parse_maps(maps: Sequence[str]) -> list[tuple[str, str]]:
    out = []
    for m in maps:
        role, sep, column = m.partition("=")
        role = role.strip()
        if not sep or not role or not column:
            raise UsageError(f"--map needs ROLE=COLUMN, got '{m}'.")
        if role not in ROLE_BY_NAME:
            raise UsageError(f"'{role}' is not a role; roles are: {', '.join(ROLE_BY_NAME)}.")
        out.append((role, column))
    return out


@contextmanager
def load(
    files: Sequence[str], maps: Sequence[str], engine: str | None = None
) -> Iterator[tuple[Workspace, Dataset]]:
    """The files as a dataset in a temporary workspace on `engine`, --map applied (it wins)."""
    # Imported here: DuckDB and Arrow are not needed to print help or a usage error.
    from ..engines import engine_for
    from ..ingest import link_parquet
    from ..store import Workspace

    paths = [Path(f) for f in files]
    for p in paths:
        if not p.is_file():
            raise UsageError(f"{p}: no such file.")
    with tempfile.TemporaryDirectory(prefix="uxcx-") as tmp:
        ws = Workspace(Path(tmp), engine_for(Path(tmp), engine))
        # The user's own typed Parquet is read in place on DuckDB, as DuckDB itself would
        # (every page decoded once by the ingest's column profile first); Spark reads only
        # Parquet uxcx wrote.
        with link_parquet(ws.engine.name == "duckdb"):
            ds = ws.create_dataset([(p.name, p) for p in paths], keep_sources=False)
        changed: dict[str, RoleMap] = {}
        for role, column in _parse_maps(maps):
            holders = [t for t in ds.tables if column in t.columns]
            if not holders:
                raise UsageError(f"--map {role}={column}: no file has a column named '{column}'.")
            for t in ds.tables:
                if t in holders:
                    t.roles = set_role(t.roles, role, column)
                    changed[t.name] = t.roles
                elif not ROLE_BY_NAME[role].multi and role in t.roles:
                    # An explicit mapping replaces what detection found in other files.
                    t.roles = {k: v for k, v in t.roles.items() if k != role}
        if changed:
            # One validation and one manifest write for the whole change set.
            ws.apply_roles(ds, changed)
        yield ws, ds
