"""Tests for uxcx.ingest: messy real-world exports, friendly errors and the worker's limits."""

from __future__ import annotations

import csv
import datetime as dt
import importlib.util
import io
import json
import math
import os
import struct
import tempfile
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tests.helpers import child_pids
from uxcx.ingest import IngestError, IngestResult, ingest_file, stage_fast
from uxcx.ingest.stage_fast import FAST_NOTE
from uxcx.ingest.worker import convert
from uxcx.sample import SUS_ITEMS

MESSY = Path(__file__).parent / "data" / "messy"
GOOD = [
    "semicolon_decimal_comma_cp1252.csv",
    "bom_utf8_multiline.csv",
    "tab_separated.tsv",
    "likert_sus.csv",
    "duplicate_headers.csv",
    "quoted_numbers_yes_no.csv",
    "qualtrics_three_header_rows.csv",
    "survey.xlsx",
    "small.parquet",
]
SUS = list(SUS_ITEMS)  # the standard statements, as the sample generator writes them
BINARY = "This file is not a CSV, TSV, Excel or Parquet file (it looks like binary data)."


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, IngestResult]:
    """Ingest every good messy file once, through real worker processes, in parallel."""
    out = tmp_path_factory.mktemp("ingested")
    with ThreadPoolExecutor(max_workers=4) as pool:
        done = pool.map(lambda n: ingest_file(MESSY / n, out / f"{n}.parquet"), GOOD)
        return dict(zip(GOOD, done, strict=True))


def columns(result: IngestResult) -> dict[str, list]:
    """The written Parquet as {column name: values}."""
    return pq.read_table(result.parquet_path).to_pydict()


def types(result: IngestResult) -> dict[str, str]:
    return {c["name"]: c["type"] for c in result.columns}


def run(tmp_path: Path, data: bytes | str, name: str = "in.csv", **kwargs) -> IngestResult:
    """Convert bytes in this process (fast); the worker wiring is tested separately."""
    src = tmp_path / name
    src.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return convert(src, tmp_path / "out.parquet", work_dir=tmp_path, **kwargs)


# --- the messy files -------------------------------------------------------------------------


def test_semicolon_decimal_comma_cp1252(results: dict[str, IngestResult]) -> None:
    r = results["semicolon_decimal_comma_cp1252.csv"]
    nps = "How likely are you to recommend Acme to a friend or colleague?"
    assert (r.source_format, r.rows, r.rejected_rows, r.blank_rows) == ("csv", 24, 0, 0)
    assert types(r) == {
        "Response ID": "VARCHAR",
        "Date submitted": "DATE",
        "Name": "VARCHAR",
        nps: "BIGINT",
        "Score": "DOUBLE",
        "Order value (€)": "DOUBLE",
        "Comment": "VARCHAR",
    }
    data = columns(r)
    assert data["Name"][:3] == ["Zoë Dubois", "Jürgen Müller", "François Lefèvre"]
    assert data["Name"][4] == "Søren Østergaard"
    assert data["Date submitted"][:3] == [
        dt.date(2024, 1, 1),
        dt.date(2024, 2, 6),
        dt.date(2024, 3, 11),
    ]
    assert data["Date submitted"][8] == dt.date(2024, 9, 13)  # 13/09/2024: a day above 12
    assert data["Score"][:8] == [4.5, 2.0, 5.0, 2.0, 1.5, 2.0, None, 4.5]
    assert data["Order value (€)"][:3] == [1855.65, 2101.6, 390.57]  # "1.855,65"
    assert data[nps][:4] == [9, 10, 4, 10]
    assert data["Comment"][:5] == [
        "Très bien",
        "Zu teuer",
        None,
        "Schnelle Lieferung – gerne wieder",
        None,
    ]
    assert r.cell_issue_count == 1
    assert r.cell_issues == [
        {"line": 8, "column": "Score", "value": "k.A.", "reason": "Not a number; left empty."}
    ]
    assert r.notes[0] == "Read as semicolon-separated text in Windows-1252 encoding."
    assert "Read decimal commas in 'Score' as decimals." in r.notes
    assert "Read dates in 'Date submitted' as day/month/year." in r.notes
    assert "Left 1 value in 'Score' empty because it could not be read as a number." in r.notes


def test_bom_utf8_multiline_blank_rows_and_a_bad_row(results: dict[str, IngestResult]) -> None:
    r = results["bom_utf8_multiline.csv"]
    sat = "Overall, how satisfied are you with Acme?"
    assert (r.rows, r.blank_rows, r.rejected_rows) == (5, 3, 1)
    assert r.rejects == [{"line": 7, "reason": "The row has 7 fields but the header has 5."}]
    assert [c["name"] for c in r.columns][0] == "Respondent ID"  # no BOM in the name
    assert types(r) == {
        "Respondent ID": "BIGINT",
        "Start Date": "TIMESTAMP",
        "End Date": "TIMESTAMP",
        sat: "BIGINT",
        "What could we do better?": "VARCHAR",
    }
    data = columns(r)
    assert data["Respondent ID"] == [
        114238561001,
        114238561002,
        114238561003,
        114238561005,
        114238561006,
    ]
    assert data["Start Date"][:2] == [
        dt.datetime(2024, 3, 14, 9, 12, 1),
        dt.datetime(2024, 3, 14, 13, 2, 3),
    ]
    assert data[sat] == [5, 2, 3, 5, 1]
    assert data["What could we do better?"] == [
        "Nothing, it's great 🙂",
        'The export button is hidden.\nAlso, search is "slow".',
        "ログインが遅い",
        "Line one\nLine two\nLine three",
        "Crashed twice",
    ]
    assert r.notes[:3] == [
        "Read as comma-separated text in UTF-8 encoding with a byte-order mark.",
        "Skipped 3 blank rows.",
        "Could not read 1 row because it has the wrong number of fields (line 7).",
    ]
    assert "Read dates in 'Start Date' as month/day/year." in r.notes
    assert (
        f"Converted satisfaction labels in '{sat}' (Very dissatisfied … Very satisfied) to 1–5."
        in r.notes
    )


