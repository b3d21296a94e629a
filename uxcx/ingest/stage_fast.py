"""Staging a large, plain text file with DuckDB's CSV reader when it provably matches Python's.

The result must be exactly what ``stage_text`` would stage; whenever that cannot be proved the
functions here say so (None) and the row-by-row Python reader runs instead.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

from .common import NA_TOKENS, connect, is_blank, sql_str
from .progress import NO_REPORTS, Reporter
from .sniff import DELIMITER_NAMES, ENCODING_NAMES, Dialect
from .stage_text import FIELD_LIMIT, Staged

# Text files above this size whose layout is plain go through DuckDB's CSV reader first.
FAST_MIN_BYTES = 8 * 1024 * 1024
# The note that says which reader staged the file (the only visible difference).
FAST_NOTE = "Read with DuckDB's CSV reader."


def fast_path_fits(src: Path, dialect: Dialect) -> bool:
    """Whether a text file is big and plain enough to try DuckDB's reader before Python's."""
    return src.stat().st_size > FAST_MIN_BYTES and plain_layout(dialect)


def plain_layout(dialect: Dialect) -> bool:
    """Whether a text file's layout is one DuckDB's reader may read (if the lines agree)."""
    return (
        dialect.encoding in ("utf-8", "utf-8-sig")
        and not dialect.preamble
        and not dialect.sep_line
        and not dialect.qualtrics
        and not dialect.surveymonkey
        and dialect.delimiter in DELIMITER_NAMES
    )


def physical_lines(src: Path, delimiter: str) -> int | None:
    """Count the file's lines, or None if DuckDB might split or unquote it differently.

    DuckDB and Python's csv module split lines the same way only when every CR is part of a
    CRLF, and read a quoted value the same way only when no space sits between the quote and
    the delimiter or line end (DuckDB drops such spaces, Python keeps them).
    """
    newlines = crs = crlfs = 0
    last = b""
    edges = delimiter.encode() + b"\r\n"
    with open(src, "rb") as f:
        # 1 MB chunks stay in the CPU cache across the counts below (16 MB ones do not).
        while chunk := f.read(1 << 20):
            joined = last + chunk  # two-byte patterns may straddle chunks
            # Most files have no quotes or no CRs: skip the scans that cannot find anything.
            if b'"' in joined and _space_by_quote(joined, edges):
                return None
            newlines += chunk.count(b"\n")
            cr = chunk.count(b"\r")
            if cr or last == b"\r":
                crs += cr
                crlfs += joined.count(b"\r\n")
            last = chunk[-1:]
    if crs != crlfs:
        return None
    return newlines + (last != b"\n")


def read_header(src: Path, dialect: Dialect) -> list[str] | None:
    """The header row as Python's csv reads it, or None if it is blank or spans lines."""
    csv.field_size_limit(FIELD_LIMIT)
    with open(src, encoding=dialect.encoding, newline="") as f:
        reader = csv.reader(f, delimiter=dialect.delimiter, quotechar='"', strict=False)
        try:
            header = next(reader)
        except (StopIteration, csv.Error):
            return None
        if reader.line_num != 1 or is_blank(header):
            return None
    return header


def _space_by_quote(buf: bytes, edges: bytes) -> bool:
    """Whether spaces sit between a quote and a field edge (or run into the buffer's ends)."""
    i = buf.find(b' "')
    while i != -1:
        j = i
        while j > 0 and buf[j - 1] == 0x20:
            j -= 1
        if j == 0 or buf[j - 1] in edges:
            return True
        i = buf.find(b' "', i + 1)
    i = buf.find(b'" ')
    while i != -1:
        k = i + 1
        while k < len(buf) and buf[k] == 0x20:
            k += 1
        if k == len(buf) or buf[k] in edges:
            return True
        i = buf.find(b'" ', k)
    return False


def stage_text_fast(
    src: Path,
    dialect: Dialect,
    stage_path: Path,
    work_dir: Path,
    memory_mb: int,
    progress: Reporter = NO_REPORTS,
) -> Staged | None:
    """Stage a large, plain text file with DuckDB's CSV reader; None means use stage_text.

    It only accepts a file in which every record is one physical line (no blank lines, no
    line breaks inside quotes), every row has exactly the header's number of fields, and
    DuckDB reports no error, so data row k (from 1) is on line k + 1 and nothing is rejected
    or skipped. Anything else falls back to the row-by-row Python reader.
    """
    import duckdb

    lines = physical_lines(src, dialect.delimiter)
    if lines is None or lines < 2:
        return None
    header = read_header(src, dialect)
    if header is None:
        return None
    width = len(header)
    names = [f"c{i}" for i in range(width)]
    columns = ", ".join(f"{sql_str(n)}: 'VARCHAR'" for n in names)
    options = (
        f"delim = {sql_str(dialect.delimiter)}, quote = '\"', escape = '\"', header = false, "
        f"skip = 1, columns = {{{columns}}}, auto_detect = false, strict_mode = true"
    )
    # The same test as stage_text's _nulls_for_na (lower-case, trim WS, compare with
    # NA_TOKENS) as one regex: DuckDB's trim() with a character list costs more than the whole
    # CSV parse.
    space = r"[ \t\r\n\x{a0}]*"  # WS as an RE2 class
    tokens = "|".join(re.sub(r"([^\w ])", r"\\\1", v) for v in NA_TOKENS)
    na = sql_str(f"{space}({tokens}){space}")
    converted = ", ".join(
        f"CASE WHEN regexp_full_match(lower({n}), {na}) THEN NULL ELSE {n} END AS {n}"
        for n in names
    )
    # All-null rows are blank rows (or only NA tokens): the Python reader decides about them.
    blank = " AND ".join(f"{n} IS NULL" for n in names)
    query = (
        f"SELECT *, ({blank}) AS __blank "
        f"FROM (SELECT {converted} FROM read_csv({sql_str(str(src))}, {options}))"
    )
    con = connect(work_dir, memory_mb, [src])
    try:
        with progress.watch(con, lines - 1, src.stat().st_size):
            written = con.execute(
                f"COPY ({query}) TO {sql_str(str(stage_path))} (FORMAT parquet, COMPRESSION lz4)"
            ).fetchall()[0][0]
        blanks = con.execute(
            f"SELECT count_if(__blank) FROM read_parquet({sql_str(str(stage_path))})"
        ).fetchall()[0][0]
    except duckdb.Error:
        written, blanks = -1, -1
    finally:
        con.close()
    if written != lines - 1 or blanks != 0:
        stage_path.unlink(missing_ok=True)
        return None
    kind = "single-column" if width == 1 else DELIMITER_NAMES[dialect.delimiter]
    notes = [f"Read as {kind} text in {ENCODING_NAMES[dialect.encoding]}.", FAST_NOTE]
    return Staged(
        headers=header, stage_path=stage_path, rows=int(written), notes=notes, line_offset=2
    )
