"""Dataset descriptions: segment values, date bounds, the quality report, scale warnings, preview.

Datasets are assembled by hand (Parquet written with pyarrow plus a manifest entry), so these tests
do not depend on the ingest worker.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from uxcx.describe import (
    date_bounds,
    preview,
    quality_report,
    scale_warnings,
    segment_columns,
    segment_values,
)
from uxcx.engines.duckdb import DuckDBEngine
from uxcx.roles import RoleMap
from uxcx.store import Dataset, TableEntry


@pytest.fixture(scope="module")
def engine(tmp_path_factory) -> DuckDBEngine:
    return DuckDBEngine(tmp_path_factory.mktemp("ws"))


def make_dataset(engine: DuckDBEngine, name: str, tables: dict[str, tuple[dict, RoleMap]]):
    """A dataset under the engine's workspace with one Parquet file per table."""
    root = Path(engine.workspace) / name
    (root / "tables").mkdir(parents=True, exist_ok=True)
    entries = []
    for tname, (data, roles) in tables.items():
        path = root / "tables" / f"{tname}.parquet"
        pq.write_table(pa.table(data), path)
        rows = engine.query(f"DESCRIBE SELECT * FROM {engine.source(path)}").to_pylist()
        entries.append(
            TableEntry(
                name=tname,
                file=f"{tname}.csv",
                parquet=f"tables/{tname}.parquet",
                rows=len(next(iter(data.values()))),
                rejected_rows=0,
                columns={r["column_name"]: r["column_type"] for r in rows},
                roles=roles,
                detected_roles=roles,
            )
        )
    created = "2025-01-01T00:00:00+00:00"
    return Dataset(id=name, name=name, created=created, tables=entries, root=root)


def by_column(report):
    return {(q.table, q.column): q for q in report}


def test_quality_counts_missing_and_out_of_scale(engine):
    ds = make_dataset(
        engine,
        "messy",
        {
            "survey": (
                {
                    "nps": [0, 5, 10, 11, None, 7, -1],
                    "csat": [1, 5, 3, 2, 6, None, 4.5],
                    "plan": ["Basic", "Pro", None, "Pro", "Pro", "Basic", "Basic"],
                    "churned": ["yes", "no", "maybe", None, "yes", "no", "no"],
                    "when": [
                        "2025-01-03",
                        "2025-02-10",
                        "not a date",
                        None,
                        "2025-03-01",
                        "2025-03-02",
                        "2025-03-03",
                    ],
                },
                {
                    "nps_score": "nps",
                    "csat_score": "csat",
                    "segment": ["plan"],
                    "churned": "churned",
                    "date": "when",
                },
            )
        },
    )
    q = by_column(quality_report(engine, ds))
    nps = q[("survey", "nps")]
    assert (nps.rows, nps.missing, nps.out_of_scale) == (7, 1, 2)
    assert sorted(nps.examples) == ["-1", "11"]
    assert nps.role == "nps_score"
    assert nps.expected == "whole numbers 0–10"
    csat = q[("survey", "csat")]
    # 6 is above the scale and 4.5 is not a whole number.
    assert (csat.missing, csat.out_of_scale) == (1, 2)
    assert sorted(csat.examples) == ["4.5", "6.0"]
    churned = q[("survey", "churned")]
    assert (churned.missing, churned.out_of_scale, churned.examples) == (1, 1, ["maybe"])
    assert churned.expected == "yes/no or 1/0"
    when = q[("survey", "when")]
    assert (when.out_of_scale, when.examples, when.expected) == (1, ["not a date"], "a date")
    plan = q[("survey", "plan")]
    assert (plan.missing, plan.out_of_scale, plan.expected) == (1, 0, "")


def test_quality_of_column_without_role_only_counts_missing(engine):
    ds = make_dataset(engine, "norole", {"t": ({"x": [1, None, 99]}, {})})
    (x,) = quality_report(engine, ds)
    assert (x.role, x.missing, x.out_of_scale, x.examples, x.expected) == (None, 1, 0, [], "")


