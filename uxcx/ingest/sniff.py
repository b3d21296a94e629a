"""Format, encoding and dialect detection for an upload, before any row is staged."""

from __future__ import annotations

import csv
import io
import os
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from .common import WS, is_blank
from .encodings import ENCODING_NAMES as ENCODING_NAMES  # re-exported: the stagers' notes
from .encodings import choose_encoding, utf8_by_sample
from .result import IngestError
from .surveymonkey import is_surveymonkey

# How much of the file the encoding and delimiter guesses look at.
SAMPLE_BYTES = 1 << 16
# Excel's first line naming the delimiter, e.g. "sep=;".
SEP_LINE = re.compile(r"sep=([,;\t|])")

# How the notes name a delimiter ("Read as comma-separated text in ..."); encodings: ENCODING_NAMES.
DELIMITER_NAMES = {
    ",": "comma-separated",
    ";": "semicolon-separated",
    "\t": "tab-separated",
    "|": "pipe-separated (|)",
}


def detect_format(src: Path) -> str:
    """Return "parquet", "xlsx", "sav", "zsav", "por" or "text" from the content, or raise."""
    size = src.stat().st_size
    if size == 0:
        raise IngestError("The file is empty.")
    with open(src, "rb") as f:
        head = f.read(1024)
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith((b"$FL2", b"$FL3")):
        # SPSS system files; $FL3 is the zlib-compressed .zsav.
        return "zsav" if head.startswith(b"$FL3") else "sav"
    # An SPSS portable file: 200 bytes of title lines and a 256-byte character table, then
    # its tag (lines are 80 characters, so line breaks move it by a few bytes).
    if 450 <= head.find(b"SPSSPORT") <= 480:
        return "por"
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


def detect_encoding(src: Path, *, provisional: bool = False) -> str:
    """Pick the text encoding: BOM, UTF-16/32 by NUL bytes, UTF-8, Windows-1252, charset-normalizer.

    ``provisional`` answers "utf-8" from the first bytes alone when they allow it (the caller
    must have the rest checked, as DuckDB's reader does) and "" when they do not.
    """
    with open(src, "rb") as f:
        sample = f.read(SAMPLE_BYTES)
    if provisional:
        return "utf-8" if utf8_by_sample(sample) else ""
    return choose_encoding(src, sample, src.stat().st_size)


MAX_COLUMNS = int(os.environ.get("UXCX_MAX_COLUMNS", "1000"))


@dataclass
class Dialect:
    """How a text file is laid out."""

    encoding: str
    delimiter: str
    qualtrics: bool = False
    surveymonkey: bool = False  # a second header row of answer options under the questions
    preamble: int = 0  # non-blank records above the header (titles, Excel's "sep=;" line)
    sep_line: bool = False


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
        # A header below title lines names every column; when the first full-width record needs
        # a title above it and has an empty name, the delimiter only splits off trailing
        # characters of values (a one-column file of "v;" answers is not two columns).
        start = widths.index(width)
        named = start == 0 or all(c.strip(WS) for c in records[start])
        score = (1.0 if width > 1 and named else 0.0, same, float(width))
        if best is None or score > best[0]:
            best = (score, delim, records)
    if best is None:
        raise IngestError("The file is empty.")
    (multi, consistency, best_width), delim, records = best
    width = int(best_width)
    if multi and consistency < 0.5 and len(records) >= 5:
        raise _not_a_table()
    if width > MAX_COLUMNS:
        # Type inference costs a query per 16 columns: a 10,000-column file would tie a worker
        # up for minutes; say so at once instead.
        raise IngestError(
            f"This file has {int(width):,} columns; uxcx reads up to {MAX_COLUMNS:,}. Remove the "
            "columns you do not need (or split the file) and upload it again."
        )
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
    second = records[preamble + 1] if len(records) > preamble + 1 else []
    surveymonkey = not qualtrics and bool(second) and is_surveymonkey(records[preamble], second)
    return Dialect(
        encoding=encoding,
        delimiter=delim,
        qualtrics=qualtrics,
        surveymonkey=surveymonkey,
        preamble=preamble + bool(forced),
        sep_line=bool(forced),
    )


def _sample_records(text: str, delim: str) -> list[list[str]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim, strict=False)
    records: list[list[str]] = []
    try:
        for row in reader:
            if not is_blank(row):
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
