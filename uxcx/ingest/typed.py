"""A large plain text file straight to typed Parquet in one DuckDB scan, typed from a sample.

The exact path (``stage_fast``/``stage_text`` + ``infer.finish``) stages every cell as text,
runs ~20 parse counts per column over every row and converts in SQL: ~15× DuckDB's own
``COPY``. Here the same inference (``infer.choose_types``) runs on a sample of rows (the first
few thousand and chunks spread through the file), and then one ``read_csv`` with those types
writes the Parquet. The scan verifies the sample's verdict as it goes: a cell DuckDB cannot
read as the column's type, a number that is not finite, a fraction in a whole-number column,
a yes/no DuckDB reads but uxcx does not (``t``, ``1``), a row of only missing values, a value
in a column the sample dropped: each stops the query, and the exact path runs instead. So the
result is the exact path's whenever the scan finishes, with three known exceptions where the
sample decides for cells it did not see: a number with leading zeros or 16+ digits outside the
sample (the exact path keeps such a column as text), a fraction written ``5.0`` or ``1e5`` in
an otherwise whole-number column (whole numbers either way; the exact path types it DOUBLE),
and DuckDB's ``1_000`` digit groups (read as 1000; the exact path leaves the cell empty).

Only what DuckDB reads natively takes this path: text, dot-decimal numbers without thousands
separators, ISO dates and yes/no; anything else (decimal commas, labels, d/m/y dates, times,
money) goes the exact way.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import Any

from .common import NA_TOKENS, connect, sql_ident, sql_str
from .infer import Column, _choose, choose_types, final_names, found_in, parse_counts
from .progress import CHECK, NO_REPORTS, Reporter
from .result import IngestError, IngestResult
from .sniff import DELIMITER_NAMES, ENCODING_NAMES, Dialect
from .stage_fast import FAST_NOTE, physical_lines, read_header

# The sample: the first rows plus chunks spread evenly through the rest of the file.
SAMPLE_HEAD = 2000
SAMPLE_CHUNKS = 24
SAMPLE_CHUNK_ROWS = 125
# A text column with fewer values than this in the sample is re-counted over every row.
THIN = 30
# A text column in which some reading fits this share of the sample is re-counted too: the
# whole file might cross the 95% line the sample did not.
UNSURE = 0.5
# Whole numbers travel as DOUBLE in the scan; beyond 2**53 a DOUBLE is no longer exact.
EXACT_INT = 2**53

# RE2 class of WS and the NA tokens (stage_fast's regex: lower-case, trimmed, one of them).
_SPACE = r"[ \t\r\n\x{a0}]*"
_TOKENS = "|".join(re.sub(r"([^\w ])", r"\\\1", v) for v in NA_TOKENS)
_NA_RE = f"{_SPACE}({_TOKENS}){_SPACE}"


# At most this many spellings of a missing value ("NA", "n/a", ...) DuckDB turns into nulls
# while it reads: each costs a comparison per cell.
MAX_NULL_STRINGS = 8


def _take_sample(src: Path, dest: Path) -> bool:
    """Write the header, the first rows and spread chunks of `src` to `dest`; False if all fit."""
    size = src.stat().st_size
    with open(src, "rb") as f:
        header = f.readline()
        head = [f.readline() for _ in range(SAMPLE_HEAD)]
        start = f.tell()
        # A file no longer than the sample is read whole.
        for _ in range(SAMPLE_CHUNKS * SAMPLE_CHUNK_ROWS + 1):
            if not f.readline():
                return False
        with open(dest, "wb") as out:
            out.write(header)
            out.writelines(head)
            for k in range(1, SAMPLE_CHUNKS + 1):
                offset = start + (size - start) * k // (SAMPLE_CHUNKS + 1)
                f.seek(max(offset - 1, start))
                f.readline()  # the rest of a line cut in the middle
                for _ in range(SAMPLE_CHUNK_ROWS):
                    line = f.readline()
                    if not line:
                        break
                    out.write(line if line.endswith(b"\n") else line + b"\n")
    return True


class _Counting(threading.Thread):
    """physical_lines in a thread: it reads the file while DuckDB infers the sample's types."""

    def __init__(self, src: Path, delimiter: str) -> None:
        super().__init__(daemon=True)
        self.src, self.delimiter = src, delimiter
        self.lines: int | None = None

    def run(self) -> None:
        try:
            self.lines = physical_lines(self.src, self.delimiter)
        except OSError:  # the file went away: the caller has given up on this path already
            self.lines = None

    def result(self) -> int | None:
        self.join()
        return self.lines


