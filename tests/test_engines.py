"""The engine's two ways of returning a result: Arrow (charts, frames) and dicts (aggregates)."""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from uxcx.engines import QueryError, QueryTimeout
from uxcx.engines.duckdb import DuckDBEngine

ROOT = Path(__file__).resolve().parents[1]

# Every type the metric, profile and description queries select.
TYPES = """
SELECT sum(x) AS s_int, sum(x::DOUBLE) AS s_dbl, avg(x) AS a, count(*) AS c,
       sum(x::DECIMAL(10, 2)) AS s_dec, min(x)::DOUBLE AS mn, bool_and(x >= 0) AS b,
       approx_top_k(x::VARCHAR, 2) AS top, list(x ORDER BY x) AS xs, {'k': 1} AS st,
       DATE '2024-01-02' AS d, TIMESTAMP '2024-01-02 03:04:05' AS ts, 'text' AS v, NULL AS nothing,
       'nan'::DOUBLE AS nan, 'inf'::DOUBLE AS inf, (max(x) % 2)::UBIGINT AS ub
FROM range(5) t(x) WHERE x < ?
"""


def test_rows_are_arrows_values_with_integer_sums_as_int(tmp_path):
    engine = DuckDBEngine(tmp_path)
    rows = engine.rows(TYPES, [10])
    arrow = engine.query(TYPES, [10]).to_pylist()
    assert list(rows[0]) == list(arrow[0])  # the same columns in the same order
    for key, value in rows[0].items():
        other = arrow[0][key]
        if key == "s_int":
            # DuckDB's sum of integers is a HUGEINT: Arrow says Decimal('10'), rows say 10 (as
            # Spark does), which mixes with floats in the estimators.
            assert value == 10 and type(value) is int and other == Decimal(10)
        elif key == "nan":
            assert value != value and other != other
        else:
            assert value == other and type(value) is type(other), key


def test_rows_of_an_empty_result_and_many_rows(tmp_path):
    engine = DuckDBEngine(tmp_path)
    assert engine.rows("SELECT 1 AS a WHERE false") == []
    got = engine.rows("SELECT range AS i, range * 2 AS j FROM range(3000)")
    assert got == engine.query("SELECT range AS i, range * 2 AS j FROM range(3000)").to_pylist()


def test_rows_keep_the_time_limit_and_the_sentences(tmp_path):
    engine = DuckDBEngine(tmp_path, timeout_s=0.3)
    with pytest.raises(QueryTimeout):
        engine.rows("SELECT count(*) FROM range(100000000) a, range(100000000) b")
    with pytest.raises(QueryError) as e:
        engine.rows("SELECT no_such_column FROM range(1)")
    assert str(e.value).startswith("The database could not compute this")
    assert engine.rows("SELECT 41 + ? AS x", [1]) == [{"x": 42}]


def test_metrics_on_a_small_file_never_import_pyarrow():
    """pyarrow (~0.2 s to import) is for charts: the CLI's metrics path reads plain rows."""
    code = (
        "import sys; from uxcx.cli import main; "
        "rc = main(['metrics', 'sample_data/customers.csv', '--by', 'plan', '--format', 'json']); "
        "print('pyarrow' in sys.modules, 'numpy' in sys.modules, rc, file=sys.stderr)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert out.stderr.strip().splitlines()[-1] == "False False 0"