def test_tab_separated(results: dict[str, IngestResult]) -> None:
    r = results["tab_separated.tsv"]
    assert (r.source_format, r.rows) == ("tsv", 6)
    assert types(r) == {
        "#": "VARCHAR",
        "Participant": "VARCHAR",
        "Task": "VARCHAR",
        "Completed": "BOOLEAN",
        "Time on task (s)": "DOUBLE",
        "How easy was it to complete this task?": "BIGINT",
        "Submit Date (UTC)": "TIMESTAMP",
        "Network ID": "VARCHAR",
    }
    data = columns(r)
    assert data["Completed"] == [True, True, False, True, False, True]
    assert data["Time on task (s)"] == [55.2, 65.0, None, 75.5, 135.0, 45.75]
    assert data["How easy was it to complete this task?"] == [6, 5, 2, 7, 3, 6]
    assert data["Submit Date (UTC)"][0] == dt.datetime(2024, 3, 1, 10, 22, 13)
    assert data["Network ID"][0] == "a1b2c3e"
    assert r.notes == ["Read as tab-separated text in UTF-8 encoding."]


def test_likert_sus(results: dict[str, IngestResult]) -> None:
    r = results["likert_sus.csv"]
    assert [c["name"] for c in r.columns] == ["Participant ID", "Condition", *SUS]
    assert all(types(r)[s] == "BIGINT" for s in SUS)
    data = columns(r)
    answers = [[data[s][i] for s in SUS] for i in range(r.rows)]
    assert answers == [
        [5, 1, 5, 1, 4, 2, 5, 1, 5, 2],
        [4, 2, 4, 1, 4, 2, 4, 2, 4, 1],
        [3, 3, 3, 3, 3, 3, 3, 3, 3, 3],
        [2, 4, 2, 5, 2, 4, 2, 4, 1, 5],
        [4, 1, 5, 2, 5, 1, 4, 1, 4, 2],
        [5, 2, 4, 1, 3, 2, 5, 2, 5, 1],
    ]
    assert data["Condition"][:2] == ["Prototype A", "Prototype B"]
    for statement in SUS:
        assert (
            f"Converted agreement labels in '{statement}' (Strongly disagree … Strongly agree) "
            "to 1–5."
        ) in r.notes
    assert r.cell_issue_count == 0


def test_duplicate_headers(results: dict[str, IngestResult]) -> None:
    r = results["duplicate_headers.csv"]
    assert [(c["name"], c["source_name"], c["type"]) for c in r.columns] == [
        ("Customer ID", "Customer ID", "VARCHAR"),
        ("Score", "Score", "BIGINT"),
        ("Score_2", " Score ", "BIGINT"),
        ("Région", "Région", "VARCHAR"),
        ("Segment / Tier", "Segment / Tier", "VARCHAR"),
        ("ZIP", "ZIP", "VARCHAR"),
        ("score_3", "score", "BIGINT"),
        ("column_8", "", "VARCHAR"),
    ]
    data = columns(r)
    assert data["ZIP"] == ["02134", "10115", "00501", "90210"]
    assert data["Score_2"] == [8, 6, 10, 2]
    assert data["column_8"] == ["VIP", None, None, "churn risk"]
    assert "Renamed the second 'Score' column to 'Score_2'." in r.notes
    assert "Renamed the third 'score' column to 'score_3'." in r.notes
    assert "Named the unnamed column 8 'column_8'." in r.notes
    assert "Dropped 1 empty column without a name." in r.notes
    assert any("Kept 'ZIP' as text" in n for n in r.notes)


def test_quoted_numbers_yes_no(results: dict[str, IngestResult]) -> None:
    r = results["quoted_numbers_yes_no.csv"]
    t = types(r)
    assert [t[k] for k in ("Senior Citizen", "Churn Label", "Paperless Billing")] == ["BOOLEAN"] * 3
    assert [t[k] for k in ("Tenure in Months", "CLTV", "Churn Value", "Satisfaction Score")] == [
        "BIGINT"
    ] * 4
    assert (t["Monthly Charge"], t["Total Charges"], t["CustomerID"]) == (
        "DOUBLE",
        "DOUBLE",
        "VARCHAR",
    )
    data = columns(r)
    assert data["Churn Label"] == [False, False, True, False, True, False, False]
    assert data["Senior Citizen"] == [False, False, False, True, False, False, False]
    assert data["Paperless Billing"] == [True, False, True, False, True, True, False]
    assert data["Churn Value"] == [0, 0, 1, 0, 1, 0, 0]  # 1/0 stays numeric
    assert data["CLTV"] == [3239, 2701, 5372, 5003, 5340, 5433, 4913]
    assert data["Total Charges"] == [29.85, 1889.5, 108.15, 1840.75, 151.65, None, 301.9]
    assert data["Satisfaction Score"] == [3, 3, 1, 4, 2, 5, None]  # "NA"
    assert data["Churn Reason"][2:5] == ["Competitor made better offer", None, "Moved"]
    assert "Read commas in 'CLTV' as thousands separators." in r.notes
    assert r.cell_issue_count == 0