def _csv_options(dialect: Dialect, columns: dict[str, str], extra: str = "") -> str:
    spec = ", ".join(f"{sql_str(n)}: {sql_str(t)}" for n, t in columns.items())
    return (
        f"delim = {sql_str(dialect.delimiter)}, quote = '\"', escape = '\"', header = false, "
        f"skip = 1, columns = {{{spec}}}, auto_detect = false, strict_mode = true{extra}"
    )


# First code points an NA token can start with once padded: NUL (empty), tab, LF, CR, space,
# "#", "-", "N", "n", no-break space. Any other first character cannot start one.
_NA_STARTS = "0, 9, 10, 13, 32, 35, 45, 78, 110, 160"


def _text(c: str, *, few_rows: bool = False) -> str:
    """The cell, or NULL where it spells a missing value."""
    if few_rows:
        # On a sample, planning is the cost: the ascii() guard below takes DuckDB's optimizer
        # ~3 ms per column to plan (16 columns: 54 → 9 ms without it), and saves nothing there.
        return f"CASE WHEN regexp_full_match(lower({c}), {sql_str(_NA_RE)}) THEN NULL ELSE {c} END"
    # The NA regex (and lower()) only where it can match; ascii() is the first code point.
    return (
        f"CASE WHEN ascii({c}) NOT IN ({_NA_STARTS}) THEN {c} "
        f"WHEN regexp_full_match(lower({c}), {sql_str(_NA_RE)}) THEN NULL ELSE {c} END"
    )


def _fail(what: str, c: str) -> str:
    # error() stops the scan; the row's value makes the call non-constant (never folded).
    return f"error(concat({sql_str(what + ': ')}, {c}))"


def _plan(col: Column, decimal_comma: bool) -> tuple[str, str] | None:
    """How the scan reads the column (DuckDB type) and converts it (SQL); None: not natively."""
    c = col.raw
    s = col.stats or {}
    if col.kind == "" and not col.expr:
        return "VARCHAR", _text(c)
    if col.kind == "bool":
        # DuckDB also reads t/f/1/0 as yes/no; uxcx does not, so those stop the scan.
        ones = " ".join(f"WHEN {sql_str(v)} THEN {str(v.lower() == 'y').lower()}" for v in "yYnN")
        return "VARCHAR", (
            f"CASE WHEN strlen({c}) = 1 THEN (CASE {c} {ones} ELSE {_fail('yes/no', c)} END) "
            f"ELSE CAST({c} AS BOOLEAN) END"
        )
    if col.kind == "num":
        use_comma = decimal_comma and s.get("comma_only", 0) > s.get("dot_only", 0)
        if use_comma or s.get("dot_sep", 0):
            return None
        if col.type == "BIGINT":
            return "DOUBLE", (
                f"CASE WHEN {c} = trunc({c}) AND abs({c}) < {EXACT_INT} THEN CAST({c} AS BIGINT) "
                f"WHEN {c} IS NOT NULL THEN {_fail('not whole', c)} END"
            )
        return "DOUBLE", (
            f"CASE WHEN isfinite({c}) THEN {c} WHEN {c} IS NOT NULL THEN {_fail('inf', c)} END"
        )
    if col.kind == "time" and col.type == "DATE":
        slashed = s.get("dmy_d", 0) + s.get("mdy_d", 0) + s.get("dmy_t", 0) + s.get("mdy_t", 0)
        if slashed or s.get("iso_t", 0):
            return None
        return "DATE", c
    return None


def _recount(con: Any, out: Path, col: Column, decimal_comma: bool) -> bool:
    """Whether a text column the sample could not vouch for stays plain text over every row."""
    raw = Column(col.source_name, raw=col.raw, raw_type="VARCHAR", name=col.name, nulls_done=True)
    source = f"(SELECT 0 AS __line, {sql_ident(col.name)} AS {col.raw} FROM {_parquet(out)})"
    s = parse_counts(con, source, [raw], decimal_comma)[col.raw]
    notes: list[str] = []
    _choose(raw, s, decimal_comma, notes)
    return raw.kind == "" and not raw.expr and not notes


