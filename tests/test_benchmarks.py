"""The benchmark's peers compute what uxcx computes (correctness only: no timing is asserted here).

On a small generated file, uxcx's library ``compute()`` (through the real ingest and role
detection, as the CLI reads a file) equals the hand-written DuckDB SQL and the pandas version
for every metric overall and by plan: n exactly, every value and interval bound to 1e-9
relative (the implementations sum floats in different orders, so the last bits may differ).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks import cases, generator, runner, values
from benchmarks.peers import ci, duck, frame
from uxcx.metrics import METRIC_BY_ID

ROOT = Path(__file__).parent.parent
ROWS = 2000


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("bench")
    out = {"csv": d / "bench.csv", "parquet": d / "bench.parquet"}
    generator.write(ROWS, out["csv"], out["parquet"])
    return out


@pytest.fixture(scope="module")
def dataset(files, tmp_path_factory):
    return values.uxcx_dataset(files["csv"], tmp_path_factory.mktemp("ws"))


@pytest.fixture(scope="module")
def uxcx_csv(dataset) -> list[dict]:
    return values.results_of(*dataset, "plan")


def test_generator_headers_need_no_map(dataset):
    (table,) = dataset[1].tables
    assert table.rows == ROWS and table.rejected_rows == 0
    expected = {role: col for col, role in generator.COLUMNS.items() if role != "segment"}
    assert {k: v for k, v in table.roles.items() if k != "segment"} == expected
    assert table.roles["segment"] == [generator.SEGMENT]


def test_uxcx_covers_every_metric_overall_and_by_plan(uxcx_csv):
    keys = {(r["metric"], r["group"]) for r in uxcx_csv}
    groups = [None, *sorted(generator.PLANS)]
    assert keys == {(m, g) for m in METRIC_BY_ID for g in groups}
    assert list(ci.METRICS) == list(METRIC_BY_ID)  # the peers know every metric, in order


@pytest.mark.parametrize("peer", [duck, frame], ids=["duckdb", "pandas"])
def test_peer_equals_uxcx_on_csv(peer, files, uxcx_csv):
    got = values.compare(uxcx_csv, peer.run(files["csv"], "plan"), rel_tol=1e-9)
    assert got["ok"], got["problems"]
    assert got["rows"] == 14 * 4


def test_peers_equal_uxcx_on_parquet(files, tmp_path):
    ours = values.uxcx_results(files["parquet"], tmp_path, "plan")
    for peer in (duck, frame):
        got = values.compare(ours, peer.run(files["parquet"], "plan"), rel_tol=1e-9)
        assert got["ok"], (peer.__name__, got["problems"])


def test_parquet_holds_the_csv_rows(files):
    a, b = duck.run(files["csv"], "plan"), duck.run(files["parquet"], "plan")
    assert values.compare(a, b, rel_tol=1e-12)["ok"]


def test_data_have_out_of_scale_values_and_holes(files):
    import duckdb

    row = duckdb.sql(
        f"SELECT count(*) FILTER (nps_score > 10), count(*) FILTER (csat_score = 0), "
        f"count(*) FILTER (nps_score IS NULL) FROM read_csv('{files['csv']}')"
    ).fetchall()[0]
    assert row[2] > 0  # empty cells
    big = generator.make_table(200_000)
    nps = big.column("nps_score").to_numpy(zero_copy_only=False)
    assert (nps == 11).sum() > 0  # the out-of-scale values exist (rare: 5 in 10,000)


def test_peer_command_line_prints_uxcx_json_shape(files):
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.peers.duck", str(files["csv"]), "--by", "plan"],
        capture_output=True, text=True, check=True, cwd=ROOT,
    )  # fmt: skip
    rows = json.loads(out.stdout)["metrics"]
    assert rows == ci.rounded(duck.run(files["csv"], "plan"))


@pytest.mark.parametrize("df", [1, 2, 3, 4, 7, 29, 30, 120, 999, 1000, 5000, 10**6])
def test_t_quantile_matches_scipy(df):
    from scipy import stats

    assert ci.t_quantile(0.975, df) == pytest.approx(stats.t.ppf(0.975, df), rel=1e-12)


def test_intervals_match_uxcx_stats():
    from uxcx import stats

    for got, want in [
        (ci.adjusted_wald(37, 80), stats.adjusted_wald(37, 80)),
        (ci.adjusted_wald(0, 5), stats.adjusted_wald(0, 5)),
        (ci.nps(30, 12, 70), stats.nps_interval(30, 12, 70)),
        (ci.t_interval(4.2, 1.1, 12), stats.t_interval(4.2, 1.1, 12)),
        (ci.geomean(4.1, 0.5, 40), stats.geometric_mean_interval(4.1, 0.5, 40)),
    ]:
        assert got == pytest.approx((want.value, want.ci_low, want.ci_high), rel=1e-12)
    assert all(v != v for v in ci.t_interval(3.0, 0.0, 1)[1:])  # n = 1: no interval


def test_figures_pass_and_fail_on_their_goals():
    # The table logic on made-up measurements (no process is run, nothing is timed).
    def side(s: float) -> dict:
        return {"best_s": s, "best_cpu_s": s, "max_rss_kb": 1000, "errors": [], "runs": []}

    measured = {
        "metrics_csv": {"sides": {"uxcx": side(3.0), "duckdb": side(2.0), "pandas": side(12.0)}},
        "startup": {"sides": {"uxcx": side(0.6), "duckdb": side(0.2)}},
    }
    rows = {r["id"]: r for r in runner.figures(measured, None, 0)}
    assert rows["metrics_csv_vs_duckdb"]["ratio"] == pytest.approx(1.5)
    assert rows["metrics_csv_vs_duckdb"]["pass"] is True
    assert rows["metrics_csv_vs_pandas"]["pass"] is True  # 4× faster
    assert rows["startup"]["pass"] is False  # 0.6 s is not < 0.5 s
    assert "metrics_parquet_vs_duckdb" not in rows
    assert "ingest_vs_duckdb" in {f.id for f in cases.FIGURES}
    assert "FAIL" in runner.table(list(rows.values()), "t")
