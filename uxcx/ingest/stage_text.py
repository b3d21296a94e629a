"""Staging text row by row with Python's csv module, keeping every record's line number.

Every accepted row is written as all-string Parquet with a ``__line`` column; rejected rows,
blank rows and wrong widths are counted here (``RowSink`` is shared with the Excel reader).
"""

from __future__ import annotations

import csv
import gc
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .common import NA_TOKENS, WS, is_blank, plural
from .encodings import encoding_name
from .progress import NO_REPORTS, Reporter
from .result import MAX_KEPT, IngestError, format_size
from .sniff import DELIMITER_NAMES, Dialect
from .surveymonkey import merge_headers

# Rows per Parquet row group in the stage file.
BATCH_ROWS = 20_000
# The longest value csv accepts; a longer one is almost always a quote that is never closed.
FIELD_LIMIT = 16 * 1024 * 1024


def _join_lines(lines: list[int], total: int) -> str:
    shown = [str(x) for x in lines[:5]]
    if total > len(shown):
        return ", ".join(shown) + " and others"
    if len(shown) == 1:
        return shown[0]
    return ", ".join(shown[:-1]) + " and " + shown[-1]


class Stager:
    """Buffers accepted rows and writes them as all-string Parquet with a ``__line`` column."""

    def __init__(
        self, path: Path, width: int, on_flush: Callable[[int], None] | None = None
    ) -> None:
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
        # Told the source line of the last row of each row group (progress, per chunk).
        self._on_flush = on_flush

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
        if self._on_flush is not None:
            self._on_flush(self._lines[-1])
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
    rejects: list[dict[str, Any]] = field(default_factory=list)
    rejected_rows: int = 0
    blank_rows: int = 0
    notes: list[str] = field(default_factory=list)
    # Question texts from a survey tool's extra header row (Qualtrics, SurveyMonkey), by column.
    labels: list[str] = field(default_factory=list)
    # Set when the stage file has no ``__line`` column: line = Parquet row number + this.
    line_offset: int | None = None


class RowSink:
    """Shared row bookkeeping for text and Excel: header, blanks, wrong widths, rejects."""

    def __init__(
        self,
        stage_path: Path,
        *,
        pad_short: bool,
        skip_before_header: int = 0,
        skip_after_header: int = 0,
        progress: Reporter = NO_REPORTS,
        total_lines: int | None = None,
    ) -> None:
        self.stage_path = stage_path
        self.progress = progress
        self.total_lines = total_lines
        # The last line above the data (the header, a survey tool's extra header rows).
        self.data_start = 0
        self.pad_short = pad_short
        self.skip_before_header = skip_before_header
        self.skip_after_header = skip_after_header
        self.header: list[str] | None = None
        self.stager: Stager | None = None
        self.min_fields = 0
        self.pending_blank = 0
        self.blank_rows = 0
        self.rejects: list[dict[str, Any]] = []
        self.rejected_rows = 0
        self.wrong_width = 0
        self.wrong_width_lines: list[int] = []
        self.other_notes: list[str] = []
        self.labels: list[str] = []

    def feed(self, line: int, row: list[str]) -> None:
        """Take one record that starts on source line ``line``."""
        if is_blank(row):
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
            self.stager = Stager(self.stage_path, len(row), self._flushed)
            self.data_start = line
            return
        if self.skip_after_header:
            self.data_start = line
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

    def _flushed(self, last_line: int) -> None:
        # Progress counts lines below the header (rows, unless a quoted value spans lines).
        total = self.total_lines
        self.progress.rows(
            last_line - self.data_start, None if total is None else total - self.data_start
        )

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
            notes.append(f"Skipped {plural(self.blank_rows, 'blank row')}.")
        if self.wrong_width:
            n = self.wrong_width
            notes.append(
                f"Could not read {plural(n, 'row')} because "
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


def count_lines(src: Path) -> int:
    """The lines of a file in an ASCII-compatible encoding (LF, CRLF or CR line ends)."""
    lfs = crs = 0
    last = b""
    with open(src, "rb") as f:
        while chunk := f.read(1 << 20):
            lfs += chunk.count(b"\n")
            crs += chunk.count(b"\r")
            last = chunk[-1:]
    return max(lfs, crs) + (last not in (b"", b"\n", b"\r"))


def stage_text(
    src: Path, dialect: Dialect, stage_path: Path, progress: Reporter = NO_REPORTS
) -> Staged:
    """Parse a delimited text file row by row, keeping line numbers for every record.

    `progress` hears lines read of the file's lines, once per row group staged.
    """
    csv.field_size_limit(FIELD_LIMIT)
    total_lines = None
    if progress.path is not None and not dialect.encoding.startswith(("utf-16", "utf-32")):
        # One pass at disk speed, a fraction of a per cent of the parse.
        total_lines = count_lines(src)
    sink = RowSink(
        stage_path,
        pad_short=False,
        skip_before_header=dialect.preamble,
        skip_after_header=2 if dialect.qualtrics else int(dialect.surveymonkey),
        progress=progress,
        total_lines=total_lines,
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
    if dialect.surveymonkey:
        staged.headers, staged.labels = merge_headers(staged.headers, staged.labels)
    kind = DELIMITER_NAMES[dialect.delimiter]
    if len(staged.headers) == 1:
        kind = "single-column"
    staged.notes.insert(0, f"Read as {kind} text in {encoding_name(dialect.encoding)}.")
    extra = []
    if dialect.sep_line:
        extra.append("Used the delimiter named on the first line (Excel's sep= line).")
    titles = dialect.preamble - dialect.sep_line
    if titles:
        extra.append(f"Skipped {plural(titles, 'title line')} above the header row.")
    if dialect.qualtrics:
        extra.append(
            "Skipped the two extra header rows Qualtrics adds (question text and import IDs)."
        )
    if dialect.surveymonkey:
        extra.append(
            "Merged the two header rows SurveyMonkey writes (questions, then answer options) "
            "into the column names."
        )
    staged.notes[1:1] = extra
    return staged