def _blank_rows(con: Any, out: Path, kept: list[Column], stats: dict[str, Any]) -> bool:
    """Whether some row is only missing values (the exact path counts and drops those)."""
    # A column without nulls (the COPY's statistics say) rules them out without reading.
    for col in kept:
        if str((stats.get(sql_ident(col.name)) or {}).get("null_count")) == "0":
            return False
    blank = " AND ".join(f"{sql_ident(c.name)} IS NULL" for c in kept)
    found = con.execute(f"SELECT count_if({blank}) FROM {_parquet(out)}").fetchall()[0][0]
    return bool(found)


def _parquet(path: Path) -> str:
    return f"read_parquet({sql_str(str(path))})"


def convert_typed(
    src: Path,
    dialect: Dialect,
    out: Path,
    *,
    work_dir: Path,
    memory_mb: int,
    encoding: str,
    say_reader: bool = True,
    progress: Reporter = NO_REPORTS,
) -> IngestResult | None:
    """Read a plain text file into typed Parquet in one scan; None: use the exact path.

    ``say_reader`` adds the note naming DuckDB's reader (large files, as ``stage_fast`` does);
    `progress` hears the scan's rows of the file's lines.
    """
    counting = _Counting(src, dialect.delimiter)
    counting.start()
    try:
        return _convert_typed(
            src, dialect, out, counting,
            work_dir=work_dir, memory_mb=memory_mb, encoding=encoding, say_reader=say_reader,
            progress=progress,
        )  # fmt: skip
    finally:
        # Every way out waits for the count: a fallback must not leave a thread reading the
        # file while the exact path reads it again (or after its folder is gone).
        counting.join()