def test_qualtrics_extra_header_rows(results: dict[str, IngestResult]) -> None:
    r = results["qualtrics_three_header_rows.csv"]
    assert r.rows == 5
    data = columns(r)
    assert data["Q1"] == [10, 9, 6, 0, 8]
    assert data["Q2_1"] == [7, 6, 3, 1, 5]  # 7-point agreement
    assert data["Finished"] == [True, True, True, False, True]
    assert data["StartDate"][0] == dt.datetime(2024, 5, 1, 9, 12, 44)
    assert types(r)["Duration (in seconds)"] == "BIGINT"
    assert (
        "Skipped the two extra header rows Qualtrics adds (question text and import IDs)."
        in r.notes
    )
    assert (
        "Converted agreement labels in 'Q2_1' (Strongly disagree … Strongly agree) to 1–7."
    ) in r.notes


def test_xlsx_first_sheet(results: dict[str, IngestResult]) -> None:
    r = results["survey.xlsx"]
    q1 = "Q1 - How satisfied are you with Acme?"
    assert (r.source_format, r.rows, r.blank_rows) == ("xlsx", 4, 1)
    assert types(r) == {
        "Response ID": "VARCHAR",
        "Recorded Date": "DATE",
        q1: "BIGINT",
        "NPS": "BIGINT",
        "Duration (in seconds)": "DOUBLE",
        "Finished": "BOOLEAN",
        "Comments": "VARCHAR",
    }
    data = columns(r)
    assert data["Recorded Date"] == [dt.date(2024, 4, d) for d in (2, 3, 5, 6)]
    assert data[q1] == [5, 4, 3, 1]
    assert data["NPS"] == [10, 8, 6, None]
    assert data["Duration (in seconds)"] == [312.5, 120.0, 98.25, 45.0]
    assert data["Finished"] == [True, True, False, True]
    assert data["Comments"] == ["Love it", "Good\nbut slow", None, "Too pricey"]
    assert r.notes[0] == "Read the first sheet, 'Responses', of an Excel workbook with 2 sheets."


def test_typed_parquet_keeps_its_types(results: dict[str, IngestResult]) -> None:
    r = results["small.parquet"]
    assert (r.source_format, r.rows) == ("parquet", 4)
    assert types(r) == {
        "customer_id": "VARCHAR",
        "tenure_months": "INTEGER",
        "churned": "BOOLEAN",
        "monthly_charge": "DOUBLE",
        "signup_date": "DATE",
        "nps": "VARCHAR",  # text in the file, so text here: a typed file is not re-inferred
        "plan": "VARCHAR",
    }
    data = columns(r)
    assert data["nps"] == ["9", "10", "n/a", "6"]
    assert data["plan"] == ["Basic", "Pro", "Pro", " Basic"]  # text is kept as is


def test_all_text_parquet_is_inferred_like_a_csv(tmp_path: Path) -> None:
    src = tmp_path / "text.parquet"
    table = pa.table({"nps": ["9", "10", "n/a", "6"], "ok": ["yes", "no", "yes", ""]})
    pq.write_table(table, src)
    r = run(tmp_path, src.read_bytes(), name="in.parquet")
    assert types(r) == {"nps": "BIGINT", "ok": "BOOLEAN"}
    assert columns(r) == {"nps": [9, 10, None, 6], "ok": [True, False, True, None]}


def test_results_round_trip_and_leave_no_temporary_files(results: dict[str, IngestResult]) -> None:
    for r in results.values():
        again = IngestResult.from_dict(json.loads(json.dumps(r.to_dict())))
        assert again == r
        assert r.parquet_path.exists()
    folder = next(iter(results.values())).parquet_path.parent
    leftovers = [p.name for p in folder.iterdir() if ".tmp" in p.name or p.name.startswith(".")]
    assert leftovers == []