def test_sus_item_of_six_is_out_of_scale(engine):
    data = {f"q{i}": [3, 3, 3] for i in range(1, 11)}
    data["q4"] = [3, 6, 0]
    roles: RoleMap = {f"sus_q{i}": f"q{i}" for i in range(1, 11)}
    ds = make_dataset(engine, "sus", {"ux": (data, roles)})
    q = by_column(quality_report(engine, ds))
    assert q[("ux", "q4")].out_of_scale == 2
    assert sorted(q[("ux", "q4")].examples) == ["0", "6"]
    assert q[("ux", "q1")].out_of_scale == 0
    msgs = scale_warnings(quality_report(engine, ds), engine, ds)
    assert len(msgs) == 1
    assert "'q4'" in msgs[0] and "2 value(s) outside whole numbers 1–5" in msgs[0]
    assert "not clipped" in msgs[0]


def test_examples_are_capped_at_five(engine):
    ds = make_dataset(engine, "many", {"t": ({"n": list(range(20, 40))}, {"nps_score": "n"})})
    (n,) = quality_report(engine, ds)
    assert n.out_of_scale == 20
    assert len(n.examples) == 5


def test_nps_asked_on_one_to_ten_is_flagged(engine):
    scores = [1 + (i % 10) for i in range(120)]  # 1..10, never 0, with a real share of 1s
    ds = make_dataset(engine, "nps110", {"cx": ({"ltr": scores}, {"nps_score": "ltr"})})
    msgs = scale_warnings(quality_report(engine, ds), engine, ds)
    assert len(msgs) == 1
    assert "1–10" in msgs[0] and "'ltr'" in msgs[0]


def test_nps_on_zero_to_ten_or_small_sample_is_not_flagged(engine):
    roles = {"nps_score": "s"}
    ok = make_dataset(engine, "nps010", {"cx": ({"s": [i % 11 for i in range(40)]}, roles)})
    few = make_dataset(engine, "npsfew", {"cx": ({"s": [1 + i % 10 for i in range(20)]}, roles)})
    # A 0–10 question where nobody happened to answer 0 has very few 1s: no warning.
    skewed = [10] * 150 + [9] * 40 + [5] * 8 + [1]
    rare = make_dataset(engine, "nps_rare1", {"cx": ({"s": skewed + [10]}, roles)})
    for ds in (ok, few, rare):
        assert scale_warnings(quality_report(engine, ds), engine, ds) == []


def test_segments_and_date_bounds(engine):
    ds = make_dataset(
        engine,
        "segs",
        {
            "a": (
                {
                    "plan": ["Pro", "Pro", "Basic", None],
                    "d": ["2025-01-05", "2025-02-01", "2024-12-31", None],
                },
                {"segment": ["plan"], "date": "d"},
            ),
            "b": (
                {
                    "plan": ["Basic", "Basic", "Basic"],
                    "region": ["EMEA", "APAC", "EMEA"],
                    "s": [dt.date(2024, 6, 1), dt.date(2025, 3, 1), dt.date(2025, 1, 1)],
                },
                {"segment": ["plan", "region"], "signup_date": "s"},
            ),
        },
    )
    assert segment_columns(ds) == ["plan", "region"]
    vals = segment_values(engine, ds)
    # Counts add up across tables: Basic 4, Pro 2.
    assert vals == {"plan": ["Basic", "Pro"], "region": ["EMEA", "APAC"]}
    assert date_bounds(engine, ds) == (dt.date(2024, 6, 1), dt.date(2025, 3, 1))


def test_date_bounds_none_without_dates(engine):
    ds = make_dataset(engine, "nodates", {"t": ({"x": [1, 2]}, {})})
    assert date_bounds(engine, ds) is None


def test_preview_limits_rows_and_keeps_order(engine):
    ds = make_dataset(engine, "prev", {"t": ({"i": list(range(250))}, {})})
    tbl = preview(engine, ds, "t", 100)
    assert tbl.num_rows == 100
    assert tbl.column("i").to_pylist() == list(range(100))


def test_quoted_column_names_are_safe(engine):
    odd = 'How likely… "really"?'
    ds = make_dataset(engine, "quotes", {"t": ({odd: [3, 12, None]}, {"nps_score": odd})})
    (q,) = quality_report(engine, ds)
    assert (q.column, q.missing, q.out_of_scale, q.examples) == (odd, 1, 1, ["12"])


def test_unbounded_numeric_role_expected_text(engine):
    ds = make_dataset(engine, "clv", {"c": ({"clv": ["12.5", "n/a", None]}, {"clv": "clv"})})
    (q,) = quality_report(engine, ds)
    assert q.out_of_scale == 1 and q.examples == ["n/a"]
    assert q.expected == "a number"
