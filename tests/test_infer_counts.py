"""The sample's parse counts, stacked (one regex set for all columns), equal the per-column query."""

from __future__ import annotations

import duckdb
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from uxcx.ingest.infer import Column, found_in, parse_counts

# Cells of every kind the counts tell apart: numbers both ways, codes, dates and times in three
# orders, yes/no, Likert and satisfaction labels, money, percentages, NA tokens and blanks.
CELLS = [
    "1", "42", "-3", "007", "1234567890123456", "3.5", "1,5", "1.234,50", "1,234.50", "2024-01-31",
    "2024-01-31 10:00:00", "2024-01-31T10:00:00+02:00", "31/01/2024", "01/31/2024 10:00",
    "31.01.2024", "yes", "No", "TRUE", "f", "Strongly agree", "Neutral", "Somewhat disagree",
    "Very satisfied", "Dissatisfied", "$1,234.50", "1.234,50 €", "(12.00)", "12%", "3,5 %",
    "n/a", "NA", "", "  ", "-", "#DIV/0!", "abc", "Pro plan", "ÄÖÜ", "x,y", "1e5", "inf",
]  # fmt: skip


def _per_column_and_stacked(columns: list[list[str | None]], decimal_comma: bool):
    con = duckdb.connect()
    names = [f"c{i}" for i in range(len(columns))]
    rows = list(zip(*columns, strict=True))
    con.execute(f"CREATE TABLE s ({', '.join(f'{n} VARCHAR' for n in names)})")
    con.executemany(f"INSERT INTO s VALUES ({', '.join('?' for _ in names)})", rows)
    source = f"(SELECT 0 AS __line, {', '.join(names)} FROM s)"
    cols = [Column(n, raw=n, raw_type="VARCHAR", name=n, nulls_done=True) for n in names]
    found = {
        n: found_in([v.strip() for v in col if v is not None])
        for n, col in zip(names, columns, strict=True)
    }
    # Found by Python, counted stacked; and probed and counted by DuckDB one column at a time.
    stacked = parse_counts(con, source, cols, decimal_comma, found=found)
    per_column = parse_counts(con, source, cols, decimal_comma, probe=True)
    return stacked, per_column


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.integers(1, 6).flatmap(
        lambda k: st.integers(1, 30).flatmap(
            lambda n: st.lists(
                st.lists(st.none() | st.sampled_from(CELLS), min_size=n, max_size=n),
                min_size=k,
                max_size=k,
            )
        )
    ),
    st.booleans(),
)
def test_stacked_counts_equal_per_column_counts(columns, decimal_comma):
    stacked, per_column = _per_column_and_stacked(columns, decimal_comma)
    assert stacked == per_column


def test_a_column_of_only_nulls_counts_nothing():
    stacked, per_column = _per_column_and_stacked([[None, None], ["1", "2"]], False)
    assert stacked == per_column
    assert stacked["c0"]["n"] == 0 and stacked["c1"]["n"] == 2 and stacked["c1"]["dot_int"] == 2
