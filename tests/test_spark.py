"""The Spark engine computes what DuckDB computes, from the same metric definitions.

Tests marked `spark` run PySpark in local mode (one session for this module) and are left out
of the default run; `pytest -m spark` runs them (CI does, after `make test`). The unmarked tests
check the Spark SQL the dialect writes and how the engine is chosen, without starting a JVM.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_sql_snapshots import FILTERED, TABLES
from uxcx import describe
from uxcx import distributions as D
from uxcx.cli import main
from uxcx.compute import MetricResult, compute
from uxcx.engines import EngineUnavailable, QueryError, engine_for
from uxcx.engines.duckdb import DuckDBEngine
from uxcx.engines.spark import SparkEngine, stop_session
from uxcx.metrics import METRICS
from uxcx.sql import SPARK, Filters, Missing, compile_metric
from uxcx.store import Workspace

ROOT = Path(__file__).parent.parent
SAMPLE = sorted((ROOT / "sample_data").glob("*.csv"))
MESSY = ROOT / "tests" / "data" / "messy"
REL = 1e-9

# A survey whose customers are partly unknown to the customer table (group NULL: sorted last),
# with text yes/no answers (one unknown word) and an out-of-scale score.
ORPHANS = {
    "customers.csv": b"cid,plan\nA,Pro\nB,Basic\nC,Pro\n",
    "survey.csv": (
        b"cid,when,ltr,happy,renewed\n"
        b"A,2024-01-03,10,5,yes\nB,2024-01-20,3,2,no\nX,2024-02-01,9,4,Yes\n"
        b"Y,2024-02-11,11,1,maybe\nC,2024-03-05,7,3,no\nZ,2024-03-09,6,5,yes\n"
    ),
}
ORPHAN_ROLES = {
    "customers": {"customer_id": "cid", "segment": ["plan"]},
    "survey": {"customer_id": "cid", "date": "when", "nps_score": "ltr", "csat_score": "happy",
               "converted": "renewed"},
}  # fmt: skip


def orphans(ws: Workspace):
    """The ORPHANS files as a dataset with their roles set."""
    return ws.apply_roles(ws.create_dataset(list(ORPHANS.items())), ORPHAN_ROLES)


# ---- without a JVM: the SQL the dialect writes, and the engine choice --------------------
def _spark_tables():
    src = "parquet.`file:///ws/ds/tables/{}.parquet`"
    return [dataclasses.replace(t, source=src.format(t.name)) for t in TABLES]


@pytest.mark.parametrize("metric", METRICS, ids=lambda m: m.id)
def test_spark_sql_snapshot(metric, snapshot):
    q = compile_metric(
        metric, _spark_tables(), by="plan", grain="month", filters=FILTERED, dialect=SPARK
    )
    assert not isinstance(q, Missing), q
    snapshot(f"{q.sql}\n-- params: {q.params!r}\n", f"spark/{metric.id}_by_plan_month.sql")


def test_spark_dialect_spellings():
    assert SPARK.quote_ident("Q7: would you `really`?") == "`Q7: would you ``really``?`"
    assert SPARK.quote_literal("it's a\\b") == "'it\\'s a\\\\b'"
    assert SPARK.as_text("x") == "CAST(x AS STRING)"
    assert SPARK.quantile("v", "[0.25, 0.5]") == "percentile(v, array(0.25, 0.5))"
    assert SPARK.series(1, "? + 1") == "(SELECT id AS `range` FROM range(1, ? + 1))"
    assert SPARK.order_by(("grp", "period")) == "grp NULLS LAST, period NULLS LAST"


def test_engine_choice_env_and_override(tmp_path, monkeypatch):
    monkeypatch.delenv("UXCX_ENGINE", raising=False)
    assert engine_for(tmp_path).name == "duckdb"
    monkeypatch.setenv("UXCX_ENGINE", "spark")
    assert engine_for(tmp_path).name == "spark"
    assert engine_for(tmp_path, "duckdb").name == "duckdb"  # --engine wins over the env
    monkeypatch.setenv("UXCX_ENGINE", "oracle")
    with pytest.raises(EngineUnavailable, match="Unknown engine 'oracle'"):
        engine_for(tmp_path)


def test_choosing_spark_imports_no_pyspark_until_a_query(tmp_path):
    code = (
        "import sys; from pathlib import Path; from uxcx.engines import engine_for; "
        f"e = engine_for(Path({str(tmp_path)!r}), 'spark'); "
        f"print(e.source(Path({str(tmp_path)!r}) / 'a.parquet')); "
        "assert 'pyspark' not in sys.modules"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == f"parquet.`file://{tmp_path.resolve()}/a.parquet`"


def test_source_stays_inside_the_workspace_and_maps_paths(tmp_path, monkeypatch):
    monkeypatch.setenv("UXCX_SPARK_PATH_MAP", f"{tmp_path}=s3a://lake/uxcx")
    e = SparkEngine(tmp_path / "ws")
    assert (
        e.source(tmp_path / "ws" / "d" / "t.parquet") == "parquet.`s3a://lake/uxcx/ws/d/t.parquet`"
    )
    with pytest.raises(QueryError, match="inside its workspace"):
        e.source(tmp_path / "elsewhere.parquet")


class _NoSpark:
    def sql(self, *_a, **_k):
        raise AssertionError("ingest must not query Spark")


def test_ingest_profiles_on_duckdb_whatever_the_engine(tmp_path):
    ws = Workspace(tmp_path, engine=SparkEngine(tmp_path, spark=_NoSpark()))  # type: ignore[arg-type]
    assert ws.engine.name == "spark" and ws.profiler.name == "duckdb"
    ds = orphans(ws)
    assert ds.table("customers").customer_unique
    assert ds.table("survey").columns["renewed"] == "VARCHAR"  # "maybe" keeps it text


# ---- on Spark: every metric equals DuckDB's -----------------------------------------------
@pytest.fixture(scope="module")
def engines(tmp_path_factory):
    """DuckDB and Spark on one workspace holding the sample, the messy files and ORPHANS."""
    root = tmp_path_factory.mktemp("spark-ws")
    ws = Workspace(root, engine=DuckDBEngine(root))
    datasets = {
        "sample": ws.create_dataset([(p.name, p) for p in SAMPLE]),
        "messy": ws.create_dataset(
            [(n, MESSY / n) for n in ("semicolon_decimal_comma_cp1252.csv", "likert_sus.csv")]
        ),
        "yes_no": ws.create_dataset([("q.csv", MESSY / "quoted_numbers_yes_no.csv")]),
        "orphans": orphans(ws),
    }
    yield ws.engine, SparkEngine(root), datasets
    stop_session()


def _close(a: object, b: object) -> float:
    """The relative difference of two numbers (0 when both are NaN); asserts same kind."""
    if a is None or b is None:
        assert a is None and b is None, (a, b)
        return 0.0
    assert type(a) is type(b), (a, b)
    if isinstance(a, int):
        assert a == b
        return 0.0
    if isinstance(a, float) and isinstance(b, float):
        if math.isnan(a) or math.isnan(b):
            assert math.isnan(a) and math.isnan(b), (a, b)
            return 0.0
        diff = abs(a - b) / max(abs(a), abs(b), 1e-300) if a != b else 0.0
        assert diff <= REL, (a, b, diff)
        return diff
    assert a == b, (a, b)
    return 0.0


def compare_results(duck: list[MetricResult], spark: list[MetricResult]) -> tuple[int, float]:
    """Same rows in the same order; equal n and stats; estimates and CIs to 1e-9 relative."""
    key = [(r.metric, r.group, r.period) for r in duck]
    assert key == [(r.metric, r.group, r.period) for r in spark]
    worst = 0.0
    for d, s in zip(duck, spark, strict=True):
        assert (d.n, d.out_of_scale, d.method, d.grade) == (s.n, s.out_of_scale, s.method, s.grade)
        for f in ("value", "ci_low", "ci_high"):
            worst = max(worst, _close(getattr(d, f), getattr(s, f)))
        assert d.stats.keys() == s.stats.keys()
        for k in d.stats:
            worst = max(worst, _close(d.stats[k], s.stats[k]))
    return len(duck), worst


CASES = {
    "overall": {},
    "by plan": {"by": "plan"},
    "by month": {"grain": "month"},
    "by plan and week, filtered": {
        "by": "plan",
        "grain": "week",
        "filters": Filters(dt.date(2024, 3, 1), dt.date(2024, 12, 31), {"plan": ["Pro", "Basic"]}),
    },
}


class Schemas:
    """An engine that also keeps the schema of every result it returns."""

    def __init__(self, engine):
        self.engine, self.name, self.dialect = engine, engine.name, engine.dialect
        self.schemas: list = []

    def source(self, path):
        return self.engine.source(path)

    def query(self, sql, params=()):
        table = self.engine.query(sql, params)
        self.schemas.append(table.schema)
        return table

    def rows(self, sql, params=()):
        # The Arrow schema for the type comparison, and the engine's own rows (what compute reads).
        self.schemas.append(self.engine.query(sql, params).schema)
        return self.engine.rows(sql, params)


def run_both(engines, dataset: str, **kw) -> tuple[int, float]:
    """compute() on both engines: the same metrics missing, result columns and results."""
    duck, spark = (Schemas(e) for e in engines[:2])
    ds = engines[2][dataset]
    rd, md = compute(duck, ds.table_infos(duck), **kw)
    rs, ms = compute(spark, ds.table_infos(spark), **kw)
    assert [m.metric_id for m in md] == [m.metric_id for m in ms]
    # Column names and Arrow types (int64 counts, double sums and means, string grp, date period).
    assert spark.schemas == duck.schemas
    return compare_results(rd, rs)


@pytest.mark.spark
@pytest.mark.parametrize("case", CASES, ids=str)
def test_sample_every_metric_equals_duckdb(engines, case):
    n, worst = run_both(engines, "sample", **CASES[case])
    assert n >= len(METRICS)
    print(f"sample {case}: {n} metric × group results, max relative difference {worst:.2e}")


@pytest.mark.spark
@pytest.mark.parametrize(
    ("dataset", "kw"),
    [("messy", {}), ("messy", {"grain": "month"}), ("yes_no", {}), ("yes_no", {"by": "Gender"}),
     ("orphans", {}), ("orphans", {"by": "plan", "grain": "month"})],
)  # fmt: skip
def test_messy_and_orphans_equal_duckdb(engines, dataset, kw):
    n, worst = run_both(engines, dataset, **kw)
    assert n > 0
    print(f"{dataset} {kw}: {n} results, max relative difference {worst:.2e}")


@pytest.mark.spark
def test_orphan_group_sorts_last_like_duckdb(engines):
    duck, spark, datasets = engines
    ds = datasets["orphans"]
    rs, _ = compute(spark, ds.table_infos(spark), ["nps"], by="plan")
    # Rows without a plan are the "(no value)" group (a null group means the whole data).
    assert [r.group for r in rs] == ["Basic", "Pro", "(no value)"]
    rd, _ = compute(duck, ds.table_infos(duck), ["nps"], by="plan")
    assert [r.group for r in rd] == [r.group for r in rs]


@pytest.mark.spark
def test_charts_and_descriptions_equal_duckdb(engines):
    duck, spark, datasets = engines
    ds = datasets["sample"]
    td, ts = ds.table_infos(duck), ds.table_infos(spark)
    f = CASES["by plan and week, filtered"]["filters"]
    pairs = [
        (D.sus_histogram(duck, td, filters=f), D.sus_histogram(spark, ts, filters=f)),
        (D.scale_counts(duck, td, "nps"), D.scale_counts(spark, ts, "nps")),
        (D.value_histogram(duck, td, "clv"), D.value_histogram(spark, ts, "clv")),
        (D.cohort_retention(duck, td), D.cohort_retention(spark, ts)),
    ]
    for a, b in pairs:
        assert (a.n, a.out_of_scale, a.method) == (b.n, b.out_of_scale, b.method)
        assert a.extra.keys() == b.extra.keys()
        for k in a.extra:
            _close(a.extra[k], b.extra[k])
        assert list(a.data.dtypes.items()) == list(b.data.dtypes.items())
        rows_a, rows_b = a.data.to_dict("records"), b.data.to_dict("records")
        assert len(rows_a) == len(rows_b) > 0
        for ra, rb in zip(rows_a, rows_b, strict=True):
            for col in ra:
                _close(ra[col], rb[col])
    assert describe.segment_values(duck, ds) == describe.segment_values(spark, ds)
    assert describe.date_bounds(duck, ds) == describe.date_bounds(spark, ds)
    qd, qs = describe.quality_report(duck, ds), describe.quality_report(spark, ds)
    assert [dataclasses.replace(q, examples=sorted(q.examples)) for q in qd] == qs
    assert describe.preview(spark, ds, "customers", 5).num_rows == 5


@pytest.mark.spark
def test_query_errors_are_one_sentence(engines):
    _, spark, _ = engines
    with pytest.raises(QueryError, match=r"^Spark could not compute this \(") as e:
        spark.query("SELECT no_such_column FROM range(1)")
    assert "\n" not in str(e.value)


def _cli_json(capsys, *args: str) -> dict:
    assert main(["metrics", *map(str, SAMPLE), *args, "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.spark
def test_cli_engine_spark_prints_the_same_metrics(engines, capsys, monkeypatch):
    monkeypatch.setenv("UXCX_ENGINE", "spark")  # --engine beats the environment
    duck = _cli_json(capsys, "--engine", "duckdb")
    spark = _cli_json(capsys, "--engine", "spark")
    assert (duck.pop("engine"), spark.pop("engine")) == ("duckdb", "spark")
    assert spark == duck


@pytest.mark.spark
def test_grouping_sets_batch_equals_duckdb(engines):
    """compute_many: by plan beside overall, and a monthly trend beside its total, in one scan."""
    from uxcx.compute import Request, compute_many

    duck, spark, datasets = engines
    ds = datasets["sample"]
    f = Filters(dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    asked = [Request(None, "plan"), Request(None), Request(None, None, "month", f),
             Request(None, None, None, f)]  # fmt: skip
    dd = compute_many(duck, ds.table_infos(duck), asked)
    ss = compute_many(spark, ds.table_infos(spark), asked)
    for (rd, md), (rs, ms) in zip(dd, ss, strict=True):
        assert [m.metric_id for m in md] == [m.metric_id for m in ms]
        n, worst = compare_results(rd, rs)
        assert n >= 1 and worst <= 1e-9