def test_generator_reproduces_committed_files(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("make_messy", MESSY / "make_messy.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main(tmp_path)
    for path in tmp_path.iterdir():
        committed = (MESSY / path.name).read_bytes()
        assert len(committed) < 50_000
        if path.suffix == ".xlsx":  # zip timestamps differ; compare the cells
            assert _cells(path) == _cells(MESSY / path.name)
        else:
            assert path.read_bytes() == committed, path.name


def _cells(path: Path) -> list[list[tuple]]:
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        return [list(ws.iter_rows(values_only=True)) for ws in wb.worksheets]
    finally:
        wb.close()


# --- errors, each one sentence, through the real worker --------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("empty.csv", None, "The file is empty."),
        ("whitespace.csv", b"  \r\n\n\t \n", "The file is empty."),
        ("header_only.csv", None, "The file has a header row but no data rows."),
        ("garbage.bin", None, BINARY),
        ("garbage.csv", bytes(range(256)) * 8, BINARY),
        (
            "not_a_table.json",
            None,
            "This file is not a table: it looks like JSON, and uxcx reads CSV, TSV, Excel or "
            "Parquet files.",
        ),
        (
            "page.csv",
            b"<!DOCTYPE html>\n<html><body><table><tr><td>1</td></tr></table></body></html>\n",
            "This file is not a table: it looks like a web page or XML document, and uxcx reads "
            "CSV, TSV, Excel or Parquet files.",
        ),
        (
            "notes.txt",
            b"Dear team, thanks for the call.\nWe agreed on three things: scope, budget.\n"
            b"Next, the timeline, which slips; again.\nRegards\nAnna, Ben, Carl, Dora, Emil\n"
            b"P.S. bring cake\n",
            "This file does not look like a table: uxcx could not find columns separated by "
            "commas, semicolons, tabs or |.",
        ),
        (
            "old.xls",
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600,
            "This looks like an old-style (.xls) or password-protected Excel workbook; save it "
            "as .xlsx or CSV without a password and upload that.",
        ),
        (
            "broken.parquet",
            b"PAR1" + b"\x01" * 100 + b"PAR1",
            "This Parquet file is damaged or incomplete, so uxcx could not read it.",
        ),
        (
            "rows_all_bad.csv",
            b"a,b,c\n1,2\n3\n",
            "None of the rows could be read: each has a different number of fields from the "
            "header row (the first is on line 2).",
        ),
    ],
)
def test_bad_inputs_give_one_friendly_sentence(
    tmp_path: Path, name: str, data: bytes | None, message: str
) -> None:
    src = MESSY / name if data is None else tmp_path / name
    if data is not None:
        src.write_bytes(data)
    dest = tmp_path / "out" / "x.parquet"
    with pytest.raises(IngestError) as info:
        ingest_file(src, dest)
    assert str(info.value) == message
    assert list(dest.parent.iterdir()) == []  # nothing half-written, no temp folders


def test_zip_that_is_not_a_workbook(tmp_path: Path) -> None:
    src = tmp_path / "export.zip"
    with zipfile.ZipFile(src, "w") as zf:
        zf.writestr("data.csv", "a,b\n1,2\n")
    with pytest.raises(IngestError, match="^This file is a ZIP archive"):
        ingest_file(src, tmp_path / "x.parquet")


def _parquet_bomb(claimed_rows: int) -> bytes:
    """A real 1,000-row Parquet file whose footer is patched to claim `claimed_rows` rows."""

    def varint(n: int) -> bytes:
        out = bytearray()
        while True:
            byte, n = n & 0x7F, n >> 7
            out.append(byte | (0x80 if n else 0))
            if not n:
                return bytes(out)

    buf = io.BytesIO()
    table = pa.table({"score": pa.array([7] * 1000, pa.int64())})
    pq.write_table(table, buf, write_statistics=False)
    data = buf.getvalue()
    footer_len = struct.unpack("<I", data[-8:-4])[0]
    footer = data[-8 - footer_len : -8]
    # Thrift compact protocol: 0x16 = "next field, i64", then a zig-zag varint. The file's,
    # the row group's and the column chunk's row counts all look like this.
    old = b"\x16" + varint(1000 << 1)
    assert footer.count(old) == 3
    footer = footer.replace(old, b"\x16" + varint(claimed_rows << 1))
    return data[: -8 - footer_len] + footer + struct.pack("<I", len(footer)) + b"PAR1"


def test_parquet_bomb_is_refused_before_reading(tmp_path: Path) -> None:
    src = tmp_path / "bomb.parquet"
    src.write_bytes(_parquet_bomb(10**13))
    assert src.stat().st_size < 1000
    assert pq.read_metadata(src).num_rows == 10**13
    with pytest.raises(IngestError) as info:
        ingest_file(src, tmp_path / "out" / "x.parquet")
    assert str(info.value) == (
        "This Parquet file says it would expand to 73 TB, more than the 2 GB uxcx allows."
    )
    # Without the footer check the worker still fails cleanly, and this process carries on.
    with pytest.raises(IngestError, match="^This Parquet file is damaged"):
        ingest_file(src, tmp_path / "out" / "x.parquet", max_expanded_mb=10**9)
    assert ingest_file(MESSY / "small.parquet", tmp_path / "out" / "x.parquet").rows == 4


def test_compressible_parquet_over_a_small_limit(tmp_path: Path) -> None:
    src = tmp_path / "repeated.parquet"
    pq.write_table(pa.table({"v": pa.array([0] * 5_000_000, pa.int64())}), src)
    assert src.stat().st_size < 100_000  # 40 MB of values in a tiny file
    with pytest.raises(IngestError) as info:
        ingest_file(src, tmp_path / "x.parquet", max_expanded_mb=10)
    assert str(info.value) == (
        "This Parquet file says it would expand to 38 MB, more than the 10 MB uxcx allows."
    )


def test_time_limit_grows_with_the_file(tmp_path: Path) -> None:
    from uxcx.ingest.supervisor import time_limit_s

    small = tmp_path / "small.csv"
    small.write_text("a\n1\n")
    assert time_limit_s(small) == 120.0
    big = tmp_path / "big.csv"
    with open(big, "wb") as f:
        f.truncate(300 << 20)  # sparse: 300 MB without writing them
    assert time_limit_s(big) == 420.0
    book = tmp_path / "book.xlsx"
    with open(book, "wb") as f:
        f.write(b"PK\x03\x04")
        f.truncate(10 << 20)
    assert time_limit_s(book) == 170.0


