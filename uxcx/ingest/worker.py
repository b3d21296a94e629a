"""Worker process that turns one untrusted upload into Parquet; started by ingest.supervisor.

Run as ``python -m uxcx.ingest.worker --src F --out O --result R --work-dir W --memory-mb M
--max-expanded-mb X``. It caps its own address space before importing DuckDB or pyarrow, parses
the file, writes Parquet to ``--out`` and a JSON verdict to ``--result``.

Text files are parsed by Python's ``csv`` module (not DuckDB's sniffer) so that every rejected
row, blank row and problem cell can be reported with its physical line number; the rows are
staged as all-VARCHAR Parquet, and DuckDB infers and converts types in SQL. Large UTF-8 files
with a plain layout are staged by DuckDB's own CSV reader instead (``stage_fast``) when it
can prove every record is one line and nothing would be rejected; otherwise the Python reader
(``stage_text``) runs as before.

Every module this one imports keeps DuckDB, pyarrow and openpyxl imports inside functions, so
nothing large is loaded before ``main`` has capped the address space.
"""

from __future__ import annotations

import argparse
import errno
import json
import os
import resource
import signal
import sys
import traceback
from pathlib import Path
from typing import Any

from .common import connect, sql_str
from .infer import Column, final_names, finish
from .parquet import DAMAGED_PARQUET, can_link, check_expanded_size, link_or_copy, parquet_columns
from .profile import profile_parquet
from .progress import CHECK, FILE_NAME, NO_REPORTS, Reporter
from .result import IngestError, IngestResult, format_size, memory_message
from .sav import SPSS_FORMATS, convert_spss
from .sniff import detect_encoding, detect_format, sniff
from .stage_fast import fast_path_fits, plain_layout, stage_text_fast
from .stage_text import Staged, stage_text
from .typed import convert_typed
from .xlsx import stage_xlsx

# What the user reads when the worker hits a bug (the traceback goes to the server's log).
GENERIC_FAILURE = (
    "uxcx could not read this file because of an unexpected problem in the file reader."
)


def convert(
    src: Path,
    out: Path,
    *,
    work_dir: Path,
    max_expanded_mb: int = 2048,
    duckdb_memory_mb: int = 512,
    fast: bool = True,
    progress: Reporter = NO_REPORTS,
    link_parquet: bool = False,
) -> IngestResult:
    """Parse `src` into Parquet at `out` in this process (the worker calls it under its caps).

    ``fast=False`` always reads text with the row-by-row Python reader (tests compare the two);
    `progress` hears the rows read so far (``uxcx.ingest.progress``). The result carries every
    column's profile (``profile.py``). ``link_parquet`` (the command line, never the server):
    a typed Parquet file whose columns need no change becomes `out` as a hard link instead of
    a rewrite, once the profile has decoded all of it here.
    """
    result = _convert(
        src, out, work_dir=work_dir, max_expanded_mb=max_expanded_mb,
        duckdb_memory_mb=duckdb_memory_mb, fast=fast, progress=progress,
        link_parquet=link_parquet,
    )  # fmt: skip
    columns = {c["name"]: c["type"] for c in result.columns}
    con = connect(work_dir, duckdb_memory_mb, [out])
    try:
        result.profiles = profile_parquet(con, out, columns)
    except Exception as exc:
        # Only a file linked in place can fail here: its pages are first decoded now.
        if result.source_format != "parquet" or is_memory_error(exc):
            raise
        raise IngestError(DAMAGED_PARQUET) from exc
    finally:
        con.close()
    return result


