"""Reading an uploaded Parquet file: the footer's expanded-size check and its columns."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ..roles import is_date_type, is_numeric_type
from .common import plural, sql_ident, sql_str
from .infer import Column, final_names
from .result import IngestError, format_size

DAMAGED_PARQUET = (
    "This Parquet file is damaged or uses a feature uxcx cannot read, so uxcx could not read it."
)

# Bytes per decoded value of each physical type; 16 for the rest (byte arrays and the like).
_PHYSICAL_WIDTH = {"BOOLEAN": 1, "INT32": 4, "FLOAT": 4, "INT64": 8, "DOUBLE": 8, "INT96": 12}


def parquet_expanded_bytes(con: Any, src: Path) -> tuple[int, int]:
    """Estimate from the footer alone how many bytes the Parquet data would take once decoded.

    Returns (bytes, the rows the footer declares).

    DuckDB's ``parquet_metadata`` reads the footer (importing pyarrow for it cost ~0.7 s).
    """
    import duckdb

    p = sql_str(str(src))
    try:
        chunks = con.execute(
            "SELECT row_group_id, row_group_num_rows, row_group_bytes, column_id, type, "
            f"total_uncompressed_size, dictionary_page_offset FROM parquet_metadata({p})"
        ).fetchall()
        num_rows = int(
            con.execute(f"SELECT num_rows FROM parquet_file_metadata({p})").fetchall()[0][0]
        )
    except duckdb.Error:
        raise IngestError(
            "This Parquet file is damaged or incomplete, so uxcx could not read it."
        ) from None
    widths: dict[int, int] = {}
    groups: dict[int, list[int]] = {}
    for group, group_rows, group_bytes, column, physical, uncompressed, _ in chunks:
        width = _PHYSICAL_WIDTH.get(str(physical), 16)
        widths[int(column)] = width
        acc = groups.setdefault(int(group), [0, int(group_bytes or 0)])
        # Dictionary and run-length encoding make "uncompressed" page sizes tiny for
        # repeated values, so also count each value at its decoded width.
        acc[0] += max(int(uncompressed or 0), int(group_rows or 0) * width)
    total = sum(max(group, claimed) for group, claimed in groups.values())
    dictionary = {int(c[3]) for c in chunks if str(c[4]) == "BYTE_ARRAY" and c[6] is not None}
    expanded = max(total, num_rows * sum(widths.values()), _dictionary_bytes(con, p, dictionary))
    return int(expanded), num_rows


def _dictionary_bytes(con: Any, p: str, columns: set[int]) -> int:
    """Decoded bytes of dictionary-encoded text columns.

    A 1 KB file can repeat one 1 MB dictionary string in 100,000 rows (100 GB decoded) while its
    footer reports ~1 MB: add up each row's value length. DuckDB keeps such pages as dictionary
    vectors, so the lengths are read without copying the values.
    """
    if not columns:
        return 0
    described = con.execute(f"DESCRIBE SELECT * FROM read_parquet({p})").fetchall()
    sums = []
    # Top-level columns only: column_id counts leaves, which match DESCRIBE's order while no
    # column is nested.
    if any(str(d[1]).startswith(("STRUCT", "MAP")) or str(d[1]).endswith("]") for d in described):
        return 0
    for i, d in enumerate(described):
        if i in columns:
            fn = "octet_length" if str(d[1]) == "BLOB" else "strlen"
            sums.append(f"coalesce(sum({fn}({sql_ident(str(d[0]))})), 0)::HUGEINT")
    if not sums:
        return 0
    try:
        return int(
            con.execute(f"SELECT {' + '.join(sums)} FROM read_parquet({p})").fetchall()[0][0]
        )
    except MemoryError:
        raise
    except Exception:
        # A footer that parses over pages that do not (found by fuzzing: corrupt zstd data).
        raise IngestError(
            "This Parquet file is damaged or incomplete, so uxcx could not read it."
        ) from None


def check_expanded_size(con: Any, src: Path, max_expanded_mb: int) -> int:
    """Refuse a Parquet file whose footer says it would decode to more than the cap allows.

    Returns the rows the footer declares (the progress of a Parquet upload).
    """
    expanded, rows = parquet_expanded_bytes(con, src)
    limit = max_expanded_mb * 1024 * 1024
    if expanded > limit:
        raise IngestError(
            f"This Parquet file says it would expand to {format_size(expanded)}, more than "
            f"the {format_size(limit)} uxcx allows."
        )
    return rows


def parquet_columns(con: Any, src: Path, notes: list[str]) -> tuple[list[Column], str]:
    """The file's columns (renamed like a header row's) and SQL reading them with ``__line``."""
    import duckdb

    plain = f"read_parquet({sql_str(str(src))})"
    try:
        described = con.execute(f"DESCRIBE SELECT * FROM {plain}").fetchall()
    except duckdb.Error:
        raise IngestError(DAMAGED_PARQUET) from None
    fields_ = [(str(d[0]), str(d[1])) for d in described]
    if not fields_:
        raise IngestError("This Parquet file has no columns.")
    count = con.execute(f"SELECT count(*) FROM {plain}").fetchall()[0][0]
    if not count:
        raise IngestError("This Parquet file has columns but no rows.")
    notes.append(f"Read a Parquet file with {plural(len(fields_), 'column')}.")
    names = final_names([f[0] for f in fields_], notes)
    # A file that carries types (any column not text) keeps them all: its text columns are
    # text on purpose and are not re-inferred. Only an all-text file (a CSV saved as Parquet)
    # has its types inferred like a CSV's.
    typed = any(f[1] != "VARCHAR" for f in fields_)
    columns = [
        Column(source_name=f[0], raw=f"c{i}", raw_type=f[1], name=names[i], infer=not typed)
        for i, f in enumerate(fields_)
    ]
    select = ", ".join(f"{sql_ident(f[0])} AS c{i}" for i, f in enumerate(fields_))
    if any(f[0] == "file_row_number" for f in fields_):
        # The file already has a column with DuckDB's row-number name; number rows the slow way.
        return columns, f"(SELECT row_number() OVER () AS __line, {select} FROM {plain})"
    numbered = f"read_parquet({sql_str(str(src))}, file_row_number = true)"
    return columns, f"(SELECT file_row_number + 1 AS __line, {select} FROM {numbered})"


def can_link(columns: list[Column]) -> bool:
    """Whether the file's columns are exactly what uxcx would write: typed, unrenamed, plain.

    Plain: the types role detection knows (text, yes/no, numbers, dates); nested and exotic
    ones (lists, structs, UUIDs, intervals …) are always rewritten.
    """
    return all(
        not c.infer
        and c.name == c.source_name
        and (
            c.raw_type in ("VARCHAR", "BOOLEAN")
            or is_numeric_type(c.raw_type)
            or is_date_type(c.raw_type)
        )
        for c in columns
    )


def link_or_copy(src: Path, out: Path) -> None:
    """Make `out` the same file as `src`: a hard link, or a copy across file systems."""
    import shutil

    try:
        os.link(src, out)
    except OSError:
        shutil.copyfile(src, out)
