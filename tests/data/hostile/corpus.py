"""The hostile-input corpus: every case as bytes made by code (no binary blobs in the repo).

Each case names the file the user would upload, its bytes, and the expected outcome: "loads"
(with a check on what was read) or the words the one-sentence refusal must contain.
"""

from __future__ import annotations

import io
import os
import zipfile
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Case:
    """One hostile upload and what must happen to it."""

    name: str
    filename: str
    make: Callable[[], bytes]
    refused: str | None = None  # words the refusal contains; None: it loads


def _csv(header: list[str], rows: list[list[object]], sep: str = ",") -> bytes:
    import csv

    buf = io.StringIO()
    w = csv.writer(buf, delimiter=sep, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue().encode()


def _parquet(table_fn: Callable[[], object], **kwargs: object) -> bytes:
    import pyarrow.parquet as pq

    buf = io.BytesIO()
    pq.write_table(table_fn(), buf, **kwargs)
    return buf.getvalue()


def _dict_bomb() -> bytes:
    import pyarrow as pa

    big = "x" * (1 << 20)
    arr = pa.DictionaryArray.from_arrays(pa.array([0] * 100_000, pa.int32()), pa.array([big]))
    return _parquet(lambda: pa.table({"s": arr}), use_dictionary=True, compression="zstd")


def _declared_bomb() -> bytes:
    import pyarrow as pa

    # 10 million rows of one repeated int64: tiny on disk, 80 MB per column decoded × 40 columns.
    col = pa.repeat(pa.scalar(7, pa.int64()), 10_000_000) if hasattr(pa, "repeat") else None
    if col is None:  # pragma: no cover - older pyarrow
        col = pa.array([7] * 10_000_000, pa.int64())
    return _parquet(lambda: pa.table({f"c{i}": col for i in range(40)}), compression="zstd")


def _small_parquet() -> bytes:
    import pyarrow as pa

    return _parquet(lambda: pa.table({"customer_id": ["a", "b"], "nps": [9, 3]}))


def _xlsx_bomb() -> bytes:
    # A real workbook whose sheet claims to inflate to 3.5 GB (the size a zip bomb declares):
    # refused from the zip directory, before openpyxl parses a byte of XML.
    import struct

    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.append(["customer_id", "nps"])
    wb.active.append(["c1", 9])
    buf = io.BytesIO()
    wb.save(buf)
    data = bytearray(buf.getvalue())
    name = b"xl/worksheets/sheet1.xml"
    claimed = struct.pack("<I", 3_500_000_000)
    for sig, size_at, name_at in ((b"PK\x03\x04", 22, 30), (b"PK\x01\x02", 24, 46)):
        i = data.find(sig)
        while i >= 0:
            if data[i + name_at : i + name_at + len(name)] == name:
                data[i + size_at : i + size_at + 4] = claimed
            i = data.find(sig, i + 4)
    return bytes(data)


def _zip_as_csv() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("data.csv", "a,b\n1,2\n")
    return buf.getvalue()


def _corrupt_pages() -> bytes:
    # Found by fuzzing: a footer that parses over a dictionary page whose zstd data does not.
    import pyarrow as pa
    import pyarrow.parquet as pq

    good = _parquet(
        lambda: pa.table({"plan": [f"plan {i % 5}" for i in range(200)]}),
        use_dictionary=True,
        compression="zstd",
    )
    footer = len(good) - int.from_bytes(good[-8:-4], "little") - 8
    for pos in range(4, footer):
        bad = bytearray(good)
        bad[pos] ^= 0xFF
        try:
            pq.read_metadata(io.BytesIO(bytes(bad)))
        except Exception:
            continue
        try:
            pq.ParquetFile(io.BytesIO(bytes(bad)), read_dictionary=["plan"]).read_row_group(0)
        except Exception:
            return bytes(bad)
    raise AssertionError("no byte corrupts the pages alone")  # pragma: no cover


def _odd_utf16() -> bytes:
    # Found by fuzzing: a UTF-16 byte-order mark over an odd number of bytes.
    return _csv(["customer_id", "nps"], NPS_ROWS).decode().encode("utf-16") + b"\x00"


NPS_ROWS = [[f"c{i}", i % 11] for i in range(40)]

CASES: tuple[Case, ...] = (
    Case("binary garbage", "garbage.csv", lambda: os.urandom(8192), refused="binary"),
    Case("empty", "empty.csv", lambda: b"", refused="empty"),
    Case("header only", "header.csv", lambda: b"customer_id,nps\n", refused="no data rows"),
    Case("one column", "one.csv", lambda: _csv(["score"], [[i % 11] for i in range(30)])),
    Case("10,000 columns", "wide.csv",
         lambda: _csv([f"c{i}" for i in range(10_000)], [list(range(10_000))] * 3),
         refused="columns"),
    Case("300 columns", "wide300.csv",
         lambda: _csv([f"c{i}" for i in range(300)], [list(range(300))] * 3)),
    Case("a 1 MB single line", "line.csv", lambda: b"a" * (1 << 20) + b"\n", refused="table"),
    Case("invalid UTF-8", "bad_utf8.csv",
         lambda: b"customer_id,comment,nps\n" + b"".join(
             b"c%d,caf\xe9 \xff\xfe ok,%d\n" % (i, i % 11) for i in range(30))),
    Case("UTF-16", "utf16.csv", lambda: _csv(["customer_id", "nps"], NPS_ROWS).decode()
         .encode("utf-16")),
    Case("mixed delimiters", "mixed.csv",
         lambda: b"customer_id,nps\n" + b"".join(
             (b"c%d;%d\n" if i % 10 == 0 else b"c%d,%d\n") % (i, i % 11) for i in range(50))),
    Case("spreadsheet formulas", "formulas.csv",
         lambda: _csv(["customer_id", "plan", "nps"],
                      [[f"c{i}", ["=HYPERLINK(\"http://x\")", "+1+1", "@SUM(A1)", "-2+3"][i % 4],
                        i % 11] for i in range(40)])),
    Case("HTML and script", "html.csv",
         lambda: _csv(["customer_id", "<img src=x onerror=alert(1)>", "<script>x</script>"],
                      [[f"c{i}", "<b>bold</b>", "<script>alert(1)</script>"] for i in range(20)])),
    Case("SQL-looking headers", "sql.csv",
         lambda: _csv(["customer_id", '"; DROP TABLE x; --', "nps'); --"],
                      [[f"c{i}", i, i % 11] for i in range(30)])),
    Case("duplicate and unicode headers", "dupes.csv",
         lambda: _csv(["id", "id", "ΝΠΣ 😀", "", "naïve"], [[i, i, i % 11, i, i] for i in range(20)])),
    Case("declared Parquet bomb", "declared.parquet", _declared_bomb, refused="expand"),
    Case("dictionary Parquet bomb", "dict.parquet", _dict_bomb, refused="expand"),
    Case("truncated Parquet", "cut.parquet", lambda: _small_parquet()[:-40], refused="damaged"),
    Case("Parquet with corrupt pages", "pages.parquet", _corrupt_pages, refused="damaged"),
    Case("UTF-16 cut mid-character", "odd16.csv", _odd_utf16, refused="damaged"),
    Case("a zip renamed to .csv", "archive.csv", _zip_as_csv, refused="zip archive"),
    Case("XLSX bomb", "bomb.xlsx", _xlsx_bomb, refused="expand"),
    Case("huge numbers, NaN and inf", "numbers.csv",
         lambda: _csv(["customer_id", "clv", "nps"],
                      [[f"c{i}", ["1e308", "NaN", "inf", "-inf", "12.5", "9" * 400][i % 6], i % 11]
                       for i in range(36)])),
)  # fmt: skip
