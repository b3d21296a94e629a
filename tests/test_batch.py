"""One scan for many metrics (uxcx/sql/batch.py, compute_many): the same results as one query each.

`compute_each` runs `compile_metric` per metric, the reference; `compute` and `compute_many` run
the batched GROUPING SETS query. On the multi-file sample data (joins to the customer table,
segments some files cannot reach, metrics with a row condition) every result, missing metric and
statistic must agree, and the batch must run one query per table.
"""

from __future__ import annotations

import datetime as dt
import math

import pytest

from tests.helpers import RecordingEngine, parquet_table
from tests.test_sql_snapshots import FILTERED, TABLES
from uxcx.compute import MetricResult, Request, compute, compute_each, compute_many
from uxcx.engines.duckdb import DuckDBEngine
from uxcx.metrics import METRICS, get_metric
from uxcx.sql import SPARK, Filters, compile_batch
from uxcx.store import Workspace

ALL = ("grp",), ()


def _same(a: list[MetricResult], b: list[MetricResult]) -> None:
    assert [(r.metric, r.group, r.period, r.n) for r in a] == [
        (r.metric, r.group, r.period, r.n) for r in b
    ]
    for x, y in zip(a, b, strict=True):
        for f in ("value", "ci_low", "ci_high"):
            u, v = getattr(x, f), getattr(y, f)
            assert (math.isnan(u) and math.isnan(v)) or u == pytest.approx(v, rel=1e-12), (x, f)
        assert x.stats.keys() == y.stats.keys()
        for k in x.stats:
            u, v = x.stats[k], y.stats[k]
            if isinstance(v, float):
                assert u == pytest.approx(v, rel=1e-12, nan_ok=True), (x.metric, k)
            else:
                assert u == v and type(u) is type(v), (x.metric, k)
        assert (x.method, x.grade, x.table, x.out_of_scale, x.unapplied_filters) == (
            y.method, y.grade, y.table, y.out_of_scale, y.unapplied_filters
        )  # fmt: skip


_DATASETS = {}


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    ws = Workspace(tmp_path_factory.mktemp("batch"))
    ds = ws.sample_dataset()
    _DATASETS[id(ws.engine)] = ds
    return ws.engine, ds.table_infos(ws.engine)


def _sample_dataset(engine):
    return _DATASETS[id(engine)]


KWARGS = [
    {},
    {"by": "plan"},
    {"by": "product"},  # not in the CX survey or the customer table: some metrics missing
    {"grain": "month"},
    {"by": "plan", "grain": "quarter"},
    {"filters": Filters(dt.date(2024, 1, 1), dt.date(2024, 6, 30), {"plan": ["Pro"]})},
    {"by": "channel", "filters": Filters(None, dt.date(2024, 3, 31))},
    {"filters": Filters(dt.date(2030, 1, 1), None)},  # no rows at all
]


@pytest.mark.parametrize("kw", KWARGS, ids=str)
def test_batch_equals_one_query_per_metric(sample, kw):
    engine, tables = sample
    ref, ref_missing = compute_each(engine, tables, **kw)
    got, got_missing = compute(engine, tables, **kw)
    _same(got, ref)
    assert got_missing == ref_missing