def test_timeout_kills_the_worker(tmp_path: Path) -> None:
    dest = tmp_path / "out" / "x.parquet"
    before = set(child_pids())
    with pytest.raises(IngestError) as info:
        ingest_file(MESSY / "likert_sus.csv", dest, timeout_s=0.01)
    assert str(info.value) == "Reading the file took longer than 0.01 seconds, so uxcx stopped."
    assert list(dest.parent.iterdir()) == []
    assert set(child_pids()) <= before  # killed and reaped, not left running


def test_memory_cap_stops_the_worker_not_the_parent(tmp_path: Path) -> None:
    dest = tmp_path / "out" / "x.parquet"
    with pytest.raises(IngestError) as info:
        ingest_file(MESSY / "likert_sus.csv", dest, memory_mb=150)
    assert str(info.value) == (
        "Reading the file needed more than the 150 MB of memory uxcx allows, so uxcx stopped."
    )
    assert list(dest.parent.iterdir()) == []
    assert ingest_file(MESSY / "likert_sus.csv", dest).rows == 6  # the parent is fine


@pytest.mark.parametrize(
    ("returncode", "stderr", "start"),
    [
        (-9, "", "Reading the file needed more than the 2 GB"),  # the kernel's OOM killer
        (-6, "terminate called after throwing an instance of 'std::bad_alloc'", "Reading the"),
        (1, "MemoryError", "Reading the file needed more"),
        (-11, "", "The file reader crashed, probably because reading the file needed more"),
        (1, "Traceback ... KeyError", "The file reader stopped unexpectedly"),
    ],
)
def test_worker_deaths_become_sentences(returncode: int, stderr: str, start: str) -> None:
    from uxcx.ingest.supervisor import _failure_sentence

    sentence = _failure_sentence(returncode, stderr, 2048)
    assert sentence.startswith(start)
    assert sentence.endswith(".") and "Traceback" not in sentence


def test_missing_source(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="^The file could not be found.$"):
        ingest_file(tmp_path / "nope.csv", tmp_path / "x.parquet")


# --- inference rules, in process -------------------------------------------------------------


def test_one_bad_value_in_twenty(tmp_path: Path) -> None:
    # 19 of 20 values are numbers: exactly 95%, enough for a type.
    body = "".join(f"{i}.5;t{i}\n" for i in range(19)) + "about 5;x\n"
    r = run(tmp_path, "Score;Other\n" + body)
    assert types(r) == {"Score": "DOUBLE", "Other": "VARCHAR"}
    assert r.cell_issues == [
        {"line": 21, "column": "Score", "value": "about 5", "reason": "Not a number; left empty."}
    ]
    two_bad = "".join(f"{i};x\n" for i in range(18)) + "a;x\nb;x\n"
    assert types(run(tmp_path, "Score;Other\n" + two_bad))["Score"] == "VARCHAR"


def test_missing_value_tokens_and_zero_one(tmp_path: Path) -> None:
    r = run(tmp_path, "a,b,c\n1,NA,yes\n0,N/A,no\n1,null,\n0,-,Y\n1,,n\n")
    assert types(r) == {"a": "BIGINT", "b": "VARCHAR", "c": "BOOLEAN"}
    data = columns(r)
    assert data == {"a": [1, 0, 1, 0, 1], "b": [None] * 5, "c": [True, False, None, True, False]}


def test_dates_day_first_unless_a_day_above_twelve_says_otherwise(tmp_path: Path) -> None:
    r = run(tmp_path, "d,e,f\n01/02/2024,02/13/2024,2024-03-01T10:00:00Z\n03/04/2024,12/01/2024,\n")
    data = columns(r)
    assert data["d"] == [dt.date(2024, 2, 1), dt.date(2024, 4, 3)]
    assert data["e"] == [dt.date(2024, 2, 13), dt.date(2024, 12, 1)]
    assert data["f"] == [dt.datetime(2024, 3, 1, 10, 0), None]
    assert (
        "Read dates in 'd' as day/month/year; no day above 12 showed which comes first." in r.notes
    )
    assert "Read dates in 'e' as month/day/year." in r.notes
    assert "Converted times with a time-zone offset in 'f' to UTC." in r.notes


def test_decimal_comma_only_when_comma_is_not_the_delimiter(tmp_path: Path) -> None:
    r = run(tmp_path, 'a,b\n"1,5",2\n"2,5",3\n')
    assert types(r)["a"] == "VARCHAR"  # "1,5" in a comma file may be a multi-select answer
    r = run(tmp_path, "a|b\n1,5|2\n2,5|3\n")
    assert columns(r)["a"] == [1.5, 2.5]


def test_seven_point_agreement_and_utf16_excel_text(tmp_path: Path) -> None:
    text = "Q\tR\nSomewhat agree\tx\nStrongly agree\ty\nneither agree nor disagree\tz\n"
    r = run(tmp_path, text.encode("utf-16"), name="unicode.txt")
    assert r.source_format == "tsv"
    assert columns(r)["Q"] == [5, 7, 4]
    assert r.notes[0] == "Read as tab-separated text in UTF-16 encoding."


def test_trailing_delimiters_and_extra_empty_fields_are_fine(tmp_path: Path) -> None:
    r = run(tmp_path, "a;b;c;\n1;2;3;\n4;5;6;;\n")
    assert (r.rows, r.rejected_rows) == (2, 0)
    assert [c["name"] for c in r.columns] == ["a", "b", "c"]


