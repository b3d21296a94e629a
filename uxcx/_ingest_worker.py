"""Worker process that turns one untrusted upload into Parquet; started only by uxcx.ingest.

Run as ``python -m uxcx._ingest_worker --src F --out O --result R --work-dir W --memory-mb M
--max-expanded-mb X``. It caps its own address space before importing DuckDB or pyarrow, parses
the file, writes Parquet to ``--out`` and a JSON verdict to ``--result``.

Text files are parsed by Python's ``csv`` module (not DuckDB's sniffer) so that every rejected
row, blank row and problem cell can be reported with its physical line number; the rows are
staged as all-VARCHAR Parquet, and DuckDB infers and converts types in SQL. Large UTF-8 files
with a plain layout are staged by DuckDB's own CSV reader instead (``stage_text_fast``) when it
can prove every record is one line and nothing would be rejected; otherwise the Python reader
runs as before.
"""

from __future__ import annotations

import argparse
import codecs
import csv
import gc
import io
import json
import os
import re
import resource
import sys
import traceback
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from uxcx.ingest import MAX_KEPT, IngestError, IngestResult, format_size, memory_message

SAMPLE_BYTES = 1 << 16
BATCH_ROWS = 20_000
STATS_BATCH = 16
FIELD_LIMIT = 16 * 1024 * 1024
WS = " \t\r\n\u00a0"

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
TRUE_TOKENS = ("yes", "true", "y")
FALSE_TOKENS = ("no", "false", "n")

DELIMITER_NAMES = {
    ",": "comma-separated",
    ";": "semicolon-separated",
    "\t": "tab-separated",
    "|": "pipe-separated (|)",
}
ENCODING_NAMES = {
    "utf-8": "UTF-8 encoding",
    "utf-8-sig": "UTF-8 encoding with a byte-order mark",
    "utf-16": "UTF-16 encoding",
    "cp1252": "Windows-1252 encoding",
    "latin-1": "Latin-1 encoding",
}

# RE2 patterns, always used with regexp_full_match on trimmed text.
NUM_DOT = r"[+-]?((\d+|\d{1,3}(,\d{3})+)(\.\d*)?|\.\d+)([eE][+-]?\d+)?"
INT_DOT = r"[+-]?(\d+|\d{1,3}(,\d{3})+)"
NUM_COMMA = r"[+-]?((\d+|\d{1,3}(\.\d{3})+)(,\d*)?|,\d+)"
INT_COMMA = r"[+-]?(\d+|\d{1,3}(\.\d{3})+)"
# Numbers that are really codes: leading zeros (ZIP codes, IDs) or too long for a double.
CODE_LIKE = r"[+-]?0\d+|[+-]?\d{16,}"
ISO_DATE = r"\d{4}-\d{1,2}-\d{1,2}"
ISO_TS = r"\d{4}-\d{1,2}-\d{1,2}[T ]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?\s*(Z|[+-]\d{2}(:?\d{2})?)?"
TZ_SUFFIX = r".*(Z|[+-]\d{2}(:?\d{2})?)"
SLASH_DATE = r"\d{1,2}[/.-]\d{1,2}[/.-]\d{4}"
SEP_LINE = re.compile(r"sep=([,;\t|])")
# Text files above this size whose layout is plain go through DuckDB's CSV reader first.
FAST_MIN_BYTES = 8 * 1024 * 1024
FAST_NOTE = "Read with DuckDB's CSV reader."
SLASH_TS = r"\d{1,2}[/.-]\d{1,2}[/.-]\d{4}[T ]+\d{1,2}:\d{2}(:\d{2})?\s*([AaPp]\.?[Mm]\.?)?"


@dataclass(frozen=True)
class Scale:
    """A labelled Likert scale and the integers its labels become."""

    kind: str
    points: int
    labels: dict[str, int]
    low: str
    high: str


AGREE5 = Scale(
    "agreement",
    5,
    {
        "strongly disagree": 1,
        "disagree": 2,
        "neither agree nor disagree": 3,
        "neither agree or disagree": 3,
        "neutral": 3,
        "agree": 4,
        "strongly agree": 5,
    },
    "Strongly disagree",
    "Strongly agree",
)
AGREE7 = Scale(
    "agreement",
    7,
    {
        "strongly disagree": 1,
        "disagree": 2,
        "somewhat disagree": 3,
        "slightly disagree": 3,
        "neither agree nor disagree": 4,
        "neither agree or disagree": 4,
        "neutral": 4,
        "somewhat agree": 5,
        "slightly agree": 5,
        "agree": 6,
        "strongly agree": 7,
    },
    "Strongly disagree",
    "Strongly agree",
)
SATISFACTION5 = Scale(
    "satisfaction",
    5,
    {
        "very dissatisfied": 1,
        "dissatisfied": 2,
        "neither satisfied nor dissatisfied": 3,
        "neither satisfied or dissatisfied": 3,
        "neutral": 3,
        "satisfied": 4,
        "very satisfied": 5,
    },
    "Very dissatisfied",
    "Very satisfied",
)
SEVEN_POINT_ONLY = ("somewhat disagree", "slightly disagree", "somewhat agree", "slightly agree")

ORDINALS = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth"]

GENERIC_FAILURE = (
    "uxcx could not read this file because of an unexpected problem in the file reader."
)


# --------------------------------------------------------------------------------------------
# Small helpers


