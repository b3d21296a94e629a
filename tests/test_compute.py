"""Metrics computed end to end in DuckDB: published worked examples and reference computations."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sps

from tests.helpers import parquet_table
from uxcx.compute import compare, compute
from uxcx.engines.duckdb import DuckDBEngine
from uxcx.metrics import get_metric
from uxcx.sql import Filters


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    return DuckDBEngine(tmp_path_factory.mktemp("ws"))


def one(engine, data, roles, metric, **kw):
    t = parquet_table(engine, f"t{abs(hash(str(data))) % 10**8}", data, roles)
    results, missing = compute(engine, [t], [metric], **kw)
    assert not missing, missing
    return results


def test_task_success_four_of_five(engine):
    # Sauro & Lewis: 4 of 5 successes → adjusted-Wald 95% CI 36% … 98%.
    r = one(engine, {"ok": [1, 1, 1, 1, 0]}, {"task_success": "ok"}, "task_success_rate")[0]
    assert r.value == pytest.approx(80.0)
    assert r.ci_low == pytest.approx(36.0, abs=0.5)
    assert r.ci_high == pytest.approx(98.0, abs=0.5)
    assert (r.n, r.method) == (5, "adjusted Wald")


def test_time_on_task_geometric_mean(engine):
    # Sauro & Lewis: times 55,65,75,62,45,135 s → geometric mean 68 s, CI 46 … 101 s.
    times = [55.0, 65, 75, 62, 45, 135]
    r = one(engine, {"secs": times}, {"time_on_task": "secs"}, "time_on_task")[0]
    assert round(r.value) == 68
    assert round(r.ci_low) == 46 and round(r.ci_high) == 101


def test_time_on_task_uses_successful_attempts_only(engine):
    data = {"secs": [10.0, 20.0, 1000.0], "ok": [True, True, False]}
    r = one(engine, data, {"time_on_task": "secs", "task_success": "ok"}, "time_on_task")[0]
    assert r.n == 2
    assert r.value == pytest.approx(math.sqrt(200))


def test_nps_worked_example(engine):
    scores = [10] * 50 + [8] * 25 + [3] * 25
    r = one(engine, {"ltr": scores}, {"nps_score": "ltr"}, "nps")[0]
    assert r.value == pytest.approx(25.0)
    assert r.ci_low == pytest.approx(8.3, abs=0.15)
    assert r.ci_high == pytest.approx(40.2, abs=0.15)


def test_sus_from_items_and_grade(engine):
    # A respondent answering 5 to odd and 1 to even items scores 100; the reverse scores 0.
    best = [5, 1] * 5
    worst = [1, 5] * 5
    mid = [3] * 10
    rows = [best, worst, mid]
    data = {f"Q{i + 1}": [r[i] for r in rows] for i in range(10)}
    roles = {f"sus_q{i + 1}": f"Q{i + 1}" for i in range(10)}
    r = one(engine, data, roles, "sus")[0]
    assert r.value == pytest.approx(50.0)
    assert r.n == 3
    ref = sps.t.interval(0.95, 2, loc=50, scale=sps.sem([100, 0, 50]))
    assert ref[0] < 0 and ref[1] > 100  # shown clipped to the 0–100 scale
    assert (r.ci_low, r.ci_high) == (0.0, 100.0)
    r = one(engine, {k: v * 3 for k, v in data.items()}, roles, "sus")[0]
    ref = sps.t.interval(0.95, 8, loc=50, scale=sps.sem([100, 0, 50] * 3))
    assert (r.ci_low, r.ci_high) == pytest.approx(ref)
    assert r.grade == "F"


def test_out_of_scale_values_are_counted_not_used(engine):
    data = {"ltr": [10, 10, 0, 11, -1], "csat": [5, 4, 0, 6, 3]}
    r = one(engine, data, {"nps_score": "ltr"}, "nps")[0]
    assert (r.n, r.out_of_scale) == (3, 2)
    r = one(engine, data, {"csat_score": "csat"}, "csat")[0]
    assert (r.n, r.out_of_scale) == (3, 2)
    assert r.value == pytest.approx(200 / 3)


def test_text_yes_no_and_unknown_words(engine):
    data = {"churn": ["Yes", "no", "YES", "maybe", None]}
    r = one(engine, data, {"churned": "churn"}, "churn_rate")[0]
    assert (r.n, r.out_of_scale) == (3, 1)
    assert r.value == pytest.approx(200 / 3)
    keep = one(engine, data, {"churned": "churn"}, "retention_rate")[0]
    assert keep.value == pytest.approx(100 / 3)


def test_group_by_and_grain_and_filters(engine):
    data = {
        "plan": ["A", "A", "B", "B", "B"],
        "day": ["2025-01-05", "2025-02-01", "2025-01-09", "2025-01-10", "2025-02-11"],
        "csat": [5, 1, 5, 5, 2],
    }
    t = parquet_table(
        engine, "grp", data, {"csat_score": "csat", "segment": ["plan"], "date": "day"}
    )
    results, _ = compute(engine, [t], ["csat"], by="plan")
    assert {(r.group, r.n) for r in results} == {("A", 2), ("B", 3)}
    results, _ = compute(engine, [t], ["csat"], grain="month")
    assert [(str(r.period), r.n) for r in results] == [("2025-01-01", 3), ("2025-02-01", 2)]
    import datetime as dt

    f = Filters(date_from=dt.date(2025, 1, 6), segments={"plan": ["B"]})
    results, _ = compute(engine, [t], ["csat"], filters=f)
    assert results[0].n == 3


def test_join_customer_table_for_breakdown(engine):
    survey = parquet_table(
        engine, "survey", {"cid": ["c1", "c1", "c2", "c3"], "ltr": [10, 9, 0, 7]},
        {"customer_id": "cid", "nps_score": "ltr"},
    )  # fmt: skip
    customers = parquet_table(
        engine, "customers", {"cid": ["c1", "c2", "c3"], "plan": ["Pro", "Basic", "Pro"]},
        {"customer_id": "cid", "segment": ["plan"]}, unique=True,
    )  # fmt: skip
    results, _ = compute(engine, [survey, customers], ["nps"], by="plan")
    got = {r.group: (r.n, round(r.value, 6)) for r in results}
    assert got == {"Basic": (1, -100.0), "Pro": (3, round(200 / 3, 6))}


def test_missing_roles_say_what_is_needed(engine):
    t = parquet_table(engine, "only_nps", {"ltr": [9, 10]}, {"nps_score": "ltr"})
    results, missing = compute(engine, [t])
    assert [r.metric for r in results] == ["nps"]
    by_id = {m.metric_id: m for m in missing}
    assert "SUS items 1–10" in by_id["sus"].reason
    assert by_id["churn_rate"].needs == ("churned",)


def test_change_between_periods_is_tested(engine):
    before = one(engine, {"c": [5] * 40 + [1] * 60}, {"csat_score": "c"}, "csat")[0]
    after = one(engine, {"c": [5] * 70 + [1] * 30}, {"csat_score": "c"}, "csat")[0]
    ch = compare(get_metric("csat"), after, before)
    assert ch.diff == pytest.approx(30.0)
    assert ch.significant and ch.p < 0.001


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(0, 10), min_size=1, max_size=60))
def test_nps_matches_plain_computation(engine, scores):
    r = one(engine, {"s": scores}, {"nps_score": "s"}, "nps")[0]
    n = len(scores)
    expected = 100 * (sum(s >= 9 for s in scores) - sum(s <= 6 for s in scores)) / n
    assert r.value == pytest.approx(expected)
    assert r.n == n
    assert r.ci_low <= r.ci_high


@settings(max_examples=25, deadline=None)
@given(st.lists(st.floats(1, 1e5, allow_nan=False), min_size=2, max_size=40))
def test_mean_and_geomean_match_numpy(engine, values):
    r = one(engine, {"v": values}, {"clv": "v"}, "clv")[0]
    assert r.value == pytest.approx(np.mean(values), rel=1e-9)
    g = one(engine, {"v": values}, {"time_on_task": "v"}, "time_on_task")[0]
    assert g.value == pytest.approx(math.exp(np.mean(np.log(values))), rel=1e-9)


def test_interval_never_leaves_the_scale(engine):
    data = {f"Q{i}": [5 if i % 2 else 1, 1 if i % 2 else 5] for i in range(1, 11)}
    roles = {f"sus_q{i}": f"Q{i}" for i in range(1, 11)}
    r = one(engine, data, roles, "sus")[0]  # scores 100 and 0: the raw t-interval is huge
    assert (r.ci_low, r.ci_high) == (0.0, 100.0)