def test_excel_sep_line_and_title_lines_above_the_header(tmp_path: Path) -> None:
    r = run(tmp_path, "sep=;\r\nName;Score\r\nAnn;4,5\r\nBob;3\r\n")
    assert columns(r) == {"Name": ["Ann", "Bob"], "Score": [4.5, 3.0]}
    assert "Used the delimiter named on the first line (Excel's sep= line)." in r.notes
    r = run(tmp_path, "Satisfaction report\nExported 2024-05-01\n\nName,Score\nAnn,4\nBob,5\n")
    assert columns(r) == {"Name": ["Ann", "Bob"], "Score": [4, 5]}
    assert "Skipped 2 title lines above the header row." in r.notes


def test_unclosed_quote_is_reported_not_swallowed(tmp_path: Path) -> None:
    r = run(tmp_path, 'a,b\n1,2\n3,"never closed\n5,6\n7,8\n')
    message = 'A quote (") opened on line 3 is never closed, so lines 3–5 could not be read.'
    assert (r.rows, r.rejected_rows) == (1, 1)
    assert r.rejects == [{"line": 3, "reason": message}]
    assert message in r.notes


# --- DuckDB's reader for large plain files, and falling back from it -------------------------


def both_readers(tmp_path: Path, data: bytes | str) -> tuple[object, object]:
    """Convert the same bytes with the fast path allowed and forced off: result or error text."""
    src = tmp_path / "in.csv"
    src.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    outcomes = []
    for fast in (True, False):
        work = tmp_path / ("fast" if fast else "slow")
        work.mkdir(exist_ok=True)
        try:
            r = convert(src, work / "out.parquet", work_dir=work, fast=fast)
        except IngestError as exc:
            outcomes.append(str(exc))
        else:
            outcomes.append(r)
    return outcomes[0], outcomes[1]


def assert_same_meaning(fast: object, slow: object) -> None:
    """Everything but the reader note and the output path is identical."""
    if isinstance(slow, str):
        assert fast == slow
        return
    assert isinstance(fast, IngestResult) and isinstance(slow, IngestResult)
    assert FAST_NOTE not in slow.notes
    assert [n for n in fast.notes if n != FAST_NOTE] == slow.notes
    for attr in ("rows", "rejected_rows", "rejects", "blank_rows", "columns", "cell_issues"):
        assert getattr(fast, attr) == getattr(slow, attr), attr
    assert fast.cell_issue_count == slow.cell_issue_count
    assert nullable(pq.read_table(fast.parquet_path)).equals(
        nullable(pq.read_table(slow.parquet_path))
    )


def nullable(table: pa.Table) -> pa.Table:
    """The same table with every field nullable.

    DuckDB marks a Parquet column REQUIRED when its statistics prove no nulls, which depends on
    how the rows were staged, not on the values; uxcx never reads the flag.
    """
    schema = pa.schema([f.with_nullable(True) for f in table.schema])
    return table.cast(schema)


def big_survey(rows: int, bad_line: str | None = None, at: int = 0) -> str:
    """A clean survey export (~38 bytes a row) with NA tokens, quotes and a few bad values."""
    plans = ["Basic", "Pro", '"Pro, annual"', '"Say ""hi"""', "Enterprise"]
    nps = [str(i) for i in range(11)] + ["NA", "", "n/a"]
    lines = ["\ufeffid,date,plan,NPS,ok,score\r\n"]
    for i in range(rows):
        if bad_line is not None and i == at:
            lines.append(bad_line + "\r\n")
        lines.append(
            f"{i},2024-{i % 12 + 1:02d}-{i % 28 + 1:02d},{plans[i % 5]},"
            f"{'ten' if i % 97 == 50 else nps[i % 14]},"
            f"{'yes' if i % 3 else 'no'},{i % 7}.5\r\n"
        )
    return "".join(lines)


def test_large_clean_file_is_read_by_duckdb_with_the_same_result(tmp_path: Path) -> None:
    text = big_survey(250_000)
    assert len(text.encode()) > stage_fast.FAST_MIN_BYTES
    fast, slow = both_readers(tmp_path, text)
    assert isinstance(fast, IngestResult) and FAST_NOTE in fast.notes
    assert_same_meaning(fast, slow)
    assert fast.rows == 250_000 and fast.cell_issue_count > 0
    assert fast.cell_issues[0] == {
        "line": 52,  # data row 51 says "ten"
        "column": "NPS",
        "value": "ten",
        "reason": "Not a number; left empty.",
    }
    # The worker, under its memory cap, takes the same path.
    r = ingest_file(tmp_path / "in.csv", tmp_path / "worker.parquet")
    assert FAST_NOTE in r.notes and r.rows == 250_000


def test_large_file_with_a_ragged_row_falls_back_and_names_its_line(tmp_path: Path) -> None:
    text = big_survey(240_000, bad_line="1,2024-01-01,Pro,9", at=230_000)
    assert len(text.encode()) > stage_fast.FAST_MIN_BYTES
    r = run(tmp_path, text)
    assert FAST_NOTE not in r.notes
    assert (r.rows, r.rejected_rows) == (240_000, 1)
    assert r.rejects == [{"line": 230_002, "reason": "The row has 4 fields but the header has 6."}]


