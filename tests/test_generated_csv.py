"""Hypothesis-generated CSVs through the real ingest (supervisor + worker process).

Random column roles (ids, scores on several scales, dates, amounts, free text), delimiters,
encodings, quoting and missing cells: the ingest either reads every row with the values written,
or says one sentence (an IngestError). Any other exception is a bug.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from uxcx.ingest import IngestError, ingest_file

TRACEBACK_WORDS = ("Traceback", "Exception", 'File "', "duckdb.", "pyarrow.")
ENCODINGS = ("utf-8", "utf-8-sig", "cp1252", "utf-16")
DELIMITERS = (",", ";", "\t", "|")
# Letters first, so free text never reads as a number, a date or a Likert label; the rest
# includes every delimiter, quotes, a line break and characters outside ASCII.
WESTERN = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZéüßÆ€"
TEXT_TAIL = WESTERN + "0123456789 ,;|\t\"'\n-_/()&"
WIDE = "ΝΠΣжऄ😀中"


@dataclass(frozen=True)
class Role:
    """How one generated column is written and what the ingest must read back."""

    header: str
    kind: str  # id | score | date | amount | text
    low: int = 0
    high: int = 0


ROLES = (
    Role("customer_id", "id"),
    Role("How likely are you to recommend us?", "score", 0, 10),
    Role("satisfaction", "score", 1, 5),
    Role("effort", "score", 1, 7),
    Role("sus_total", "score", 0, 100),
    Role("signup_date", "date"),
    Role("revenue", "amount"),
    Role("plan", "text"),
    Role("comment", "text"),
)


@st.composite
def tables(draw: st.DrawFn) -> tuple[list[str], list[list[str]], list[Role], str, str]:
    """A header, rows of cells, the roles of the columns, a delimiter and an encoding."""
    encoding = draw(st.sampled_from(ENCODINGS))
    delimiter = draw(st.sampled_from(DELIMITERS))
    extra = draw(st.lists(st.sampled_from(ROLES[1:]), min_size=0, max_size=5, unique=True))
    roles = [ROLES[0], *extra]
    alphabet = TEXT_TAIL + ("" if encoding == "cp1252" else WIDE)
    n = draw(st.integers(1, 40))
    numeric_id = draw(st.booleans())
    rows = []
    for i in range(n):
        row = []
        for role in roles:
            missing = role.kind != "id" and draw(st.integers(0, 9)) == 0
            if missing:
                row.append("")
            elif role.kind == "id":
                row.append(str(1000 + i) if numeric_id else f"c{i}")
            elif role.kind == "score":
                row.append(str(draw(st.integers(role.low, role.high))))
            elif role.kind == "date":
                day = draw(st.dates(dt.date(1990, 1, 1), dt.date(2035, 12, 31)))
                row.append(day.isoformat())
            elif role.kind == "amount":
                row.append(f"{draw(st.integers(-(10**7), 10**7)) / 100:.2f}")
            else:
                head = draw(st.sampled_from(WESTERN[:52]))
                tail = draw(st.text(alphabet, max_size=14))
                row.append((head + tail).rstrip())
        rows.append(row)
    headers = [r.header for r in roles]
    return headers, rows, roles, delimiter, encoding


def _expected(role: Role, cell: str) -> object:
    if cell == "":
        return None
    if role.kind == "id":
        return cell
    if role.kind == "score":
        return int(cell)
    if role.kind == "date":
        return dt.date.fromisoformat(cell)
    if role.kind == "amount":
        return float(cell)
    return cell


def _read_back(role: Role, value: object) -> object:
    if value is None:
        return None
    if role.kind == "id":
        return str(value)
    if role.kind == "amount":
        return float(value)  # type: ignore[arg-type]
    if role.kind == "date" and isinstance(value, dt.datetime):
        return value.date()
    return value


def check(example: tuple[list[str], list[list[str]], list[Role], str, str]) -> None:
    """Ingest one generated file: right rows and values, or one sentence."""
    import pyarrow.parquet as pq

    headers, rows, roles, delimiter, encoding = example
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows(rows)
    with tempfile.TemporaryDirectory() as d:
        src = Path(d) / "generated.csv"
        src.write_bytes(buf.getvalue().encode(encoding))
        try:
            result = ingest_file(src, Path(d) / "out" / "generated.parquet")
        except IngestError as e:
            msg = str(e)
            assert msg and "\n" not in msg and not any(w in msg for w in TRACEBACK_WORDS), msg
            event(f"refused: {msg}")
            return
        assert result.rows == len(rows), (result.rows, len(rows))
        table = pq.read_table(result.parquet_path)
    event("loaded")
    by_source = {c["source_name"]: c["name"] for c in result.columns}
    for j, role in enumerate(roles):
        got = [_read_back(role, v) for v in table.column(by_source[role.header]).to_pylist()]
        want = [_expected(role, row[j]) for row in rows]
        assert got == want, (role.header, encoding, repr(delimiter))


COMMON = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow]}


@settings(max_examples=12, derandomize=True, **COMMON)  # type: ignore[arg-type]
@given(tables())
def test_generated_csvs_load_exactly_or_get_one_sentence(example):
    check(example)


@pytest.mark.fuzz
@settings(max_examples=100, **COMMON)  # type: ignore[arg-type]
@given(tables())
def test_many_generated_csvs_load_exactly_or_get_one_sentence(example):
    check(example)