def _convert_typed(
    src: Path,
    dialect: Dialect,
    out: Path,
    counting: _Counting,
    *,
    work_dir: Path,
    memory_mb: int,
    encoding: str,
    say_reader: bool,
    progress: Reporter,
) -> IngestResult | None:
    import duckdb

    header = read_header(src, dialect)
    if header is None:
        return None
    raw_names = [f"c{i}" for i in range(len(header))]
    decimal_comma = dialect.delimiter != ","
    kind = "single-column" if len(header) == 1 else DELIMITER_NAMES[dialect.delimiter]
    notes = [f"Read as {kind} text in {ENCODING_NAMES[dialect.encoding]}."]
    if say_reader:
        notes.append(FAST_NOTE)
    names = final_names(header, notes)
    columns = [
        Column(h, raw=raw_names[i], raw_type="VARCHAR", name=names[i], nulls_done=True)
        for i, h in enumerate(header)
    ]
    sample = work_dir / "sample.csv"
    sampled = _take_sample(src, sample)
    con = connect(work_dir, memory_mb, [src, out])
    try:
        varchar = dict.fromkeys(raw_names, "VARCHAR")
        source = sample if sampled else src
        try:
            con.execute(
                f"CREATE TEMP TABLE sample AS SELECT * FROM read_csv({sql_str(str(source))}, "
                f"{_csv_options(dialect, varchar)})"
            )
            sample_sql = (
                f"(SELECT 0 AS __line, {', '.join(f'{_text(n, few_rows=True)} AS {n}' for n in raw_names)} "
                "FROM sample)"
            )
            # The sample's distinct values answer the probes in Python (a query of ~100
            # regexes costs more to plan than to run on a few thousand rows).
            # Stacked, one list(DISTINCT) is planned instead of one per column.
            distinct = dict(
                con.execute(
                    f"SELECT col, list(DISTINCT v) FROM (UNPIVOT sample ON {', '.join(raw_names)} "
                    "INTO NAME col VALUE v) GROUP BY col"
                ).fetchall()
            )
            found = {n: found_in([str(v) for v in distinct.get(n) or []]) for n in raw_names}
            kept = choose_types(
                con, sample_sql, columns, decimal_comma=decimal_comma, notes=notes, found=found
            )
            spellings = _null_spellings(con, raw_names)
        except (duckdb.Error, IngestError):
            return None
        lines = counting.result()
        if lines is None or lines < 2:
            return None
        read_types: dict[str, str] = {}
        select: list[str] = []
        recount: list[Column] = []
        for col in columns:
            if col.drop:
                # The sample found it empty; every row must agree or the scan stops.
                read_types[col.raw] = "VARCHAR"
                continue
            plan = _plan(col, decimal_comma)
            if plan is None:
                return None
            read_types[col.raw], expr = plan
            select.append(f"{expr} AS {sql_ident(col.name)}")
            s = col.stats or {}
            if sampled and col.kind == "" and _unsure(s):
                recount.append(col)
        dropped = [c.raw for c in columns if c.drop]
        # A value in a column the sample dropped leaves its row out of the Parquet: the row
        # count then differs from the file's and the exact path runs.
        where = " AND ".join(f"{_text('__d_' + c)} IS NULL" for c in dropped) or "true"
        nulls = ", ".join(sql_str(v) for v in spellings)
        options = _csv_options(
            dialect, read_types, f", nullstr = [{nulls}], dateformat = '%Y-%m-%d'"
        )
        inner = ", ".join([*select, *(f"{c} AS __d_{c}" for c in dropped)])
        query = (
            f"SELECT {', '.join(sql_ident(c.name) for c in kept)} FROM "
            f"(SELECT {inner} FROM read_csv({sql_str(str(src))}, {options})) WHERE {where}"
        )
        try:
            with progress.watch(con, lines - 1, src.stat().st_size):
                written, stats = con.execute(
                    f"COPY ({query}) TO {sql_str(str(out))} (FORMAT parquet, COMPRESSION lz4_raw, RETURN_STATS)"
                ).fetchall()[0][1:5:3]
        except (duckdb.ConversionException, duckdb.InvalidInputException):
            written, stats = -1, {}
        if written == lines - 1:
            progress.rows(written, written, CHECK, force=True)
        if (
            written != lines - 1
            or _blank_rows(con, out, kept, stats)
            or not all(_recount(con, out, c, decimal_comma) for c in recount)
        ):
            out.unlink(missing_ok=True)
            return None
        out_types = {c.name: (_type(c)) for c in kept}
    finally:
        con.close()
        sample.unlink(missing_ok=True)
    return IngestResult(
        parquet_path=out,
        rows=int(written),
        rejected_rows=0,
        columns=[{"name": c.name, "source_name": c.source_name, "type": out_types[c.name]}
                 for c in kept],
        notes=notes,
        source_format="tsv" if dialect.delimiter == "\t" else "csv",
        encoding=encoding,
    )  # fmt: skip


def _null_spellings(con: Any, raw_names: list[str]) -> list[str]:
    """The spellings of missing values in the sample, for read_csv's ``nullstr``.

    Any other spelling in a typed column stops the scan (and the exact path reads the file);
    in a text column the NA regex catches it.
    """
    cells = ", ".join(raw_names)
    rows = con.execute(
        f"SELECT v, count(*) AS n FROM (SELECT unnest([{cells}]) AS v FROM sample) "
        f"WHERE regexp_full_match(lower(v), {sql_str(_NA_RE)}) GROUP BY v ORDER BY n DESC, v"
    ).fetchall()
    seen = [str(v) for v, _ in rows if str(v) == str(v).strip(" \t\r\n\u00a0")]
    return ["", *[v for v in seen if v][: MAX_NULL_STRINGS - 1]]


def _type(col: Column) -> str:
    return col.type if col.kind else "VARCHAR"


def _unsure(s: dict[str, int]) -> bool:
    """Whether the sample is too thin or too close to a typed reading to call a column text."""
    n = s.get("n", 0)
    if n < THIN:
        return True
    best = max(
        s["bool"],
        s["dot_num"],
        s["comma_num"],
        s["iso_d"] + s["iso_t"] + max(s["dmy_d"] + s["dmy_t"], s["mdy_d"] + s["mdy_t"]),
        s["agree5"],
        s["agree7"],
        s["sat5"],
    )
    return best >= UNSURE * n
