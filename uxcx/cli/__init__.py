"""The `uxcx` command line: metrics (and correlation) on CSV/Parquet files, as JSON or a table.

Never imports Streamlit. Exit codes: 0 ok, 2 unreadable input or a wrong argument (one line on
stderr), 1 an unexpected internal error. One module per sub-command, each importing only
`common`; a command imports its heavy modules when it runs, so help and errors come fast.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from ..ingest import allow_in_process
from . import correlate, datasets, metrics, share
from .common import UsageError, one_line_errors, run_command

__all__ = ["UsageError", "build_parser", "main"]

COMMANDS = (metrics, correlate, datasets, share)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (shared with the docs test)."""
    p = argparse.ArgumentParser(prog="uxcx", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command", required=True)
    for command in COMMANDS:
        command.add_parser(sub)
    # Every argument error, of every command, is one line on stderr and exit code 2.
    todo = [p]
    while todo:
        parser = todo.pop()
        one_line_errors(parser)
        for action in parser._actions:  # sub-commands of sub-commands (datasets add, …)
            if isinstance(action, argparse._SubParsersAction):
                todo.extend(action.choices.values())
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `uxcx` console script."""
    args = build_parser().parse_args(argv)
    # The user's own files on their own machine: small ones are read without a worker process.
    with allow_in_process():
        return run_command(args.func, args)