def _sql_str(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _sql_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sql_in(expr: str, values: tuple[str, ...] | list[str]) -> str:
    # Not `expr IN (...)` or list_contains: DuckDB rewrites both into a join per column, which
    # is slow, costs memory and is not pruned when the column is unused. A regex is a scalar.
    alternatives = "|".join(re.sub(r"([^\w ])", r"\\\1", v) for v in values)
    return f"regexp_full_match({expr}, {_sql_str('(' + alternatives + ')')})"


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {plural or word + 's'}"


def _ordinal(k: int) -> str:
    return ORDINALS[k - 1] if k <= len(ORDINALS) else f"{k}th"


def _join_lines(lines: list[int], total: int) -> str:
    shown = [str(x) for x in lines[:5]]
    if total > len(shown):
        return ", ".join(shown) + " and others"
    if len(shown) == 1:
        return shown[0]
    return ", ".join(shown[:-1]) + " and " + shown[-1]


# --------------------------------------------------------------------------------------------
# Format detection


def detect_format(src: Path) -> str:
    """Return "parquet", "xlsx" or "text" from the file's content, or raise IngestError."""
    size = src.stat().st_size
    if size == 0:
        raise IngestError("The file is empty.")
    with open(src, "rb") as f:
        head = f.read(8)
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(src) as zf:
                names = set(zf.namelist())
        except (zipfile.BadZipFile, OSError, ValueError):
            raise IngestError(
                "This file looks like a ZIP archive or Excel workbook but is damaged, "
                "so uxcx could not open it."
            ) from None
        if "xl/workbook.xml" in names:
            return "xlsx"
        raise IngestError(
            "This file is a ZIP archive or an office document other than an Excel workbook, "
            "not a CSV, TSV, Excel or Parquet file."
        )
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raise IngestError(
            "This looks like an old-style (.xls) or password-protected Excel workbook; "
            "save it as .xlsx or CSV without a password and upload that."
        )
    return "text"


def _looks_binary(sample: bytes) -> bool:
    if b"\x00" in sample:
        return True
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13, 26, 27))
    return controls > max(2, len(sample) // 100)


def detect_encoding(src: Path) -> str:
    """Pick the text encoding: BOM first, then strict UTF-8, then Windows-1252, then Latin-1."""
    with open(src, "rb") as f:
        sample = f.read(SAMPLE_BYTES)
    if sample.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    elif sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = sample.decode("utf-16", errors="ignore")
        if not text.strip() or _looks_binary(text.encode("utf-8")):
            raise _binary_error() if text.strip() else IngestError("The file is empty.")
        return "utf-16"
    else:
        encoding = ""
    if _looks_binary(sample):
        raise _binary_error()
    if encoding:
        return encoding
    if _decodes(src, "utf-8"):
        return "utf-8"
    high = sum(1 for b in sample if b >= 0x80)
    # Western text in a legacy code page has a few accented letters, not a third of the bytes.
    if high > len(sample) * 0.3:
        raise _binary_error()
    return "cp1252" if _decodes(src, "cp1252") else "latin-1"


def _binary_error() -> IngestError:
    return IngestError(
        "This file is not a CSV, TSV, Excel or Parquet file (it looks like binary data)."
    )


def _decodes(src: Path, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        with open(src, "rb") as f:
            while chunk := f.read(1 << 20):
                decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


# --------------------------------------------------------------------------------------------
# Dialect sniffing


@dataclass
class Dialect:
    """How a text file is laid out."""

    encoding: str
    delimiter: str
    qualtrics: bool = False
    preamble: int = 0  # non-blank records above the header (titles, Excel's "sep=;" line)
    sep_line: bool = False


def _is_blank(row: list[str]) -> bool:
    return all(not cell.strip(WS) for cell in row)


def sniff(src: Path, encoding: str) -> Dialect:
    """Choose the delimiter by which one splits the first records most consistently."""
    with open(src, "rb") as f:
        raw = f.read(SAMPLE_BYTES)
        more = bool(f.read(1))
    text = raw.decode(encoding, errors="ignore")
    if more and "\n" in text:
        text = text[: text.rindex("\n") + 1]
    stripped = text.lstrip("\ufeff" + WS)
    if not stripped:
        raise IngestError("The file is empty.")
    _refuse_documents(stripped)

    first_line = stripped.splitlines()[0].strip().strip('"')
    forced = SEP_LINE.fullmatch(first_line)
    candidates = (forced.group(1),) if forced else ("\t", ";", ",", "|")
    best: tuple[tuple[float, ...], str, list[list[str]]] | None = None
    for delim in candidates:
        records = _sample_records(text, delim)[1 if forced else 0 :]
        if not records:
            continue
        widths = [len(r) for r in records]
        # The most common width (ties: the wider) is the table's; the header usually has it.
        width = max(set(widths), key=lambda w: (widths.count(w), w))
        same = widths.count(width) / len(widths)
        score = (1.0 if width > 1 else 0.0, same, float(width))
        if best is None or score > best[0]:
            best = (score, delim, records)
    if best is None:
        raise IngestError("The file is empty.")
    (multi, consistency, width), delim, records = best
    if multi and consistency < 0.5 and len(records) >= 5:
        raise _not_a_table()
    # Title lines above the header: narrower than the table, with at most one filled cell.
    preamble = 0
    for record in records[:10]:
        if len(record) == width or sum(bool(c.strip(WS)) for c in record) > 1:
            break
        preamble += 1
    if preamble == len(records) or preamble == 10:
        preamble = 0
    if not multi and len(records[preamble][0]) > 200:
        raise _not_a_table()
    third = records[preamble + 2] if len(records) > preamble + 2 else []
    qualtrics = bool(third) and sum(c.strip().startswith('{"ImportId"') for c in third) >= max(
        1, sum(bool(c.strip()) for c in third) // 2
    )
    return Dialect(
        encoding=encoding,
        delimiter=delim,
        qualtrics=qualtrics,
        preamble=preamble + bool(forced),
        sep_line=bool(forced),
    )


def _sample_records(text: str, delim: str) -> list[list[str]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim, strict=False)
    records: list[list[str]] = []
    try:
        for row in reader:
            if not _is_blank(row):
                records.append(row)
            if len(records) >= 100:
                break
    except csv.Error:
        pass
    return records


def _not_a_table() -> IngestError:
    return IngestError(
        "This file does not look like a table: uxcx could not find columns separated by "
        "commas, semicolons, tabs or |."
    )


def _refuse_documents(text: str) -> None:
    lowered = text[:200].lower()
    if text.startswith("{\\rtf"):
        kind = "a rich-text (RTF) document"
    elif text.startswith("<") and any(
        tag in lowered for tag in ("<html", "<!doctype", "<?xml", "<table", "<svg", "<head")
    ):
        kind = "a web page or XML document"
    elif text[0] in "[{" and text[1:].lstrip()[:1] in ('"', "{", "[", "}", "]"):
        kind = "JSON"
    elif text.startswith("%PDF"):
        kind = "a PDF document"
    else:
        return
    raise IngestError(
        f"This file is not a table: it looks like {kind}, and uxcx reads CSV, TSV, Excel or "
        "Parquet files."
    )


# --------------------------------------------------------------------------------------------
# Staging: every accepted row as strings, with its source line number


class Stager:
    """Buffers accepted rows and writes them as all-string Parquet with a ``__line`` column."""

    def __init__(self, path: Path, width: int) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        self._pa = pa
        self.path = path
        self.width = width
        fields_ = [pa.field("__line", pa.int64())]
        fields_ += [pa.field(f"c{i}", pa.string()) for i in range(width)]
        self.schema = pa.schema(fields_)
        self._writer = pq.ParquetWriter(str(path), self.schema, compression="lz4")
        self._lines: list[int] = []
        self._rows: list[list[str]] = []
        self.count = 0

    def add(self, line: int, row: list[str]) -> None:
        """Queue one row (exactly ``width`` strings) from source line ``line``."""
        self._lines.append(line)
        self._rows.append(row)
        self.count += 1
        if len(self._rows) >= BATCH_ROWS:
            self.flush()

    def flush(self) -> None:
        """Write the queued rows as one row group."""
        if not self._rows:
            return
        pa = self._pa
        arrays = [pa.array(self._lines, pa.int64())]
        arrays += [
            _nulls_for_na(pa.array(col, pa.string())) for col in zip(*self._rows, strict=True)
        ]
        self._writer.write_table(pa.Table.from_arrays(arrays, schema=self.schema))
        self._lines = []
        self._rows = []

    def close(self) -> None:
        """Flush and close the Parquet file."""
        self.flush()
        self._writer.close()


def _nulls_for_na(array: Any) -> Any:
    """Replace empty and "not available" tokens (NA, N/A, null, -) with nulls, vectorised."""
    import pyarrow as pa
    import pyarrow.compute as pc

    key = pc.utf8_lower(pc.utf8_trim(array, characters=WS))
    missing = pc.is_in(key, value_set=pa.array(NA_TOKENS, pa.string()))
    return pc.if_else(missing, pa.scalar(None, pa.string()), array)


@dataclass
class Staged:
    """What staging found before any type inference."""

    headers: list[str]
    stage_path: Path
    rows: int
    rejects: list[dict] = field(default_factory=list)
    rejected_rows: int = 0
    blank_rows: int = 0
    notes: list[str] = field(default_factory=list)
    # Question texts from a survey tool's second header row (Qualtrics), by column position.
    labels: list[str] = field(default_factory=list)
    # Set when the stage file has no ``__line`` column: line = Parquet row number + this.
    line_offset: int | None = None


class _RowSink:
    """Shared row bookkeeping for text and Excel: header, blanks, wrong widths, rejects."""

    def __init__(
        self,
        stage_path: Path,
        *,
        pad_short: bool,
        skip_before_header: int = 0,
        skip_after_header: int = 0,
    ) -> None:
        self.stage_path = stage_path
        self.pad_short = pad_short
        self.skip_before_header = skip_before_header
        self.skip_after_header = skip_after_header
        self.header: list[str] | None = None
        self.stager: Stager | None = None
        self.min_fields = 0
        self.pending_blank = 0
        self.blank_rows = 0
        self.rejects: list[dict] = []
        self.rejected_rows = 0
        self.wrong_width = 0
        self.wrong_width_lines: list[int] = []
        self.other_notes: list[str] = []
        self.labels: list[str] = []

    def feed(self, line: int, row: list[str]) -> None:
        """Take one record that starts on source line ``line``."""
        if _is_blank(row):
            if self.header is not None:
                self.pending_blank += 1
            return
        if self.header is None and self.skip_before_header:
            self.skip_before_header -= 1
            return
        if self.header is None:
            self.header = row
            named = [i for i, name in enumerate(row) if name.strip(WS)]
            self.min_fields = (named[-1] + 1) if named else len(row)
            self.stager = Stager(self.stage_path, len(row))
            return
        if self.skip_after_header:
            if not self.labels:
                self.labels = row
            self.skip_after_header -= 1
            return
        # Blank rows only count when data follows them (not trailing empty lines or cells).
        self.blank_rows += self.pending_blank
        self.pending_blank = 0
        width = len(self.header)
        if len(row) > width and not any(c.strip(WS) for c in row[width:]):
            row = row[:width]
        if len(row) < width and (self.pad_short or len(row) >= self.min_fields):
            row = row + [""] * (width - len(row))
        if len(row) != width:
            self.wrong_width += 1
            if len(self.wrong_width_lines) < 5:
                self.wrong_width_lines.append(line)
            self._reject(line, f"The row has {len(row)} fields but the header has {width}.")
            return
        assert self.stager is not None
        self.stager.add(line, row)

    def reject(self, line: int, reason: str) -> None:
        """Reject a record for a reason found outside :meth:`feed`; its reason becomes a note."""
        self.blank_rows += self.pending_blank
        self.pending_blank = 0
        self.other_notes.append(reason)
        self._reject(line, reason)

    def _reject(self, line: int, reason: str) -> None:
        self.rejected_rows += 1
        if len(self.rejects) < MAX_KEPT:
            self.rejects.append({"line": line, "reason": reason})

    def finish(self, empty_message: str) -> Staged:
        """Close the stage file and check there is something to convert."""
        if self.header is None or self.stager is None:
            raise IngestError(empty_message)
        self.stager.close()
        if self.stager.count == 0:
            if self.rejected_rows:
                if self.other_notes:
                    raise IngestError(self.other_notes[0])
                first = self.rejects[0]["line"]
                raise IngestError(
                    "None of the rows could be read: each has a different number of fields "
                    f"from the header row (the first is on line {first})."
                )
            raise IngestError("The file has a header row but no data rows.")
        notes = []
        if self.blank_rows:
            notes.append(f"Skipped {_plural(self.blank_rows, 'blank row')}.")
        if self.wrong_width:
            n = self.wrong_width
            notes.append(
                f"Could not read {_plural(n, 'row')} because "
                f"{'it has' if n == 1 else 'they have'} the wrong number of fields "
                f"({'line' if n == 1 else 'lines'} {_join_lines(self.wrong_width_lines, n)})."
            )
        notes.extend(self.other_notes)
        return Staged(
            headers=self.header,
            stage_path=self.stage_path,
            rows=self.stager.count,
            rejects=self.rejects,
            rejected_rows=self.rejected_rows,
            blank_rows=self.blank_rows,
            notes=notes,
            labels=self.labels,
        )


def stage_text(src: Path, dialect: Dialect, stage_path: Path) -> Staged:
    """Parse a delimited text file row by row, keeping line numbers for every record."""
    csv.field_size_limit(FIELD_LIMIT)
    sink = _RowSink(
        stage_path,
        pad_short=False,
        skip_before_header=dialect.preamble,
        skip_after_header=2 if dialect.qualtrics else 0,
    )
    gc_was_enabled = gc.isenabled()
    # csv rows create no reference cycles; the cyclic collector only slows the loop down.
    gc.disable()
    start = 1
    try:
        with open(src, encoding=dialect.encoding, newline="") as f:
            quotes = [0]

            def counted(lines: Iterable[str]) -> Iterator[str]:
                for line in lines:
                    quotes[0] += line.count('"')
                    yield line

            reader = csv.reader(
                counted(f), delimiter=dialect.delimiter, quotechar='"', strict=False
            )
            previous_end = 0
            # One record is held back: only at the end of the file can we tell that the last
            # one swallowed the rest of the file because a quote was never closed.
            held: tuple[int, int, list[str], bool] | None = None
            while True:
                start = previous_end + 1
                quotes[0] = 0
                try:
                    row = next(reader)
                except StopIteration:
                    break
                previous_end = reader.line_num
                if held is not None:
                    sink.feed(held[0], held[2])
                held = (start, previous_end, row, quotes[0] % 2 == 1)
            if held is not None:
                first, last, row, odd_quotes = held
                if odd_quotes and last > first and sink.header is not None:
                    sink.reject(
                        first,
                        f'A quote (") opened on line {first} is never closed, so lines '
                        f"{first}–{last} could not be read.",
                    )
                else:
                    sink.feed(first, row)
    except csv.Error:
        raise IngestError(
            f"The value that starts on line {start} is longer than "
            f'{format_size(FIELD_LIMIT)}, probably because a quote (") is never closed.'
        ) from None
    finally:
        if gc_was_enabled:
            gc.enable()
    staged = sink.finish("The file is empty.")
    kind = DELIMITER_NAMES[dialect.delimiter]
    if len(staged.headers) == 1:
        kind = "single-column"
    staged.notes.insert(0, f"Read as {kind} text in {ENCODING_NAMES[dialect.encoding]}.")
    extra = []
    if dialect.sep_line:
        extra.append("Used the delimiter named on the first line (Excel's sep= line).")
    titles = dialect.preamble - dialect.sep_line
    if titles:
        extra.append(f"Skipped {_plural(titles, 'title line')} above the header row.")
    if dialect.qualtrics:
        extra.append(
            "Skipped the two extra header rows Qualtrics adds (question text and import IDs)."
        )
    staged.notes[1:1] = extra
    return staged


def _fast_path_fits(src: Path, dialect: Dialect) -> bool:
    """Whether a text file is big and plain enough to try DuckDB's reader before Python's."""
    return (
        src.stat().st_size > FAST_MIN_BYTES
        and dialect.encoding in ("utf-8", "utf-8-sig")
        and not dialect.preamble
        and not dialect.sep_line
        and not dialect.qualtrics
        and dialect.delimiter in DELIMITER_NAMES
    )


def _physical_lines(src: Path, delimiter: str) -> int | None:
    """Count the file's lines, or None if DuckDB might split or unquote it differently.

    DuckDB and Python's csv module split lines the same way only when every CR is part of a
    CRLF, and read a quoted value the same way only when no space sits between the quote and
    the delimiter or line end (DuckDB drops such spaces, Python keeps them).
    """
    newlines = crs = crlfs = 0
    last = b""
    edges = delimiter.encode() + b"\r\n"
    with open(src, "rb") as f:
        while chunk := f.read(1 << 24):
            joined = last + chunk  # two-byte patterns may straddle chunks
            if _space_by_quote(joined, edges):
                return None
            newlines += chunk.count(b"\n")
            crs += chunk.count(b"\r")
            crlfs += joined.count(b"\r\n")
            last = chunk[-1:]
    if crs != crlfs:
        return None
    return newlines + (last != b"\n")


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
    src: Path, dialect: Dialect, stage_path: Path, work_dir: Path, memory_mb: int
) -> Staged | None:
    """Stage a large, plain text file with DuckDB's CSV reader; None means use stage_text.

    It only accepts a file in which every record is one physical line (no blank lines, no
    line breaks inside quotes), every row has exactly the header's number of fields, and
    DuckDB reports no error, so data row k (from 1) is on line k + 1 and nothing is rejected
    or skipped. Anything else falls back to the row-by-row Python reader.
    """
    import duckdb

    lines = _physical_lines(src, dialect.delimiter)
    if lines is None or lines < 2:
        return None
    csv.field_size_limit(FIELD_LIMIT)
    with open(src, encoding=dialect.encoding, newline="") as f:
        reader = csv.reader(f, delimiter=dialect.delimiter, quotechar='"', strict=False)
        try:
            header = next(reader)
        except (StopIteration, csv.Error):
            return None
        if reader.line_num != 1 or _is_blank(header):
            return None
    width = len(header)
    names = [f"c{i}" for i in range(width)]
    columns = ", ".join(f"{_sql_str(n)}: 'VARCHAR'" for n in names)
    options = (
        f"delim = {_sql_str(dialect.delimiter)}, quote = '\"', escape = '\"', header = false, "
        f"skip = 1, columns = {{{columns}}}, auto_detect = false, strict_mode = true"
    )
    # The same test as _nulls_for_na (lower-case, trim WS, compare with NA_TOKENS) as one
    # regex: DuckDB's trim() with a character list costs more than the whole CSV parse.
    space = r"[ \t\r\n\x{a0}]*"  # WS as an RE2 class
    tokens = "|".join(re.sub(r"([^\w ])", r"\\\1", v) for v in NA_TOKENS)
    na = _sql_str(f"{space}({tokens}){space}")
    converted = ", ".join(
        f"CASE WHEN regexp_full_match(lower({n}), {na}) THEN NULL ELSE {n} END AS {n}"
        for n in names
    )
    # All-null rows are blank rows (or only NA tokens): the Python reader decides about them.
    blank = " AND ".join(f"{n} IS NULL" for n in names)
    query = (
        f"SELECT *, ({blank}) AS __blank "
        f"FROM (SELECT {converted} FROM read_csv({_sql_str(str(src))}, {options}))"
    )
    con = _connect(work_dir, memory_mb, [src])
    try:
        written = con.execute(
            f"COPY ({query}) TO {_sql_str(str(stage_path))} (FORMAT parquet, COMPRESSION lz4)"
        ).fetchall()[0][0]
        blanks = con.execute(
            f"SELECT count_if(__blank) FROM read_parquet({_sql_str(str(stage_path))})"
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


def _cell_text(value: Any) -> str:
    import datetime as dt

    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        if value.tzinfo is None and value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="seconds" if not value.microsecond else "auto")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


def stage_xlsx(src: Path, stage_path: Path, max_expanded_mb: int) -> Staged:
    """Read the first sheet of an .xlsx workbook (streaming) into the stage file."""
    import openpyxl

    with zipfile.ZipFile(src) as zf:
        expanded = sum(info.file_size for info in zf.infolist())
    if expanded > max_expanded_mb * 1024 * 1024:
        raise IngestError(
            f"This Excel file says it would expand to {format_size(expanded)}, more than the "
            f"{format_size(max_expanded_mb * 1024 * 1024)} uxcx allows."
        )
    try:
        wb = openpyxl.load_workbook(src, read_only=True, data_only=True)
    except Exception:
        raise IngestError(
            "This Excel workbook is damaged or uses a feature uxcx cannot read, so uxcx could "
            "not open it."
        ) from None
    try:
        if not wb.worksheets:
            raise IngestError("This Excel workbook has no sheets.")
        ws = wb.worksheets[0]
        # Some writers store a wrong sheet size; without it openpyxl reads the real rows.
        ws.reset_dimensions()
        sink = _RowSink(stage_path, pad_short=True)
        gc_was_enabled = gc.isenabled()
        gc.disable()
        try:
            for line, values in enumerate(ws.iter_rows(min_row=1, values_only=True), start=1):
                row = [_cell_text(v) for v in values]
                while row and not row[-1]:
                    row.pop()
                sink.feed(line, row)
        finally:
            if gc_was_enabled:
                gc.enable()
        staged = sink.finish(f"The first sheet of this Excel workbook ('{ws.title}') is empty.")
        sheets = len(wb.worksheets)
        where = f"the Excel sheet '{ws.title}'"
        if sheets > 1:
            where = f"the first sheet, '{ws.title}', of an Excel workbook with {sheets} sheets"
        staged.notes.insert(0, f"Read {where}.")
        return staged
    finally:
        wb.close()


# --------------------------------------------------------------------------------------------
# Parquet


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
    return max(total, meta.num_rows * sum(widths))


# --------------------------------------------------------------------------------------------
# Type inference and conversion (in DuckDB)


@dataclass
class Column:
    """One column on its way from the raw relation to the output."""

    source_name: str
    raw: str  # the staged column's identifier: c0, c1, ...
    raw_type: str
    name: str = ""
    type: str = "VARCHAR"
    expr: str = ""
    what: str = ""  # "a number", ... for problem-cell notes
    drop: bool = False
    nulls_done: bool = False  # staging already turned NA tokens into nulls


def _connect(work_dir: Path, memory_mb: int, allowed_paths: list[Path]) -> Any:
    import duckdb

    tmp = work_dir / "duckdb_tmp"
    tmp.mkdir(exist_ok=True)
    con = duckdb.connect(
        ":memory:",
        config={
            "memory_limit": f"{memory_mb}MB",
            "threads": 2,
            "temp_directory": str(tmp),
            "preserve_insertion_order": True,
            "autoinstall_known_extensions": False,
            "autoload_known_extensions": False,
        },
    )
    con.execute("SET TimeZone = 'UTC'")
    # Only the files this job needs are reachable from SQL, and nothing can undo that.
    con.execute(f"SET allowed_directories = [{_sql_str(str(work_dir.resolve()) + os.sep)}]")
    paths = ", ".join(_sql_str(str(p.resolve())) for p in allowed_paths)
    con.execute(f"SET allowed_paths = [{paths}]")
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")
    return con


def _stats_sql(t: str, decimal_comma: bool) -> list[tuple[str, str]]:
    # count_if, not count(*) FILTER (...): each FILTER clause costs DuckDB ~1 MB of address
    # space, which adds up under the worker's memory cap.
    def count(cond: str) -> str:
        return f"count_if({cond})"

    # DuckDB evaluates both sides of AND on every row but a CASE branch only on the rows
    # that reach it; the cheap regex guards the expensive parse this way (30x faster).
    def guarded(pattern: str, then: str) -> str:
        return f"count_if(CASE WHEN {full(pattern)} THEN {then} END)"

    def full(pattern: str) -> str:
        return f"regexp_full_match({t}, '{pattern}')"

    label = f"regexp_replace(lower({t}), '\\s+', ' ', 'g')"
    items = [
        ("n", f"count({t})"),
        ("bool", count(_sql_in(f"lower({t})", TRUE_TOKENS + FALSE_TOKENS))),
        ("code", count(full(CODE_LIKE))),
        ("dot_num", count(full(NUM_DOT))),
        ("dot_int", guarded(INT_DOT, _int_ok(t, False))),
        ("dot_sep", guarded(NUM_DOT, f"contains({t}, ',')")),
        ("iso_d", guarded(ISO_DATE, f"try_cast({t} AS DATE) IS NOT NULL")),
        ("iso_t", guarded(ISO_TS, f"try_cast({t} AS TIMESTAMPTZ) IS NOT NULL")),
        ("iso_tz", guarded(ISO_TS, f"regexp_full_match({t}, '{TZ_SUFFIX}')")),
        ("agree5", count(_sql_in(label, list(AGREE5.labels)))),
        ("agree7", count(_sql_in(label, list(AGREE7.labels)))),
        ("seven", count(_sql_in(label, SEVEN_POINT_ONLY))),
        ("sat5", count(_sql_in(label, list(SATISFACTION5.labels)))),
    ]
    for order in ("dmy", "mdy"):
        parsed = f"{_slash_parse(t, order)} IS NOT NULL"
        items.append((f"{order}_d", guarded(SLASH_DATE, parsed)))
        items.append((f"{order}_t", guarded(SLASH_TS, parsed)))
    if decimal_comma:
        items += [
            ("comma_num", count(full(NUM_COMMA))),
            ("comma_int", guarded(INT_COMMA, _int_ok(t, True))),
            ("comma_only", guarded(NUM_COMMA, f"NOT {full(NUM_DOT)}")),
            ("dot_only", guarded(NUM_DOT, f"NOT {full(NUM_COMMA)}")),
        ]
    else:
        items += [(k, "0") for k in ("comma_num", "comma_int", "comma_only", "dot_only")]
    return items


def _clean_number(t: str, decimal_comma: bool) -> str:
    if decimal_comma:
        return f"replace(replace({t}, '.', ''), ',', '.')"
    return f"replace({t}, ',', '')"


def _int_ok(t: str, decimal_comma: bool) -> str:
    return f"try_cast({_clean_number(t, decimal_comma)} AS BIGINT) IS NOT NULL"


def _slash_parse(t: str, order: str) -> str:
    day_month = "%d/%m" if order == "dmy" else "%m/%d"
    formats = [
        f"{day_month}/%Y",
        f"{day_month}/%Y %H:%M",
        f"{day_month}/%Y %H:%M:%S",
        f"{day_month}/%Y %I:%M %p",
        f"{day_month}/%Y %I:%M:%S %p",
    ]
    norm = (
        f"regexp_replace(regexp_replace(regexp_replace({t}, "
        "'^(\\d{1,2})[./-](\\d{1,2})[./-](\\d{4})[T ]*', '\\1/\\2/\\3 '), "
        "'\\s*([AaPp])\\.?[Mm]\\.?$', ' \\1M'), '\\s+$', '')"
    )
    return f"try_strptime({norm}, [{', '.join(_sql_str(f) for f in formats)}])"


def _choose(col: Column, s: dict[str, int], decimal_comma: bool, notes: list[str]) -> None:
    """Pick the column's type from its parse counts and set its conversion expression."""
    t = f"t_{col.raw}"
    n = s["n"]
    if n == 0:
        return
    name = col.name
    candidates: list[tuple[float, int, str]] = []

    # Numbers: the decimal mark is whichever reading more values need.
    use_comma = decimal_comma and s["comma_only"] > s["dot_only"]
    num_ok, int_ok = (s["comma_num"], s["comma_int"]) if use_comma else (s["dot_num"], s["dot_int"])
    if s["code"]:
        num_ok = 0
        if (s["dot_num"] + s["comma_num"]) / n >= 0.95:
            notes.append(
                f"Kept '{name}' as text because its numbers look like codes "
                "(leading zeros or very long)."
            )
    candidates.append((s["bool"] / n, 0, "bool"))
    candidates.append((num_ok / n, 1, "num"))
    order = "mdy" if s["mdy_d"] + s["mdy_t"] > s["dmy_d"] + s["dmy_t"] else "dmy"
    temporal = s["iso_d"] + s["iso_t"] + s[f"{order}_d"] + s[f"{order}_t"]
    candidates.append((temporal / n, 2, "time"))
    agree = AGREE7 if s["seven"] else AGREE5
    candidates.append((s["agree7" if s["seven"] else "agree5"] / n, 3, "agree"))
    candidates.append((s["sat5"] / n, 4, "sat"))
    rate, _, kind = max(candidates, key=lambda c: (c[0], -c[1]))
    if rate < 0.95:
        return

    if kind == "bool":
        col.type = "BOOLEAN"
        lowered = f"lower({t})"
        col.expr = (
            f"CASE WHEN {_sql_in(lowered, TRUE_TOKENS)} THEN true "
            f"WHEN {_sql_in(lowered, FALSE_TOKENS)} THEN false END"
        )
        col.what = "a yes/no value"
    elif kind == "num":
        col.type = "BIGINT" if int_ok == num_ok else "DOUBLE"
        pattern = NUM_COMMA if use_comma else NUM_DOT
        col.expr = (
            f"CASE WHEN regexp_full_match({t}, '{pattern}') "
            f"THEN try_cast({_clean_number(t, use_comma)} AS {col.type}) END"
        )
        col.what = "a number"
        if use_comma and s["comma_only"]:
            notes.append(f"Read decimal commas in '{name}' as decimals.")
        elif not use_comma and s["dot_sep"]:
            notes.append(f"Read commas in '{name}' as thousands separators.")
    elif kind == "time":
        date_only = s["iso_t"] + s[f"{order}_t"] == 0
        col.type = "DATE" if date_only else "TIMESTAMP"
        col.expr = (
            f"CASE WHEN regexp_full_match({t}, '{ISO_DATE}') THEN try_cast({t} AS DATE)::TIMESTAMP"
            f" WHEN regexp_full_match({t}, '{ISO_TS}') THEN try_cast({t} AS TIMESTAMPTZ)::TIMESTAMP"
            f" WHEN regexp_full_match({t}, '{SLASH_DATE}') OR regexp_full_match({t}, '{SLASH_TS}')"
            f" THEN {_slash_parse(t, order)} END"
        )
        if date_only:
            col.expr = f"CAST({col.expr} AS DATE)"
        col.what = "a date" if date_only else "a date and time"
        if s[f"{order}_d"] + s[f"{order}_t"]:
            other = "dmy" if order == "mdy" else "mdy"
            readable = "day/month/year" if order == "dmy" else "month/day/year"
            if s[f"{other}_d"] + s[f"{other}_t"] >= s[f"{order}_d"] + s[f"{order}_t"]:
                notes.append(
                    f"Read dates in '{name}' as {readable}; no day above 12 showed which "
                    "comes first."
                )
            else:
                notes.append(f"Read dates in '{name}' as {readable}.")
        if s["iso_tz"]:
            notes.append(f"Converted times with a time-zone offset in '{name}' to UTC.")
    else:
        scale = agree if kind == "agree" else SATISFACTION5
        col.type = "BIGINT"
        label = f"regexp_replace(lower({t}), '\\s+', ' ', 'g')"
        whens = " ".join(f"WHEN {_sql_str(k)} THEN {v}" for k, v in scale.labels.items())
        col.expr = f"CAST(CASE {label} {whens} END AS BIGINT)"
        col.what = f"one of the {scale.kind} labels"
        notes.append(
            f"Converted {scale.kind} labels in '{name}' ({scale.low} … {scale.high}) "
            f"to 1–{scale.points}."
        )


def _final_names(sources: list[str], notes: list[str]) -> list[str]:
    """Trim names, name the unnamed, and number repeats: Score, Score_2 (case-insensitively)."""
    bases = []
    for i, source in enumerate(sources):
        base = " ".join(source.split()) or f"column_{i + 1}"
        bases.append(base)
    taken = {b.lower() for b in bases}
    seen: dict[str, int] = {}
    names = []
    for base in bases:
        key = base.lower()
        seen[key] = seen.get(key, 0) + 1
        if seen[key] == 1:
            names.append(base)
            continue
        k = seen[key]
        candidate = f"{base}_{k}"
        while candidate.lower() in taken:
            k += 1
            candidate = f"{base}_{k}"
        taken.add(candidate.lower())
        names.append(candidate)
        notes.append(f"Renamed the {_ordinal(seen[key])} '{base}' column to '{candidate}'.")
    return names


def finish(
    con: Any,
    source_sql: str,
    columns: list[Column],
    out: Path,
    *,
    decimal_comma: bool,
    notes: list[str],
) -> tuple[int, list[dict], list[dict], int]:
    """Infer types, convert and write Parquet; return rows, columns, cell issues, issue count."""

    def relation(cols: list[Column]) -> str:
        # Per query, only the columns it uses: binding a view of every column costs ~25 ms
        # per column per query on wide survey exports.
        inner = []
        outer = []
        for col in cols:
            if col.raw_type == "VARCHAR" and col.nulls_done:
                inner.append(f"{col.raw} AS s_{col.raw}")
                outer.append(f"s_{col.raw}, trim(s_{col.raw}, {_sql_str(WS)}) AS t_{col.raw}")
            elif col.raw_type == "VARCHAR":
                trimmed = f"trim({col.raw}, {_sql_str(WS)})"
                inner.append(
                    f"CASE WHEN {_sql_in(f'lower({trimmed})', NA_TOKENS)} THEN NULL "
                    f"ELSE {col.raw} END AS s_{col.raw}"
                )
                outer.append(f"s_{col.raw}, trim(s_{col.raw}, {_sql_str(WS)}) AS t_{col.raw}")
            else:
                inner.append(f"{col.raw} AS s_{col.raw}")
                outer.append(f"s_{col.raw}")
        return (
            f"(SELECT __line, {', '.join(outer)} "
            f"FROM (SELECT __line, {', '.join(inner)} FROM {source_sql}))"
        )

    text_cols = [c for c in columns if c.raw_type == "VARCHAR"]
    stats: dict[str, dict[str, int]] = {}
    # A few columns per query keeps each query's plan small on very wide files.
    for first in range(0, len(text_cols), STATS_BATCH):
        batch = text_cols[first : first + STATS_BATCH]
        keys: list[tuple[Column, str]] = []
        aggs = []
        for col in batch:
            for key, sql in _stats_sql(f"t_{col.raw}", decimal_comma):
                keys.append((col, key))
                aggs.append(sql)
        values = con.execute(f"SELECT {', '.join(aggs)} FROM {relation(batch)}").fetchall()[0]
        for (col, key), value in zip(keys, values, strict=True):
            stats.setdefault(col.raw, {})[key] = int(value or 0)
    if text_cols:
        for col in text_cols:
            s = stats[col.raw]
            if s["n"] == 0 and not col.source_name.strip(WS):
                col.drop = True
                continue
            _choose(col, s, decimal_comma, notes)

    kept = [c for c in columns if not c.drop]
    # Naming notes go right after the "Read as ..." note, before the per-column ones.
    naming = []
    dropped = len(columns) - len(kept)
    if dropped:
        naming.append(f"Dropped {_plural(dropped, 'empty column')} without a name.")
    for position, col in enumerate(columns, start=1):
        if not col.drop and not col.source_name.strip(WS):
            naming.append(f"Named the unnamed column {position} '{col.name}'.")
    notes[1:1] = naming
    if not kept:
        raise IngestError("The file has a header row but every column is empty.")

    issues: list[dict] = []
    issue_count = 0
    checked = [c for c in kept if c.expr]
    # Plain scans and ungrouped aggregates only: GROUP BY, ORDER BY and window operators make
    # DuckDB reserve hundreds of MB up front, which the worker's memory cap cannot afford.
    failed = {c.raw: f"(t_{c.raw} IS NOT NULL AND ({c.expr}) IS NULL)" for c in checked}
    per_col: dict[str, int] = {}
    for first in range(0, len(checked), STATS_BATCH):
        batch = checked[first : first + STATS_BATCH]
        counts = con.execute(
            f"SELECT {', '.join(f'count_if({failed[c.raw]})' for c in batch)} "
            f"FROM {relation(batch)}"
        ).fetchall()[0]
        per_col.update({c.raw: int(n or 0) for c, n in zip(batch, counts, strict=True)})
    bad = [c for c in checked if per_col[c.raw]]
    issue_count = sum(per_col.values())
    if bad:
        flagged = ", ".join(f"CASE WHEN {failed[c.raw]} THEN s_{c.raw} END" for c in bad)
        any_bad = " OR ".join(failed[c.raw] for c in bad)
        # Rows come back in file order (insertion order is preserved), so no ORDER BY.
        rows = con.execute(
            f"SELECT __line, {flagged} FROM {relation(bad)} WHERE {any_bad} LIMIT {MAX_KEPT}"
        ).fetchall()
        for line, *values in rows:
            for col, value in zip(bad, values, strict=True):
                if value is not None and len(issues) < MAX_KEPT:
                    issues.append(
                        {
                            "line": int(line),
                            "column": col.name,
                            "value": str(value),
                            "reason": f"Not {col.what}; left empty.",
                        }
                    )
        for col in bad:
            count = per_col[col.raw]
            notes.append(
                f"Left {_plural(count, 'value')} in '{col.name}' empty because "
                f"{'it' if count == 1 else 'they'} could not be read as {col.what}."
            )

    select = ", ".join(f"{c.expr or ('s_' + c.raw)} AS {_sql_ident(c.name)}" for c in kept)
    query = f"SELECT {select} FROM {relation(kept)}"
    described = con.execute(f"DESCRIBE {query}").fetchall()
    out_columns = [
        {"name": c.name, "source_name": c.source_name, "type": str(d[1])}
        for c, d in zip(kept, described, strict=True)
    ]
    written = con.execute(f"COPY ({query}) TO {_sql_str(str(out))} (FORMAT parquet)").fetchall()
    return int(written[0][0]), out_columns, issues, issue_count


# --------------------------------------------------------------------------------------------
# Entry points


def convert(
    src: Path,
    out: Path,
    *,
    work_dir: Path,
    max_expanded_mb: int = 2048,
    duckdb_memory_mb: int = 512,
    fast: bool = True,
) -> IngestResult:
    """Parse `src` into Parquet at `out` in this process (the worker calls it under its caps).

    ``fast=False`` always reads text with the row-by-row Python reader (tests compare the two).
    """
    src = Path(src)
    out = Path(out)
    work_dir = Path(work_dir)
    fmt = detect_format(src)
    notes: list[str] = []
    stage_path = work_dir / "stage.parquet"
    staged: Staged | None = None
    decimal_comma = False
    if fmt == "text":
        encoding = detect_encoding(src)
        dialect = sniff(src, encoding)
        if fast and _fast_path_fits(src, dialect):
            staged = stage_text_fast(src, dialect, stage_path, work_dir, duckdb_memory_mb)
        if staged is None:
            staged = stage_text(src, dialect, stage_path)
        source_format = "tsv" if dialect.delimiter == "\t" else "csv"
        decimal_comma = dialect.delimiter != ","
    elif fmt == "xlsx":
        staged = stage_xlsx(src, stage_path, max_expanded_mb)
        source_format = "xlsx"
    else:
        source_format = "parquet"
        expanded = parquet_expanded_bytes(src)
        limit = max_expanded_mb * 1024 * 1024
        if expanded > limit:
            raise IngestError(
                f"This Parquet file says it would expand to {format_size(expanded)}, more than "
                f"the {format_size(limit)} uxcx allows."
            )

    allowed = [out] if staged else [src, out]
    con = _connect(work_dir, duckdb_memory_mb, allowed)
    try:
        if staged is not None:
            notes.extend(staged.notes)
            source_sql = f"read_parquet({_sql_str(str(stage_path))})"
            if staged.line_offset is not None:
                numbered = f"read_parquet({_sql_str(str(stage_path))}, file_row_number = true)"
                source_sql = (
                    f"(SELECT file_row_number + {staged.line_offset} AS __line, * FROM {numbered})"
                )
            names = _final_names(staged.headers, notes)
            columns = [
                Column(h, raw=f"c{i}", raw_type="VARCHAR", name=names[i], nulls_done=True)
                for i, h in enumerate(staged.headers)
            ]
        else:
            columns, source_sql = _parquet_columns(con, src, notes)
        try:
            rows, out_columns, issues, issue_count = finish(
                con, source_sql, columns, out, decimal_comma=decimal_comma, notes=notes
            )
        except Exception as exc:
            # A Parquet file can lie in ways the footer check cannot see; say so plainly.
            if staged is not None or is_memory_error(exc) or isinstance(exc, IngestError):
                raise
            raise IngestError(
                "This Parquet file is damaged or uses a feature uxcx cannot read, so uxcx "
                "could not read it."
            ) from exc
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
    )


