"""Generated SQL is snapshot-tested: a change to the compiler shows up as a readable diff."""

from __future__ import annotations

import datetime as dt

import pytest

from uxcx.metrics import METRICS, get_metric
from uxcx.sql import Filters, Missing, TableInfo, compile_metric, quote_ident

SUS = {f"sus_q{i}": f"Item {i}" for i in range(1, 11)}

SURVEY = TableInfo(
    "ux_survey",
    "read_parquet('/ws/ds/tables/ux_survey.parquet')",
    {"customer id": "VARCHAR", "date": "DATE", "product": "VARCHAR", "LTR app": "BIGINT",
     **{v: "BIGINT" for v in SUS.values()}},
    {"customer_id": "customer id", "date": "date", "segment": ["product"],
     "product_nps_score": "LTR app", **SUS},
)  # fmt: skip
CUSTOMERS = TableInfo(
    "customers",
    "read_parquet('/ws/ds/tables/customers.parquet')",
    {"customer id": "VARCHAR", "plan": "VARCHAR", 'Churn "label"': "VARCHAR", "since": "DATE"},
    {"customer_id": "customer id", "segment": ["plan"], "churned": 'Churn "label"',
     "signup_date": "since"},
    customer_unique=True,
)  # fmt: skip
TABLES = [SURVEY, CUSTOMERS]

CASES = {
    "sus_all": dict(metric="sus"),
    "sus_by_plan_month_filtered": dict(
        metric="sus", by="plan", grain="month",
        filters=Filters(dt.date(2025, 1, 1), dt.date(2025, 6, 30), {"plan": ["Pro", "Basic"]}),
    ),
    "product_nps_by_product": dict(metric="product_nps", by="product"),
    "churn_text_labels_by_quarter": dict(metric="churn_rate", grain="quarter"),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(CASES))
def test_sql_snapshot(case, snapshot):
    spec = dict(CASES[case])
    q = compile_metric(get_metric(spec.pop("metric")), TABLES, **spec)
    assert not isinstance(q, Missing), q
    snapshot(q.sql + "\n-- params: " + repr(q.params) + "\n", f"compile/{case}.sql")


def test_identifiers_are_quoted_and_values_bound():
    q = compile_metric(
        get_metric("churn_rate"), TABLES, filters=Filters(segments={"plan": ["x'); DROP --"]})
    )
    assert "x'); DROP" not in q.sql and q.params == ("x'); DROP --",)
    assert '"Churn ""label"""' in q.sql
    assert quote_ident('a"b') == '"a""b"'


def test_unlinkable_breakdown_is_missing_not_an_error():
    alone = TableInfo("t", "read_parquet('/x.parquet')", {"s": "BIGINT"}, {"nps_score": "s"})
    got = compile_metric(get_metric("nps"), [alone], by="plan")
    assert isinstance(got, Missing) and "plan" in got.reason


def test_filter_on_unreachable_column_is_reported():
    alone = TableInfo("t", "read_parquet('/x.parquet')", {"s": "BIGINT"}, {"nps_score": "s"})
    q = compile_metric(get_metric("nps"), [alone], filters=Filters(segments={"plan": ["A"]}))
    assert q.unapplied_filters == ("plan",)


def test_every_metric_compiles_when_its_roles_exist():
    for m in METRICS:
        cols = {f"c_{r}": "DOUBLE" for r in m.variants[0].roles}
        t = TableInfo(
            "t", "read_parquet('/x.parquet')", cols, {r: f"c_{r}" for r in m.variants[0].roles}
        )
        assert not isinstance(compile_metric(m, [t]), Missing), m.id