@pytest.mark.parametrize(
    ("text", "fast_path"),
    [
        ("a,b\n1,2\n3,4\n", True),
        ('\ufeffa;b\r\n1,5;x\r\n2;"y;z"\r\n', True),
        ('a\tb\n1\t"q""uote"\nNA\t 2\n', True),
        ("a|b|\n1|2|\n3|4|\n", True),  # an unnamed empty last column
        ("only\n1\n2", True),  # single column, no newline at the end
        ("a,b\n1,2\n3\n4,5\n", False),  # short row
        ("a,b\n1,2\n3,4,5\n6,7\n", False),  # long row
        ("a,b\n1,2\n3,4,,\n", True),  # extra empty fields: both readers drop them
        ("a,b\n1,2\n3,4, \n", False),  # an extra field of spaces: DuckDB refuses it
        ("a,b\n1,2\n\n3,4\n", False),  # blank line
        ("a,b\n1,2\n,\n3,4\n", False),  # a row of only delimiters
        ("a,b\n1,2\nNA,-\n3,4\n", False),  # a row of only missing-value tokens
        ("a,b\n1,2\n3,4\n\n\n", False),  # trailing blank lines
        ('a,b\n1,"two\nlines"\n3,4\n', False),  # line break inside quotes
        ('"a\nb",c\nx"y,z\n1,2\n', False),  # line break inside the header
        ('a,b\n1, "x"\n3,"y" \n', False),  # spaces around quotes
        ('a,b\n1,"say ""hi"" now"\n3,x "y" z\n', True),  # spaces inside quotes are fine
        ("a,b\r1,2\r3,4\r", False),  # old Mac line ends
        ('a,b\n1,"x"y\n3,4\n', False),  # text after a closing quote
        ('a,b\n1,"never closed\n3,4\n', False),
        ("a,b\n", False),  # header only
    ],
)
def test_fast_path_only_when_certain(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, fast_path: bool
) -> None:
    monkeypatch.setattr(stage_fast, "FAST_MIN_BYTES", 0)
    fast, slow = both_readers(tmp_path, text)
    assert (isinstance(fast, IngestResult) and FAST_NOTE in fast.notes) == fast_path
    assert_same_meaning(fast, slow)


@settings(max_examples=40, deadline=None, derandomize=True)
@given(
    cells=st.lists(
        st.lists(st.text(alphabet='a1 ,;|\t"\r\nNA-é', max_size=5), min_size=1, max_size=3),
        min_size=2,
        max_size=6,
    ),
    delimiter=st.sampled_from([",", ";", "\t", "|"]),
    quoting=st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL, csv.QUOTE_NONE]),
)
def test_fast_and_python_readers_agree(
    cells: list[list[str]], delimiter: str, quoting: int
) -> None:
    if quoting == csv.QUOTE_NONE:
        text = "\n".join(delimiter.join(row) for row in cells) + "\n"
    else:
        buf = io.StringIO()
        csv.writer(buf, delimiter=delimiter, quoting=quoting, lineterminator="\n").writerows(
            [["h" + c for c in cells[0]], *cells[1:]]
        )
        text = buf.getvalue()
    with pytest.MonkeyPatch.context() as mp, tempfile.TemporaryDirectory() as tmp:
        mp.setattr(stage_fast, "FAST_MIN_BYTES", 0)
        fast, slow = both_readers(Path(tmp), text)
        assert_same_meaning(fast, slow)


# --- property: random tables survive any delimiter and encoding ------------------------------

AGREEMENT = ["Strongly disagree", "Disagree", "Neutral", "Agree", "Strongly agree"]
KINDS = {
    "int": st.integers(-(10**6), 10**6),
    "float": st.floats(-1e5, 1e5, allow_nan=False).map(lambda x: round(x, 2)),
    # A leading "v" keeps text from looking like a number, date, yes/no or missing value.
    "text": st.text(alphabet="abcxyzéüøß ,;|\t\"'\n", max_size=10).map(lambda s: "v" + s),
    "bool": st.sampled_from(["Yes", "No", "yes", "NO", "TRUE", "false", "y", "N"]),
    "date": st.dates(dt.date(1900, 1, 1), dt.date(2100, 12, 31)),
    "likert": st.sampled_from(AGREEMENT).flatmap(
        lambda label: st.sampled_from([label, label.lower(), label.upper(), f" {label} "])
    ),
}
MISSING = st.sampled_from(["", "NA", "n/a", "null", "-", " "])


@st.composite
def tables(draw: st.DrawFn) -> tuple[list[str], list[list]]:
    """Column kinds and rows; None marks a missing value, written as one of MISSING."""
    kinds = draw(st.lists(st.sampled_from(sorted(KINDS)), min_size=1, max_size=4))
    n = draw(st.integers(1, 6))
    cols = [
        draw(
            st.lists(
                st.one_of(KINDS[k], st.none()) if k != "text" else KINDS[k], min_size=n, max_size=n
            )
        )
        for k in kinds
    ]
    rows = [list(r) for r in zip(*cols, strict=True)]
    assume(any(v is not None for v in rows[-1]))  # a blank last row is trailing, not data
    return kinds, rows


def _expected(kind: str, value: object) -> object:
    if value is None:
        return None
    if kind == "bool":
        return str(value).lower() in ("yes", "true", "y")
    if kind == "likert":
        return AGREEMENT.index(str(value).strip().capitalize()) + 1
    if kind == "float":
        return float(f"{value:.2f}")
    return value