def _convert(
    src: Path,
    out: Path,
    *,
    work_dir: Path,
    max_expanded_mb: int,
    duckdb_memory_mb: int,
    fast: bool,
    progress: Reporter,
    link_parquet: bool,
) -> IngestResult:
    src = Path(src)
    out = Path(out)
    work_dir = Path(work_dir)
    fmt = detect_format(src)
    if fmt in SPSS_FORMATS:
        return convert_spss(
            src,
            out,
            fmt,
            work_dir=work_dir,
            max_expanded_mb=max_expanded_mb,
            duckdb_memory_mb=duckdb_memory_mb,
            progress=progress,
        )
    notes: list[str] = []
    encoding = ""
    stage_path = work_dir / "stage.parquet"
    staged: Staged | None = None
    decimal_comma = False
    if fmt == "text":
        # The typed reader checks UTF-8 as it scans, so a file whose first bytes are UTF-8
        # skips decoding the whole file first; if the typed reader gives up, it is decoded.
        provisional = fast and detect_encoding(src, provisional=True)
        encoding = provisional or detect_encoding(src)
        dialect = sniff(src, encoding)
        # Any plain file tries the one-scan typed reader first: on a small one it reads every
        # row for the inference (exactly the Python path's result) and spares the worker
        # pyarrow and pandas (~1 s of imports); only a large one says which reader ran.
        if fast and plain_layout(dialect):
            typed = convert_typed(
                src,
                dialect,
                out,
                work_dir=work_dir,
                memory_mb=duckdb_memory_mb,
                encoding=encoding,
                say_reader=fast_path_fits(src, dialect),
                progress=progress,
            )
            if typed is not None:
                return typed
        if provisional and (full := detect_encoding(src)) != encoding:
            encoding, dialect = full, sniff(src, full)
        if fast and fast_path_fits(src, dialect):
            progress.start_over()
            staged = stage_text_fast(src, dialect, stage_path, work_dir, duckdb_memory_mb, progress)
        if staged is None:
            progress.start_over()
            staged = stage_text(src, dialect, stage_path, progress)
        source_format = "tsv" if dialect.delimiter == "\t" else "csv"
        decimal_comma = dialect.delimiter != ","
    elif fmt == "xlsx":
        staged = stage_xlsx(src, stage_path, max_expanded_mb, progress)
        source_format = "xlsx"
    else:
        source_format = "parquet"

    allowed = [out] if staged else [src, out]
    con = connect(work_dir, duckdb_memory_mb, allowed)
    try:
        if staged is None:
            footer_rows = check_expanded_size(con, src, max_expanded_mb)
            progress.rows(footer_rows, step=CHECK, force=True)
        else:
            progress.rows(staged.rows, staged.rows, CHECK, force=True)
        if staged is not None:
            notes.extend(staged.notes)
            source_sql = f"read_parquet({sql_str(str(stage_path))})"
            if staged.line_offset is not None:
                numbered = f"read_parquet({sql_str(str(stage_path))}, file_row_number = true)"
                source_sql = (
                    f"(SELECT file_row_number + {staged.line_offset} AS __line, * FROM {numbered})"
                )
            names = final_names(staged.headers, notes)
            columns = [
                Column(h, raw=f"c{i}", raw_type="VARCHAR", name=names[i], nulls_done=True)
                for i, h in enumerate(staged.headers)
            ]
        else:
            columns, source_sql = parquet_columns(con, src, notes)
            if link_parquet and can_link(columns):
                # The file already is what the rewrite would write; convert() decodes it all
                # (the profile) before anything else reads it.
                link_or_copy(src, out)
                return IngestResult(
                    parquet_path=out,
                    rows=footer_rows,
                    rejected_rows=0,
                    columns=[{"name": c.name, "source_name": c.source_name, "type": c.raw_type}
                             for c in columns],
                    notes=notes,
                    source_format="parquet",
                )  # fmt: skip
        try:
            rows, out_columns, issues, issue_count = finish(
                con,
                source_sql,
                columns,
                out,
                decimal_comma=decimal_comma,
                notes=notes,
                rows=staged.rows if staged else 0,
            )
        except Exception as exc:
            # A Parquet file can lie in ways the footer check cannot see; say so plainly.
            if staged is not None or is_memory_error(exc) or isinstance(exc, IngestError):
                raise
            raise IngestError(DAMAGED_PARQUET) from exc
    finally:
        con.close()
    if staged is not None and staged.labels:
        # Keep the question text next to the short export name (Q1, Q2_1 …): role detection
        # reads "How likely are you to recommend…" there.
        by_source = dict(zip(staged.headers, staged.labels, strict=False))
        for c in out_columns:
            label = (by_source.get(c["source_name"]) or "").strip()
            if label and label != c["source_name"]:
                c["label"] = label
    return IngestResult(
        parquet_path=out,
        rows=rows,
        rejected_rows=staged.rejected_rows if staged else 0,
        rejects=staged.rejects if staged else [],
        blank_rows=staged.blank_rows if staged else 0,
        columns=out_columns,
        cell_issues=issues,
        cell_issue_count=issue_count,
        notes=notes,
        source_format=source_format,
        encoding=encoding,
    )


def is_memory_error(exc: BaseException) -> bool:
    """Whether an exception means the memory cap was hit (Python, DuckDB or the loader)."""
    if isinstance(exc, MemoryError) or "OutOfMemory" in type(exc).__name__:
        return True
    text = str(exc)
    # A shared library that cannot be mapped under RLIMIT_AS fails as an ImportError.
    markers = ("Out of Memory", "failed to map segment", "Cannot allocate memory", "bad_alloc")
    return any(m in text for m in markers)


