"""SQL snapshots for every metric, the chart distributions and the cohort matrix (one fixture).

A change to the compiler or a dialect shows up here as a readable diff of the generated SQL; the
retention queries are snapshot-tested in test_retention.py through the same `snapshot` fixture.
"""

from __future__ import annotations

import datetime as dt

import pytest

from tests.helpers import RecordingEngine, parquet_table
from uxcx import distributions as D
from uxcx.engines.duckdb import DuckDBEngine
from uxcx.metrics import METRICS
from uxcx.sql import Filters, Missing, TableInfo, compile_metric

SUS = {f"sus_q{i}": f"Item {i}" for i in range(1, 11)}


def _t(name: str, columns: dict[str, str], roles: dict, unique: bool = False) -> TableInfo:
    return TableInfo(name, f"read_parquet('/ws/ds/tables/{name}.parquet')", columns, roles, unique)


TABLES = [
    _t("ux_survey",
       {"cid": "VARCHAR", "date": "DATE", "LTR app": "BIGINT", "stars": "VARCHAR",
        **{v: "BIGINT" for v in SUS.values()}},
       {"customer_id": "cid", "date": "date", "product_nps_score": "LTR app",
        "app_rating": "stars", **SUS}),
    _t("tasks",
       {"cid": "VARCHAR", "date": "DATE", "task": "VARCHAR", "ok": "BOOLEAN", "secs": "DOUBLE",
        "errors": "BIGINT"},
       {"customer_id": "cid", "date": "date", "task_id": "task", "task_success": "ok",
        "time_on_task": "secs", "error_count": "errors"}),
    _t("sessions", {"cid": "VARCHAR", "date": "DATE", "bounced": "VARCHAR", "conv": "BIGINT"},
       {"customer_id": "cid", "date": "date", "bounced": "bounced", "converted": "conv"}),
    _t("cx_survey", {"cid": "VARCHAR", "date": "DATE", "ltr": "DOUBLE", "sat": "VARCHAR",
                     "effort": "BIGINT"},
       {"customer_id": "cid", "date": "date", "nps_score": "ltr", "csat_score": "sat",
        "ces_score": "effort"}),
    _t("customers", {"cid": "VARCHAR", "plan": "VARCHAR", "left": "VARCHAR", "value": "DOUBLE",
                     "since": "DATE"},
       {"customer_id": "cid", "segment": ["plan"], "churned": "left", "clv": "value",
        "signup_date": "since"}, unique=True),
]  # fmt: skip

FILTERED = Filters(dt.date(2025, 1, 1), dt.date(2025, 6, 30), {"plan": ["Pro"]})


@pytest.mark.parametrize("metric", METRICS, ids=lambda m: m.id)
def test_every_metric_overall(metric, snapshot):
    q = compile_metric(metric, TABLES)
    assert not isinstance(q, Missing), q
    snapshot(f"{q.sql}\n-- params: {q.params!r}\n", f"metrics/{metric.id}.sql")


@pytest.mark.parametrize("metric", METRICS, ids=lambda m: m.id)
def test_every_metric_by_plan_and_month_filtered(metric, snapshot):
    q = compile_metric(metric, TABLES, by="plan", grain="month", filters=FILTERED)
    assert not isinstance(q, Missing), q
    snapshot(f"{q.sql}\n-- params: {q.params!r}\n", f"metrics/{metric.id}_by_plan_month.sql")


@pytest.fixture
def recorded(tmp_path) -> tuple[RecordingEngine, list[TableInfo]]:
    """A tiny real dataset behind an engine that records the SQL it runs."""
    engine = DuckDBEngine(tmp_path)
    d = dt.date
    ux = parquet_table(
        engine,
        "ux",
        {
            "cid": ["A", "B"],
            "date": [d(2024, 1, 5), d(2024, 2, 6)],
            **{v: [3, 4] for v in SUS.values()},
        },
        {"customer_id": "cid", "date": "date", **SUS},
    )
    cx = parquet_table(
        engine,
        "cx",
        {"cid": ["A", "B"], "date": [d(2024, 1, 9)] * 2, "ltr": [9, 3]},
        {"customer_id": "cid", "date": "date", "nps_score": "ltr"},
    )
    customers = parquet_table(
        engine, "customers",
        {"cid": ["A", "B", "C"], "plan": ["Pro", "Basic", "Pro"],
         "since": [d(2023, 1, 1), d(2023, 2, 1), d(2023, 3, 1)],
         "left": [None, d(2023, 9, 1), None], "churn": [0, 1, 0], "value": [10.0, 20.0, 30.0]},
        {"customer_id": "cid", "segment": ["plan"], "signup_date": "since", "churn_date": "left",
         "churned": "churn", "clv": "value"}, unique=True,
    )  # fmt: skip
    return RecordingEngine(engine), [ux, cx, customers]


CALLS = {
    "sus_histogram": lambda e, t: D.sus_histogram(e, t, bin_width=10.0, filters=FILTERED),
    "scale_counts_nps": lambda e, t: D.scale_counts(e, t, "nps", filters=FILTERED),
    "value_histogram_clv": lambda e, t: D.value_histogram(e, t, "clv", bins=10),
    "cohort_retention": lambda e, t: D.cohort_retention(
        e, t, filters=FILTERED, as_of=dt.date(2024, 1, 1), max_months=6
    ),
}


@pytest.mark.parametrize("name", sorted(CALLS))
def test_distribution_sql(name, recorded, snapshot):
    engine, tables = recorded
    got = CALLS[name](engine, tables)
    assert not isinstance(got, Missing), got
    snapshot(engine.text(), f"distributions/{name}.sql")
