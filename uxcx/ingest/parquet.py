"""Reading an uploaded Parquet file: the footer's expanded-size check and its columns."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .common import plural, sql_ident, sql_str
from .infer import Column, final_names
from .result import IngestError, format_size

# Bytes per decoded value of each physical type; 16 for the rest (byte arrays and the like).
_PHYSICAL_WIDTH = {"BOOLEAN": 1, "INT32": 4, "FLOAT": 4, "INT64": 8, "DOUBLE": 8, "INT96": 12}


def parquet_expanded_bytes(src: Path) -> int:
    """Estimate from the footer alone how many bytes the Parquet data would take once decoded."""
    import pyarrow.parquet as pq

    try:
        meta = pq.read_metadata(src)
    except Exception:
        raise IngestError(
            "This Parquet file is damaged or incomplete, so uxcx could not read it."
        ) from None
    total = 0
    widths = []
    for i in range(meta.num_columns):
        widths.append(_PHYSICAL_WIDTH.get(meta.schema.column(i).physical_type, 16))
    for g in range(meta.num_row_groups):
        rg = meta.row_group(g)
        group = 0
        for c in range(rg.num_columns):
            col = rg.column(c)
            # Dictionary and run-length encoding make "uncompressed" page sizes tiny for
            # repeated values, so also count each value at its decoded width.
            width = widths[c] if c < len(widths) else 16
            group += max(col.total_uncompressed_size, rg.num_rows * width)
        total += max(group, rg.total_byte_size)
    return int(max(total, meta.num_rows * sum(widths), _dictionary_bytes(src, meta)))


def _dictionary_bytes(src: Path, meta: Any) -> int:
    """Decoded bytes of dictionary-encoded text columns, without decoding them.

    A 1 KB file can repeat one 1 MB dictionary string in 100,000 rows (100 GB decoded) while its
    footer reports ~1 MB: read such columns as dictionaries (indices + the small dictionary) and
    add up each row's value length.
    """
    import numpy as np
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    names = []
    for i in range(meta.num_columns):
        col = meta.schema.column(i)
        chunks = [meta.row_group(g).column(i) for g in range(meta.num_row_groups)]
        if col.physical_type == "BYTE_ARRAY" and any(c.has_dictionary_page for c in chunks):
            names.append(col.path)
    if not names:
        return 0
    total = 0
    try:
        pf = pq.ParquetFile(src, read_dictionary=names)
        groups = [pf.read_row_group(g, columns=names) for g in range(meta.num_row_groups)]
    except MemoryError:
        raise
    except Exception:
        # A footer that parses over pages that do not (found by fuzzing: corrupt zstd data).
        raise IngestError(
            "This Parquet file is damaged or incomplete, so uxcx could not read it."
        ) from None
    for group in groups:
        for column in group.columns:
            for chunk in column.chunks:
                if not hasattr(chunk, "dictionary"):
                    continue
                lengths = pc.binary_length(chunk.dictionary).fill_null(0).to_numpy(False)
                indices = chunk.indices.drop_null().to_numpy(False)
                counts = np.bincount(indices, minlength=len(lengths))
                total += int((lengths.astype("int64") * counts).sum())
    return total


def check_expanded_size(src: Path, max_expanded_mb: int) -> None:
    """Refuse a Parquet file whose footer says it would decode to more than the cap allows."""
    expanded = parquet_expanded_bytes(src)
    limit = max_expanded_mb * 1024 * 1024
    if expanded > limit:
        raise IngestError(
            f"This Parquet file says it would expand to {format_size(expanded)}, more than "
            f"the {format_size(limit)} uxcx allows."
        )


def parquet_columns(con: Any, src: Path, notes: list[str]) -> tuple[list[Column], str]:
    """The file's columns (renamed like a header row's) and SQL reading them with ``__line``."""
    import duckdb

    plain = f"read_parquet({sql_str(str(src))})"
    try:
        described = con.execute(f"DESCRIBE SELECT * FROM {plain}").fetchall()
    except duckdb.Error:
        raise IngestError(
            "This Parquet file is damaged or uses a feature uxcx cannot read, so uxcx could not "
            "open it."
        ) from None
    fields_ = [(str(d[0]), str(d[1])) for d in described]
    if not fields_:
        raise IngestError("This Parquet file has no columns.")
    count = con.execute(f"SELECT count(*) FROM {plain}").fetchall()[0][0]
    if not count:
        raise IngestError("This Parquet file has columns but no rows.")
    notes.append(f"Read a Parquet file with {plural(len(fields_), 'column')}.")
    names = final_names([f[0] for f in fields_], notes)
    columns = [
        Column(source_name=f[0], raw=f"c{i}", raw_type=f[1], name=names[i])
        for i, f in enumerate(fields_)
    ]
    select = ", ".join(f"{sql_ident(f[0])} AS c{i}" for i, f in enumerate(fields_))
    if any(f[0] == "file_row_number" for f in fields_):
        # The file already has a column with DuckDB's row-number name; number rows the slow way.
        return columns, f"(SELECT row_number() OVER () AS __line, {select} FROM {plain})"
    numbered = f"read_parquet({sql_str(str(src))}, file_row_number = true)"
    return columns, f"(SELECT file_row_number + 1 AS __line, {select} FROM {numbered})"