def _cap_memory(memory_mb: int) -> None:
    limit = memory_mb * 1024 * 1024
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _cap_files(max_output_mb: int) -> None:
    # A file past RLIMIT_FSIZE raises EFBIG on write instead of SIGXFSZ killing the worker, so
    # the user gets a sentence and the half-written file is removed by the supervisor.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    limit = max_output_mb * 1024 * 1024
    _, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, hard))


def disk_message(exc: BaseException, max_output_mb: int) -> str | None:
    """The sentence for a write that failed for lack of disk (or past the per-upload limit)."""
    code = getattr(exc, "errno", None)
    text = str(exc)
    if code == errno.EFBIG or "File too large" in text or "max_temp_directory_size" in text:
        return (
            "Reading this file would need more than the "
            f"{format_size(max_output_mb * 1024 * 1024)} of disk uxcx allows for one upload."
        )
    if code == errno.ENOSPC or "No space left on device" in text:
        return "The server's disk is full, so nothing was saved; try again later."
    return None


# Below this address-space cap the worker cannot open DuckDB at all (measured: ~1.3 GB needed).
MIN_MEMORY_MB = 1024


def _duckdb_memory_mb(memory_mb: int) -> int:
    # Python, pyarrow and DuckDB's own code take ~500 MB of address space before any data;
    # DuckDB's buffer pool gets about half of the rest and spills to disk beyond that.
    return max(64, (memory_mb - 500) // 2)


def _write_json(path: Path, payload: dict[str, Any]) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(payload), encoding="utf-8")
    os.replace(tmp, path)


def _die_with_parent(parent_pid: int) -> None:
    """Be killed when the server dies (SIGKILL included), so no orphan keeps parsing.

    The worker leads its own session (the supervisor kills its whole group on a time limit),
    so nothing else ends it with a killed server. PR_SET_PDEATHSIG fires when the thread that
    started it ends; the supervisor's thread waits for the worker, so that is the server.
    """
    import ctypes
    import signal

    pr_set_pdeathsig = 1
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: the server's supervisor still kills on time
        return
    if os.getppid() != parent_pid:  # the server died before prctl took effect
        os._exit(1)


def main(argv: list[str] | None = None) -> int:
    """Run one ingest job as described by the command line; always exit 0 after writing JSON."""
    parser = argparse.ArgumentParser(prog="python -m uxcx.ingest.worker")
    parser.add_argument("--src", required=True, type=Path)
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--result", required=True, type=Path)
    parser.add_argument("--work-dir", required=True, type=Path)
    parser.add_argument("--memory-mb", type=int, default=2048)
    parser.add_argument("--max-expanded-mb", type=int, default=2048)
    parser.add_argument("--max-output-mb", type=int, default=8192)
    parser.add_argument("--parent-pid", type=int, default=0)
    parser.add_argument("--link-parquet", action="store_true")
    args = parser.parse_args(argv)
    if args.parent_pid:
        _die_with_parent(args.parent_pid)
    if args.memory_mb < MIN_MEMORY_MB:
        # DuckDB's own threads and code map more address space than this before any data;
        # opening it under such a cap fails at best and segfaults at worst.
        _write_json(args.result, {"ok": False, "error": memory_message(args.memory_mb)})
        return 0
    _cap_memory(args.memory_mb)
    _cap_files(args.max_output_mb)
    os.environ["UXCX_MAX_TEMP_MB"] = str(args.max_output_mb)
    try:
        result = convert(
            args.src,
            args.out,
            work_dir=args.work_dir,
            max_expanded_mb=args.max_expanded_mb,
            duckdb_memory_mb=_duckdb_memory_mb(args.memory_mb),
            # UXCX_INGEST_FAST=0 turns DuckDB's reader off (for comparisons and emergencies).
            fast=os.environ.get("UXCX_INGEST_FAST", "1") != "0",
            progress=Reporter(args.work_dir / FILE_NAME),
            link_parquet=args.link_parquet,
        )
        payload: dict[str, Any] = {"ok": True, "result": result.to_dict()}
    except IngestError as exc:
        payload = {"ok": False, "error": str(exc)}
    except Exception as exc:
        disk = disk_message(exc, args.max_output_mb)
        if disk is not None:
            payload = {"ok": False, "error": disk}
        elif is_memory_error(exc):
            payload = {"ok": False, "error": memory_message(args.memory_mb)}
        else:
            traceback.print_exc()
            payload = {"ok": False, "error": GENERIC_FAILURE}
    except MemoryError:
        payload = {"ok": False, "error": memory_message(args.memory_mb)}
    _write_json(args.result, payload)
    return 0


if __name__ == "__main__":
    sys.exit(main())