def _parquet_columns(con: Any, src: Path, notes: list[str]) -> tuple[list[Column], str]:
    import duckdb

    plain = f"read_parquet({_sql_str(str(src))})"
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
    notes.append(f"Read a Parquet file with {_plural(len(fields_), 'column')}.")
    names = _final_names([f[0] for f in fields_], notes)
    columns = [
        Column(source_name=f[0], raw=f"c{i}", raw_type=f[1], name=names[i])
        for i, f in enumerate(fields_)
    ]
    select = ", ".join(f"{_sql_ident(f[0])} AS c{i}" for i, f in enumerate(fields_))
    if any(f[0] == "file_row_number" for f in fields_):
        # The file already has a column with DuckDB's row-number name; number rows the slow way.
        return columns, f"(SELECT row_number() OVER () AS __line, {select} FROM {plain})"
    numbered = f"read_parquet({_sql_str(str(src))}, file_row_number = true)"
    return columns, f"(SELECT file_row_number + 1 AS __line, {select} FROM {numbered})"


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


def _duckdb_memory_mb(memory_mb: int) -> int:
    # Python, pyarrow and DuckDB's own code take ~500 MB of address space before any data;
    # DuckDB's buffer pool gets about half of the rest and spills to disk beyond that.
    return max(64, (memory_mb - 500) // 2)


def _write_json(path: Path, payload: dict) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(payload), encoding="utf-8")
    os.replace(tmp, path)


def main(argv: list[str] | None = None) -> int:
    """Run one ingest job as described by the command line; always exit 0 after writing JSON."""
    parser = argparse.ArgumentParser(prog="python -m uxcx._ingest_worker")
    parser.add_argument("--src", required=True, type=Path)
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--result", required=True, type=Path)
    parser.add_argument("--work-dir", required=True, type=Path)
    parser.add_argument("--memory-mb", type=int, default=2048)
    parser.add_argument("--max-expanded-mb", type=int, default=2048)
    args = parser.parse_args(argv)
    _cap_memory(args.memory_mb)
    try:
        result = convert(
            args.src,
            args.out,
            work_dir=args.work_dir,
            max_expanded_mb=args.max_expanded_mb,
            duckdb_memory_mb=_duckdb_memory_mb(args.memory_mb),
            # UXCX_INGEST_FAST=0 turns DuckDB's reader off (for comparisons and emergencies).
            fast=os.environ.get("UXCX_INGEST_FAST", "1") != "0",
        )
        payload: dict = {"ok": True, "result": result.to_dict()}
    except IngestError as exc:
        payload = {"ok": False, "error": str(exc)}
    except Exception as exc:
        if is_memory_error(exc):
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