def test_many_requests_share_scans_and_equal_each(sample):
    engine, tables = sample
    cur = Filters(dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    prev = Filters(dt.date(2023, 1, 1), dt.date(2023, 12, 31))
    asked = [
        Request(None, "plan", None),
        Request(None, None, None),
        Request(("nps", "csat", "time_on_task"), None, "month", cur),
        Request(("nps", "csat", "time_on_task"), None, None, cur),
        Request(("nps", "csat"), None, None, prev),
        Request(("csat", "nps", "csat"), "plan", None),  # order and repeats kept
    ]
    rec = RecordingEngine(engine)
    answers = compute_many(rec, tables, asked)
    for r, (results, missing) in zip(asked, answers, strict=True):
        ref, ref_missing = compute_each(
            engine, tables, r.metric_ids, by=r.by, grain=r.grain, filters=r.filters
        )
        _same(results, ref)
        assert missing == ref_missing
    # Three scans of filters (none, cur, prev), each one query per table read.
    tables_read = {r.table for a, _ in answers for r in a}
    assert len(rec.queries) <= 3 * len(tables_read)
    assert sum("GROUPING SETS" in sql for sql, _ in rec.queries) >= 2


def test_groups_where_a_metric_has_no_rows_are_left_out(tmp_path):
    """Time on task counts successful attempts only: a plan without one has no group."""
    engine = DuckDBEngine(tmp_path)
    tasks = parquet_table(
        engine, "tasks",
        {"plan": ["A", "A", "B", "B", None], "ok": [1, 0, 0, 0, 1],
         "secs": [30.0, 50.0, 20.0, 10.0, 40.0], "when": [dt.date(2024, 1, 2)] * 5},
        {"segment": ["plan"], "task_success": "ok", "time_on_task": "secs", "date": "when"},
    )  # fmt: skip
    for kw in ({"by": "plan"}, {"by": "plan", "grain": "month"}, {}):
        ref, _ = compute_each(engine, [tasks], ["time_on_task", "task_success_rate"], **kw)
        got, _ = compute(engine, [tasks], ["time_on_task", "task_success_rate"], **kw)
        _same(got, ref)
    groups = [r.group for r in got if r.metric == "time_on_task"]
    assert groups == [None]  # overall only (kw={} last): the check ran on a real result
    by_plan, _ = compute(engine, [tasks], ["time_on_task"], by="plan")
    # B has no successful attempt; the row without a plan is the "(no value)" group.
    assert [r.group for r in by_plan] == ["A", "(no value)"]


def test_batch_sql_snapshot(snapshot):
    batch = compile_batch(METRICS, TABLES, by="plan", sets=ALL)
    assert not batch.missing[0] and not batch.missing[1]
    text = "\n\n".join(f"{q.sql}\n-- params: {q.params!r}" for q in batch.queries)
    snapshot(text + "\n", "batch/all_by_plan_and_overall.sql")


def test_batch_sql_snapshot_tiles_trend_and_current(snapshot):
    batch = compile_batch(METRICS, TABLES, grain="month", filters=FILTERED, sets=[("period",), ()])
    text = "\n\n".join(f"{q.sql}\n-- params: {q.params!r}" for q in batch.queries)
    snapshot(text + "\n", "batch/all_month_and_current_filtered.sql")


def test_batch_sql_snapshot_spark(snapshot):
    batch = compile_batch(METRICS, TABLES, by="plan", filters=FILTERED, sets=ALL, dialect=SPARK)
    text = "\n\n".join(f"{q.sql}\n-- params: {q.params!r}" for q in batch.queries)
    assert "GROUPING SETS ((grp), ())" in text and "NULLS LAST" in text
    snapshot(text + "\n", "batch/spark_all_by_plan_and_overall_filtered.sql")


def test_one_query_per_table_and_sets_validated():
    batch = compile_batch(METRICS, TABLES, by="plan", sets=ALL)
    assert len(batch.queries) == len({q.table for q in batch.queries}) == len(TABLES)
    assert sorted(s.metric_id for q in batch.queries for s in q.slots) == sorted(
        m.id for m in METRICS
    )
    with pytest.raises(ValueError, match="needs by"):
        compile_batch([get_metric("nps")], TABLES, sets=[("grp",)])
    with pytest.raises(ValueError, match="unknown time grain"):
        compile_batch([get_metric("nps")], TABLES, grain="fortnight")


def test_tiles_in_few_scans_equal_one_request_at_a_time(sample):
    from functools import partial

    from uxcx.periods import periods
    from uxcx.tiles import per_request, tile_data

    engine, tables = sample
    rec = RecordingEngine(engine)
    ws_ds = _sample_dataset(engine)
    ids = [m.id for m in METRICS]
    per = periods(Filters(), (dt.date(2023, 7, 1), dt.date(2024, 12, 31)))
    assert per.previous and per.compare_current
    fast = tile_data(ws_ds, ids, per, lambda reqs: compute_many(rec, tables, reqs))
    slow = tile_data(ws_ds, ids, per, per_request(partial(compute_each, engine, tables)))
    assert fast.keys() == slow.keys()
    for mid in ids:
        a, b = fast[mid], slow[mid]
        _same([x for x in (a.current, a.previous) if x], [x for x in (b.current, b.previous) if x])
        _same(a.trend, b.trend)
        assert (a.missing, a.by_signup) == (b.missing, b.by_signup)
        assert (a.change is None) == (b.change is None)
        if a.change and b.change:
            assert a.change.diff == pytest.approx(b.change.diff, rel=1e-9, abs=1e-12)
    assert any(fast[m].change for m in ids) and any(len(fast[m].trend) > 3 for m in ids)
    # current + trend share a scan; previous and the recent window one each: 3 per table.
    assert len(rec.queries) <= 3 * len(tables)


def test_cli_shape_by_and_grain_beside_the_trend_overall(sample):
    """`uxcx metrics --by plan --grain month`: GROUPING SETS ((grp, period), (period))."""
    engine, tables = sample
    rec = RecordingEngine(engine)
    asked = [Request(None, "plan", "month"), Request(None, None, "month")]
    answers = compute_many(rec, tables, asked)
    for r, (results, missing) in zip(asked, answers, strict=True):
        ref, ref_missing = compute_each(engine, tables, by=r.by, grain=r.grain)
        _same(results, ref)
        assert missing == ref_missing and len(results) > 50
    assert all("GROUPING SETS ((grp, period), (period))" in sql for sql, _ in rec.queries)