@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    table=tables(),
    delimiter=st.sampled_from([",", ";", "\t", "|"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"]),
    quoting=st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]),
    newline=st.sampled_from(["\n", "\r\n"]),
    missing=MISSING,
)
def test_round_trip(
    table: tuple[list[str], list[list]],
    delimiter: str,
    encoding: str,
    quoting: int,
    newline: str,
    missing: str,
) -> None:
    kinds, rows = table
    header = [f"Q{i} é" for i in range(len(kinds))]

    def cell(kind: str, value: object) -> str:
        if value is None:
            return missing
        if kind == "float":
            text = f"{value:.2f}"
            return text.replace(".", ",") if delimiter != "," else text
        return str(value)

    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, quoting=quoting, lineterminator=newline)
    writer.writerow(header)
    writer.writerows([[cell(k, v) for k, v in zip(kinds, row, strict=True)] for row in rows])
    # Only rows with nothing in them are blank; a row of "NA"s is a respondent who skipped all.
    data_rows = [row for row in rows if missing.strip() or any(v is not None for v in row)]
    with tempfile.TemporaryDirectory() as tmp:
        r = run(Path(tmp), buf.getvalue().encode(encoding))
        data = columns(r)
    assert (r.rows, r.rejected_rows, r.cell_issue_count) == (len(data_rows), 0, 0)
    assert r.blank_rows == len(rows) - len(data_rows)
    for i, (name, kind) in enumerate(zip(header, kinds, strict=True)):
        want = [_expected(kind, row[i]) for row in data_rows]
        if kind == "float":
            got = data[name]
            assert [g is None for g in got] == [w is None for w in want]
            assert all(math.isclose(g, w) for g, w in zip(got, want, strict=True) if w is not None)
        else:
            assert data[name] == want, (kind, data[name], want)


def test_one_column_of_values_ending_in_a_semicolon_stays_one_column(tmp_path):
    # Found by the round-trip property: ";" only at the end of values is not a delimiter.
    r = run(tmp_path, "Q0 é\nv;\nv;\n".encode())
    assert r.rows == 2 and [c["name"] for c in r.columns] == ["Q0 é"]
    assert columns(r)["Q0 é"] == ["v;", "v;"]


def test_worker_env_is_an_allow_list(monkeypatch):
    from uxcx.ingest.supervisor import _worker_env

    monkeypatch.setenv("OIDC_CLIENT_SECRET", "s3cret")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "s3cret")
    env = _worker_env()
    assert "s3cret" not in env.values()
    assert env["PATH"] and env["MALLOC_ARENA_MAX"] == "2" and env["PYTHONPATH"]


def test_a_file_past_the_write_limit_gets_a_sentence(tmp_path, monkeypatch):
    # RLIMIT_FSIZE stands in for a full disk: the worker says so and nothing is left behind.
    monkeypatch.setenv("UXCX_INGEST_MAX_FILE_MB", "1")
    src = tmp_path / "big.csv"
    rows = "".join(f"{i},{os.urandom(100).hex()}\n" for i in range(40_000))  # incompressible
    src.write_text("a,b\n" + rows)
    with pytest.raises(IngestError, match="of disk uxcx allows"):
        ingest_file(src, tmp_path / "out" / "big.parquet")
    assert not (tmp_path / "out" / "big.parquet").exists()
    assert [p.name for p in (tmp_path / "out").iterdir()] == []


def test_workers_are_bounded_server_wide_and_queue_in_order():
    import threading
    import time

    from uxcx.ingest.supervisor import WorkerSlots

    slots = WorkerSlots(1)
    seen: list[int] = []
    order: list[str] = []
    with slots.slot():
        t = threading.Thread(
            target=lambda: slots.slot(seen.append).__enter__() or order.append("b")
        )
        t.start()
        time.sleep(0.3)
        assert order == [] and seen and seen[0] == 1  # waiting, first in line
        order.append("a")
    t.join(5)
    assert order == ["a", "b"]


def test_cli_reads_small_files_in_process_and_the_server_never(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from uxcx.ingest import allow_in_process, supervisor

    worker_result = ingest_file(MESSY / "likert_sus.csv", tmp_path / "w" / "x.parquet")

    def no_worker(*args: object, **kwargs: object) -> None:
        raise AssertionError("a worker process was started")

    with monkeypatch.context() as mp:
        mp.setattr(supervisor.subprocess, "Popen", no_worker)
        with allow_in_process():
            here = ingest_file(MESSY / "likert_sus.csv", tmp_path / "h" / "x.parquet")
        with pytest.raises(AssertionError, match="worker process"):
            ingest_file(MESSY / "likert_sus.csv", tmp_path / "s" / "x.parquet")
        with (
            allow_in_process(max_bytes=10, any_size_text=False),
            pytest.raises(AssertionError, match="worker"),
        ):
            ingest_file(MESSY / "likert_sus.csv", tmp_path / "b" / "x.parquet")
        # Text and Parquet at any size; a workbook over the size keeps the worker.
        with allow_in_process(max_bytes=10):
            ingest_file(MESSY / "likert_sus.csv", tmp_path / "t" / "x.parquet")
            ingest_file(MESSY / "small.parquet", tmp_path / "p" / "x.parquet")
            with pytest.raises(AssertionError, match="worker"):
                ingest_file(MESSY / "survey.xlsx", tmp_path / "x" / "x.parquet")
    assert here.parquet_path == tmp_path / "h" / "x.parquet" and here.parquet_path.exists()
    assert {**here.to_dict(), "parquet_path": ""} == {**worker_result.to_dict(), "parquet_path": ""}
    assert list((tmp_path / "h").iterdir()) == [here.parquet_path]
